/*
 * The fix for rcu-sync-in-reader: the updater waits outside any read-side section.
 * update_lock is what protects the pointer against other updaters, so the
 * updater needs no rcu_read_lock(): it unpublishes the session under the
 * mutex, then waits for the grace period, then frees.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/kthread.h>

struct session {
	int id;
};

static struct session __rcu *active;
static DEFINE_MUTEX(update_lock);

static int reader(void *data)
{
	struct session *s;
	int id = 0;

	rcu_read_lock();
	s = rcu_dereference(active);
	if (s)
		id = s->id;
	rcu_read_unlock();
	return id;
}

static int closer(void *data)
{
	struct session *s;

	mutex_lock(&update_lock);
	s = rcu_dereference_protected(active, lockdep_is_held(&update_lock));
	if (s && s->id == 1)
		rcu_assign_pointer(active, NULL);
	else
		s = NULL;
	mutex_unlock(&update_lock);
	if (s) {
		synchronize_rcu();	/* no reader can still see s after this */
		kfree(s);
	}
	return 0;
}

static int __init sess_init(void)
{
	struct session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	s->id = 1;
	RCU_INIT_POINTER(active, s);
	kthread_run(reader, NULL, "reader");
	kthread_run(closer, NULL, "closer");
	return 0;
}

module_init(sess_init);
MODULE_LICENSE("GPL");

/*
 * synchronize_rcu() inside an RCU read-side section waits for itself.
 * The grace period waits for every reader, the caller included, so it never
 * ends: lockdep prints "suspicious RCU usage", might_sleep the sleeping-function
 * BUG with "RCU nest depth: 1", and the task hangs. See rcu-sync-after-reader.
 */
#pragma ksim expect bug deadlock warning

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
	rcu_read_lock();
	s = rcu_dereference(active);
	if (s && s->id == 1) {
		rcu_assign_pointer(active, NULL);
		synchronize_rcu();	/* BUG: inside rcu_read_lock() */
		kfree(s);
	}
	rcu_read_unlock();
	mutex_unlock(&update_lock);
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

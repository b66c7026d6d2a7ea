/*
 * RCU without a grace period: the updater frees the object it has just
 * unpublished while a reader may still use it. The reader fetched the pointer
 * inside its rcu_read_lock() section; KASAN reports the use-after-free.
 * Waiting with synchronize_rcu() (or kfree_rcu) first fixes it: rcu-free-grace.
 */
#pragma ksim expect bug

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/kthread.h>

struct config {
	int threshold;
	struct rcu_head rcu;
};

static struct config __rcu *cur_config;

static int reader(void *data)
{
	struct config *c;
	int t = 0;

	rcu_read_lock();
	c = rcu_dereference(cur_config);
	if (c)
		t = c->threshold;
	rcu_read_unlock();
	return t;
}

static int updater(void *data)
{
	struct config *old = rcu_dereference_protected(cur_config, 1);

	rcu_assign_pointer(cur_config, NULL);
	kfree(old);		/* BUG: a reader may still use it */
	return 0;
}

static int __init cfg_init(void)
{
	struct config *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->threshold = 10;
	RCU_INIT_POINTER(cur_config, c);
	kthread_run(reader, NULL, "reader");
	kthread_run(updater, NULL, "updater");
	return 0;
}

module_init(cfg_init);
MODULE_LICENSE("GPL");

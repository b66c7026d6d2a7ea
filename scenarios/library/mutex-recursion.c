/*
 * Self-deadlock: a function takes a mutex its caller already holds.
 * Kernel mutexes are not recursive: the second mutex_lock waits for the
 * owner to unlock, and the owner is the waiting task itself. Lockdep
 * reports "possible recursive locking detected"; the task hangs in D state.
 */
#pragma ksim expect deadlock warning

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/mutex.h>

static DEFINE_MUTEX(dev_lock);
static int dev_count;		/* protected by dev_lock */

static void dev_update_count(void)
{
	mutex_lock(&dev_lock);	/* BUG: dev_reset already holds dev_lock */
	dev_count++;
	mutex_unlock(&dev_lock);
}

static int dev_reset(void *data)
{
	mutex_lock(&dev_lock);
	dev_count = 0;
	dev_update_count();
	mutex_unlock(&dev_lock);
	return 0;
}

static int __init recursion_init(void)
{
	kthread_run(dev_reset, NULL, "dev_reset");
	return 0;
}
module_init(recursion_init);

MODULE_LICENSE("GPL");

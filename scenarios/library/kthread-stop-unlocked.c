/*
 * The fix for kthread-stop-locked: stop the thread first, then take the lock.
 * kthread_stop() wakes the thread (from schedule(), or its next test) and waits
 * for it to exit; the thread takes dev_lock freely until it does. Clean in every
 * interleaving.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/sched.h>

static DEFINE_MUTEX(dev_lock);
static struct task_struct *poller;
static int polls;

static int poll_fn(void *arg)
{
	while (!kthread_should_stop()) {
		mutex_lock(&dev_lock);
		polls++;
		mutex_unlock(&dev_lock);
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int __init poller_init(void)
{
	poller = kthread_run(poll_fn, NULL, "poller");
	if (IS_ERR(poller))
		return PTR_ERR(poller);
	return 0;
}

static void __exit poller_exit(void)
{
	kthread_stop(poller);
	mutex_lock(&dev_lock);
	pr_info("%d polls\n", polls);
	mutex_unlock(&dev_lock);
}

module_init(poller_init);
module_exit(poller_exit);
MODULE_LICENSE("GPL");

/*
 * kthread_stop() while holding the lock the thread takes.
 * The thread can be past its kthread_should_stop() test, about to take dev_lock,
 * when rmmod takes it and waits in kthread_stop() for the thread to exit. Neither
 * can go on: two hung tasks, which lockdep cannot predict (a completion's wait).
 */
#pragma ksim expect deadlock

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
	mutex_lock(&dev_lock);
	kthread_stop(poller);
	pr_info("%d polls\n", polls);
	mutex_unlock(&dev_lock);
}

module_init(poller_init);
module_exit(poller_exit);
MODULE_LICENSE("GPL");

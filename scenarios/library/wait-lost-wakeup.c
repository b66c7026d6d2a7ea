/*
 * A lost wake-up: the consumer tests the condition before it queues itself.
 * A wake_up() that comes between the test and prepare_to_wait() finds nobody to
 * wake, and the consumer sleeps in TASK_UNINTERRUPTIBLE for good: the hung task
 * the kernel reports after 120 seconds.
 */
#pragma ksim expect deadlock

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/wait.h>
#include <linux/sched.h>

static DECLARE_WAIT_QUEUE_HEAD(data_wq);
static int data_ready;

static int consumer(void *arg)
{
	DEFINE_WAIT(wait);

	if (!READ_ONCE(data_ready)) {
		prepare_to_wait(&data_wq, &wait, TASK_UNINTERRUPTIBLE);
		schedule();
		finish_wait(&data_wq, &wait);
	}
	pr_info("consumer: data is ready\n");
	return 0;
}

static int __init lost_wakeup_init(void)
{
	struct task_struct *t = kthread_run(consumer, NULL, "consumer");

	if (IS_ERR(t))
		return PTR_ERR(t);
	WRITE_ONCE(data_ready, 1);
	wake_up(&data_wq);
	return 0;
}

static void __exit lost_wakeup_exit(void)
{
}

module_init(lost_wakeup_init);
module_exit(lost_wakeup_exit);
MODULE_LICENSE("GPL");

/*
 * The fix for wait-lost-wakeup: queue first, then test the condition.
 * The consumer queues itself and sets its state before the test, as wait_event()
 * does: a wake_up() before the test is seen by the test, one after it finds the
 * consumer queued and wakes it. Clean in every interleaving.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/wait.h>
#include <linux/sched.h>

static DECLARE_WAIT_QUEUE_HEAD(data_wq);
static int data_ready;

static int consumer(void *arg)
{
	DEFINE_WAIT(wait);

	prepare_to_wait(&data_wq, &wait, TASK_UNINTERRUPTIBLE);
	if (!READ_ONCE(data_ready))
		schedule();
	finish_wait(&data_wq, &wait);
	/* or, the same in one line: wait_event(data_wq, READ_ONCE(data_ready)); */
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

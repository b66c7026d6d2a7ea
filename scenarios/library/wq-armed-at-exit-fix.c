/*
 * The fix for wq-armed-at-exit: module_exit cancels the delayed work and waits
 * for it (cancel_delayed_work_sync): the timer is disarmed, or the work it
 * queued is taken back or waited for, before the module text is freed.
 * Clean in every interleaving.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>

static int polls;

static void poll_fn(struct work_struct *work)
{
	polls++;
	pr_info("poll %d\n", polls);
}

static DECLARE_DELAYED_WORK(poll_work, poll_fn);

static int __init poll_init(void)
{
	schedule_delayed_work(&poll_work, msecs_to_jiffies(100));
	return 0;
}

static void __exit poll_exit(void)
{
	cancel_delayed_work_sync(&poll_work);
	pr_info("poll: unloading\n");
}

module_init(poll_init);
module_exit(poll_exit);
MODULE_LICENSE("GPL");

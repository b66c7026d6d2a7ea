/*
 * A delayed work still armed when module_exit returns: its timer fires after the
 * module is freed, and the kworker calls the work's function in freed module text,
 * the page-fault Oops. The exit must call cancel_delayed_work_sync first (the fix
 * is wq-armed-at-exit-fix).
 */
#pragma ksim expect bug

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
	pr_info("poll: unloading\n"); /* BUG: poll_work may still be armed */
}

module_init(poll_init);
module_exit(poll_exit);
MODULE_LICENSE("GPL");

/*
 * The fix for timer-del-sync-under-lock: stop the timer with del_timer_sync()
 * before taking the lock its callback takes. The callback may still run while
 * del_timer_sync waits, and it can always finish. Clean in every interleaving.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/jiffies.h>

static DEFINE_SPINLOCK(stats_lock);
static struct timer_list stats_timer;
static int ticks;

static void stats_tick(struct timer_list *t)
{
	spin_lock(&stats_lock);
	ticks++;
	spin_unlock(&stats_lock);
}

static int __init stats_init(void)
{
	timer_setup(&stats_timer, stats_tick, 0);
	mod_timer(&stats_timer, jiffies + HZ);
	return 0;
}

static void __exit stats_exit(void)
{
	del_timer_sync(&stats_timer); /* first stop the timer, then lock */
	spin_lock_bh(&stats_lock);
	ticks = 0;
	spin_unlock_bh(&stats_lock);
}

module_init(stats_init);
module_exit(stats_exit);
MODULE_LICENSE("GPL");

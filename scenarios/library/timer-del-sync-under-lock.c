/*
 * del_timer_sync() while holding the lock the timer's callback takes: if the
 * callback is running on another CPU, it spins on the lock while del_timer_sync
 * spins waiting for the callback. Lockdep predicts it from the timer's lockdep map,
 * which call_timer_fn holds around the callback and del_timer_sync acquires.
 */
#pragma ksim expect lockup warning

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
	spin_lock_bh(&stats_lock);
	del_timer_sync(&stats_timer); /* BUG: the callback takes stats_lock */
	ticks = 0;
	spin_unlock_bh(&stats_lock);
}

module_init(stats_init);
module_exit(stats_exit);
MODULE_LICENSE("GPL");

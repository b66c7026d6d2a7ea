/*
 * The fix of kbuild-abba, the lock-order bug across two files: one order.
 * stats.c asks core.c for the mode (cfg_lock) before it takes stats_lock, so
 * every path takes cfg_lock before stats_lock, as xdev.h says; core.c is
 * kbuild-abba's, unchanged.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/kthread.h>
#include "xdev.h"

struct xdev xdev;

static int calls;	/* static: stats.c has a calls of its own */

int xdev_mode(void)
{
	int mode;

	mutex_lock(&xdev.cfg_lock);
	mode = xdev.mode;
	calls++;
	mutex_unlock(&xdev.cfg_lock);
	return mode;
}

static int configurer(void *data)
{
	mutex_lock(&xdev.cfg_lock);
	xdev.mode = 2;
	xdev_stats_reset();	/* cfg_lock, then stats_lock */
	mutex_unlock(&xdev.cfg_lock);
	return 0;
}

static int __init xdev_init(void)
{
	mutex_init(&xdev.cfg_lock);
	mutex_init(&xdev.stats_lock);
	kthread_run(configurer, NULL, "configurer");
	kthread_run(xdev_stats_thread, NULL, "stats");
	return 0;
}

module_init(xdev_init);
MODULE_LICENSE("GPL");

/*
 * The statistics half of the xdev module (core.c is the other half).
 */
#include <linux/mutex.h>
#include "xdev.h"

static int calls;	/* static: not core.c's calls */

void xdev_stats_reset(void)
{
	mutex_lock(&xdev.stats_lock);
	xdev.packets = 0;
	calls++;
	mutex_unlock(&xdev.stats_lock);
}

int xdev_stats_thread(void *data)
{
	mutex_lock(&xdev.stats_lock);
	if (xdev_mode() == 2)	/* BUG: stats_lock, then cfg_lock */
		xdev.packets++;
	calls++;
	mutex_unlock(&xdev.stats_lock);
	return 0;
}

MODULE_LICENSE("GPL");

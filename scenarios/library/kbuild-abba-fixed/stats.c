/*
 * The statistics half of the xdev module (core.c is the other half), fixed.
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
	int mode = xdev_mode();	/* cfg_lock taken and released before stats_lock */

	mutex_lock(&xdev.stats_lock);
	if (mode == 2)
		xdev.packets++;
	calls++;
	mutex_unlock(&xdev.stats_lock);
	return 0;
}

MODULE_LICENSE("GPL");

/* xdev.h - what the two files of the xdev module share. */
#ifndef XDEV_H
#define XDEV_H

#include <linux/mutex.h>

struct xdev {
	struct mutex cfg_lock;		/* the configuration: taken first */
	struct mutex stats_lock;	/* the statistics: taken second */
	int mode;
	unsigned long packets;
};

extern struct xdev xdev;		/* defined in core.c */

int xdev_mode(void);			/* core.c: takes cfg_lock */
void xdev_stats_reset(void);		/* stats.c: takes stats_lock */
int xdev_stats_thread(void *data);	/* stats.c */

#endif

/* ksim: kernel threads. kthread_run(), kthread_stop() ... are functions of
 * ksim's kernel API. */
#include <linux/types.h>
#include <linux/err.h>
#include <linux/sched.h>

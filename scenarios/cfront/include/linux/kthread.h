/* ksim: kernel threads (include/linux/kthread.h of 6.12). kthread_create(),
 * kthread_run(), kthread_stop(), kthread_should_stop(), kthread_park() ... are
 * functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/err.h>
#include <linux/sched.h>
#include <linux/completion.h>

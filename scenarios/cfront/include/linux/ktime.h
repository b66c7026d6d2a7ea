/* ksim: ktime_t is in linux/types.h; ktime_get() ... are functions of the
 * kernel API (when modelled). */
#include <linux/types.h>
#include <linux/jiffies.h>

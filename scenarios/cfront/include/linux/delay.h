/* ksim: mdelay(), msleep(), udelay() ... are functions of ksim's kernel API. */
#include <linux/types.h>

/* ksim: local_bh_disable() ... are functions of ksim's kernel API. */
#include <linux/types.h>

/* ksim: I/O memory. ioremap(), readl() ... are not part of ksim's kernel API. */
#include <linux/types.h>

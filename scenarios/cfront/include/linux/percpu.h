/* ksim: per-CPU variables are not modelled; the header exists so that modules
 * including it for other reasons load. */
#include <linux/types.h>
#include <linux/smp.h>

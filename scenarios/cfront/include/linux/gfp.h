/* ksim: page allocation. The GFP flags are in linux/gfp_types.h. */
#include <linux/types.h>
#include <linux/gfp_types.h>

/* ksim: vmalloc, vfree ... are functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/gfp.h>

/* ksim: get_random_u32() ... are functions of the kernel API (when modelled). */
#include <linux/types.h>

/* ksim: atomic_t, atomic64_t and atomic_long_t are in linux/types.h; the
 * atomic_* operations are functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/compiler.h>

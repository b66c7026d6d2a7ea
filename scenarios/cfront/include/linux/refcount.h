/* ksim: refcount_t (include/linux/refcount_types.h). refcount_inc() ... are
 * not yet part of ksim's kernel API. */
#include <linux/types.h>
typedef struct refcount_struct {
	atomic_t refs;
} refcount_t;
#define REFCOUNT_INIT(n) { .refs = ATOMIC_INIT(n), }

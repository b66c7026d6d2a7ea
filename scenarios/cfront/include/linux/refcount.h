/* ksim: refcount_t (include/linux/refcount_types.h, refcount.h). refcount_inc(),
 * refcount_dec_and_test() ... are functions of ksim's kernel API, with 6.12's
 * saturation and its warnings (lib/refcount.c). */
#include <linux/types.h>
#include <linux/atomic.h>
typedef struct refcount_struct {
	atomic_t refs;
} refcount_t;
#define REFCOUNT_INIT(n) { .refs = ATOMIC_INIT(n), }
#define REFCOUNT_MAX INT_MAX
#define REFCOUNT_SATURATED (INT_MIN / 2)

/* ksim: struct kref (include/linux/kref.h). kref_get() ... are not yet part of
 * ksim's kernel API. */
#include <linux/refcount.h>
#include <linux/container_of.h>
struct kref {
	refcount_t refcount;
};
#define KREF_INIT(n) { .refcount = REFCOUNT_INIT(n), }

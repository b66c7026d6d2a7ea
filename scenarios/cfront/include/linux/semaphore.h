/* ksim: struct semaphore (include/linux/semaphore.h) with ksim's primitive
 * layout; the count is at offset 24. DEFINE_SEMAPHORE takes 6.12's (name,
 * count) and, for code written before 6.4, the one-argument form, count 1. */
#include <linux/types.h>
#include <linux/lockdep.h>

struct semaphore {
	__KSIM_PRIM_HEAD;
	unsigned int count;
};

#define __SEMAPHORE_INITIALIZER(name, n) { __KSIM_PRIM_INIT(name, SEMAPHORE), .count = n }

#define __KSIM_SEM_N(_0, n, ...) n
#define DEFINE_SEMAPHORE(_name, ...) \
	struct semaphore _name = __SEMAPHORE_INITIALIZER(_name, __KSIM_SEM_N(_, ##__VA_ARGS__, 1))

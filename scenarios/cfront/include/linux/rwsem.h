/* ksim: struct rw_semaphore (include/linux/rwsem.h) with ksim's primitive
 * layout. */
#include <linux/types.h>
#include <linux/lockdep.h>

struct rw_semaphore {
	__KSIM_PRIM_HEAD;
};

#define __RWSEM_INITIALIZER(name) { __KSIM_PRIM_INIT(name, RWSEM) }
#define DECLARE_RWSEM(name) struct rw_semaphore name = __RWSEM_INITIALIZER(name)

#define init_rwsem(sem) \
	do { \
		static struct lock_class_key __key; \
		__init_rwsem((sem), #sem, &__key); \
	} while (0)

/* ksim: struct mutex (include/linux/mutex.h, mutex_types.h) with ksim's
 * primitive layout. mutex_init expands as 6.12's, to __mutex_init with a
 * static class key per call site. */
#include <linux/types.h>
#include <linux/lockdep.h>
#include <linux/list.h>

struct mutex {
	__KSIM_PRIM_HEAD;
};

#define __MUTEX_INITIALIZER(lockname) { __KSIM_PRIM_INIT(lockname, MUTEX) }
#define DEFINE_MUTEX(mutexname) struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

#define mutex_init(mutex) \
	do { \
		static struct lock_class_key __key; \
		__mutex_init((mutex), #mutex, &__key); \
	} while (0)

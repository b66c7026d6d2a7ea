/* ksim: spinlock_t, raw_spinlock_t, rwlock_t (include/linux/spinlock_types.h,
 * rwlock_types.h), with ksim's primitive layout (linux/lockdep_types.h). */
#include <linux/types.h>
#include <linux/lockdep_types.h>

typedef struct raw_spinlock {
	__KSIM_PRIM_HEAD;
} raw_spinlock_t;

/* spinlock_t wraps a raw_spinlock as 6.12's does (without PREEMPT_RT): the
 * same memory, seen as either. */
typedef struct spinlock {
	union {
		struct raw_spinlock rlock;
		struct {
			__KSIM_PRIM_HEAD;
		};
	};
} spinlock_t;

typedef struct {
	__KSIM_PRIM_HEAD;
} rwlock_t;

#define __RAW_SPIN_LOCK_UNLOCKED(lockname) { __KSIM_PRIM_INIT(lockname, SPINLOCK) }
#define __SPIN_LOCK_UNLOCKED(lockname) { __KSIM_PRIM_INIT(lockname, SPINLOCK) }
#define __RW_LOCK_UNLOCKED(lockname) { __KSIM_PRIM_INIT(lockname, RWLOCK) }
#define DEFINE_RAW_SPINLOCK(x) raw_spinlock_t x = __RAW_SPIN_LOCK_UNLOCKED(x)
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RWLOCK(x) rwlock_t x = __RW_LOCK_UNLOCKED(x)

/* ksim: spinlocks and rwlocks (include/linux/spinlock.h, rwlock.h). The
 * macros expand as 6.12's do, to the functions 6.12 calls (__raw_spin_lock_init,
 * _raw_spin_lock_irqsave ...), which ksim's kernel API implements; every other
 * lock call (spin_lock, spin_unlock_irqrestore ...) is a function of its own
 * name there. 6.12 passes LD_WAIT_CONFIG as the last argument of
 * __raw_spin_lock_init; ksim ignores it. */
#include <linux/types.h>
#include <linux/spinlock_types.h>
#include <linux/lockdep.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/bottom_half.h>
#include <linux/rwlock.h>

#define spin_lock_init(_lock) \
	do { \
		static struct lock_class_key __key; \
		__raw_spin_lock_init((_lock), #_lock, &__key, 0); \
	} while (0)

#define spin_lock_irqsave(lock, flags) \
	do { \
		(flags) = _raw_spin_lock_irqsave(lock); \
	} while (0)

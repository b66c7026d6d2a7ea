/* ksim: spinlocks and rwlocks (include/linux/spinlock.h, rwlock.h). The
 * macros expand as 6.12's do, to the functions 6.12 calls (__raw_spin_lock_init,
 * _raw_spin_lock_irqsave ...), which ksim's kernel API implements; every other
 * lock call (spin_lock, spin_unlock_irqrestore ...) is a function of its own
 * name there. 6.12 passes LD_WAIT_CONFIG (LD_WAIT_SPIN for a
 * raw_spinlock_t) as the last argument of __raw_spin_lock_init; ksim ignores
 * it (without PROVE_RAW_LOCK_NESTING both are {2:2}). raw_spinlock_t has the
 * same calls with the raw_ prefix. */
#include <linux/types.h>
#include <linux/spinlock_types.h>
#include <linux/lockdep.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/bottom_half.h>
#include <linux/rwlock.h>

static inline raw_spinlock_t *spinlock_check(spinlock_t *lock)
{
	return &lock->rlock;
}

#ifndef LD_WAIT_SPIN
#define LD_WAIT_SPIN 2
#define LD_WAIT_CONFIG LD_WAIT_SPIN /* without CONFIG_PROVE_RAW_LOCK_NESTING */
#endif

#define raw_spin_lock_init(lock) \
	do { \
		static struct lock_class_key __key; \
		__raw_spin_lock_init((lock), #lock, &__key, LD_WAIT_SPIN); \
	} while (0)

#define spin_lock_init(_lock) \
	do { \
		static struct lock_class_key __key; \
		__raw_spin_lock_init(spinlock_check(_lock), #_lock, &__key, LD_WAIT_CONFIG); \
	} while (0)

#define raw_spin_lock_irqsave(lock, flags) \
	do { \
		(flags) = _raw_spin_lock_irqsave(lock); \
	} while (0)

#define spin_lock_irqsave(lock, flags) \
	do { \
		raw_spin_lock_irqsave(spinlock_check(lock), flags); \
	} while (0)

#define raw_spin_lock_irqsave_nested(lock, flags, subclass) raw_spin_lock_irqsave(lock, flags)

/* ksim: local locks (include/linux/local_lock.h, local_lock_internal.h of 6.12,
 * without PREEMPT_RT): a local_lock_t is its lockdep map; local_lock() disables
 * preemption (local_lock_irq* irqs) and takes the map of this CPU's copy.
 * local_lock_acquire/release are functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/lockdep_types.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>

#ifndef KSIM_INIT_LOCAL_LOCK
#define KSIM_INIT_LOCAL_LOCK 8UL
#endif

typedef struct {
	__KSIM_PRIM_HEAD;
} local_lock_t;

#define INIT_LOCAL_LOCK(lockname) { __KSIM_PRIM_INIT(lockname, LOCAL_LOCK) }

#define local_lock(lock) \
	do { preempt_disable(); local_lock_acquire(this_cpu_ptr(lock)); } while (0)
#define local_unlock(lock) \
	do { local_lock_release(this_cpu_ptr(lock)); preempt_enable(); } while (0)
#define local_lock_irq(lock) \
	do { local_irq_disable(); local_lock_acquire(this_cpu_ptr(lock)); } while (0)
#define local_unlock_irq(lock) \
	do { local_lock_release(this_cpu_ptr(lock)); local_irq_enable(); } while (0)
#define local_lock_irqsave(lock, flags) \
	do { local_irq_save(flags); local_lock_acquire(this_cpu_ptr(lock)); } while (0)
#define local_unlock_irqrestore(lock, flags) \
	do { local_lock_release(this_cpu_ptr(lock)); local_irq_restore(flags); } while (0)

/* ksim: sequence counters and sequential locks (include/linux/seqlock.h of
 * 6.12): the same inline functions, without lockdep's seqcount map. A reader
 * waiting in read_seqcount_begin for an odd count spins with cpu_relax() as the
 * kernel's does: ksim runs such a loop as an await (it blocks until the writer
 * changes the count), so reader loops end. ksim is sequentially consistent: the
 * barriers are no-ops. */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/spinlock.h>
#include <linux/preempt.h>

void cpu_relax(void); /* asm/processor.h's, a function of ksim's kernel API */

#ifndef smp_rmb
#define smp_rmb() do { } while (0)
#endif
#ifndef smp_wmb
#define smp_wmb() do { } while (0)
#endif

typedef struct seqcount {
	unsigned sequence;
} seqcount_t;

/* seqcount_LOCKNAME_t: a seqcount with the lock that serialises its writers. */
typedef struct seqcount_spinlock {
	seqcount_t seqcount;
	spinlock_t *lock;
} seqcount_spinlock_t;
typedef struct seqcount_raw_spinlock {
	seqcount_t seqcount;
	raw_spinlock_t *lock;
} seqcount_raw_spinlock_t;

#define SEQCNT_ZERO(name) { .sequence = 0, }
#define SEQCNT_SPINLOCK_ZERO(name, assoc_lock) { .seqcount = SEQCNT_ZERO(name), .lock = (assoc_lock), }
#define seqcount_init(s) do { (s)->sequence = 0; } while (0)
#define seqcount_spinlock_init(s, l) do { (s)->seqcount.sequence = 0; (s)->lock = (l); } while (0)
#define seqcount_raw_spinlock_init(s, l) do { (s)->seqcount.sequence = 0; (s)->lock = (l); } while (0)

/* The seqcount_t inside any seqcount_LOCKNAME_t (__seqprop). */
#define __seqcount_ptr(s) _Generic(*(s), \
	seqcount_t: (seqcount_t *)(s), \
	seqcount_spinlock_t: &((seqcount_spinlock_t *)(s))->seqcount, \
	seqcount_raw_spinlock_t: &((seqcount_raw_spinlock_t *)(s))->seqcount)
/* A plain seqcount_t's writer must disable preemption itself; one with an
 * associated lock holds it (seqprop_preemptible). */
#define __seqcount_preemptible(s) _Generic(*(s), seqcount_t: 1, default: 0)

static inline unsigned __read_seqcount_begin(const seqcount_t *s)
{
	unsigned seq;

	while ((seq = READ_ONCE(s->sequence)) & 1)
		cpu_relax();
	return seq;
}

static inline unsigned raw_read_seqcount(const seqcount_t *s)
{
	return READ_ONCE(s->sequence);
}

static inline int do_read_seqcount_retry(const seqcount_t *s, unsigned start)
{
	smp_rmb();
	return unlikely(READ_ONCE(s->sequence) != start);
}

static inline void do_raw_write_seqcount_begin(seqcount_t *s)
{
	WRITE_ONCE(s->sequence, s->sequence + 1);
	smp_wmb();
}

static inline void do_raw_write_seqcount_end(seqcount_t *s)
{
	smp_wmb();
	WRITE_ONCE(s->sequence, s->sequence + 1);
}

#define read_seqcount_begin(s) __read_seqcount_begin(__seqcount_ptr(s))
#define raw_read_seqcount_begin(s) __read_seqcount_begin(__seqcount_ptr(s))
#define __read_seqcount_retry(s, start) do_read_seqcount_retry(__seqcount_ptr(s), start)
#define read_seqcount_retry(s, start) do_read_seqcount_retry(__seqcount_ptr(s), start)
#define raw_write_seqcount_begin(s) do_raw_write_seqcount_begin(__seqcount_ptr(s))
#define raw_write_seqcount_end(s) do_raw_write_seqcount_end(__seqcount_ptr(s))
#define write_seqcount_begin(s) \
	do { \
		if (__seqcount_preemptible(s)) \
			preempt_disable(); \
		do_raw_write_seqcount_begin(__seqcount_ptr(s)); \
	} while (0)
#define write_seqcount_end(s) \
	do { \
		do_raw_write_seqcount_end(__seqcount_ptr(s)); \
		if (__seqcount_preemptible(s)) \
			preempt_enable(); \
	} while (0)

/* seqlock_t: a seqcount and the spinlock that serialises its writers. */
typedef struct {
	seqcount_spinlock_t seqcount;
	spinlock_t lock;
} seqlock_t;

#define __SEQLOCK_UNLOCKED(lockname) \
	{ .seqcount = SEQCNT_SPINLOCK_ZERO(lockname, &(lockname).lock), \
	  .lock = __SPIN_LOCK_UNLOCKED(lockname) }
#define DEFINE_SEQLOCK(sl) seqlock_t sl = __SEQLOCK_UNLOCKED(sl)
#define seqlock_init(sl) \
	do { \
		spin_lock_init(&(sl)->lock); \
		seqcount_spinlock_init(&(sl)->seqcount, &(sl)->lock); \
	} while (0)

static inline unsigned read_seqbegin(const seqlock_t *sl)
{
	return __read_seqcount_begin(&sl->seqcount.seqcount);
}

static inline unsigned read_seqretry(const seqlock_t *sl, unsigned start)
{
	return do_read_seqcount_retry(&sl->seqcount.seqcount, start);
}

static inline void write_seqlock(seqlock_t *sl)
{
	spin_lock(&sl->lock);
	do_raw_write_seqcount_begin(&sl->seqcount.seqcount);
}

static inline void write_sequnlock(seqlock_t *sl)
{
	do_raw_write_seqcount_end(&sl->seqcount.seqcount);
	spin_unlock(&sl->lock);
}

static inline void write_seqlock_bh(seqlock_t *sl)
{
	spin_lock_bh(&sl->lock);
	do_raw_write_seqcount_begin(&sl->seqcount.seqcount);
}

static inline void write_sequnlock_bh(seqlock_t *sl)
{
	do_raw_write_seqcount_end(&sl->seqcount.seqcount);
	spin_unlock_bh(&sl->lock);
}

static inline void write_seqlock_irq(seqlock_t *sl)
{
	spin_lock_irq(&sl->lock);
	do_raw_write_seqcount_begin(&sl->seqcount.seqcount);
}

static inline void write_sequnlock_irq(seqlock_t *sl)
{
	do_raw_write_seqcount_end(&sl->seqcount.seqcount);
	spin_unlock_irq(&sl->lock);
}

#define write_seqlock_irqsave(sl, flags) \
	do { \
		spin_lock_irqsave(&(sl)->lock, flags); \
		do_raw_write_seqcount_begin(&(sl)->seqcount.seqcount); \
	} while (0)

static inline void write_sequnlock_irqrestore(seqlock_t *sl, unsigned long flags)
{
	do_raw_write_seqcount_end(&sl->seqcount.seqcount);
	spin_unlock_irqrestore(&sl->lock, flags);
}

/* The locking readers: they exclude writers and each other. */
static inline void read_seqlock_excl(seqlock_t *sl)
{
	spin_lock(&sl->lock);
}

static inline void read_sequnlock_excl(seqlock_t *sl)
{
	spin_unlock(&sl->lock);
}

static inline void read_seqbegin_or_lock(seqlock_t *lock, int *seq)
{
	if (!(*seq & 1))
		*seq = read_seqbegin(lock);
	else
		read_seqlock_excl(lock);
}

static inline int need_seqretry(seqlock_t *lock, int seq)
{
	return !(seq & 1) && read_seqretry(lock, seq);
}

static inline void done_seqretry(seqlock_t *lock, int seq)
{
	if (seq & 1)
		read_sequnlock_excl(lock);
}

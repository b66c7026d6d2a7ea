/*
 * The article's second fix, done right: drop the spinlock, allocate, relock.
 * kmalloc(GFP_KERNEL) may sleep, which is fine with no lock held. Dropping the
 * lock ends the critical section, so what was checked before is checked again
 * after relocking (sleep-atomic-relock-unchecked skips that and overflows).
 * And my_lock is initialised (DEFINE_SPINLOCK), unlike the article's.
 */
#pragma ksim cpus 1
#pragma ksim memory pressure
#pragma ksim threads fixed_function fixed_function
#pragma ksim expect ok

#define POOL_MAX 1

static DEFINE_SPINLOCK(my_lock);
static char *pool[POOL_MAX];	/* protected by my_lock */
static int nr_buffers;		/* protected by my_lock, at most POOL_MAX */

void fixed_function(void)
{
	char *buffer;

	spin_lock(&my_lock);
	if (nr_buffers < POOL_MAX) {
		spin_unlock(&my_lock);
		/* May sleep in direct reclaim: no lock is held here. */
		buffer = kmalloc(1024, GFP_KERNEL);
		spin_lock(&my_lock);
		/* Re-check: another task may have filled the pool meanwhile. */
		if (buffer && nr_buffers < POOL_MAX)
			pool[nr_buffers++] = buffer;
		else
			kfree(buffer);
	}
	spin_unlock(&my_lock);
}

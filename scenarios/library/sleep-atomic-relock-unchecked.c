/*
 * The article's second fix, done as it is worded: unlock, allocate, relock.
 * The check made before unlocking is stale after relocking: both tasks see a
 * free slot, both allocate, both store, and the second writes past the pool.
 * Dropping a lock ends the critical section; sleep-atomic-unlock-alloc-relock
 * checks again after relocking.
 */
#pragma ksim cpus 1
#pragma ksim memory pressure
#pragma ksim threads fixed_function fixed_function
#pragma ksim expect bug

#define POOL_MAX 1

spinlock_t my_lock;
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
		/* BUG: the pool may have filled up while the lock was dropped */
		if (buffer)
			pool[nr_buffers++] = buffer;
	}
	spin_unlock(&my_lock);
}

/*
 * The article's second fix: drop the spinlock, allocate, take it again.
 * kmalloc(GFP_KERNEL) may sleep, which is fine with no lock held and
 * preemption on, and it practically never fails. Whatever the lock
 * protected may have changed while it was dropped: re-check after relocking.
 */
#pragma ksim cpus 1
#pragma ksim memory pressure
#pragma ksim threads fixed_function fixed_function
#pragma ksim expect ok

spinlock_t my_lock;
static int nr_buffers;		/* protected by my_lock */

void fixed_function(void)
{
	char *buffer;

	spin_lock(&my_lock);
	/* ... work that needs the lock ... */
	spin_unlock(&my_lock);

	/* May sleep in direct reclaim: no lock is held here. */
	buffer = kmalloc(1024, GFP_KERNEL);

	spin_lock(&my_lock);
	if (buffer) {
		/* ... use buffer, re-checking the state the lock protects */
		nr_buffers++;
		kfree(buffer);
	}
	spin_unlock(&my_lock);
}

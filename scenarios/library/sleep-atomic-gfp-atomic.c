/*
 * The article's first fix: allocate with GFP_ATOMIC while holding the lock.
 * GFP_ATOMIC never sleeps, so the task keeps its CPU until spin_unlock,
 * even under memory pressure; the price is that the allocation may fail.
 * The code handles NULL, and __GFP_NOWARN says a failure is expected.
 */
#pragma ksim cpus 1
#pragma ksim memory pressure
#pragma ksim threads fixed_function fixed_function
#pragma ksim expect ok

spinlock_t my_lock;

void fixed_function(void)
{
	spin_lock(&my_lock);
	/* Never sleeps; returns NULL when memory is low. */
	char *buffer = kmalloc(1024, GFP_ATOMIC | __GFP_NOWARN);
	if (buffer) {
		/* ... use buffer */
		kfree(buffer);
	}
	spin_unlock(&my_lock);
}

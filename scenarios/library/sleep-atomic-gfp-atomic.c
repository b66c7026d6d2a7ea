/*
 * The article's first fix: GFP_ATOMIC never sleeps, so the task keeps its CPU
 * until spin_unlock even under memory pressure; the code handles NULL. Still
 * incomplete: the article never initialises my_lock, and on a kernel with lock
 * debugging (lockdep selects DEBUG_SPINLOCK) the first spin_lock finds magic 0:
 * "BUG: spinlock bad magic". DEFINE_SPINLOCK(my_lock) completes the fix.
 */
#pragma ksim cpus 1
#pragma ksim memory pressure
#pragma ksim threads fixed_function fixed_function
#pragma ksim expect bug

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

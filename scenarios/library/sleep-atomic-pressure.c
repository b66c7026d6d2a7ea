/*
 * Sleeping while atomic turns into a lockup under memory pressure on one CPU.
 * The first task sleeps in kmalloc's direct reclaim with my_lock held and
 * leaves the CPU ("scheduling while atomic"); the second task then spins
 * on my_lock with preemption off, so the holder never runs again: the
 * watchdog reports a soft lockup naming the spinner.
 */
#pragma ksim cpus 1
#pragma ksim memory pressure
#pragma ksim threads faulty_function faulty_function
#pragma ksim expect bug lockup

spinlock_t my_lock;

void faulty_function(void)
{
	spin_lock(&my_lock);
	char *buffer = kmalloc(1024, GFP_KERNEL); /* sleeps if memory is low */
	if (buffer) {
		/* ... use buffer */
		kfree(buffer);
	}
	spin_unlock(&my_lock);
}

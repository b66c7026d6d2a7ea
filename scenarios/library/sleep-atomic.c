/*
 * Sleeping while atomic, from an article: kmalloc(GFP_KERNEL) under a spinlock.
 * GFP_KERNEL may sleep in direct reclaim, so kmalloc calls might_sleep(),
 * and with my_lock held preemption is off: the kernel prints
 * "BUG: sleeping function called from invalid context" on every run.
 * faulty_function runs once, as the only task.
 */
#pragma ksim expect bug

spinlock_t my_lock;
void faulty_function() {
spin_lock(&my_lock);
char *buffer = kmalloc(1024, GFP_KERNEL); // Sleeps if memory is low
if (buffer) {
// ... use buffer
kfree(buffer);
}
spin_unlock(&my_lock);
}

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

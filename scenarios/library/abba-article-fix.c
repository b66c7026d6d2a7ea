/*
 * The article's printed fix, applied as printed: it still deadlocks.
 * fixed_function takes sem1 then sem2, exactly as bad_function did, and
 * another_function still takes sem2 then sem1. Lock ordering only fixes an
 * ABBA deadlock when every path agrees on the order: compare abba-fixed.
 */
#pragma ksim expect deadlock

  
#include <linux/module.h>  
#include <linux/kernel.h>  
#include <linux/slab.h>  
#include <linux/semaphore.h>  

DEFINE_SEMAPHORE(sem1);  
DEFINE_SEMAPHORE(sem2);  

static void fixed_function(void) {  
    down(&sem1);  
    down(&sem2);  
    // Critical section  
    up(&sem2);  
    up(&sem1);  
}  

static void another_function(void) {  
    down(&sem2);  
    down(&sem1);  
    // Critical section  
    up(&sem1);  
    up(&sem2);  
}  

static int __init deadlock_init(void) {  
    // Simulate concurrent execution  
    kernel_thread(fixed_function, NULL, 0);  
    kernel_thread(another_function, NULL, 0);  
    return 0;  
}  

static void __exit deadlock_exit(void) {  
    printk(KERN_INFO "Module unloaded\n");  
}  

module_init(deadlock_init);  
module_exit(deadlock_exit);  


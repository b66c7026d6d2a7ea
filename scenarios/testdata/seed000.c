
  
#include <linux/module.h>  
#include <linux/kernel.h>  
#include <linux/slab.h>  
#include <linux/semaphore.h>  

DEFINE_SEMAPHORE(sem1);  
DEFINE_SEMAPHORE(sem2);  

static void bad_function(void) {  
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
    kernel_thread(bad_function, NULL, 0);  
    kernel_thread(another_function, NULL, 0);  
    return 0;  
}  

static void __exit deadlock_exit(void) {  
    printk(KERN_INFO "Module unloaded\n");  
}  

module_init(deadlock_init);  
module_exit(deadlock_exit);  


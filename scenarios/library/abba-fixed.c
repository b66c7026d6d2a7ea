/*
 * The real fix for the ABBA deadlock: one lock order for everybody.
 * Both functions take sem1 before sem2, so whoever gets sem1 first also
 * gets sem2, and the other waits on sem1 while holding nothing. Every
 * interleaving finishes; compare abba and abba-article-fix.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/semaphore.h>

/* Lock order: sem1, then sem2. */
DEFINE_SEMAPHORE(sem1);
DEFINE_SEMAPHORE(sem2);

static void good_function(void)
{
	down(&sem1);
	down(&sem2);
	/* Critical section */
	up(&sem2);
	up(&sem1);
}

static void another_function(void)
{
	down(&sem1);		/* was sem2 first: now the same order */
	down(&sem2);
	/* Critical section */
	up(&sem2);
	up(&sem1);
}

static int __init abba_fixed_init(void)
{
	kernel_thread(good_function, NULL, 0);
	kernel_thread(another_function, NULL, 0);
	return 0;
}

static void __exit abba_fixed_exit(void)
{
	printk(KERN_INFO "Module unloaded\n");
}

module_init(abba_fixed_init);
module_exit(abba_fixed_exit);

/*
 * A deadlock cycle through three mutexes and three threads.
 * No two threads take the same pair of locks in opposite order, yet
 * A -> B, B -> C and C -> A close a cycle: the deadlock needs all three
 * threads to hold their first lock. Lockdep finds the cycle in its
 * dependency graph and prints the chain A --> B --> C.
 */
#pragma ksim expect deadlock warning

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/mutex.h>

static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);
static DEFINE_MUTEX(lock_c);

static int worker_ab(void *data)
{
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);
	return 0;
}

static int worker_bc(void *data)
{
	mutex_lock(&lock_b);
	mutex_lock(&lock_c);
	mutex_unlock(&lock_c);
	mutex_unlock(&lock_b);
	return 0;
}

static int worker_ca(void *data)
{
	mutex_lock(&lock_c);
	mutex_lock(&lock_a);	/* closes the cycle A -> B -> C -> A */
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_c);
	return 0;
}

static int __init cycle_init(void)
{
	kthread_run(worker_ab, NULL, "worker_ab");
	kthread_run(worker_bc, NULL, "worker_bc");
	kthread_run(worker_ca, NULL, "worker_ca");
	return 0;
}
module_init(cycle_init);

MODULE_LICENSE("GPL");

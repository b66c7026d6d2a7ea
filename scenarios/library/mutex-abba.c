/*
 * ABBA deadlock on two mutexes: two threads take the same locks in opposite order.
 * Unlike semaphores, mutexes are tracked by lockdep, which predicts the
 * cycle ("possible circular locking dependency detected") even from a run
 * that happened not to deadlock; the run that does deadlock hangs both
 * threads in D state.
 */
#pragma ksim expect deadlock warning

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/mutex.h>

static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);
static int shared_count;	/* protected by lock_a and lock_b */

static int thread_ab(void *data)
{
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	shared_count++;
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);
	return 0;
}

static int thread_ba(void *data)
{
	mutex_lock(&lock_b);
	mutex_lock(&lock_a);	/* BUG: opposite order to thread_ab */
	shared_count--;
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_b);
	return 0;
}

static int __init mutex_abba_init(void)
{
	kthread_run(thread_ab, NULL, "thread_ab");
	kthread_run(thread_ba, NULL, "thread_ba");
	return 0;
}
module_init(mutex_abba_init);

MODULE_LICENSE("GPL");

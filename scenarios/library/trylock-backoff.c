/*
 * Avoiding ABBA with trylock and back-off: the second lock is only tried.
 * Both threads take their first mutex, then mutex_trylock the second; on
 * failure they drop everything and retry, at most three times. Nobody
 * ever waits while holding a lock, so there is no deadlock, and trylocks
 * add no lockdep dependencies. The retry bound keeps every run finite.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/mutex.h>

#define MAX_TRIES 3

static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);
static int transfers;		/* protected by lock_a and lock_b */

static int thread_ab(void *data)
{
	int tries;

	for (tries = 0; tries < MAX_TRIES; tries++) {
		mutex_lock(&lock_a);
		if (mutex_trylock(&lock_b)) {
			transfers++;
			mutex_unlock(&lock_b);
			mutex_unlock(&lock_a);
			return 0;
		}
		/* Back off: release what we hold and let the other side finish. */
		mutex_unlock(&lock_a);
		cond_resched();
	}
	return -EBUSY;
}

static int thread_ba(void *data)
{
	int tries;

	for (tries = 0; tries < MAX_TRIES; tries++) {
		mutex_lock(&lock_b);
		if (mutex_trylock(&lock_a)) {
			transfers++;
			mutex_unlock(&lock_a);
			mutex_unlock(&lock_b);
			return 0;
		}
		mutex_unlock(&lock_b);
		cond_resched();
	}
	return -EBUSY;
}

static int __init backoff_init(void)
{
	kthread_run(thread_ab, NULL, "thread_ab");
	kthread_run(thread_ba, NULL, "thread_ba");
	return 0;
}
module_init(backoff_init);

MODULE_LICENSE("GPL");

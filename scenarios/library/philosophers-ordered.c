/*
 * Dining philosophers without deadlock: always take the lower-numbered fork first.
 * Philosopher 4 now reaches for fork 0 before fork 4, which breaks the
 * cycle: the forks are acquired in one global order, so some philosopher
 * can always take both. This is lock ordering, the same fix as abba-fixed.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/mutex.h>

#define NR_PHILOSOPHERS 5

static struct mutex forks[NR_PHILOSOPHERS];

static int philosopher(void *data)
{
	long i = (long)data;
	int left = i;
	int right = (i + 1) % NR_PHILOSOPHERS;
	int first = left < right ? left : right;
	int second = left < right ? right : left;

	mutex_lock(&forks[first]);
	/* Same lockdep class as forks[first]: annotate the nesting. */
	mutex_lock_nested(&forks[second], SINGLE_DEPTH_NESTING);
	/* eat */
	mutex_unlock(&forks[second]);
	mutex_unlock(&forks[first]);
	/* think */
	return 0;
}

static int __init philosophers_init(void)
{
	long i;

	for (i = 0; i < NR_PHILOSOPHERS; i++)
		mutex_init(&forks[i]);
	for (i = 0; i < NR_PHILOSOPHERS; i++)
		kthread_run(philosopher, (void *)i, "philosopher/%ld", i);
	return 0;
}
module_init(philosophers_init);

MODULE_LICENSE("GPL");

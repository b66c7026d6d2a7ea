/*
 * Dining philosophers: five threads, five forks, everyone takes the left fork first.
 * If all five pick up their left fork, each waits forever for the right
 * one, held by the neighbour: a deadlock cycle through five mutexes.
 * The forks share one lockdep class, so the second fork is taken with
 * mutex_lock_nested; that silences lockdep, but not the real deadlock.
 */
#pragma ksim expect deadlock

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

	mutex_lock(&forks[left]);
	mutex_lock_nested(&forks[right], SINGLE_DEPTH_NESTING);
	/* eat */
	mutex_unlock(&forks[right]);
	mutex_unlock(&forks[left]);
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

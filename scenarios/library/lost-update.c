/*
 * Lost update: two threads increment a shared counter without a lock.
 * counter++ is a load and a store; if both threads load 0 before either
 * stores, both store 1 and one increment is lost. The thread that finishes
 * last (counted with an atomic_t) checks the total with BUG_ON.
 * Fix: protect counter++ with a mutex, or make the counter an atomic_t.
 */
#pragma ksim expect bug

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/atomic.h>

#define NR_WORKERS 2

static int counter;				/* BUG: no lock protects it */
static atomic_t finished = ATOMIC_INIT(0);

static int worker(void *data)
{
	counter++;
	/* The last worker to finish checks the result. */
	if (atomic_inc_return(&finished) == NR_WORKERS)
		BUG_ON(counter != NR_WORKERS);
	return 0;
}

static int __init lost_update_init(void)
{
	int i;

	for (i = 0; i < NR_WORKERS; i++)
		kthread_run(worker, NULL, "worker/%d", i);
	return 0;
}
module_init(lost_update_init);

MODULE_LICENSE("GPL");

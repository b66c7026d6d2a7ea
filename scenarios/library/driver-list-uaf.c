/*
 * A use-after-free through a list: the reader walks the request list without
 * the lock the remover holds, so it can reach a request the remover has just
 * unlinked and freed. KASAN reports the read, with where the object was
 * allocated and where it was freed. Taking queue_lock in the reader fixes it.
 */
#pragma ksim cpus 4
#pragma ksim expect bug

#include <linux/module.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/kthread.h>

struct request {
	int id;
	struct list_head node;
};

static LIST_HEAD(queue);
static DEFINE_SPINLOCK(queue_lock);

static int reader(void *data)
{
	struct request *rq;
	int sum = 0;

	list_for_each_entry(rq, &queue, node)	/* BUG: no queue_lock */
		sum += rq->id;
	return sum;
}

static int remover(void *data)
{
	struct request *rq;

	spin_lock(&queue_lock);
	rq = list_first_entry_or_null(&queue, struct request, node);
	if (rq)
		list_del(&rq->node);
	spin_unlock(&queue_lock);
	kfree(rq);
	return 0;
}

static int __init q_init(void)
{
	struct request *rq = kzalloc(sizeof(*rq), GFP_KERNEL);

	if (!rq)
		return -ENOMEM;
	list_add(&rq->node, &queue);
	kthread_run(reader, NULL, "reader");
	kthread_run(remover, NULL, "remover");
	return 0;
}

module_init(q_init);
MODULE_LICENSE("GPL");

/*
 * A list of requests, as drivers keep them: struct list_head inside each
 * kmalloc'ed request, list_add_tail and list_for_each_entry_safe under a
 * spinlock, container_of back to the request. A producer queues, a consumer
 * drains and frees; the lock makes every interleaving safe.
 */
#pragma ksim cpus 4
#pragma ksim expect ok

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
static int done;

static int producer(void *data)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct request *rq = kmalloc(sizeof(*rq), GFP_KERNEL);

		if (!rq)
			return -ENOMEM;
		rq->id = i;
		spin_lock(&queue_lock);
		list_add_tail(&rq->node, &queue);
		spin_unlock(&queue_lock);
	}
	return 0;
}

static int consumer(void *data)
{
	struct request *rq, *tmp;

	spin_lock(&queue_lock);
	list_for_each_entry_safe(rq, tmp, &queue, node) {
		list_del(&rq->node);
		done += rq->id + 1;
		kfree(rq);
	}
	spin_unlock(&queue_lock);
	return 0;
}

static int __init q_init(void)
{
	kthread_run(producer, NULL, "producer");
	kthread_run(consumer, NULL, "consumer");
	return 0;
}

static void __exit q_exit(void)
{
	struct request *rq, *tmp;

	list_for_each_entry_safe(rq, tmp, &queue, node) {
		list_del(&rq->node);
		kfree(rq);
	}
	pr_info("consumed %d\n", done);
}

module_init(q_init);
module_exit(q_exit);
MODULE_LICENSE("GPL");

/*
 * flush_work() while holding the lock the work takes: if the work is running, it
 * waits for the lock the flusher holds, and the flusher waits for the work. Lockdep
 * predicts it from the work's lockdep map, "(work_completion)(&dev->work)", which
 * process_one_work holds around the work and flush_work acquires when it waits.
 */
#pragma ksim expect deadlock warning

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

struct my_dev {
	struct mutex lock;
	struct work_struct work;
	int events;
};

static struct my_dev *dev;

static void my_work_fn(struct work_struct *work)
{
	struct my_dev *d = container_of(work, struct my_dev, work);

	mutex_lock(&d->lock);
	d->events++;
	mutex_unlock(&d->lock);
}

static int __init my_init(void)
{
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	mutex_init(&dev->lock);
	INIT_WORK(&dev->work, my_work_fn);
	schedule_work(&dev->work);

	mutex_lock(&dev->lock);
	dev->events = 0;
	flush_work(&dev->work); /* BUG: the work takes dev->lock */
	mutex_unlock(&dev->lock);
	return 0;
}

static void __exit my_exit(void)
{
	cancel_work_sync(&dev->work);
	kfree(dev);
}

module_init(my_init);
module_exit(my_exit);
MODULE_LICENSE("GPL");

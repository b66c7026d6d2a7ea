/*
 * The fix for wq-flush-under-lock: flush the work before taking the lock it takes.
 * flush_work still acquires the work's lockdep map, but with no lock held it adds
 * no dependency, and the work can always finish. Clean in every interleaving.
 */
#pragma ksim expect ok

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

	flush_work(&dev->work); /* first wait for the work, then lock */
	mutex_lock(&dev->lock);
	dev->events = 0;
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

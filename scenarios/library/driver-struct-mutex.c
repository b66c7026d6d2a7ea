/*
 * A driver's state in a struct it allocates, with the mutex inside it, as
 * drivers write it: kzalloc, mutex_init(&dev->lock), and every path through
 * dev->lock. Two openers race to count themselves; the mutex keeps the count
 * right in every interleaving, and module_exit frees the device last.
 */
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/kthread.h>

struct my_dev {
	struct mutex lock;
	int open_count;
	char name[16];
};

static struct my_dev *dev;

static int my_open(void *data)
{
	struct my_dev *d = data;

	mutex_lock(&d->lock);
	d->open_count++;
	mutex_unlock(&d->lock);
	return 0;
}

static int __init my_init(void)
{
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	mutex_init(&dev->lock);
	strscpy(dev->name, "mydev", sizeof(dev->name));
	kthread_run(my_open, dev, "open/%d", 0);
	kthread_run(my_open, dev, "open/%d", 1);
	return 0;
}

static void __exit my_exit(void)
{
	pr_info("%s: opened %d times\n", dev->name, dev->open_count);
	BUG_ON(dev->open_count != 2);
	kfree(dev);
}

module_init(my_init);
module_exit(my_exit);
MODULE_LICENSE("GPL");

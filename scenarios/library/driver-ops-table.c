/*
 * Dispatch through a table of function pointers, as file_operations does:
 * the start and stop operations each take the device's two locks, in opposite
 * orders, so a start racing a stop deadlocks. Lockdep names the two locks by
 * their init sites (&dev->state_lock, &dev->io_lock) and sees the cycle.
 */
#pragma ksim expect deadlock warning

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/kthread.h>

struct my_dev;

struct my_ops {
	int (*start)(struct my_dev *dev);
	void (*stop)(struct my_dev *dev);
};

struct my_dev {
	struct mutex state_lock;
	struct mutex io_lock;
	const struct my_ops *ops;
	bool running;
};

static int my_start(struct my_dev *dev)
{
	mutex_lock(&dev->state_lock);
	mutex_lock(&dev->io_lock);
	dev->running = true;
	mutex_unlock(&dev->io_lock);
	mutex_unlock(&dev->state_lock);
	return 0;
}

static void my_stop(struct my_dev *dev)
{
	mutex_lock(&dev->io_lock);	/* BUG: the opposite order */
	mutex_lock(&dev->state_lock);
	dev->running = false;
	mutex_unlock(&dev->state_lock);
	mutex_unlock(&dev->io_lock);
}

static const struct my_ops my_ops = {
	.start = my_start,
	.stop = my_stop,
};

static struct my_dev *the_dev;

static int starter(void *data)
{
	struct my_dev *dev = data;

	return dev->ops->start(dev);
}

static int stopper(void *data)
{
	struct my_dev *dev = data;

	dev->ops->stop(dev);
	return 0;
}

static int __init my_init(void)
{
	the_dev = kzalloc(sizeof(*the_dev), GFP_KERNEL);
	if (!the_dev)
		return -ENOMEM;
	mutex_init(&the_dev->state_lock);
	mutex_init(&the_dev->io_lock);
	the_dev->ops = &my_ops;
	kthread_run(starter, the_dev, "starter");
	kthread_run(stopper, the_dev, "stopper");
	return 0;
}

module_init(my_init);
MODULE_LICENSE("GPL");

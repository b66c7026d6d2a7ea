/*
 * A lock nobody initialised: the driver kzallocs its device but forgets
 * spin_lock_init(&dev->lock). Zeroed memory is an unlocked spinlock, so it
 * seems to work, but lockdep cannot key a lock in heap memory: "INFO: trying
 * to register non-static key.", and lock debugging is off from then on.
 */
#pragma ksim expect warning

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

struct my_dev {
	spinlock_t lock;
	unsigned long events;
};

static struct my_dev *dev;

static int __init my_init(void)
{
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	/* BUG: spin_lock_init(&dev->lock) is missing */
	spin_lock(&dev->lock);
	dev->events++;
	spin_unlock(&dev->lock);
	return 0;
}

static void __exit my_exit(void)
{
	kfree(dev);
}

module_init(my_init);
module_exit(my_exit);
MODULE_LICENSE("GPL");

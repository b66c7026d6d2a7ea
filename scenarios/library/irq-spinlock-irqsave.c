/*
 * The fix for irq-spinlock: process context takes the lock with spin_lock_irqsave.
 * With local interrupts off while the lock is held, the handler cannot run on this
 * CPU until spin_unlock_irqrestore; an interrupt that arrives meanwhile stays
 * pending and is delivered right after. Clean in every interleaving.
 */
#pragma ksim cpus 1
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/interrupt.h>
#include <linux/spinlock.h>

#define MYDEV_IRQ 5

static DEFINE_SPINLOCK(dev_lock);
static int packets;

static irqreturn_t mydev_interrupt(int irq, void *dev_id)
{
	spin_lock(&dev_lock);
	packets++;
	spin_unlock(&dev_lock);
	return IRQ_HANDLED;
}

static int __init mydev_init(void)
{
	unsigned long flags;
	int ret;

	ret = request_irq(MYDEV_IRQ, mydev_interrupt, 0, "mydev", NULL);
	if (ret)
		return ret;

	spin_lock_irqsave(&dev_lock, flags);
	packets = 0;
	spin_unlock_irqrestore(&dev_lock, flags);
	return 0;
}

static void __exit mydev_exit(void)
{
	free_irq(MYDEV_IRQ, NULL);
}

module_init(mydev_init);
module_exit(mydev_exit);
MODULE_LICENSE("GPL");

/*
 * An interrupt handler takes a lock that process context takes with plain spin_lock.
 * If the interrupt arrives on that CPU while the lock is held, the handler spins
 * with interrupts off and the task below it can never run to release the lock:
 * a hard lockup. Lockdep sees the lock taken in hardirq context and with irqs on.
 */
#pragma ksim cpus 1
#pragma ksim expect lockup warning

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
	int ret;

	ret = request_irq(MYDEV_IRQ, mydev_interrupt, 0, "mydev", NULL);
	if (ret)
		return ret;

	spin_lock(&dev_lock);		/* BUG: the handler can interrupt us here */
	packets = 0;
	spin_unlock(&dev_lock);
	return 0;
}

static void __exit mydev_exit(void)
{
	free_irq(MYDEV_IRQ, NULL);
}

module_init(mydev_init);
module_exit(mydev_exit);
MODULE_LICENSE("GPL");

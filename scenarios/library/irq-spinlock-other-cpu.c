/*
 * irq-spinlock's bug with the interrupt routed to the other CPU: no lockup, since
 * the handler on CPU1 just waits for the task on CPU0 to unlock. Lockdep still
 * warns: the lock is taken in hardirq context and with irqs on, and the day the
 * interrupt lands on CPU0 it hangs. A run that did not hang is not a proof.
 */
#pragma ksim cpus 2
#pragma ksim irq 5 cpu 1
#pragma ksim expect warning

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

	spin_lock(&dev_lock);		/* still wrong: only luck keeps the irq away */
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

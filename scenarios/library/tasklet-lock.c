/*
 * A tasklet (softirq context) takes a lock that process context takes with plain
 * spin_lock. An interrupt arriving while the lock is held schedules the tasklet,
 * which runs at irq exit on the same CPU, on top of the lock holder, and spins
 * forever. Fix: spin_lock_bh in process context defers the tasklet until unlock.
 */
#pragma ksim cpus 1
#pragma ksim expect lockup warning

#include <linux/module.h>
#include <linux/interrupt.h>
#include <linux/spinlock.h>

#define RX_IRQ 9

static DEFINE_SPINLOCK(rx_lock);
static int rx_queued;

static void rx_work(unsigned long data)
{
	spin_lock(&rx_lock);
	rx_queued--;
	spin_unlock(&rx_lock);
}

static DECLARE_TASKLET(rx_tasklet, rx_work);

static irqreturn_t rx_interrupt(int irq, void *dev_id)
{
	tasklet_schedule(&rx_tasklet);
	return IRQ_HANDLED;
}

static int __init rx_init(void)
{
	int ret = request_irq(RX_IRQ, rx_interrupt, 0, "rx", NULL);

	if (ret)
		return ret;
	spin_lock(&rx_lock);		/* BUG: the tasklet can run on top of us */
	rx_queued++;
	spin_unlock(&rx_lock);
	return 0;
}

static void __exit rx_exit(void)
{
	free_irq(RX_IRQ, NULL);
	tasklet_kill(&rx_tasklet);
}

module_init(rx_init);
module_exit(rx_exit);
MODULE_LICENSE("GPL");

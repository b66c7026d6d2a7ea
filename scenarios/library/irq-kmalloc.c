/*
 * An interrupt handler allocates memory with GFP_KERNEL, which may sleep.
 * A handler runs in hardirq context (preempt_count 0x10000, irqs off) and must
 * never sleep: might_sleep catches it on every run, whether or not memory is low.
 * Fix: GFP_ATOMIC in interrupt context, and handle the NULL it may return.
 */
#pragma ksim expect bug

#include <linux/module.h>
#include <linux/interrupt.h>
#include <linux/slab.h>

#define NET_IRQ 7

static irqreturn_t net_interrupt(int irq, void *dev_id)
{
	char *skb = kmalloc(256, GFP_KERNEL);	/* BUG: may sleep */

	if (!skb)
		return IRQ_HANDLED;
	skb[0] = 1;
	kfree(skb);
	return IRQ_HANDLED;
}

static int __init net_init(void)
{
	return request_irq(NET_IRQ, net_interrupt, 0, "net", NULL);
}

static void __exit net_exit(void)
{
	free_irq(NET_IRQ, NULL);
}

module_init(net_init);
module_exit(net_exit);
MODULE_LICENSE("GPL");

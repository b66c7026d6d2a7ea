/*
 * The fix for irq-disable-in-handler: the handler masks its line with disable_irq_nosync().
 * That does not wait, and the tasklet unmasks the line once the device is drained;
 * module_exit frees the line, then kills the tasklet.
 */
#pragma ksim cpus 1
#pragma ksim expect ok

#include <linux/module.h>
#include <linux/interrupt.h>

#define SENSOR_IRQ 7

static int samples;

static void sensor_drain(struct tasklet_struct *t)
{
	samples++;
	enable_irq(SENSOR_IRQ);
}

static DECLARE_TASKLET(sensor_tasklet, sensor_drain);

static irqreturn_t sensor_interrupt(int irq, void *dev_id)
{
	disable_irq_nosync(irq);	/* masks the line, does not wait */
	tasklet_schedule(&sensor_tasklet);
	return IRQ_HANDLED;
}

static int __init sensor_init(void)
{
	return request_irq(SENSOR_IRQ, sensor_interrupt, 0, "sensor", NULL);
}

static void __exit sensor_exit(void)
{
	free_irq(SENSOR_IRQ, NULL);
	tasklet_kill(&sensor_tasklet);
}

module_init(sensor_init);
module_exit(sensor_exit);
MODULE_LICENSE("GPL");

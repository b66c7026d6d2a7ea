/*
 * disable_irq() in the line's own interrupt handler waits for that very handler.
 * It waits for the line's running handlers (synchronize_irq), spinning with
 * interrupts off until the NMI watchdog reports a hard lockup (might_sleep
 * complains first). The handler masks the line while a tasklet drains the device.
 * Fix: disable_irq_nosync(), which does not wait (irq-disable-nosync.c).
 */
#pragma ksim cpus 1
#pragma ksim expect bug lockup

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
	disable_irq(irq);		/* BUG: waits for this very handler */
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

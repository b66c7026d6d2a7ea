/* ksim: in_interrupt(), in_irq() ... are functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/preempt.h>

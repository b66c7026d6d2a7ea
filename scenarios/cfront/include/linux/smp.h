/* ksim: smp_processor_id() ... are functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/preempt.h>

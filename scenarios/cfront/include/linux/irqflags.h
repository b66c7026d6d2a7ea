/* ksim: interrupt flags (include/linux/irqflags.h). local_irq_save and
 * local_irq_restore expand, as on x86-64, to arch_local_irq_save and
 * arch_local_irq_restore; local_irq_disable() ... are functions of ksim's
 * kernel API. */
#include <linux/types.h>

#define local_irq_save(flags) \
	do { \
		(flags) = arch_local_irq_save(); \
	} while (0)
#define local_irq_restore(flags) arch_local_irq_restore(flags)

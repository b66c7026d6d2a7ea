/* ksim: the current CPU (include/linux/smp.h). smp_processor_id() is
 * debug_smp_processor_id(), as with CONFIG_DEBUG_PREEMPT: a function of ksim's
 * kernel API that reports a caller that could migrate. */
#include <linux/types.h>
#include <linux/preempt.h>
#define smp_processor_id() debug_smp_processor_id()
#define get_cpu() ({ preempt_disable(); smp_processor_id(); })
#define put_cpu() preempt_enable()

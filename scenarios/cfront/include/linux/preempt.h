/* ksim: preemption control. preempt_disable() ... are functions of ksim's
 * kernel API, declared with it. */
#include <linux/types.h>

/* ksim: legacy GPIO numbers (include/linux/gpio.h of 6.12). gpio_request() ...
 * are not yet part of ksim's kernel API. */
#include <linux/types.h>
#define GPIOF_IN ((1 << 0))
#define GPIOF_OUT_INIT_LOW ((0 << 0) | (0 << 1))
#define GPIOF_OUT_INIT_HIGH ((0 << 0) | (1 << 1))
#define GPIOF_ACTIVE_LOW (1 << 2)
struct gpio {
	unsigned gpio;
	unsigned long flags;
	const char *label;
};

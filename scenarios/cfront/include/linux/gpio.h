/* ksim: legacy GPIO numbers (include/linux/gpio.h of 6.12). gpio_request(),
 * gpio_get_value(), gpio_to_irq() ... are functions of ksim's kernel API, on a
 * board with one GPIO chip of 64 lines numbered from 0, GPIO g interrupting as
 * irq 200 + g. gpio_request_array() and gpio_free_array(), removed in 6.10, are
 * there too, as 6.9 had them. */
#include <linux/types.h>
#include <linux/gpio/consumer.h>
#define GPIOF_IN ((1 << 0))
#define GPIOF_OUT_INIT_LOW ((0 << 0) | (0 << 1))
#define GPIOF_OUT_INIT_HIGH ((0 << 0) | (1 << 1))
#define GPIOF_ACTIVE_LOW (1 << 2)
#define GPIO_DYNAMIC_BASE 512
struct gpio {
	unsigned gpio;
	unsigned long flags;
	const char *label;
};

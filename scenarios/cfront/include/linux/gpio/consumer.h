/* ksim: GPIO descriptors (include/linux/gpio/consumer.h of 6.12). gpiod_get(),
 * gpiod_get_value() ... are functions of ksim's kernel API; struct gpio_desc is
 * gpiolib's own, opaque to drivers. */
#include <linux/types.h>
#include <linux/device.h>
struct gpio_desc;
#define GPIOD_FLAGS_BIT_DIR_SET (1UL << 0)
#define GPIOD_FLAGS_BIT_DIR_OUT (1UL << 1)
#define GPIOD_FLAGS_BIT_DIR_VAL (1UL << 2)
#define GPIOD_FLAGS_BIT_OPEN_DRAIN (1UL << 3)
#define GPIOD_FLAGS_BIT_NONEXCLUSIVE (1UL << 4)
enum gpiod_flags {
	GPIOD_ASIS = 0,
	GPIOD_IN = GPIOD_FLAGS_BIT_DIR_SET,
	GPIOD_OUT_LOW = GPIOD_FLAGS_BIT_DIR_SET | GPIOD_FLAGS_BIT_DIR_OUT,
	GPIOD_OUT_HIGH = GPIOD_FLAGS_BIT_DIR_SET | GPIOD_FLAGS_BIT_DIR_OUT | GPIOD_FLAGS_BIT_DIR_VAL,
	GPIOD_OUT_LOW_OPEN_DRAIN = GPIOD_OUT_LOW | GPIOD_FLAGS_BIT_OPEN_DRAIN,
	GPIOD_OUT_HIGH_OPEN_DRAIN = GPIOD_OUT_HIGH | GPIOD_FLAGS_BIT_OPEN_DRAIN,
};

/* ksim: platform devices are not modelled; the types exist so that drivers
 * load up to the first call. */
#include <linux/types.h>
#include <linux/device.h>
struct platform_device;
struct platform_driver;

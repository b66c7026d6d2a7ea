/* ksim: devices (include/linux/device.h): opaque to modules. */
#include <linux/types.h>
#include <linux/kobject.h>
#include <linux/kdev_t.h>
struct device;
struct class;
struct device_driver;
struct bus_type;

/* ksim: misc devices (include/linux/miscdevice.h of 6.12): the struct.
 * misc_register() ... are functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/list.h>
#include <linux/fs.h>
#include <linux/device.h>
#define MISC_DYNAMIC_MINOR 255
struct attribute_group;
struct miscdevice {
	int minor;
	const char *name;
	const struct file_operations *fops;
	struct list_head list;
	struct device *parent;
	struct device *this_device;
	const struct attribute_group **groups;
	const char *nodename;
	umode_t mode;
};

/* ksim: struct cdev (include/linux/cdev.h). cdev_init(), cdev_add() ... are
 * functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/kobject.h>
#include <linux/kdev_t.h>
#include <linux/list.h>
struct file_operations;
struct module;
struct cdev {
	struct kobject kobj;
	struct module *owner;
	const struct file_operations *ops;
	struct list_head list;
	dev_t dev;
	unsigned int count;
};

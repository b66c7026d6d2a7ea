/* ksim: struct kobject (include/linux/kobject.h), for structs that embed one. */
#include <linux/types.h>
#include <linux/list.h>
struct kobject {
	const char *name;
	struct list_head entry;
	struct kobject *parent;
	void *ktype;
	void *sd;
	atomic_t kref;
	unsigned int state; /* the kernel's state_* bit-fields */
};

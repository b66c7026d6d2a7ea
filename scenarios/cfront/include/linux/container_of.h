/* ksim: container_of (include/linux/container_of.h), without the kernel's
 * statement expression and type assertion: a cast of the member's address. */
#include <linux/stddef.h>
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define container_of_const(ptr, type, member) container_of(ptr, type, member)

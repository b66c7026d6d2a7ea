#include <linux/spinlock_types.h>

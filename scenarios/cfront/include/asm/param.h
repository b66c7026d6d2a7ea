#include <linux/jiffies.h>

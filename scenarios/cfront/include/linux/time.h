/* ksim: time types (include/uapi/linux/time_types.h). */
#include <linux/types.h>
#include <linux/jiffies.h>
struct timespec64 {
	time64_t tv_sec;
	long tv_nsec;
};

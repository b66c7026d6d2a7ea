#include <linux/mutex.h>

#include <linux/sched.h>
#include <linux/signal.h>

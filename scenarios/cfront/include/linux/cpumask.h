/* ksim: num_online_cpus() ... are functions of the kernel API (when modelled). */
#include <linux/types.h>

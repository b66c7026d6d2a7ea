/* ksim: user memory access. copy_to_user(), get_user() ... are not yet part of
 * ksim's kernel API. */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/sched.h>

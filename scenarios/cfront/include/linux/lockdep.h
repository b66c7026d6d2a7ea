/* ksim: lockdep. lockdep_assert_held() ... are functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/lockdep_types.h>

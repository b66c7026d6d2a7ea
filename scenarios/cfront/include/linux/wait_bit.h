/* ksim: waiting for a bit (include/linux/wait_bit.h). wait_on_bit() and
 * wake_up_bit() are functions of ksim's kernel API; clear_and_wake_up_bit is
 * 6.12's inline function. */
#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/sched.h>

static inline void clear_and_wake_up_bit(int bit, unsigned long *word)
{
	clear_bit_unlock(bit, word);
	wake_up_bit(word, bit);
}

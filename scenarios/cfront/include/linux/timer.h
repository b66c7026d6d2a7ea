/* ksim: timers (include/linux/timer.h, timer_types.h of 6.12): the types.
 * timer_setup(), mod_timer() ... are not yet part of ksim's kernel API. */
#include <linux/types.h>
#include <linux/list.h>
#include <linux/jiffies.h>
#include <linux/container_of.h>
struct timer_list {
	struct hlist_node entry;
	unsigned long expires;
	void (*function)(struct timer_list *);
	u32 flags;
};
#define TIMER_DEFERRABLE 0x00080000
#define TIMER_PINNED 0x00100000
#define TIMER_IRQSAFE 0x00200000
#define __TIMER_INITIALIZER(_function, _flags) { \
	.entry = { .next = TIMER_ENTRY_STATIC }, \
	.function = (_function), \
	.flags = (_flags) }
#define DEFINE_TIMER(_name, _function) struct timer_list _name = __TIMER_INITIALIZER(_function, 0)
#define from_timer(var, callback_timer, timer_fieldname) \
	container_of(callback_timer, typeof(*var), timer_fieldname)

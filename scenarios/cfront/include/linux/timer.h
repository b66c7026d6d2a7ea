/* ksim: timers (include/linux/timer.h, timer_types.h of 6.12): the types and
 * static initialisers. timer_setup(), mod_timer(), del_timer_sync() ... are
 * functions of ksim's kernel API (timer_setup is a macro in the kernel; ksim's
 * takes the same arguments and names the timer's lockdep map as it does). */
#include <linux/types.h>
#include <linux/list.h>
#include <linux/jiffies.h>
#include <linux/container_of.h>
#include <linux/lockdep_types.h>
#include <linux/stringify.h>
struct timer_list {
	struct hlist_node entry;
	unsigned long expires;
	void (*function)(struct timer_list *);
	u32 flags;
	struct lockdep_map lockdep_map;
};
#define TIMER_CPUMASK 0x0003FFFF
#define TIMER_MIGRATING 0x00040000
#define TIMER_DEFERRABLE 0x00080000
#define TIMER_PINNED 0x00100000
#define TIMER_IRQSAFE 0x00200000
#define TIMER_INIT_FLAGS (TIMER_DEFERRABLE | TIMER_PINNED | TIMER_IRQSAFE)
/* __TIMER_LOCKDEP_MAP_INITIALIZER(FILE_LINE): the map is named "file:line". */
#define __TIMER_INITIALIZER(_function, _flags) { \
	.entry = { .next = TIMER_ENTRY_STATIC }, \
	.function = (_function), \
	.flags = (_flags), \
	.lockdep_map = { .name = __FILE__ ":" __stringify(__LINE__) } }
#define DEFINE_TIMER(_name, _function) struct timer_list _name = __TIMER_INITIALIZER(_function, 0)
#define from_timer(var, callback_timer, timer_fieldname) \
	container_of(callback_timer, typeof(*var), timer_fieldname)
#define timer_container_of(var, callback_timer, timer_fieldname) from_timer(var, callback_timer, timer_fieldname)

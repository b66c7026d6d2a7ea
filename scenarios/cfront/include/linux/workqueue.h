/* ksim: work queues (include/linux/workqueue.h, workqueue_types.h of 6.12):
 * the types, flags and static initialisers. INIT_WORK(), queue_work() ... are
 * not yet part of ksim's kernel API. */
#include <linux/types.h>
#include <linux/list.h>
#include <linux/timer.h>
#include <linux/atomic.h>

struct workqueue_struct;
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	atomic_long_t data;
	struct list_head entry;
	work_func_t func;
};

struct delayed_work {
	struct work_struct work;
	struct timer_list timer;
	struct workqueue_struct *wq;
	int cpu;
};

#define WORK_STRUCT_NO_POOL 0xffffffe0UL
#define WORK_DATA_STATIC_INIT() ATOMIC_LONG_INIT((unsigned long)(WORK_STRUCT_NO_POOL | 2))
#define __WORK_INITIALIZER(n, f) { \
	.data = WORK_DATA_STATIC_INIT(), \
	.entry = { &(n).entry, &(n).entry }, \
	.func = (f) }
#define DECLARE_WORK(n, f) struct work_struct n = __WORK_INITIALIZER(n, f)
#define to_delayed_work(w) container_of(w, struct delayed_work, work)

enum wq_flags {
	WQ_BH = 1 << 0,
	WQ_UNBOUND = 1 << 1,
	WQ_FREEZABLE = 1 << 2,
	WQ_MEM_RECLAIM = 1 << 3,
	WQ_HIGHPRI = 1 << 4,
	WQ_CPU_INTENSIVE = 1 << 5,
	WQ_SYSFS = 1 << 6,
	WQ_POWER_EFFICIENT = 1 << 7,
	__WQ_DESTROYING = 1 << 15,
	__WQ_DRAINING = 1 << 16,
	__WQ_ORDERED = 1 << 17,
	__WQ_LEGACY = 1 << 18,
	WQ_MAX_ACTIVE = 512,
	WQ_UNBOUND_MAX_ACTIVE = WQ_MAX_ACTIVE,
	WQ_DFL_ACTIVE = WQ_MAX_ACTIVE / 2,
};

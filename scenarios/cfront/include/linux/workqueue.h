/* ksim: work queues (include/linux/workqueue.h, workqueue_types.h of 6.12):
 * the types, flags and static initialisers. INIT_WORK(), queue_work(),
 * flush_work() ... are functions of ksim's kernel API (INIT_WORK and
 * INIT_DELAYED_WORK are macros in the kernel; ksim's take the same arguments
 * and name the work's lockdep map as the macros do). system_wq & co. are the
 * kernel's workqueues. */
#include <linux/types.h>
#include <linux/list.h>
#include <linux/timer.h>
#include <linux/atomic.h>
#include <linux/lockdep_types.h>
#include <linux/container_of.h>

struct workqueue_struct;
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	atomic_long_t data;
	struct list_head entry;
	work_func_t func;
	struct lockdep_map lockdep_map;
};

struct delayed_work {
	struct work_struct work;
	struct timer_list timer;
	struct workqueue_struct *wq;
	int cpu;
};

#define WORK_STRUCT_NO_POOL 0xffffffe0UL
#define WORK_DATA_STATIC_INIT() ATOMIC_LONG_INIT((unsigned long)(WORK_STRUCT_NO_POOL | 2))
/* __WORK_INIT_LOCKDEP_MAP(#n, &(n)): the map is named after the work. */
#define __WORK_INITIALIZER(n, f) { \
	.data = WORK_DATA_STATIC_INIT(), \
	.entry = { &(n).entry, &(n).entry }, \
	.func = (f), \
	.lockdep_map = { .name = #n } }
#define __DELAYED_WORK_INITIALIZER(n, f, tflags) { \
	.work = __WORK_INITIALIZER((n).work, (f)), \
	.timer = { .flags = (tflags) | TIMER_IRQSAFE } }
#define DECLARE_WORK(n, f) struct work_struct n = __WORK_INITIALIZER(n, f)
#define DECLARE_DELAYED_WORK(n, f) struct delayed_work n = __DELAYED_WORK_INITIALIZER(n, f, 0)
#define DECLARE_DEFERRABLE_WORK(n, f) struct delayed_work n = __DELAYED_WORK_INITIALIZER(n, f, TIMER_DEFERRABLE)
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

/* The kernel's workqueues (kernel/workqueue.c). */
#define system_wq __ksim_system_wq(0)
#define system_highpri_wq __ksim_system_wq(1)
#define system_long_wq __ksim_system_wq(2)
#define system_unbound_wq __ksim_system_wq(3)

/* ksim: interrupts and tasklets (include/linux/interrupt.h, irqreturn.h of
 * 6.12). request_irq(), tasklet_schedule() ... are functions of ksim's kernel
 * API. struct tasklet_struct has 6.12's fields after ksim's primitive prefix
 * (linux/lockdep_types.h). */
#include <linux/types.h>
#include <linux/lockdep_types.h>
#include <linux/irqflags.h>
#include <linux/hardirq.h>
#include <linux/bottom_half.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/atomic.h>
#include <linux/kernel.h>

enum irqreturn {
	IRQ_NONE = (0 << 0),
	IRQ_HANDLED = (1 << 0),
	IRQ_WAKE_THREAD = (1 << 1),
};
typedef enum irqreturn irqreturn_t;
#define IRQ_RETVAL(x) ((x) ? IRQ_HANDLED : IRQ_NONE)

typedef irqreturn_t (*irq_handler_t)(int, void *);

#define IRQF_TRIGGER_NONE 0x00000000
#define IRQF_TRIGGER_RISING 0x00000001
#define IRQF_TRIGGER_FALLING 0x00000002
#define IRQF_TRIGGER_HIGH 0x00000004
#define IRQF_TRIGGER_LOW 0x00000008
#define IRQF_TRIGGER_MASK (IRQF_TRIGGER_HIGH | IRQF_TRIGGER_LOW | IRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING)
#define IRQF_TRIGGER_PROBE 0x00000010
#define IRQF_SHARED 0x00000080
#define IRQF_PROBE_SHARED 0x00000100
#define __IRQF_TIMER 0x00000200
#define IRQF_PERCPU 0x00000400
#define IRQF_NOBALANCING 0x00000800
#define IRQF_IRQPOLL 0x00001000
#define IRQF_ONESHOT 0x00002000
#define IRQF_NO_SUSPEND 0x00004000
#define IRQF_FORCE_RESUME 0x00008000
#define IRQF_NO_THREAD 0x00010000
#define IRQF_EARLY_RESUME 0x00020000
#define IRQF_COND_SUSPEND 0x00040000
#define IRQF_NO_AUTOEN 0x00080000
#define IRQF_NO_DEBUG 0x00100000
#define IRQF_COND_ONESHOT 0x00200000
#define IRQF_TIMER (__IRQF_TIMER | IRQF_NO_SUSPEND | IRQF_NO_THREAD)

struct tasklet_struct {
	__KSIM_PRIM_HEAD;
	struct tasklet_struct *next;
	unsigned long state;
	atomic_t count;
	bool use_callback;
	union {
		void (*func)(unsigned long data);
		void (*callback)(struct tasklet_struct *t);
	};
	unsigned long data;
};

#define DECLARE_TASKLET(name, _callback) \
	struct tasklet_struct name = { \
		__KSIM_PRIM_INIT(name, TASKLET), \
		.count = ATOMIC_INIT(0), \
		.callback = _callback, \
		.use_callback = true, \
	}

#define DECLARE_TASKLET_DISABLED(name, _callback) \
	struct tasklet_struct name = { \
		__KSIM_PRIM_INIT(name, TASKLET), \
		.count = ATOMIC_INIT(1), \
		.callback = _callback, \
		.use_callback = true, \
	}

#define DECLARE_TASKLET_OLD(name, _func) \
	struct tasklet_struct name = { \
		__KSIM_PRIM_INIT(name, TASKLET), \
		.count = ATOMIC_INIT(0), \
		.func = _func, \
	}

#define DECLARE_TASKLET_DISABLED_OLD(name, _func) \
	struct tasklet_struct name = { \
		__KSIM_PRIM_INIT(name, TASKLET), \
		.count = ATOMIC_INIT(1), \
		.func = _func, \
	}

#define from_tasklet(var, callback_tasklet, tasklet_fieldname) \
	container_of(callback_tasklet, typeof(*var), tasklet_fieldname)

enum {
	TASKLET_STATE_SCHED,
	TASKLET_STATE_RUN
};

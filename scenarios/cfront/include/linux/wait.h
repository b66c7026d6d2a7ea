/* ksim: wait queues (include/linux/wait.h of 6.12): the types, the static
 * initialisers and the kernel's macros. wait_event() and its kin expand, as in
 * the kernel, to a loop around prepare_to_wait_event(), the condition and
 * schedule(): the condition is re-evaluated as C at every turn. The functions
 * (prepare_to_wait, finish_wait, __wake_up ...) are ksim's kernel API. */
#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock_types.h>
#include <linux/sched.h>

struct wait_queue_entry;
typedef struct wait_queue_entry wait_queue_entry_t;
typedef int (*wait_queue_func_t)(struct wait_queue_entry *wq_entry, unsigned mode, int flags, void *key);

struct wait_queue_entry {
	unsigned int flags;
	void *private;
	wait_queue_func_t func;
	struct list_head entry;
};

struct wait_queue_head {
	spinlock_t lock;
	struct list_head head;
};
typedef struct wait_queue_head wait_queue_head_t;

#define WQ_FLAG_EXCLUSIVE 0x01
#define WQ_FLAG_WOKEN 0x02

#define __WAIT_QUEUE_HEAD_INITIALIZER(name) { \
	.lock = __SPIN_LOCK_UNLOCKED(name.lock), \
	.head = LIST_HEAD_INIT(name.head) }
#define DECLARE_WAIT_QUEUE_HEAD(name) struct wait_queue_head name = __WAIT_QUEUE_HEAD_INITIALIZER(name)
#define DECLARE_WAIT_QUEUE_HEAD_ONSTACK(name) DECLARE_WAIT_QUEUE_HEAD(name)

#define __WAITQUEUE_INITIALIZER(name, tsk) { \
	.private = tsk, \
	.func = default_wake_function, \
	.entry = { NULL, NULL } }
#define DECLARE_WAITQUEUE(name, tsk) struct wait_queue_entry name = __WAITQUEUE_INITIALIZER(name, tsk)

#define init_waitqueue_entry(wq_entry, p) do { \
	(wq_entry)->flags = 0; \
	(wq_entry)->private = (p); \
	(wq_entry)->func = default_wake_function; \
} while (0)

#define init_waitqueue_func_entry(wq_entry, fn) do { \
	(wq_entry)->flags = 0; \
	(wq_entry)->private = NULL; \
	(wq_entry)->func = (fn); \
} while (0)

#define DEFINE_WAIT_FUNC(name, function) \
	struct wait_queue_entry name = { \
		.private = current, \
		.func = function, \
		.entry = LIST_HEAD_INIT((name).entry), \
	}
#define DEFINE_WAIT(name) DEFINE_WAIT_FUNC(name, autoremove_wake_function)

#define init_wait_func(wait, function) do { \
	(wait)->private = current; \
	(wait)->func = function; \
	INIT_LIST_HEAD(&(wait)->entry); \
	(wait)->flags = 0; \
} while (0)
#define init_wait(wait) init_wait_func(wait, autoremove_wake_function)

/* kernel/sched/wait.c: init_wait_entry */
#define init_wait_entry(wq_entry, fl) do { \
	(wq_entry)->flags = (fl); \
	(wq_entry)->private = current; \
	(wq_entry)->func = autoremove_wake_function; \
	INIT_LIST_HEAD(&(wq_entry)->entry); \
} while (0)

#define wake_up(x) __wake_up(x, TASK_NORMAL, 1, NULL)
#define wake_up_nr(x, nr) __wake_up(x, TASK_NORMAL, nr, NULL)
#define wake_up_all(x) __wake_up(x, TASK_NORMAL, 0, NULL)
#define wake_up_interruptible(x) __wake_up(x, TASK_INTERRUPTIBLE, 1, NULL)
#define wake_up_interruptible_nr(x, nr) __wake_up(x, TASK_INTERRUPTIBLE, nr, NULL)
#define wake_up_interruptible_all(x) __wake_up(x, TASK_INTERRUPTIBLE, 0, NULL)

#define ___wait_is_interruptible(state) \
	(((state) & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)) != 0)

/*
 * The kernel's ___wait_event, with its "goto __out" written as a flag: on a
 * signal, prepare_to_wait_event has taken the entry off the queue already, and
 * finish_wait is skipped.
 */
#define ___wait_event(wq_head, condition, state, exclusive, ret, cmd) \
({ \
	struct wait_queue_entry __wq_entry; \
	long __ret = ret; \
	int __out = 0; \
	init_wait_entry(&__wq_entry, exclusive ? WQ_FLAG_EXCLUSIVE : 0); \
	for (;;) { \
		long __int = prepare_to_wait_event(&wq_head, &__wq_entry, state); \
		if (condition) { \
			if (__int) \
				__ksim_wait_signalled(1); \
			break; \
		} \
		if (___wait_is_interruptible(state) && __int) { \
			__ksim_wait_signalled(0); \
			__ret = __int; \
			__out = 1; \
			break; \
		} \
		cmd; \
	} \
	if (!__out) \
		finish_wait(&wq_head, &__wq_entry); \
	__ret; \
})

#define __wait_event(wq_head, condition) \
	(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0, schedule())

#define wait_event(wq_head, condition) \
do { \
	might_sleep(); \
	if (condition) \
		break; \
	__wait_event(wq_head, condition); \
} while (0)

#define ___wait_cond_timeout(condition) \
({ \
	bool __cond = (condition); \
	if (__cond && !__ret) \
		__ret = 1; \
	__cond || !__ret; \
})

#define __wait_event_timeout(wq_head, condition, timeout) \
	___wait_event(wq_head, ___wait_cond_timeout(condition), \
		      TASK_UNINTERRUPTIBLE, 0, timeout, \
		      __ret = schedule_timeout(__ret))

#define wait_event_timeout(wq_head, condition, timeout) \
({ \
	long __ret = timeout; \
	might_sleep(); \
	if (!___wait_cond_timeout(condition)) \
		__ret = __wait_event_timeout(wq_head, condition, timeout); \
	__ret; \
})

#define __wait_event_interruptible(wq_head, condition) \
	___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 0, 0, schedule())

#define wait_event_interruptible(wq_head, condition) \
({ \
	int __ret = 0; \
	might_sleep(); \
	if (!(condition)) \
		__ret = __wait_event_interruptible(wq_head, condition); \
	__ret; \
})

#define __wait_event_interruptible_timeout(wq_head, condition, timeout) \
	___wait_event(wq_head, ___wait_cond_timeout(condition), \
		      TASK_INTERRUPTIBLE, 0, timeout, \
		      __ret = schedule_timeout(__ret))

#define wait_event_interruptible_timeout(wq_head, condition, timeout) \
({ \
	long __ret = timeout; \
	might_sleep(); \
	if (!___wait_cond_timeout(condition)) \
		__ret = __wait_event_interruptible_timeout(wq_head, condition, timeout); \
	__ret; \
})

#define __wait_event_killable(wq, condition) \
	___wait_event(wq, condition, TASK_KILLABLE, 0, 0, schedule())

#define wait_event_killable(wq_head, condition) \
({ \
	int __ret = 0; \
	might_sleep(); \
	if (!(condition)) \
		__ret = __wait_event_killable(wq_head, condition); \
	__ret; \
})

#define __wait_event_interruptible_exclusive(wq, condition) \
	___wait_event(wq, condition, TASK_INTERRUPTIBLE, 1, 0, schedule())

#define wait_event_interruptible_exclusive(wq, condition) \
({ \
	int __ret = 0; \
	might_sleep(); \
	if (!(condition)) \
		__ret = __wait_event_interruptible_exclusive(wq, condition); \
	__ret; \
})

#define __wait_event_lock_irq(wq_head, condition, lock, cmd) \
	(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0, \
			    spin_unlock_irq(&lock); \
			    cmd; \
			    schedule(); \
			    spin_lock_irq(&lock))

#define wait_event_lock_irq_cmd(wq_head, condition, lock, cmd) \
do { \
	if (condition) \
		break; \
	__wait_event_lock_irq(wq_head, condition, lock, cmd); \
} while (0)

#define wait_event_lock_irq(wq_head, condition, lock) \
do { \
	if (condition) \
		break; \
	__wait_event_lock_irq(wq_head, condition, lock, ); \
} while (0)

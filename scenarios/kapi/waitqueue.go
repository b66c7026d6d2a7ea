package kapi

import (
	"fmt"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Wait queues (include/linux/wait.h, kernel/sched/wait.c). wait_event() and its kin
// are the kernel's macros, in ksim's linux/wait.h: the condition is C, evaluated by
// the interpreter at every turn of the macro's loop around prepare_to_wait_event,
// schedule() and finish_wait, so its reads are steps the search sees. The entries
// here are the functions those macros and drivers call.

const hWait = "linux/wait.h"

// wqFlagExclusive is WQ_FLAG_EXCLUSIVE.
const wqFlagExclusive = 0x01

func init() {
	register(
		interp.Builtin{Name: "init_waitqueue_head", Header: hWait,
			Decl: "void init_waitqueue_head(struct wait_queue_head *wq_head);",
			Impl: func(c *interp.Call) int64 {
				if addr, ok := wqMemory(c, 0); ok {
					c.T.InitWaitQueueAt(addr, func() string { return wqName(c, 0) })
				}
				return 0
			}},
		interp.Builtin{Name: "prepare_to_wait", Header: hWait,
			Decl: "void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);",
			Impl: wqEntryOp(func(c *interp.Call, q *ksync.WaitQueue, e *ksync.WaitEntry) int64 {
				q.PrepareToWait(c.T, e, uint32(c.Args[2]), false)
				return 0
			})},
		interp.Builtin{Name: "prepare_to_wait_exclusive", Header: hWait,
			Decl: "_Bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);",
			Impl: wqEntryOp(func(c *interp.Call, q *ksync.WaitQueue, e *ksync.WaitEntry) int64 {
				return b2i(q.PrepareToWait(c.T, e, uint32(c.Args[2]), true))
			})},
		interp.Builtin{Name: "__ksim_wait_signalled", Header: hWait,
			// ksim's: a wait_event* found a signal pending, its condition true
			// (1) or not. When the signal was ksim's Ctrl-C ending the sleep and
			// the condition is true, the wake-up was lost (ksync LostWakeup).
			Decl: "void __ksim_wait_signalled(int cond);",
			Impl: func(c *interp.Call) int64 {
				if cur := c.T.Current(); cur.TakeCtrlCWake() && c.Args[0] != 0 {
					cur.LostWakeup()
				}
				return 0
			}},
		interp.Builtin{Name: "prepare_to_wait_event", Header: hWait,
			Decl: "long prepare_to_wait_event(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);",
			Impl: wqEntryOp(func(c *interp.Call, q *ksync.WaitQueue, e *ksync.WaitEntry) int64 {
				return q.PrepareToWaitEvent(c.T, e, uint32(c.Args[2]))
			})},
		interp.Builtin{Name: "finish_wait", Header: hWait,
			Decl: "void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);",
			Impl: wqEntryOp(func(c *interp.Call, q *ksync.WaitQueue, e *ksync.WaitEntry) int64 {
				q.FinishWait(c.T, e)
				return 0
			})},
		interp.Builtin{Name: "add_wait_queue", Header: hWait,
			Decl: "void add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);",
			Impl: wqEntryOp(func(c *interp.Call, q *ksync.WaitQueue, e *ksync.WaitEntry) int64 {
				q.AddWaitQueue(c.T, e, false)
				return 0
			})},
		interp.Builtin{Name: "add_wait_queue_exclusive", Header: hWait,
			Decl: "void add_wait_queue_exclusive(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);",
			Impl: wqEntryOp(func(c *interp.Call, q *ksync.WaitQueue, e *ksync.WaitEntry) int64 {
				q.AddWaitQueue(c.T, e, true)
				return 0
			})},
		interp.Builtin{Name: "remove_wait_queue", Header: hWait,
			Decl: "void remove_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);",
			Impl: wqEntryOp(func(c *interp.Call, q *ksync.WaitQueue, e *ksync.WaitEntry) int64 {
				q.RemoveWaitQueue(c.T, e)
				return 0
			})},
		interp.Builtin{Name: "waitqueue_active", Header: hWait,
			Decl: "int waitqueue_active(struct wait_queue_head *wq_head);",
			Impl: wqOp(func(c *interp.Call, q *ksync.WaitQueue) int64 { return b2i(q.Active(c.T)) })},
		interp.Builtin{Name: "wq_has_sleeper", Header: hWait,
			Decl: "_Bool wq_has_sleeper(struct wait_queue_head *wq_head);",
			// smp_mb(), then waitqueue_active(): in the model every step is
			// ordered already.
			Impl: wqOp(func(c *interp.Call, q *ksync.WaitQueue) int64 { return b2i(q.Active(c.T)) })},
		interp.Builtin{Name: "__wake_up", Header: hWait,
			Decl: "int __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key);",
			Impl: wqOp(func(c *interp.Call, q *ksync.WaitQueue) int64 {
				return int64(q.WakeUp(c.T, wakeName(c), uint32(c.Args[1]), int(int32(c.Args[2]))))
			})},
		interp.Builtin{Name: "default_wake_function", Header: hWait,
			Decl: "int default_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int flags, void *key);",
			Impl: wakeFunction("default_wake_function", false)},
		interp.Builtin{Name: "autoremove_wake_function", Header: hWait,
			Decl: "int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync, void *key);",
			Impl: wakeFunction("autoremove_wake_function", true)},
	)
}

// wakeName is the name a wakeup's steps show: the macro the call site wrote when
// the interpreter knows it, __wake_up otherwise.
func wakeName(c *interp.Call) string {
	if c.Site != nil && len(c.Site.ArgText) > 2 {
		switch c.Site.ArgText[1] + "/" + c.Site.ArgText[2] {
		case "TASK_NORMAL/1", "(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)/1":
			return "wake_up"
		case "TASK_NORMAL/0", "(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)/0":
			return "wake_up_all"
		case "TASK_INTERRUPTIBLE/1", "0x00000001/1":
			return "wake_up_interruptible"
		case "TASK_INTERRUPTIBLE/0", "0x00000001/0":
			return "wake_up_interruptible_all"
		}
	}
	return "__wake_up"
}

// wqMemory checks the wait_queue_head pointer argument i: a pointer to no memory
// faults in spin_lock, as the kernel's does.
func wqMemory(c *interp.Call, i int) (uint64, bool) {
	addr := c.Addr(i)
	if b, off := c.K().Find(addr); b == nil || off < 0 || off >= b.Size() {
		callOops(c.T, addr)
		return 0, false
	}
	return addr, true
}

// wqName names the queue at argument i for traces and reports: the object holding
// it, and the offset in it when it is a member.
func wqName(c *interp.Call, i int) string {
	b, off := c.K().Find(c.Addr(i))
	if b == nil {
		return fmt.Sprintf("wq@%#x", c.Addr(i))
	}
	if off == 0 {
		return b.Name()
	}
	return fmt.Sprintf("%s+%#x", b.Name(), off)
}

// waitqAt is the wait queue at argument i (made on first use, as
// DECLARE_WAIT_QUEUE_HEAD made it), nil after a fault.
func waitqAt(c *interp.Call, i int) *ksync.WaitQueue {
	addr, ok := wqMemory(c, i)
	if !ok {
		return nil
	}
	return c.K().WaitQueueAt(addr, func() string { return wqName(c, i) })
}

func wqOp(f func(c *interp.Call, q *ksync.WaitQueue) int64) func(*interp.Call) int64 {
	return func(c *interp.Call) int64 {
		q := waitqAt(c, 0)
		if q == nil {
			return 0
		}
		return f(c, q)
	}
}

func wqEntryOp(f func(c *interp.Call, q *ksync.WaitQueue, e *ksync.WaitEntry) int64) func(*interp.Call) int64 {
	return func(c *interp.Call) int64 {
		q := waitqAt(c, 0)
		if q == nil {
			return 0
		}
		e := wqEntryAt(c, 1)
		if e == nil {
			return 0
		}
		taskStruct(c, worldOf(c), c.T.Current()) // the state word lives there
		return f(c, q, e)
	}
}

// wqEntryAt is the wait_queue_entry at argument i, as its fields say now: flags
// (WQ_FLAG_EXCLUSIVE), private (the task to wake) and func (autoremove_wake_function
// or default_wake_function). Nil after a fault.
func wqEntryAt(c *interp.Call, i int) *ksync.WaitEntry {
	addr, ok := wqMemory(c, i)
	if !ok {
		return nil
	}
	w := worldOf(c)
	field := func(name string, size int) uint64 {
		off, ok := w.Offsetof("wait_queue_entry", name)
		if !ok {
			return 0
		}
		// The task's own entry, which it set up itself: read without a step.
		v, _ := c.K().Peek(addr+uint64(off), size)
		return v
	}
	flags := field("flags", 4)
	p := taskAt(c, field("private", 8))
	autoremove := false
	if f := w.FuncAt(field("func", 8)); f != nil {
		autoremove = f.Name() == "autoremove_wake_function"
	}
	e := c.K().WaitEntryAt(addr)
	e.Set(p, flags&wqFlagExclusive != 0, autoremove)
	return e
}

// taskAt is the task whose struct task_struct is at addr, nil if none.
func taskAt(c *interp.Call, addr uint64) *ksync.Task {
	if addr == 0 {
		return nil
	}
	for _, t := range c.K().Tasks() {
		if b := t.TaskStruct(nil); b != nil && b.Addr() == addr {
			return t
		}
	}
	return nil
}

// wakeFunction is default_wake_function / autoremove_wake_function called from C:
// try_to_wake_up(wq_entry->private, mode); autoremove_wake_function then takes a
// woken entry off its queue (list_del_init_careful).
func wakeFunction(name string, autoremove bool) func(*interp.Call) int64 {
	return func(c *interp.Call) int64 {
		e := wqEntryAt(c, 0)
		if e == nil {
			return 0
		}
		var p *ksync.Task
		if off, ok := worldOf(c).Offsetof("wait_queue_entry", "private"); ok {
			v, _ := c.K().Peek(c.Addr(0)+uint64(off), 8)
			p = taskAt(c, v)
		}
		if p == nil {
			callOops(c.T, 0)
			return 0
		}
		woke := c.T.TryToWakeUp(name, p, uint32(c.Args[1]))
		if woke && autoremove {
			if q := e.Queue(); q != nil {
				q.RemoveWaitQueue(c.T, e)
			}
		}
		return b2i(woke)
	}
}

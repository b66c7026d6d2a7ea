package kapi

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Tasklets (include/linux/interrupt.h, kernel/softirq.c). A struct tasklet_struct
// lives in the module's memory, laid out by the header (6.12's fields: next, state,
// count, use_callback, the func/callback union, data); DECLARE_TASKLET and
// DECLARE_TASKLET_OLD initialise it statically, tasklet_init and tasklet_setup at
// run time. Its scheduling state is a ksync.Tasklet, made on the first call that
// names the address (k.PrimAt). When it runs, it reads its fields as
// tasklet_action_common does: t->use_callback ? t->callback(t) : t->func(t->data).
// The fields are read and written within the tasklet's own steps (tasklet_init's,
// and the run), not as steps of their own: ksync orders those on the tasklet.

// taskletLayout is where struct tasklet_struct keeps what ksim reads and writes.
type taskletLayout struct {
	next, state, useCallback, fn, data int // offsets; fn is the func/callback union
	size                               int // bytes up to the end of data
}

// taskletFields reads the layout from the World, nil (after an oops naming the
// missing field: the headers and ksim disagree) when the header lacks a field.
func taskletFields(c *interp.Call, w taskWorld) *taskletLayout {
	var l taskletLayout
	for _, f := range []struct {
		name string
		off  *int
	}{{"next", &l.next}, {"state", &l.state}, {"use_callback", &l.useCallback}, {"func", &l.fn}, {"data", &l.data}} {
		off, ok := w.Offsetof("tasklet_struct", f.name)
		if !ok && f.name == "func" { // the union's other member
			off, ok = w.Offsetof("tasklet_struct", "callback")
		}
		if !ok {
			c.T.Oops("ksim: struct tasklet_struct has no field " + f.name)
			return nil
		}
		*f.off = off
	}
	l.size = l.data + 8
	return &l
}

func init() {
	register(
		interp.Builtin{Name: "tasklet_init", Header: "linux/interrupt.h",
			Decl: "void tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long), unsigned long data);",
			Impl: func(c *interp.Call) int64 { taskletInit(c, false); return 0 }},
		interp.Builtin{Name: "tasklet_setup", Header: "linux/interrupt.h",
			Decl: "void tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *));",
			Impl: func(c *interp.Call) int64 { taskletInit(c, true); return 0 }},
		interp.Builtin{Name: "tasklet_schedule", Header: "linux/interrupt.h",
			Decl: "void tasklet_schedule(struct tasklet_struct *t);",
			Impl: func(c *interp.Call) int64 {
				if tl := taskletAt(c); tl != nil {
					c.T.TaskletSchedule(tl)
				}
				return 0
			}},
		interp.Builtin{Name: "tasklet_hi_schedule", Header: "linux/interrupt.h",
			Decl: "void tasklet_hi_schedule(struct tasklet_struct *t);",
			// HI_SOFTIRQ's list runs before TASKLET_SOFTIRQ's; ksync keeps one
			// list of pending tasklets, in the order they were scheduled.
			Impl: func(c *interp.Call) int64 {
				if tl := taskletAt(c); tl != nil {
					c.T.TaskletSchedule(tl)
				}
				return 0
			}},
		interp.Builtin{Name: "tasklet_disable", Header: "linux/interrupt.h",
			Decl: "void tasklet_disable(struct tasklet_struct *t);",
			Impl: func(c *interp.Call) int64 { taskletCount(c, (*ksync.Task).TaskletDisable); return 0 }},
		interp.Builtin{Name: "tasklet_disable_nosync", Header: "linux/interrupt.h",
			Decl: "void tasklet_disable_nosync(struct tasklet_struct *t);",
			Impl: func(c *interp.Call) int64 { taskletCount(c, (*ksync.Task).TaskletDisableNosync); return 0 }},
		interp.Builtin{Name: "tasklet_enable", Header: "linux/interrupt.h",
			Decl: "void tasklet_enable(struct tasklet_struct *t);",
			Impl: func(c *interp.Call) int64 { taskletCount(c, (*ksync.Task).TaskletEnable); return 0 }},
		interp.Builtin{Name: "tasklet_kill", Header: "linux/interrupt.h",
			Decl: "void tasklet_kill(struct tasklet_struct *t);",
			Impl: func(c *interp.Call) int64 {
				if tl := taskletAt(c); tl != nil {
					c.T.TaskletKill(tl)
				}
				return 0
			}},
	)
}

// taskletAt is the ksync tasklet of the struct tasklet_struct argument 0 points at,
// made on first use; nil after the oops or KASAN report of a pointer to no
// tasklet (the kernel's test_and_set_bit on t->state faults there).
func taskletAt(c *interp.Call) *ksync.Tasklet {
	w := worldOf(c)
	l := taskletFields(c, w)
	if l == nil {
		return nil
	}
	addr := c.Addr(0)
	k := c.T.Kernel()
	if p, ok := k.PrimAt(addr).(*ksync.Tasklet); ok {
		return p
	}
	b, off := k.Find(addr)
	if b == nil || b.Freed() || off < 0 || off+l.size > len(b.Bytes()) {
		c.T.LoadAt(addr+uint64(l.state), 8) // the oops or KASAN report of that access
		if b == nil {
			return nil
		}
	}
	name := taskletName(c, b, off)
	tl := k.DeclareTasklet(name, taskletRun(w, addr, l, name))
	if off, ok := w.Offsetof("tasklet_struct", "count"); ok {
		count, _ := k.Peek(addr+uint64(off), 4) // DECLARE_TASKLET_DISABLED: 1
		tl.SetDisabled(int(int32(count)))
	}
	k.SetPrimAt(addr, tl)
	return tl
}

// taskletCount is tasklet_disable, tasklet_disable_nosync or tasklet_enable (op)
// on the tasklet argument 0 points at: ksync keeps the count, and the tasklet's
// count field (an atomic_t) says the same.
func taskletCount(c *interp.Call, op func(*ksync.Task, *ksync.Tasklet)) {
	tl := taskletAt(c)
	if tl == nil {
		return
	}
	op(c.T, tl)
	if off, ok := worldOf(c).Offsetof("tasklet_struct", "count"); ok {
		c.T.Kernel().Poke(c.Addr(0)+uint64(off), 4, uint64(uint32(int32(tl.Disabled()))))
	}
}

// taskletName names a tasklet for traces: a global by its name, anything else as
// the call wrote its address ("&dev->tasklet" is "dev->tasklet").
func taskletName(c *interp.Call, b *ksync.Buffer, off int) string {
	if b != nil && off == 0 && b.Region() == ksync.RegionStatic {
		return b.Name()
	}
	if c.Site != nil && len(c.Site.ArgText) > 0 {
		return strings.TrimPrefix(c.Site.ArgText[0], "&")
	}
	if b != nil {
		return fmt.Sprintf("%s+%#x", b.Name(), off)
	}
	return fmt.Sprintf("tasklet@%#x", c.Addr(0))
}

// taskletRun is the tasklet at addr running in softirq context, as
// tasklet_action_common calls it: t->callback(t) for a tasklet with use_callback
// (DECLARE_TASKLET, tasklet_setup), else t->func(t->data).
//
// The function is module code: one that runs after the module is gone is the
// page-fault Oops of freed code, and its exit should have called tasklet_kill
// (ksync.Task.ModuleCode).
func taskletRun(w taskWorld, addr uint64, l *taskletLayout, name string) func(*ksync.Task) {
	return func(ct *ksync.Task) {
		k := ct.Kernel()
		useCallback, _ := k.Peek(addr+uint64(l.useCallback), 1)
		fn, _ := k.Peek(addr+uint64(l.fn), 8)
		arg := int64(addr)
		if useCallback == 0 {
			d, _ := k.Peek(addr+uint64(l.data), 8)
			arg = int64(d)
		}
		f := w.FuncAt(fn)
		if f == nil {
			callOops(ct, fn)
			return
		}
		if !ct.ModuleCode(fn, f.Name(), "tasklet_kill(&"+name+")", ct.TaskletFrames()...) {
			return
		}
		w.Run(ct, f, arg)
	}
}

// taskletInit is tasklet_init(t, func, data) (callback false) and
// tasklet_setup(t, callback) (kernel/softirq.c): next NULL, state 0, count 0, the
// function, use_callback, and data (0 for tasklet_setup).
func taskletInit(c *interp.Call, callback bool) {
	tl := taskletAt(c)
	if tl == nil {
		return
	}
	w := worldOf(c)
	l := taskletFields(c, w)
	addr := c.Addr(0)
	tl.Init(c.T, taskletRun(w, addr, l, tl.Name()))
	k := c.T.Kernel()
	k.Poke(addr+uint64(l.next), 8, 0)
	k.Poke(addr+uint64(l.state), 8, 0)
	if off, ok := w.Offsetof("tasklet_struct", "count"); ok {
		k.Poke(addr+uint64(off), 4, 0)
	}
	k.Poke(addr+uint64(l.fn), 8, c.Addr(1))
	var data uint64
	use := uint64(0)
	if callback {
		use = 1
	} else {
		data = c.Addr(2)
	}
	k.Poke(addr+uint64(l.useCallback), 1, use)
	k.Poke(addr+uint64(l.data), 8, data)
}

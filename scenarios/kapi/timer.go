package kapi

import (
	"fmt"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Timers (include/linux/timer.h, kernel/time/timer.c). A struct timer_list lives
// in the module's memory with 6.12's fields; its state is a ksync.Timer at its
// address, made on the first call that names it. When it expires, call_timer_fn
// reads timer->function and calls it with the timer (module code: after the module
// is gone, the page-fault Oops naming the missing del_timer_sync).

const hTimer = "linux/timer.h"

type timerLayout struct {
	expires, fn, flags, depName, size int
}

func timerFields(c *interp.Call, w taskWorld) *timerLayout {
	var l timerLayout
	var ok [5]bool
	l.expires, ok[0] = w.Offsetof("timer_list", "expires")
	l.fn, ok[1] = w.Offsetof("timer_list", "function")
	l.flags, ok[2] = w.Offsetof("timer_list", "flags")
	dm, ok3 := w.Offsetof("timer_list", "lockdep_map")
	nm, ok4 := w.Offsetof("lockdep_map", "name")
	l.depName, ok[3] = dm+nm, ok3 && ok4
	l.size, ok[4] = w.Sizeof("timer_list")
	for _, o := range ok {
		if !o {
			c.T.Oops("ksim: struct timer_list lacks a field ksim reads")
			return nil
		}
	}
	return &l
}

func init() {
	delSync := func(prim string, shutdown bool) func(c *interp.Call) int64 {
		return func(c *interp.Call) int64 {
			if tm := timerAt(c, 0); tm != nil {
				return int64(c.T.DelTimerSync(tm, prim, shutdown))
			}
			return 0
		}
	}
	del := func(c *interp.Call) int64 {
		if tm := timerAt(c, 0); tm != nil {
			return int64(c.T.DelTimer(tm))
		}
		return 0
	}
	register(
		interp.Builtin{Name: "timer_setup", Header: hTimer,
			Decl: "void timer_setup(struct timer_list *timer, void (*callback)(struct timer_list *), unsigned int flags);",
			Impl: func(c *interp.Call) int64 { timerSetup(c); return 0 }},
		interp.Builtin{Name: "mod_timer", Header: hTimer,
			Decl: "int mod_timer(struct timer_list *timer, unsigned long expires);",
			Impl: func(c *interp.Call) int64 {
				tm := timerAt(c, 0)
				if tm == nil {
					return 0
				}
				ret := c.T.ModTimer(tm, c.Addr(1))
				if l := timerFields(c, worldOf(c)); l != nil {
					c.K().Poke(c.Addr(0)+uint64(l.expires), 8, c.Addr(1))
				}
				return int64(ret)
			}},
		interp.Builtin{Name: "add_timer", Header: hTimer,
			Decl: "void add_timer(struct timer_list *timer);",
			Impl: func(c *interp.Call) int64 {
				tm := timerAt(c, 0)
				if tm == nil {
					return 0
				}
				if l := timerFields(c, worldOf(c)); l != nil {
					e, _ := c.K().Peek(c.Addr(0)+uint64(l.expires), 8)
					tm.SetExpires(e)
				}
				c.T.AddTimer(tm)
				return 0
			}},
		interp.Builtin{Name: "timer_pending", Header: hTimer,
			Decl: "int timer_pending(const struct timer_list *timer);",
			Impl: func(c *interp.Call) int64 {
				if tm := timerAt(c, 0); tm != nil {
					return taskFlag(c.T.TimerPending(tm))
				}
				return 0
			}},
		interp.Builtin{Name: "del_timer", Header: hTimer,
			Decl: "int del_timer(struct timer_list *timer);", Impl: del},
		interp.Builtin{Name: "timer_delete", Header: hTimer,
			Decl: "int timer_delete(struct timer_list *timer);", Impl: del},
		interp.Builtin{Name: "timer_shutdown", Header: hTimer,
			Decl: "int timer_shutdown(struct timer_list *timer);",
			Impl: func(c *interp.Call) int64 {
				if tm := timerAt(c, 0); tm != nil {
					return int64(c.T.TimerShutdown(tm))
				}
				return 0
			}},
		interp.Builtin{Name: "del_timer_sync", Header: hTimer,
			Decl: "int del_timer_sync(struct timer_list *timer);", Impl: delSync("del_timer_sync", false)},
		interp.Builtin{Name: "timer_delete_sync", Header: hTimer,
			Decl: "int timer_delete_sync(struct timer_list *timer);", Impl: delSync("timer_delete_sync", false)},
		interp.Builtin{Name: "timer_shutdown_sync", Header: hTimer,
			Decl: "int timer_shutdown_sync(struct timer_list *timer);", Impl: delSync("timer_shutdown_sync", true)},
	)
}

// timerAt is the ksync timer of the struct timer_list argument i points at, made
// on first use as its memory says (DEFINE_TIMER named its lockdep map "file:line";
// otherwise it is named as timer_setup would name it). Nil after the oops or KASAN
// report of a pointer to no timer.
func timerAt(c *interp.Call, i int) *ksync.Timer {
	w := worldOf(c)
	l := timerFields(c, w)
	if l == nil {
		return nil
	}
	addr := c.Addr(i)
	k := c.K()
	if p, ok := k.PrimAt(addr).(*ksync.Timer); ok {
		return p
	}
	b, off := k.Find(addr)
	if b == nil || b.Freed() || off < 0 || off+l.size > len(b.Bytes()) {
		c.T.LoadAt(addr, 8) // the oops or KASAN report of touching the timer
		return nil
	}
	name := wqObjName(c, i, b, off)
	depName := "(&" + name + ")"
	if p, _ := k.Peek(addr+uint64(l.depName), 8); p != 0 {
		depName = c.T.CString("lockdep_init_map", p, 128)
	}
	flags, _ := k.Peek(addr+uint64(l.flags), 4)
	tm := k.NewTimer(name, depName, int(flags), timerRun(w, addr, l, name))
	if off, ok := w.Offsetof("timer_list", "lockdep_map"); ok {
		tm.SetMapAddr(addr + uint64(off))
	}
	k.SetPrimAt(addr, tm)
	return tm
}

// timerSetup is timer_setup(timer, callback, flags): init_timer_key names the
// lockdep map after the macro's argument as written, parenthesised ("(&t)").
func timerSetup(c *interp.Call) {
	tm := timerAt(c, 0)
	if tm == nil {
		return
	}
	arg := "?"
	if c.Site != nil && len(c.Site.ArgText) > 0 {
		arg = c.Site.ArgText[0]
	}
	w := worldOf(c)
	l := timerFields(c, w)
	addr := c.Addr(0)
	flags := int(c.Int(2))
	tm.Setup(c.T, "("+arg+")", flags, timerRun(w, addr, l, tm.Name()))
	k := c.K()
	k.Poke(addr+uint64(l.fn), 8, c.Addr(1))
	k.Poke(addr+uint64(l.flags), 4, uint64(uint32(flags)))
}

// timerRun is call_timer_fn's fn(timer), fn being timer->function when the timer
// expires.
func timerRun(w taskWorld, addr uint64, l *timerLayout, name string) func(*ksync.Task) {
	missing := "del_timer_sync(&" + name + ")"
	return func(ct *ksync.Task) {
		fn, _ := ct.Kernel().Peek(addr+uint64(l.fn), 8)
		f := w.FuncAt(fn)
		fname := fmt.Sprintf("%#x", fn)
		if f != nil {
			fname = f.Name()
		}
		if fn >= 4096 && !ct.ModuleCode(fn, fname, missing, "call_timer_fn", "__run_timers", "run_timer_softirq") {
			return
		}
		if f == nil {
			callOops(ct, fn)
			return
		}
		w.Run(ct, f, int64(addr))
	}
}

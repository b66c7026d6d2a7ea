package kapi

import (
	"fmt"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// High-resolution timers, the basics (include/linux/hrtimer.h,
// kernel/time/hrtimer.c). A struct hrtimer lives in the module's memory; its state
// is a ksync.HRTimer at its address. When it fires, __run_hrtimer reads
// timer->function and calls it (module code: after the module is gone, the
// page-fault Oops naming the missing hrtimer_cancel), and a callback that returns
// HRTIMER_RESTART is armed again.

const hHRTimer = "linux/hrtimer.h"

const hrtimerModeSoft = 0x04 // HRTIMER_MODE_SOFT

func init() {
	register(
		interp.Builtin{Name: "hrtimer_init", Header: hHRTimer,
			Decl: "void hrtimer_init(struct hrtimer *timer, clockid_t which_clock, enum hrtimer_mode mode);",
			Impl: func(c *interp.Call) int64 {
				if h := hrtimerAt(c, 0); h != nil {
					h.Init(c.T, c.Int(2)&hrtimerModeSoft != 0)
					if off, ok := worldOf(c).Offsetof("hrtimer", "function"); ok {
						c.K().Poke(c.Addr(0)+uint64(off), 8, 0) // __hrtimer_init's memset
					}
				}
				return 0
			}},
		interp.Builtin{Name: "hrtimer_start", Header: hHRTimer,
			Decl: "void hrtimer_start(struct hrtimer *timer, ktime_t tim, const enum hrtimer_mode mode);",
			Impl: func(c *interp.Call) int64 {
				if h := hrtimerAt(c, 0); h != nil {
					c.T.HRTimerStart(h)
				}
				return 0
			}},
		interp.Builtin{Name: "hrtimer_cancel", Header: hHRTimer,
			Decl: "int hrtimer_cancel(struct hrtimer *timer);",
			Impl: func(c *interp.Call) int64 {
				if h := hrtimerAt(c, 0); h != nil {
					return int64(c.T.HRTimerCancel(h))
				}
				return 0
			}},
		interp.Builtin{Name: "hrtimer_try_to_cancel", Header: hHRTimer,
			Decl: "int hrtimer_try_to_cancel(struct hrtimer *timer);",
			Impl: func(c *interp.Call) int64 {
				if h := hrtimerAt(c, 0); h != nil {
					return int64(c.T.HRTimerTryToCancel(h))
				}
				return 0
			}},
		interp.Builtin{Name: "hrtimer_active", Header: hHRTimer,
			Decl: "_Bool hrtimer_active(const struct hrtimer *timer);",
			Impl: func(c *interp.Call) int64 {
				if h := hrtimerAt(c, 0); h != nil {
					return taskFlag(c.T.HRTimerActive(h))
				}
				return 0
			}},
		interp.Builtin{Name: "hrtimer_forward_now", Header: hHRTimer,
			Decl: "u64 hrtimer_forward_now(struct hrtimer *timer, ktime_t interval);",
			// ksim's time does not run between a timer's arming and its expiry
			// (the moment is explored): forwarding a just-expired timer by its
			// period is one overrun, what the kernel returns when the callback
			// ran within the period.
			Impl: func(c *interp.Call) int64 { return 1 }},
	)
}

// hrtimerAt is the ksync hrtimer of the struct hrtimer argument i points at, made
// on first use; nil after the oops or KASAN report of a pointer to none.
func hrtimerAt(c *interp.Call, i int) *ksync.HRTimer {
	w := worldOf(c)
	fnOff, ok := w.Offsetof("hrtimer", "function")
	size, ok2 := w.Sizeof("hrtimer")
	if !ok || !ok2 {
		c.T.Oops("ksim: struct hrtimer lacks function")
		return nil
	}
	addr := c.Addr(i)
	k := c.K()
	if p, ok := k.PrimAt(addr).(*ksync.HRTimer); ok {
		return p
	}
	b, off := k.Find(addr)
	if b == nil || b.Freed() || off < 0 || off+size > len(b.Bytes()) {
		c.T.LoadAt(addr, 8)
		return nil
	}
	name := wqObjName(c, i, b, off)
	missing := "hrtimer_cancel(&" + name + ")"
	h := k.NewHRTimer(name, false, func(ct *ksync.Task) int {
		fn, _ := ct.Kernel().Peek(addr+uint64(fnOff), 8)
		f := w.FuncAt(fn)
		fname := fmt.Sprintf("%#x", fn)
		if f != nil {
			fname = f.Name()
		}
		if fn >= 4096 && !ct.ModuleCode(fn, fname, missing, "__run_hrtimer", "__hrtimer_run_queues", "hrtimer_interrupt") {
			return 0
		}
		if f == nil {
			callOops(ct, fn)
			return 0
		}
		return int(int32(w.Run(ct, f, int64(addr))))
	})
	k.SetPrimAt(addr, h)
	return h
}

package ksync

import (
	"fmt"

	"github.com/ksim-dev/ksim/sched"
)

// High-resolution timers (kernel/time/hrtimer.c), the basics. A hard hrtimer's
// callback runs in hardirq context (__hrtimer_run_queues from the local APIC timer
// interrupt): an hrtimer armed is an interrupt line of its own that may fire at any
// step of a task on its CPU with interrupts on (on top of it), or on an idle CPU,
// as irq.go's lines do; a soft one (HRTIMER_MODE_*_SOFT) runs from HRTIMER_SOFTIRQ,
// as a timer_list's callback does (timer.go). A callback that returns
// HRTIMER_RESTART is armed again, up to ArmBound firings. hrtimer_cancel waits (a
// busy wait) for a running callback. hrtimers have no lockdep map in 6.12: a
// cancel under the callback's lock is found as the real lockup, and lockdep sees
// the lock's use in hardirq context (inconsistent lock state).

// HRTimerRestart is HRTIMER_RESTART, what a callback returns to be armed again.
const HRTimerRestart = 1

// HRTimer is a struct hrtimer.
type HRTimer struct {
	k       *Kernel
	id      sched.ObjID
	name    string
	fn      func(t *Task) int // the callback; returns enum hrtimer_restart
	soft    bool
	armed   bool
	running bool
	line    *IRQLine // a hard hrtimer's interrupt
	tm      *Timer   // a soft hrtimer's softirq timer
}

// NewHRTimer is hrtimer_init's hrtimer: soft for a HRTIMER_MODE_*_SOFT mode.
func (k *Kernel) NewHRTimer(name string, soft bool, fn func(t *Task) int) *HRTimer {
	h := &HRTimer{k: k, id: k.e.NewObject(name), name: name, fn: fn, soft: soft}
	return h
}

// SetFunc is the module's write of timer->function (hrtimer_init leaves it NULL).
func (h *HRTimer) SetFunc(fn func(t *Task) int) { h.fn = fn }

// Init is hrtimer_init on an hrtimer already known: inactive, mode set again.
func (h *HRTimer) Init(t *Task, soft bool) {
	t.op("hrtimer_init", h.id, sched.Write, nil)
	h.soft, h.armed = soft, false
	if h.line != nil {
		h.line.active = false
	}
}

// HRTimerStart is hrtimer_start(timer, tim, mode): the timer (re)armed.
func (t *Task) HRTimerStart(h *HRTimer) {
	t.op("hrtimer_start", h.id, sched.Write, nil)
	t.hrArm(h)
}

func (t *Task) hrArm(h *HRTimer) {
	k := t.k
	k.e.RequireFullSearch(fullSearchIRQ)
	h.armed = true
	if h.soft {
		if h.tm == nil {
			h.tm = k.NewTimer(h.name, "", 0, func(c *Task) { h.expire(c) })
			h.tm.dep = nil // no lockdep map
		}
		h.tm.armed = false // the softirq timer follows the hrtimer
		t.armTimer(h.tm, 0)
		return
	}
	if h.line == nil {
		k.wq.hrIRQ++
		h.line = &IRQLine{k: k, n: 4095 + k.wq.hrIRQ, name: "hrtimer " + h.name, times: k.armBound(), cpu: -1,
			counts: make([]int, k.cfg.CPUs), pending: make([]bool, k.cfg.CPUs),
			handler: IRQHandler{Fn: func(c *Task) IRQReturn { h.expire(c); return IRQHandled }}}
		k.irqs = append(k.irqs, h.line)
	}
	if h.line.fired >= h.line.times {
		k.e.LimitReached(fmt.Sprintf("re-arm bound reached: hrtimer %s was armed more than %d times in one execution "+
			"(a timer that re-arms itself); ksim lets it fire at most that many times, then never again; %s", h.name, k.armBound(), armBoundHint))
	}
	h.line.active = true
	t.note("armed")
}

// expire is __run_hrtimer on context c: the callback, and a restart if it asks.
func (h *HRTimer) expire(c *Task) {
	c.op("__run_hrtimer", h.id, sched.Write, nil)
	if !h.armed {
		c.th.Note("cancelled before it fired")
		return
	}
	h.armed = false
	if h.line != nil {
		h.line.active = false
	}
	h.running = true
	ret := 0
	if h.fn != nil {
		ret = h.fn(c)
	}
	c.op("__run_hrtimer", h.id, sched.Write, nil)
	h.running = false
	if ret == HRTimerRestart && !h.armed {
		c.hrArm(h)
	}
}

// HRTimerActive is hrtimer_active(timer): queued or its callback running.
func (t *Task) HRTimerActive(h *HRTimer) bool {
	t.op("hrtimer_active", h.id, sched.Read, nil)
	return h.armed || h.running
}

// HRTimerTryToCancel is hrtimer_try_to_cancel: -1 while the callback runs, else 1
// if it was queued (now removed), 0 if not.
func (t *Task) HRTimerTryToCancel(h *HRTimer) int {
	t.op("hrtimer_try_to_cancel", h.id, sched.Write, nil)
	if h.running {
		return -1
	}
	return h.dequeue()
}

func (h *HRTimer) dequeue() int {
	if !h.armed {
		return 0
	}
	h.armed = false
	if h.line != nil {
		h.line.active = false
	}
	if h.tm != nil {
		h.tm.deactivate()
	}
	return 1
}

// hrIdle lets hrtimer_cancel's busy wait end once the callback has returned.
type hrIdle struct{ h *HRTimer }

func (g hrIdle) Enabled(*sched.Op) bool { return !g.h.running }

// HRTimerCancel is hrtimer_cancel(timer): hrtimer_try_to_cancel until it does not
// fail, busy-waiting (hrtimer_cancel_wait_running: cpu_relax) while the callback
// runs; 1 if the timer was queued.
func (t *Task) HRTimerCancel(h *HRTimer) int {
	t.op("hrtimer_cancel", h.id, sched.Write, nil)
	if h.running {
		t.note("waits for the running callback")
		saved, st := t.wait, t.state
		m := t.k.newLockMap(h.name) // names the wait in reports; no lockdep map
		t.wait = waiting{kind: "spinlock", lock: &m.lockBase, pos: t.pos, prim: "hrtimer_cancel"}
		t.op("hrtimer_cancel", h.id, sched.Write, hrIdle{h})
		t.wait, t.state = saved, st
	}
	return h.dequeue()
}

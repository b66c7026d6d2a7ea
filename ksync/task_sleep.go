package ksync

import (
	"fmt"
	"math"

	"github.com/ksim-dev/ksim/sched"
)

// Sleeps with a timeout: schedule_timeout and what is built on it
// (kernel/time/sleep_timeout.c in later kernels, kernel/time/timer.c in 6.12).

// MaxScheduleTimeout is MAX_SCHEDULE_TIMEOUT (LONG_MAX): schedule_timeout sleeps
// until woken, with no timer.
const MaxScheduleTimeout = math.MaxInt64

// SleepTimeout is schedule_timeout(timeout) called in state st (Interruptible, or
// Uninterruptible): schedule_timeout_interruptible, schedule_timeout_uninterruptible
// and the loops of msleep_interruptible. The task sleeps until its timer fires and
// returns the jiffies left, 0. Nothing in ksim wakes a task sleeping this way
// before its time but a signal: with Config.Signals an interruptible sleep may end
// at once by one (an explored choice), returning timeout whole, as
// schedule_timeout returns the time left when woken early. With
// MAX_SCHEDULE_TIMEOUT there is no timer: only that signal ends the sleep, and
// without one the task sleeps forever (the hung-task detector watches an
// uninterruptible one). A timeout below 0 is the kernel's "schedule_timeout: wrong
// timeout value" error with a stack dump: it returns 0 at once, without sleeping.
func (t *Task) SleepTimeout(prim string, st TaskState, timeout int64) int64 {
	return t.sleepTimeout(prim, st, false, timeout)
}

// SleepTimeoutKillable is SleepTimeout in TASK_KILLABLE (schedule_timeout_killable):
// uninterruptible but for a fatal signal, which with Config.Signals may end it; the
// hung-task detector skips it (TASK_WAKEKILL).
func (t *Task) SleepTimeoutKillable(prim string, timeout int64) int64 {
	return t.sleepTimeout(prim, Uninterruptible, true, timeout)
}

func (t *Task) sleepTimeout(prim string, st TaskState, killable bool, timeout int64) int64 {
	t.op(prim, 0, sched.None, nil)
	if timeout < 0 {
		t.k.printk(fmt.Sprintf("schedule_timeout: wrong timeout value %x", uint64(timeout)))
		t.DumpStack()
		t.state = Running
		return 0
	}
	signal := (st == Interruptible || killable) && t.k.cfg.Signals
	t.killable = killable
	t.sleep(st, waiting{kind: "timeout", pos: t.pos, prim: prim})
	var g sched.Guard
	if timeout == MaxScheduleTimeout && !signal {
		g = noTimer{}
		t.note("sleeps with no timeout")
	} else if timeout != MaxScheduleTimeout {
		t.note("sleeps %d jiffies", timeout)
	}
	left := int64(0)
	if signal && (timeout == MaxScheduleTimeout || t.th.Choose(2) == 1) {
		left = timeout
	}
	t.op(prim+" (wakes)", 0, sched.None, g)
	t.wake()
	if t.SignalPending() {
		left = timeout // fops (userproc.go): Ctrl-C ended the sleep
	}
	t.killable = false
	if left != 0 {
		t.note("a signal ends the sleep early")
	}
	return left
}

// noTimer is the wait of a sleep with no timeout that nothing can end.
type noTimer struct{}

func (noTimer) Enabled(*sched.Op) bool { return false }

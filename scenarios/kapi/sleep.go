package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Sleeping and delays (include/linux/delay.h, kernel/time/timer.c): msleep and its
// kin sleep; udelay, mdelay and ndelay busy-wait, which in ksim is a scheduling
// point that changes nothing.

// Task states as include/linux/sched.h numbers them, for schedule_timeout.
const (
	taskRunning       = 0x0000
	taskInterruptible = 0x0001
	taskWakekill      = 0x0100
)

func init() {
	register(
		interp.Builtin{Name: "msleep", Header: "linux/delay.h",
			Decl: "void msleep(unsigned int msecs);",
			Impl: func(c *interp.Call) int64 { c.T.Msleep(int(uint32(c.Args[0]))); return 0 }},
		interp.Builtin{Name: "ssleep", Header: "linux/delay.h",
			Decl: "void ssleep(unsigned int seconds);",
			// msleep(seconds * 1000), in unsigned int as the kernel's inline does.
			Impl: func(c *interp.Call) int64 { c.T.Msleep(int(uint32(c.Args[0]) * 1000)); return 0 }},
		interp.Builtin{Name: "msleep_interruptible", Header: "linux/delay.h",
			Decl: "unsigned long msleep_interruptible(unsigned int msecs);",
			Impl: msleepInterruptible},
		interp.Builtin{Name: "usleep_range", Header: "linux/delay.h",
			Decl: "void usleep_range(unsigned long min, unsigned long max);",
			// usleep_range_state(min, max, TASK_UNINTERRUPTIBLE): an hrtimer
			// sleep of at least min µs.
			Impl: func(c *interp.Call) int64 {
				c.T.SleepTimeout("usleep_range", ksync.Uninterruptible, usecsToJiffies(uint32(c.Args[0])))
				return 0
			}},
		interp.Builtin{Name: "udelay", Header: "linux/delay.h",
			Decl: "void udelay(unsigned long usecs);",
			Impl: func(c *interp.Call) int64 { c.T.CPURelax("udelay"); return 0 }},
		interp.Builtin{Name: "mdelay", Header: "linux/delay.h",
			Decl: "void mdelay(unsigned long msecs);",
			Impl: func(c *interp.Call) int64 { c.T.CPURelax("mdelay"); return 0 }},
		interp.Builtin{Name: "ndelay", Header: "linux/delay.h",
			Decl: "void ndelay(unsigned long nsecs);",
			Impl: func(c *interp.Call) int64 { c.T.CPURelax("ndelay"); return 0 }},
		interp.Builtin{Name: "schedule_timeout", Header: "linux/sched.h",
			Decl: "long schedule_timeout(long timeout);",
			Impl: scheduleTimeout},
		interp.Builtin{Name: "schedule_timeout_interruptible", Header: "linux/sched.h",
			Decl: "long schedule_timeout_interruptible(long timeout);",
			Impl: func(c *interp.Call) int64 {
				return c.T.SleepTimeout("schedule_timeout_interruptible", ksync.Interruptible, c.Args[0])
			}},
		interp.Builtin{Name: "schedule_timeout_killable", Header: "linux/sched.h",
			Decl: "long schedule_timeout_killable(long timeout);",
			Impl: func(c *interp.Call) int64 {
				return c.T.SleepTimeoutKillable("schedule_timeout_killable", c.Args[0])
			}},
		interp.Builtin{Name: "schedule_timeout_uninterruptible", Header: "linux/sched.h",
			Decl: "long schedule_timeout_uninterruptible(long timeout);",
			Impl: func(c *interp.Call) int64 {
				return c.T.SleepTimeout("schedule_timeout_uninterruptible", ksync.Uninterruptible, c.Args[0])
			}},
	)
	define(
		Define{Header: "linux/sched.h", Name: "MAX_SCHEDULE_TIMEOUT", Value: ksync.MaxScheduleTimeout},
	)
}

// msleepInterruptible is msleep_interruptible(msecs) (kernel/time/timer.c): it
// sleeps msecs_to_jiffies(msecs) in TASK_INTERRUPTIBLE unless a signal ends the
// sleep, and returns the milliseconds left.
func msleepInterruptible(c *interp.Call) int64 {
	timeout := msecsToJiffies(uint32(c.Args[0]))
	if timeout == 0 {
		return 0
	}
	left := c.T.SleepTimeout("msleep_interruptible", ksync.Interruptible, timeout)
	return jiffiesToMsecs(uint64(left))
}

// scheduleTimeout is schedule_timeout(timeout) (kernel/time/timer.c): the task
// sleeps in the state it set before (set_current_state), until its timer fires or a
// wakeup (wake_up_process, wake_up) sets it TASK_RUNNING; in TASK_RUNNING it only
// passes through schedule() and returns with the time left, all of it.
func scheduleTimeout(c *interp.Call) int64 {
	timeout := c.Args[0]
	if timeout < 0 { // the kernel's error, before it looks at the state
		return c.T.SleepTimeout("schedule_timeout", ksync.Running, timeout)
	}
	taskStruct(c, worldOf(c), c.T.Current())
	if c.T.Current().StateWord() == ksync.TaskRunning {
		// Only the task itself leaves TASK_RUNNING: nobody can change it now.
		c.T.Schedule()
		return timeout
	}
	return c.T.SleepState("schedule_timeout", timeout)
}

package kapi

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// tkTraceOps runs body in insmod and lists the operations of its trace (a BUG at
// the end makes the exploration keep one).
func tkTraceOps(t *testing.T, cfg ksync.Config, body func(t *testing.T, k *ksync.Kernel, task *ksync.Task)) string {
	t.Helper()
	res := tkExplore(t, cfg, func(k *ksync.Kernel) {
		k.KernelThread("insmod", func(task *ksync.Task) {
			body(t, k, task)
			tkCall(t, task, "end.c:1", "BUG")
		})
	})
	require.NotEmpty(t, res.Problems)
	var ops []string
	for _, e := range res.Problems[0].Trace {
		ops = append(ops, e.Op)
	}
	return strings.Join(ops, " ")
}

func TestSleeps(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64
		ret  int64
		ops  string // the trace's operations, in order
	}{
		{"msleep", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "msleep", 10)
		}, 0, "msleep msleep (wakes)"},
		{"ssleep", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "ssleep", 1)
		}, 0, "msleep msleep (wakes)"},
		{"msleep_interruptible", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "msleep_interruptible", 100)
		}, 0, "msleep_interruptible msleep_interruptible (wakes)"},
		{"msleep_interruptible(0) does not sleep", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "msleep_interruptible", 0)
		}, 0, ""},
		{"usleep_range", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "usleep_range", 100, 200)
		}, 0, "usleep_range usleep_range (wakes)"},
		{"schedule_timeout_interruptible", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "schedule_timeout_interruptible", 25)
		}, 0, "schedule_timeout_interruptible schedule_timeout_interruptible (wakes)"},
		{"schedule_timeout_uninterruptible", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "schedule_timeout_uninterruptible", 25)
		}, 0, "schedule_timeout_uninterruptible schedule_timeout_uninterruptible (wakes)"},
		{"schedule_timeout in TASK_RUNNING", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "schedule_timeout", 25)
		}, 25, "schedule"},
		{"schedule_timeout after set_current_state(TASK_INTERRUPTIBLE)", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			cur := tkCall(t, task, "s.c:2", "get_current")
			k.Poke(uint64(cur)+uint64(tkLayout["task_struct.__state"]), 4, taskInterruptible)
			ret := tkCall(t, task, "s.c:3", "schedule_timeout", 25)
			assert.Zero(t, tkField(k, cur, "task_struct.__state", 4), "TASK_RUNNING again")
			return ret
		}, 0, "schedule_timeout schedule_timeout (wakes)"},
		{"udelay", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "udelay", 10)
		}, 0, "udelay"},
		{"mdelay", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "mdelay", 10)
		}, 0, "mdelay"},
		{"ndelay", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "s.c:3", "ndelay", 10)
		}, 0, "ndelay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tkUse(t, newTkWorld())
			var ret int64
			ops := tkTraceOps(t, ksync.Config{}, func(t *testing.T, k *ksync.Kernel, task *ksync.Task) {
				ret = tc.call(t, k, task)
			})
			assert.Equal(t, tc.ret, ret)
			ops = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(ops), "add_taint"))
			assert.Equal(t, tc.ops, ops)
		})
	}
}

// With signals, an interruptible sleep may end early: msleep_interruptible then
// returns the milliseconds left.
func TestMsleepInterruptibleWithSignals(t *testing.T) {
	tkUse(t, newTkWorld())
	rets := map[int64]bool{}
	tkExplore(t, ksync.Config{Signals: true}, func(k *ksync.Kernel) {
		k.KernelThread("insmod", func(task *ksync.Task) {
			rets[tkCall(t, task, "s.c:3", "msleep_interruptible", 100)] = true
		})
	})
	assert.Equal(t, map[int64]bool{0: true, 100: true}, rets)
}

// schedule_timeout_uninterruptible(MAX_SCHEDULE_TIMEOUT), with nothing to wake
// the task, never returns.
func TestScheduleTimeoutForever(t *testing.T) {
	tkUse(t, newTkWorld())
	returned := false
	res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		k.KernelThread("insmod", func(task *ksync.Task) {
			tkCall(t, task, "s.c:3", "schedule_timeout_uninterruptible", ksync.MaxScheduleTimeout)
			returned = true
		})
	})
	assert.False(t, returned)
	assert.Equal(t, []string{"INFO: task insmod:2 blocked for more than 120 seconds."}, tkTitles(res),
		"the hung-task detector's report")
}

// set_current_state then schedule(): with no waker the task sleeps for good, which
// the kernel reports for TASK_UNINTERRUPTIBLE only; a signal may end an
// interruptible or killable sleep.
func TestScheduleInTheStateSet(t *testing.T) {
	const killable = 0x102
	for _, tc := range []struct {
		name     string
		state    int64
		signals  bool
		titles   []string
		returned map[bool]bool
	}{
		{"TASK_UNINTERRUPTIBLE", 2, false, []string{"INFO: task insmod:2 blocked for more than 120 seconds."}, map[bool]bool{false: true}},
		{"TASK_INTERRUPTIBLE", 1, false, []string{"deadlock: 1 task(s) asleep forever (interruptible or killable: no kernel report)"}, map[bool]bool{false: true}},
		{"TASK_INTERRUPTIBLE with signals", 1, true, nil, map[bool]bool{true: true}},
		{"TASK_KILLABLE", killable, false, []string{"deadlock: 1 task(s) asleep forever (interruptible or killable: no kernel report)"}, map[bool]bool{false: true}},
		{"TASK_RUNNING", 0, false, nil, map[bool]bool{true: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tkUse(t, newTkWorld())
			returned := map[bool]bool{}
			var state uint64
			res := tkExplore(t, ksync.Config{Signals: tc.signals}, func(k *ksync.Kernel) {
				done := false
				k.Execution().OnEnd(func(sched.Outcome) { returned[done] = true })
				k.KernelThread("insmod", func(task *ksync.Task) {
					tkCall(t, task, "s.c:3", "set_current_state", tc.state)
					cur := tkCall(t, task, "s.c:4", "get_current")
					tkCall(t, task, "s.c:5", "schedule")
					state = tkField(k, cur, "task_struct.__state", 4)
					done = true
				})
			})
			assert.Equal(t, tc.titles, tkTitles(res))
			assert.Equal(t, tc.returned, returned)
			if returned[true] {
				assert.Zero(t, state, "TASK_RUNNING after the wakeup")
			}
		})
	}
}

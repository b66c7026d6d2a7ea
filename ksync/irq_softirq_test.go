package ksync

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// tasklet_schedule from process context wakes ksoftirqd: the tasklet runs "soon", not
// inside tasklet_schedule, so the task may go on first (found by review: the tasklet
// ran at once, and the order below was never explored).
func TestTaskletScheduledFromProcessContextMayRunLater(t *testing.T) {
	seen := map[int64]bool{}
	res := explore(t, Config{CPUs: 2}, func(k *Kernel) {
		x := k.NewInt("x", 0)
		tl := k.DeclareTasklet("t", func(c *Task) { x.Store(c, 7) })
		k.KernelThread("insmod", func(t *Task) {
			t.TaskletSchedule(tl)
			x.Store(t, 1)
			seen[x.Load(t)] = true
		})
		k.Execution().OnEnd(func(sched.Outcome) {
			assert.Equal(t, 1, tl.Runs(), "every execution runs the pending tasklet once")
		})
	})
	assert.True(t, res.Complete)
	assert.Equal(t, map[int64]bool{1: true, 7: true}, seen)
}

// A pending tasklet runs before the execution ends, in ksoftirqd once its CPU has
// nothing else to run, also when the task waits for the tasklet itself.
func TestPendingTaskletRunsInKsoftirqdWhenTheCPUFallsIdle(t *testing.T) {
	comms := map[string]bool{}
	res := explore(t, Config{CPUs: 1}, func(k *Kernel) {
		done := k.DeclareCompletion("done")
		tl := k.DeclareTasklet("t", func(c *Task) {
			comms[c.Comm] = true
			done.Complete(c)
		})
		k.KernelThread("insmod", func(t *Task) {
			t.TaskletSchedule(tl)
			done.Wait(t)
		})
	})
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems, res.Verdict())
	assert.Equal(t, map[string]bool{"insmod": true, "ksoftirqd/0": true}, comms,
		"on top of insmod (an irq exit first) or in ksoftirqd")
}

// TASKLET_STATE_SCHED: scheduling a pending tasklet again changes nothing; one
// scheduled again while it runs runs again afterwards. Softirqs pending with bottom
// halves off run when they are enabled again.
func TestTaskletRunsOncePerScheduling(t *testing.T) {
	var afterEnable []int
	explore(t, Config{CPUs: 1}, func(k *Kernel) {
		var tl *Tasklet
		tl = k.DeclareTasklet("t", func(c *Task) {
			if tl.Runs() == 1 {
				c.TaskletSchedule(tl) // while it runs: once more
			}
		})
		k.KernelThread("insmod", func(t *Task) {
			t.LocalBHDisable()
			t.TaskletSchedule(tl)
			t.TaskletSchedule(tl) // pending already
			t.LocalBHEnable()
			afterEnable = append(afterEnable, tl.Runs())
		})
	})
	require.NotEmpty(t, afterEnable)
	for _, n := range afterEnable {
		assert.Equal(t, 2, n)
	}
}

// Softirqs run with interrupts on: a hardirq handler may interrupt a tasklet, and one
// that spins on a lock the tasklet holds is a hard lockup (found by review: no
// interrupt ever landed on a tasklet).
func TestHardirqInterruptsATasklet(t *testing.T) {
	res := explore(t, Config{CPUs: 1}, func(k *Kernel) {
		l := k.DefineSpinlock("l")
		x := k.NewInt("x", 0)
		tl := k.DeclareTasklet("t", func(c *Task) {
			l.Lock(c)
			x.Store(c, x.Load(c)+1)
			l.Unlock(c)
		})
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(5, "dev", func(h *Task) IRQReturn {
				l.Lock(h)
				x.Store(h, 2)
				l.Unlock(h)
				return IRQHandled
			})
			t.TaskletSchedule(tl)
			x.Store(t, 5)
		})
	})
	assert.True(t, res.Complete)
	p := find(res, "lockup")
	require.NotNil(t, p, res.Verdict())
	assert.Equal(t, "watchdog: Watchdog detected hard LOCKUP on cpu 0", p.Title)
	assert.Contains(t, p.Report, "which the softirq it interrupted (")
}

// A tasklet's stack is its own: the task it ran on top of keeps its frames (found by
// review: after a tasklet ran in process context, the task's reports named its
// frames after the tasklet's). Reports from a tasklet print its frames on the irq
// stack above the task's, or in ksoftirqd's.
func TestTaskletFramesInReports(t *testing.T) {
	var logs []string
	explore(t, Config{CPUs: 1}, func(k *Kernel) {
		x := k.NewInt("x", 0)
		tl := k.DeclareTasklet("t", func(c *Task) {
			c.SetStack(func() []Frame { return []Frame{{Func: "work", File: "x.c", Line: 3, FuncLine: 2, FuncEnd: 4}} })
			c.WarnOn(true)
		})
		k.KernelThread("insmod", func(t *Task) {
			t.SetStack(func() []Frame { return []Frame{{Func: "my_init", File: "x.c", Line: 8, FuncLine: 6, FuncEnd: 10}} })
			t.TaskletSchedule(tl)
			x.Store(t, 1)
			t.WarnOn(true)
		})
		k.Execution().OnEnd(func(sched.Outcome) { logs = append(logs, k.Dmesg()) })
	})
	require.NotEmpty(t, logs)
	onTop := " <IRQ>\n work (x.c:3)\n </IRQ>\n <TASK>\n my_init (x.c:8)\n </TASK>\n"
	inKsoftirqd := " <TASK>\n work (x.c:3)\n tasklet_action_common\n handle_softirqs\n run_ksoftirqd\n"
	task := "RIP: 0010:my_init+0x20/0x50\nCall Trace:\n <TASK>\n my_init (x.c:8)\n </TASK>\n"
	var shapes []string
	for _, log := range logs {
		plain := stripTimestamps(log)
		assert.Contains(t, plain, task, "the task's own warning names its own frames")
		switch {
		case strings.Contains(plain, onTop):
			shapes = append(shapes, "on top")
		case strings.Contains(plain, inKsoftirqd):
			shapes = append(shapes, "ksoftirqd")
		default:
			t.Errorf("no tasklet warning of a known shape in:\n%s", plain)
		}
	}
	slices.Sort(shapes)
	assert.Equal(t, []string{"ksoftirqd", "on top"}, slices.Compact(shapes))
}

// stripTimestamps drops dmesg's "[    5.001000] " prefixes.
func stripTimestamps(log string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(log, "\n") {
		if i := strings.Index(line, "] "); strings.HasPrefix(line, "[") && i > 0 {
			line = line[i+2:]
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

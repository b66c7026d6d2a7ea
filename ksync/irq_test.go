package ksync

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// irqDriver is the third classic of seed 000: process context takes a spinlock, and
// the device's interrupt handler takes the same lock.
func irqDriver(irqsave bool) func(k *Kernel) {
	return func(k *Kernel) {
		l := k.DefineSpinlock("dev_lock")
		k.KernelThread("insmod", func(t *Task) {
			t.At("irq.c:20")
			t.RequestIRQ(5, "mydev", func(h *Task) IRQReturn {
				h.At("irq.c:9")
				l.Lock(h)
				h.At("irq.c:10")
				l.Unlock(h)
				return IRQHandled
			})
			t.At("irq.c:14")
			if irqsave {
				f := l.LockIrqsave(t)
				t.At("irq.c:16")
				l.UnlockIrqrestore(t, f)
			} else {
				l.Lock(t)
				t.At("irq.c:16")
				l.Unlock(t)
			}
		})
	}
}

// titles lists the titles of the problems res found.
func titles(res *sched.Result) []string {
	var ts []string
	for _, p := range res.Problems {
		ts = append(ts, p.Title)
	}
	return ts
}

// The bundled scenario irq-spinlock in Go: with one CPU the interrupt can land while
// the lock is held (a hard lockup), and lockdep sees the lock taken in hardirq context
// and with irqs on, whichever came first.
func TestIRQHandlerTakingTheInterruptedTasksLockIsAHardLockup(t *testing.T) {
	res := explore(t, Config{CPUs: 1}, irqDriver(false))
	assert.True(t, res.Complete)
	require.Contains(t, kinds(res), "lockup")
	p := find(res, "lockup")
	assert.Equal(t, "watchdog: Watchdog detected hard LOCKUP on cpu 0", p.Title)
	assert.Contains(t, p.Report, "which the task it interrupted (insmod/2) holds")
	assert.Contains(t, titles(res), "WARNING: inconsistent lock state")
	assert.Equal(t, []string{"warning", "lockup"}, kinds(res))
}

func TestSpinLockIrqsaveMakesTheHandlerSafe(t *testing.T) {
	res := explore(t, Config{CPUs: 1}, irqDriver(true))
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems, res.Verdict())
	assert.Greater(t, res.Stats.Executions, int64(1), "the interrupt was explored at several points")
}

// With the interrupt routed to the other CPU the handler just waits for the lock, but
// lockdep still warns: the day it lands on the lock holder's CPU, it hangs.
func TestIRQOnTheOtherCPUJustWaits(t *testing.T) {
	res := explore(t, Config{CPUs: 2, IRQs: map[int]IRQSetting{5: {Times: 1, CPU: 1}}}, irqDriver(false))
	assert.True(t, res.Complete)
	assert.NotContains(t, kinds(res), "lockup")
	assert.Equal(t, []string{"WARNING: inconsistent lock state"}, titles(res))
	require.NotNil(t, find(res, "warning"))
	assert.Contains(t, find(res, "warning").Report, "inconsistent {")
}

func TestKmallocInHandler(t *testing.T) {
	handler := func(gfp GFP) func(k *Kernel) {
		return func(k *Kernel) {
			k.KernelThread("insmod", func(t *Task) {
				t.RequestIRQ(7, "net", func(h *Task) IRQReturn {
					if b := h.Kmalloc(64, gfp); b != nil {
						h.Kfree(b)
					}
					return IRQHandled
				})
				t.Msleep(1)
			})
		}
	}
	res := explore(t, Config{}, handler(GFPKernel))
	require.Equal(t, []string{"bug"}, kinds(res))
	r := res.Problems[0].Report
	assert.Contains(t, r, "in_atomic(): 1, irqs_disabled(): 1")
	assert.Contains(t, r, "preempt_count: 10000, expected: 0")

	res = explore(t, Config{}, handler(GFPAtomic))
	assert.Empty(t, res.Problems)
}

func TestTaskletRunsInSoftirqContextAtIrqExit(t *testing.T) {
	var contexts []string
	res := explore(t, Config{CPUs: 1}, func(k *Kernel) {
		tl := k.DeclareTasklet("rx", func(t *Task) {
			contexts = append(contexts, map[bool]string{true: "softirq", false: "process"}[t.softirq])
		})
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(9, "nic", func(h *Task) IRQReturn { h.TaskletSchedule(tl); return IRQHandled })
			t.Msleep(1)
		})
	})
	assert.Empty(t, res.Problems)
	require.NotEmpty(t, contexts)
	for _, c := range contexts {
		assert.Equal(t, "softirq", c)
	}
}

// irqModelIdle is mutexPhilosophers with the interrupt model present but idle: a
// tasklet that is declared and never scheduled (with irqIdleConfig, settings for
// lines that nobody requests).
func irqModelIdle(k *Kernel) {
	k.DeclareTasklet("rx", func(*Task) { panic("an unscheduled tasklet ran") })
	mutexPhilosophers(k)
}

// irqIdleConfig routes lines that nobody requests.
var irqIdleConfig = map[int]IRQSetting{5: {Times: 3, CPU: -1}, 9: {Times: 1, CPU: 0}}

// "No interrupt lines, no cost": with no line requested and no tasklet scheduled the
// interrupt model adds no choice and no step, and DPOR stays on. The same program,
// with line settings and an idle tasklet, explores exactly the executions (same
// schedules, same traces) of the program without them. (BenchmarkPhilosophers5NoIRQ
// measures the time.)
func TestNoIRQLinesAddNoChoices(t *testing.T) {
	run := func(cfg Config, setup func(k *Kernel), max int64) (*sched.Result, []string) {
		var traces []string
		res := sched.Explore(func(e *sched.Execution) {
			k := New(e, cfg)
			setup(k)
			e.OnEnd(func(o sched.Outcome) { traces = append(traces, fmt.Sprint(o, e.Schedule(), e.Trace())) })
		}, sched.Options{MaxExecutions: int(max)})
		require.NoError(t, res.Err)
		return res, traces
	}
	base, baseTraces := run(Config{CPUs: 5}, mutexPhilosophers, 0)
	require.True(t, base.Complete)
	// A full search of this program takes minutes: stop it just past the baseline.
	idle, idleTraces := run(Config{CPUs: 5, IRQs: irqIdleConfig}, irqModelIdle, base.Stats.Executions+1)
	assert.True(t, idle.Complete)
	assert.Empty(t, base.FullSearch)
	assert.Empty(t, idle.FullSearch, "an idle interrupt model must not turn DPOR off")
	assert.Greater(t, base.Stats.Executions, int64(1))
	assert.Equal(t, base.Stats.Executions, idle.Stats.Executions)
	assert.Equal(t, base.Stats.Steps, idle.Stats.Steps)
	assert.Equal(t, baseTraces, idleTraces)
	assert.Equal(t, titles(base), titles(idle))
}

func TestProcInterrupts(t *testing.T) {
	var out string
	explore(t, Config{CPUs: 2}, func(k *Kernel) {
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(5, "mydev", func(h *Task) IRQReturn { return IRQHandled })
			t.Msleep(1)
		})
		k.Execution().OnEnd(func(_ sched.Outcome) {
			if out == "" && strings.Contains(k.ProcInterrupts(), "         1 ") {
				out = k.ProcInterrupts()
			}
		})
	})
	require.NotEmpty(t, out)
	assert.Contains(t, out, "CPU0")
	assert.Contains(t, out, "5-edge      mydev")
}

// An interrupt pending while interrupts are off is dropped by free_irq: its handler
// never runs once the line is freed (found by review: it ran at local_irq_restore).
func TestFreeIRQDropsAPendingInterrupt(t *testing.T) {
	var freed, ranAfter bool
	res := explore(t, Config{CPUs: 1}, func(k *Kernel) {
		x := k.NewInt("x", 0)
		freed = false
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(5, "dev", func(h *Task) IRQReturn { ranAfter = ranAfter || freed; return IRQHandled })
			f := t.LocalIrqSave()
			x.Store(t, 1) // the interrupt may arrive here, and stays pending
			t.FreeIRQ(5)
			freed = true
			t.LocalIrqRestore(f)
			x.Store(t, 2)
		})
	})
	assert.True(t, res.Complete)
	assert.False(t, ranAfter, "a handler ran after free_irq")
}

// free_irq waits for a handler of the line that still runs on another CPU
// (synchronize_irq): once it returns, no handler runs.
func TestFreeIRQWaitsForARunningHandler(t *testing.T) {
	var started, done, overlapped, waited bool
	res := explore(t, Config{CPUs: 2, IRQs: map[int]IRQSetting{5: {Times: 1, CPU: 1}}}, func(k *Kernel) {
		x := k.NewInt("x", 0)
		started, done = false, false
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(5, "dev", func(h *Task) IRQReturn {
				started = true
				x.Store(h, 1)
				x.Store(h, 2)
				done = true
				return IRQHandled
			})
			x.Load(t) // the interrupt may fire on the idle CPU1 here
			t.FreeIRQ(5)
			overlapped = overlapped || started && !done
			waited = waited || started
		})
	})
	assert.True(t, res.Complete)
	assert.True(t, waited, "some execution freed the line while its handler ran")
	assert.False(t, overlapped, "free_irq returned while the handler still ran")
}

// In a handler, "current" is the interrupted task, and its held-locks listing shows
// the task's locks first, then the handler's (found by review: "no locks held").
func TestHandlerReportListsTheInterruptedTasksLocks(t *testing.T) {
	var logs []string
	res := explore(t, Config{CPUs: 1}, func(k *Kernel) {
		k.Execution().OnEnd(func(sched.Outcome) { logs = append(logs, k.Dmesg()) })
		m := k.DefineMutex("m")
		l := k.DefineSpinlock("l")
		x := k.NewInt("x", 0)
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(5, "dev", func(h *Task) IRQReturn {
				l.Lock(h)
				h.Kfree(h.Kmalloc(8, GFPKernel))
				l.Unlock(h)
				return IRQHandled
			})
			m.Lock(t)
			x.Store(t, 1)
			m.Unlock(t)
		})
	})
	require.Equal(t, []string{"bug"}, kinds(res), res.Verdict())
	held := regexp.MustCompile(`(?m)^(?:\[[ .0-9]+\] )?\d locks? held by insmod/2:\n(?:(?:\[[ .0-9]+\] )? #\d: .*\n)*`)
	stamp := regexp.MustCompile(`(?m)^\[[ .0-9]+\] `)
	var listings []string
	for _, log := range logs {
		for _, m := range held.FindAllString(log, -1) {
			listings = append(listings, stamp.ReplaceAllString(m, ""))
		}
	}
	slices.Sort(listings)
	require.Len(t, slices.Compact(listings), 2, "interrupted with m held or not")
	assert.Regexp(t, `^1 lock held by insmod/2:\n #0: [0-9a-f]+ \(l\)`, listings[0])
	assert.Regexp(t, `^2 locks held by insmod/2:\n #0: [0-9a-f]+ \(m\).*\n #1: [0-9a-f]+ \(l\)`, listings[1])
}

// TestIRQReportShapes pins the text of the reports made from interrupt contexts
// (regenerate with go test ./ksync -update, then read the diff before committing).
func TestIRQReportShapes(t *testing.T) {
	frame := func(fn string, line, from, to int) func() []Frame {
		return func() []Frame { return []Frame{{Func: fn, File: "drv.c", Line: line, FuncLine: from, FuncEnd: to}} }
	}
	cases := []struct {
		name, kind string
		setup      func(k *Kernel)
	}{
		// might_sleep in a handler: the held locks are the interrupted task's, then
		// the handler's; the handler's frames are on the irq stack, above the task's.
		{"irq-might-sleep", "bug", func(k *Kernel) {
			m, l := k.DefineMutex("cfg_mutex"), k.DefineSpinlock("dev_lock")
			x := k.NewInt("x", 0)
			k.KernelThread("insmod", func(t *Task) {
				t.SetStack(frame("drv_init", 20, 18, 26))
				t.RequestIRQ(5, "drv", func(h *Task) IRQReturn {
					h.SetStack(frame("drv_interrupt", 10, 8, 14))
					l.Lock(h)
					h.SetStack(frame("drv_interrupt", 11, 8, 14))
					h.Kfree(h.Kmalloc(64, GFPKernel))
					l.Unlock(h)
					return IRQHandled
				})
				m.Lock(t)
				t.SetStack(frame("drv_init", 22, 18, 26))
				x.Store(t, 1)
				m.Unlock(t)
			})
		}},
		// A tasklet run at an irq exit on top of the task that holds its lock: the
		// softirq spins with preemption off, a soft lockup.
		{"softirq-soft-lockup", "lockup", func(k *Kernel) {
			l := k.DefineSpinlock("rx_lock")
			x := k.NewInt("x", 0)
			tl := k.DeclareTasklet("rx_tasklet", func(c *Task) {
				c.SetStack(frame("rx_work", 4, 3, 7))
				l.Lock(c)
				l.Unlock(c)
			})
			k.KernelThread("insmod", func(t *Task) {
				t.SetStack(frame("rx_init", 30, 28, 36))
				t.TaskletSchedule(tl)
				l.Lock(t)
				t.SetStack(frame("rx_init", 31, 28, 36))
				x.Store(t, 1)
				l.Unlock(t)
			})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := explore(t, Config{CPUs: 1}, c.setup)
			p := find(res, c.kind)
			require.NotNil(t, p, res.Verdict())
			golden(t, "report-"+c.name, p.Report)
		})
	}
}

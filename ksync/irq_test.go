package ksync

import (
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

func TestIRQHandlerTakingTheInterruptedTasksLockIsAHardLockup(t *testing.T) {
	res := explore(t, Config{CPUs: 1}, irqDriver(false))
	assert.True(t, res.Complete)
	require.Contains(t, kinds(res), "lockup")
	p := find(res, "lockup")
	assert.Equal(t, "watchdog: CPU0: Watchdog detected hard LOCKUP on cpu 0", p.Title)
	assert.Contains(t, p.Report, "which the task it interrupted (insmod/2) holds")
}

func TestSpinLockIrqsaveMakesTheHandlerSafe(t *testing.T) {
	res := explore(t, Config{CPUs: 1}, irqDriver(true))
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems, res.Verdict())
	assert.Greater(t, res.Stats.Executions, int64(1), "the interrupt was explored at several points")
}

func TestIRQOnTheOtherCPUJustWaits(t *testing.T) {
	res := explore(t, Config{CPUs: 2, IRQs: map[int]IRQSetting{5: {Times: 1, CPU: 1}}}, irqDriver(false))
	assert.True(t, res.Complete)
	assert.NotContains(t, kinds(res), "lockup")
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

func TestNoIRQLinesAddNoChoices(t *testing.T) {
	with := explore(t, Config{CPUs: 5}, mutexPhilosophers)
	without := explore(t, Config{CPUs: 5, NoLockdep: true}, mutexPhilosophers)
	assert.Equal(t, with.Stats.Executions, without.Stats.Executions)
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

package ksync

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// preempt_count through the spinlock variants, read at each point of one task.
func TestSpinlockPreemptCount(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *Task, a, b *Spinlock) []int
		want []int
	}{
		{"spin_lock", func(t *Task, a, _ *Spinlock) []int {
			a.Lock(t)
			in := t.PreemptCount()
			a.Unlock(t)
			return []int{in, t.PreemptCount()}
		}, []int{0x1, 0}},
		{"spin_lock_bh", func(t *Task, a, _ *Spinlock) []int {
			a.LockBH(t)
			in := t.PreemptCount()
			a.UnlockBH(t)
			return []int{in, t.PreemptCount()}
		}, []int{0x201, 0}},
		{"spin_lock then spin_lock_bh", func(t *Task, a, b *Spinlock) []int {
			a.Lock(t)
			b.LockBH(t)
			in := t.PreemptCount()
			b.UnlockBH(t)
			mid := t.PreemptCount()
			a.Unlock(t)
			return []int{in, mid, t.PreemptCount()}
		}, []int{0x202, 0x1, 0}},
		{"local_bh_disable", func(t *Task, _, _ *Spinlock) []int {
			t.LocalBHDisable()
			in := t.PreemptCount()
			t.LocalBHEnable()
			return []int{in, t.PreemptCount()}
		}, []int{0x200, 0}},
		{"spin_trylock", func(t *Task, a, _ *Spinlock) []int {
			r := a.Trylock(t)
			in := t.PreemptCount()
			r2 := a.Trylock(t) // held: fails, and leaves preempt_count alone
			in2 := t.PreemptCount()
			a.Unlock(t)
			return []int{r, in, r2, in2, t.PreemptCount()}
		}, []int{1, 0x1, 0, 0x1, 0}},
		{"spin_lock_irqsave", func(t *Task, a, _ *Spinlock) []int {
			f := a.LockIrqsave(t)
			in := t.PreemptCount()
			a.UnlockIrqrestore(t, f)
			return []int{in, t.PreemptCount()}
		}, []int{0x1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]int
			res := explore(t, Config{}, func(k *Kernel) {
				a, b := k.DefineSpinlock("a"), k.DefineSpinlock("b")
				k.KernelThread("t", func(t *Task) { got = append(got, tc.run(t, a, b)) })
			})
			assert.True(t, res.Complete)
			assert.Empty(t, res.Problems)
			assert.Equal(t, [][]int{tc.want}, got)
		})
	}
}

// spin_lock_irqsave nests: the inner one saves "irqs already off", so its restore
// leaves them off and only the outer restore turns them back on. spin_unlock_irq
// turns them on unconditionally, even inside an irqsave section.
func TestIrqsaveNesting(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *Task, a, b *Spinlock) []bool
		want []bool
	}{
		{"irqsave in irqsave", func(t *Task, a, b *Spinlock) []bool {
			s := []bool{t.IrqsDisabled()}
			f1 := a.LockIrqsave(t)
			s = append(s, t.IrqsDisabled())
			f2 := b.LockIrqsave(t)
			s = append(s, t.IrqsDisabled(), f1&irqFlagIF != 0, f2&irqFlagIF != 0)
			b.UnlockIrqrestore(t, f2)
			s = append(s, t.IrqsDisabled())
			a.UnlockIrqrestore(t, f1)
			return append(s, t.IrqsDisabled())
		}, []bool{false, true, true, true, false, true, false}},
		{"local_irq_save in local_irq_save", func(t *Task, _, _ *Spinlock) []bool {
			f1 := t.LocalIrqSave()
			f2 := t.LocalIrqSave()
			s := []bool{t.IrqsDisabled()}
			t.LocalIrqRestore(f2)
			s = append(s, t.IrqsDisabled())
			t.LocalIrqRestore(f1)
			return append(s, t.IrqsDisabled())
		}, []bool{true, true, false}},
		{"spin_lock_irq in irqsave", func(t *Task, a, b *Spinlock) []bool {
			f := a.LockIrqsave(t)
			b.LockIRQ(t)
			b.UnlockIRQ(t)
			s := []bool{t.IrqsDisabled()} // on again: the irqsave section is broken
			a.UnlockIrqrestore(t, f)
			return append(s, t.IrqsDisabled())
		}, []bool{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]bool
			res := explore(t, Config{}, func(k *Kernel) {
				a, b := k.DefineSpinlock("a"), k.DefineSpinlock("b")
				k.KernelThread("t", func(t *Task) { got = append(got, tc.run(t, a, b)) })
			})
			assert.True(t, res.Complete)
			assert.Equal(t, [][]bool{tc.want}, got)
		})
	}
}

// cpuProgram is a ksync program of n tasks that take a spinlock (running with
// preemption disabled, so CPUs matter once there are fewer than tasks) or a mutex.
func cpuProgram(n int) func(k *Kernel) {
	return func(k *Kernel) {
		l := k.DefineSpinlock("l")
		m := k.DefineMutex("m")
		x := k.NewInt("x", 0)
		for i := range n {
			k.KernelThread(fmt.Sprint("w", i), func(t *Task) {
				if i%2 == 0 {
					l.Lock(t)
					x.Store(t, x.Load(t)+1)
					l.Unlock(t)
				} else {
					m.Lock(t)
					t.Kfree(t.Kmalloc(8, GFPKernel))
					x.Store(t, x.Load(t)+1)
					m.Unlock(t)
				}
			})
		}
	}
}

// With at least as many CPUs as tasks the CPU model adds no choices: exploring with
// CPUs = tasks and with CPUs = 64 runs the very same executions (same schedules, same
// traces, same CPUs in them), step for step. With fewer CPUs it does not.
func TestEnoughCPUsAddNoChoices(t *testing.T) {
	run := func(tasks, cpus int) (*sched.Result, []string) {
		var traces []string
		res := sched.Explore(func(e *sched.Execution) {
			k := New(e, Config{CPUs: cpus})
			cpuProgram(tasks)(k)
			e.OnEnd(func(o sched.Outcome) {
				traces = append(traces, fmt.Sprint(o, e.Schedule(), e.Trace()))
			})
		}, sched.Options{})
		require.NoError(t, res.Err)
		require.True(t, res.Complete)
		return res, traces
	}
	for _, tasks := range []int{2, 3} {
		t.Run(fmt.Sprint(tasks, " tasks"), func(t *testing.T) {
			exact, exactTraces := run(tasks, tasks)
			many, manyTraces := run(tasks, 64)
			assert.NotContains(t, exact.FullSearch, "CPU")
			assert.NotContains(t, many.FullSearch, "CPU")
			assert.Equal(t, exact.Stats.Executions, many.Stats.Executions)
			assert.Equal(t, exact.Stats.Steps, many.Stats.Steps)
			assert.Equal(t, exactTraces, manyTraces)
			assert.Equal(t, len(exact.Problems), len(many.Problems))

			few, _ := run(tasks, 1) // (2 CPUs for 3 tasks: a full search of 17,000 executions)
			assert.Contains(t, few.FullSearch, "running needs a CPU", "with fewer CPUs than tasks, CPUs are a constraint")
			assert.NotEqual(t, exact.Stats.Steps, few.Stats.Steps)
		})
	}
}

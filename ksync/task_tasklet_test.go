package ksync

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// A disabled tasklet stays pending and does not run; once enabled it runs before
// the execution ends, whichever CPU enables it.
func TestDisabledTaskletRunsOnceEnabled(t *testing.T) {
	for _, cpus := range []int{1, 2} {
		var beforeEnable []int
		res := explore(t, Config{CPUs: cpus}, func(k *Kernel) {
			x := k.NewInt("x", 0)
			tl := k.DeclareTasklet("t", func(c *Task) { x.Store(c, 1) })
			done := k.DeclareCompletion("scheduled")
			k.KernelThread("insmod", func(t *Task) {
				t.TaskletDisable(tl)
				t.TaskletSchedule(tl)
				t.LocalBHDisable()
				t.LocalBHEnable() // softirqs may run here: not this one
				beforeEnable = append(beforeEnable, tl.Runs())
				done.Complete(t)
			})
			k.KernelThread("enabler", func(t *Task) {
				done.Wait(t)
				t.TaskletEnable(tl)
			})
			k.Execution().OnEnd(func(sched.Outcome) {
				assert.Equal(t, 1, tl.Runs(), "the enabled tasklet ran")
			})
		})
		require.Empty(t, res.Problems, res.Verdict())
		for _, n := range beforeEnable {
			assert.Zero(t, n)
		}
	}
}

// tasklet_kill of a tasklet that is pending and disabled waits forever: the kernel's
// hung task.
func TestKillingADisabledPendingTaskletHangs(t *testing.T) {
	res := explore(t, Config{CPUs: 1}, func(k *Kernel) {
		tl := k.DeclareTasklet("t", func(*Task) {})
		tl.SetDisabled(1) // DECLARE_TASKLET_DISABLED
		k.KernelThread("insmod", func(t *Task) {
			t.TaskletSchedule(tl)
			t.TaskletKill(tl)
		})
	})
	require.NotEmpty(t, res.Problems)
	assert.Equal(t, "INFO: task insmod:2 blocked for more than 120 seconds.", res.Problems[0].Title)
}

// tasklet_disable waits for the tasklet's function to return when it runs on
// another CPU: after it, the function is not running.
func TestTaskletDisableWaitsForTheRunningFunction(t *testing.T) {
	running := map[bool]bool{}
	res := explore(t, Config{CPUs: 2}, func(k *Kernel) {
		x := k.NewInt("x", 0)
		tl := k.DeclareTasklet("t", func(c *Task) { x.Store(c, 1); x.Store(c, 2) })
		k.KernelThread("a", func(t *Task) { t.TaskletSchedule(tl) })
		k.KernelThread("b", func(t *Task) {
			x.Load(t)
			t.TaskletDisable(tl)
			running[tl.running] = true
			t.TaskletEnable(tl)
		})
	})
	require.Empty(t, res.Problems, res.Verdict())
	assert.Equal(t, map[bool]bool{false: true}, running)
}

package ksync

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The wait family through the Go API: the task state word, wait queues, kthreads.
func TestWaitGoAPI(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(k *Kernel, got map[string]bool)
		kinds []string
		got   []string
	}{
		{"prepare_to_wait before the test: no lost wake-up", func(k *Kernel, got map[string]bool) {
			q := k.NewWaitQueue("wq")
			ready := k.NewInt("ready", 0)
			k.KernelThread("main", func(t *Task) {
				t.KthreadStart("consumer", func(c *Task) int64 {
					e := k.WaitEntryAt(1)
					e.Set(c, false, true)
					q.PrepareToWait(c, e, TaskUninterruptible, false)
					if ready.Load(c) == 0 {
						c.SleepState("schedule", MaxScheduleTimeout)
					}
					q.FinishWait(c, e)
					got["woke"] = true
					return 0
				})
				ready.Store(t, 1)
				q.WakeUp(t, "wake_up", TaskNormal, 1)
			})
		}, nil, []string{"woke"}},
		{"the test before prepare_to_wait: the lost wake-up", func(k *Kernel, got map[string]bool) {
			q := k.NewWaitQueue("wq")
			ready := k.NewInt("ready", 0)
			k.KernelThread("main", func(t *Task) {
				t.KthreadStart("consumer", func(c *Task) int64 {
					e := k.WaitEntryAt(1)
					e.Set(c, false, true)
					if ready.Load(c) == 0 {
						q.PrepareToWait(c, e, TaskUninterruptible, false)
						c.SleepState("schedule", MaxScheduleTimeout)
						q.FinishWait(c, e)
					}
					return 0
				})
				ready.Store(t, 1)
				q.WakeUp(t, "wake_up", TaskNormal, 1)
			})
		}, []string{"deadlock"}, nil},
		{"kthread_stop of a thread never woken returns -EINTR", func(k *Kernel, got map[string]bool) {
			k.KernelThread("main", func(t *Task) {
				c := t.KthreadCreate("w", func(*Task) int64 { got["ran"] = true; return 5 })
				if t.KthreadStop(c) == -EINTR {
					got["-EINTR"] = true
				}
			})
		}, nil, []string{"-EINTR"}},
		{"kthread_stop wakes a thread asleep in TASK_INTERRUPTIBLE", func(k *Kernel, got map[string]bool) {
			k.KernelThread("main", func(t *Task) {
				c := t.KthreadStart("w", func(c *Task) int64 {
					for !c.KthreadShouldStop() {
						c.SetCurrentState("set_current_state", TaskInterruptible)
						if !c.KthreadShouldStop() {
							c.SleepState("schedule", MaxScheduleTimeout)
						}
						c.SetCurrentState("__set_current_state", TaskRunning)
					}
					return 3
				})
				if t.KthreadStop(c) == 3 {
					got["3"] = true
				}
			})
		}, nil, []string{"3"}},
		{"a signal ends an interruptible wait_event with -ERESTARTSYS", func(k *Kernel, got map[string]bool) {
			q := k.NewWaitQueue("wq")
			k.KernelThread("main", func(t *Task) {
				c := t.KthreadStart("w", func(c *Task) int64 {
					e := k.WaitEntryAt(1)
					e.Set(c, false, true)
					for {
						if q.PrepareToWaitEvent(c, e, TaskInterruptible) != 0 {
							got["-ERESTARTSYS"] = true
							return 0
						}
						c.SleepState("schedule", MaxScheduleTimeout)
					}
				})
				t.SendSignal(c, false)
			})
		}, nil, []string{"-ERESTARTSYS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]bool{}
			res := explore(t, Config{}, func(k *Kernel) { tc.setup(k, got) })
			assert.Equal(t, tc.kinds, kinds(res), res.Verdict())
			assert.True(t, res.Complete, res.Verdict())
			for _, g := range tc.got {
				assert.True(t, got[g], g)
			}
			assert.False(t, got["ran"], "a thread stopped before it was woken never runs its function")
		})
	}
}

package ksync

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// current in an interrupt is the interrupted task; on an idle CPU it is the CPU's
// idle task (swapper/N, pid 0), whose task_struct every interrupt there shares.
func TestCurrentAndItsTaskStruct(tt *testing.T) {
	type seen struct {
		comm string
		pid  int
		addr uint64
	}
	kinds := map[string]bool{}
	create := func(cur *Task) *Buffer { return cur.k.NewObject("task_struct", 64, RegionHeap) }
	cfg := Config{CPUs: 2, IRQs: map[int]IRQSetting{5: {Times: 2, CPU: -1}}}
	res := explore(tt, cfg, func(k *Kernel) {
		var task seen
		idle := map[string]uint64{}
		k.KernelThread("insmod", func(t *Task) {
			t.At("c.c:3")
			task = seen{t.Current().Comm, t.Current().PID, t.Current().TaskStruct(create).Addr()}
			t.RequestIRQ(5, "dev", func(h *Task) IRQReturn {
				cur := h.Current()
				s := seen{cur.Comm, cur.PID, cur.TaskStruct(create).Addr()}
				switch {
				case s.comm == "insmod":
					kinds["task"] = true
					assert.Equal(tt, task, s, "on top of insmod: insmod's task_struct")
				case s.comm == "swapper/0" || s.comm == "swapper/1":
					kinds["idle"] = true
					assert.Zero(tt, s.pid)
					if a, ok := idle[s.comm]; ok {
						kinds["idle twice"] = true
						assert.Equal(tt, a, s.addr, "one idle task per CPU")
					}
					idle[s.comm] = s.addr
				default:
					tt.Errorf("current in a handler is %s/%d", s.comm, s.pid)
				}
				return IRQHandled
			})
			t.At("c.c:4")
			t.CPURelax("cpu_relax")
			t.FreeIRQ(5)
		})
	})
	require.Empty(tt, res.Problems)
	assert.Equal(tt, map[string]bool{"task": true, "idle": true, "idle twice": true}, kinds)
}

// TaskStruct creates a task's object once per execution.
func TestTaskStructIsMadeOnce(tt *testing.T) {
	made := 0
	explore(tt, Config{}, func(k *Kernel) {
		made = 0
		k.KernelThread("insmod", func(t *Task) {
			create := func(cur *Task) *Buffer { made++; return k.NewObject("task_struct", 64, RegionHeap) }
			a := t.TaskStruct(create)
			b := t.Current().TaskStruct(create)
			assert.Same(tt, a, b)
		})
	})
	assert.Equal(tt, 1, made)
}

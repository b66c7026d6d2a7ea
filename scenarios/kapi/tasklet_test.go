package kapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
)

// A tasklet runs its function in softirq context with what tasklet_action_common
// passes: the tasklet itself for a callback (DECLARE_TASKLET, tasklet_setup), data
// for an old-style func (DECLARE_TASKLET_OLD, tasklet_init).
func TestTaskletRunsItsFunctionWithWhatTheKernelPasses(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup initialises the tasklet at addr: statically (k.Poke before any
		// task runs, as the interpreter lays out a global's initialiser), or by a
		// call in the task.
		static   func(k *ksync.Kernel, addr uint64, fn uint64)
		init     func(t *testing.T, task *ksync.Task, addr, fn int64)
		heap     bool
		wantData func(addr int64) int64
	}{
		{name: "DECLARE_TASKLET", static: func(k *ksync.Kernel, addr, fn uint64) {
			k.Poke(addr+20, 1, 1) // .use_callback = true
			k.Poke(addr+24, 8, fn)
		}, wantData: func(addr int64) int64 { return addr }},
		{name: "DECLARE_TASKLET_OLD", static: func(k *ksync.Kernel, addr, fn uint64) {
			k.Poke(addr+24, 8, fn) // .func; data 0
		}, wantData: func(int64) int64 { return 0 }},
		{name: "tasklet_init", heap: true, init: func(t *testing.T, task *ksync.Task, addr, fn int64) {
			tkCall(t, task, "tl.c:5", "tasklet_init", addr, fn, 77)
		}, wantData: func(int64) int64 { return 77 }},
		{name: "tasklet_setup", heap: true, init: func(t *testing.T, task *ksync.Task, addr, fn int64) {
			tkCall(t, task, "tl.c:5", "tasklet_setup", addr, fn)
		}, wantData: func(addr int64) int64 { return addr }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newTkWorld()
			tkUse(t, w)
			var runs int
			var data, addr int64
			var softirq bool
			fn := w.fn(func(ct *ksync.Task, args []int64) int64 {
				runs++
				data, softirq = args[0], ct.InInterrupt()
				return 0
			})
			res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
				region := ksync.RegionStatic
				if tc.heap {
					region = ksync.RegionHeap
				}
				b := k.NewObject("my_tasklet", 40, region)
				addr = int64(b.Addr())
				if tc.static != nil {
					tc.static(k, b.Addr(), fn)
				}
				k.KernelThread("insmod", func(task *ksync.Task) {
					if tc.init != nil {
						tc.init(t, task, addr, int64(fn))
					}
					tkCall(t, task, "tl.c:6", "tasklet_schedule", addr)
					tkCall(t, task, "tl.c:7", "tasklet_kill", addr)
				})
			})
			assert.Empty(t, tkTitles(res))
			require.NotZero(t, runs)
			assert.Equal(t, tc.wantData(addr), data)
			assert.True(t, softirq, "runs in softirq context")
		})
	}
}

// tasklet_init writes the fields as kernel/softirq.c does.
func TestTaskletInitWritesTheStruct(t *testing.T) {
	w := newTkWorld()
	tkUse(t, w)
	fn := w.fn(func(*ksync.Task, []int64) int64 { return 0 })
	var fields [5]uint64
	tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		b := k.NewObject("t", 40, ksync.RegionHeap)
		for i := range b.Bytes() {
			b.Bytes()[i] = 0xaa
		}
		k.KernelThread("insmod", func(task *ksync.Task) {
			tkCall(t, task, "tl.c:5", "tasklet_init", int64(b.Addr()), int64(fn), 9)
			a := int64(b.Addr())
			fields = [5]uint64{tkField(k, a, "tasklet_struct.next", 8), tkField(k, a, "tasklet_struct.state", 8),
				tkField(k, a, "tasklet_struct.use_callback", 1), tkField(k, a, "tasklet_struct.func", 8), tkField(k, a, "tasklet_struct.data", 8)}
		})
	})
	assert.Equal(t, [5]uint64{0, 0, 0, fn, 9}, fields)
}

// A tasklet whose function pointer is NULL oopses when it runs, as the kernel's
// call through it does.
func TestTaskletWithoutFunctionOopses(t *testing.T) {
	w := newTkWorld()
	tkUse(t, w)
	res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		b := k.NewObject("t", 40, ksync.RegionStatic)
		k.KernelThread("insmod", func(task *ksync.Task) {
			tkCall(t, task, "tl.c:6", "tasklet_schedule", int64(b.Addr()))
		})
	})
	assert.Contains(t, tkTitles(res), "BUG: kernel NULL pointer dereference")
}

// DECLARE_TASKLET_DISABLED's tasklet (count 1) does not run until tasklet_enable;
// tasklet_disable and tasklet_enable keep the count field up to date.
func TestTaskletDisabledUntilEnabled(t *testing.T) {
	w := newTkWorld()
	tkUse(t, w)
	var runsBefore, countAfterDisable, countAfterEnable uint64
	runs := 0
	fn := w.fn(func(*ksync.Task, []int64) int64 { runs++; return 0 })
	res := tkExplore(t, ksync.Config{CPUs: 1}, func(k *ksync.Kernel) {
		runs = 0
		b := k.NewObject("my_tasklet", 40, ksync.RegionStatic)
		k.Poke(b.Addr()+16, 4, 1) // .count = ATOMIC_INIT(1)
		k.Poke(b.Addr()+20, 1, 1) // .use_callback = true
		k.Poke(b.Addr()+24, 8, fn)
		a := int64(b.Addr())
		k.KernelThread("insmod", func(task *ksync.Task) {
			tkCall(t, task, "tl.c:6", "tasklet_schedule", a)
			tkCall(t, task, "tl.c:7", "msleep", 10) // ksoftirqd may run meanwhile: not this tasklet
			runsBefore = uint64(runs)
			tkCall(t, task, "tl.c:8", "tasklet_disable", a)
			countAfterDisable = tkField(k, a, "tasklet_struct.count", 4)
			tkCall(t, task, "tl.c:9", "tasklet_enable", a)
			tkCall(t, task, "tl.c:10", "tasklet_enable", a)
			countAfterEnable = tkField(k, a, "tasklet_struct.count", 4)
			tkCall(t, task, "tl.c:11", "tasklet_kill", a)
		})
	})
	assert.Empty(t, tkTitles(res))
	assert.Zero(t, runsBefore)
	assert.Equal(t, uint64(2), countAfterDisable)
	assert.Zero(t, countAfterEnable)
	assert.Equal(t, 1, runs)
}

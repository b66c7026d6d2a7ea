package kapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
	"github.com/ksim-dev/ksim/sched"
)

// tkWorld is a World for the task entries' tests: C functions are Go functions at
// made-up text addresses, and the header structs have the layouts below.
type tkWorld struct {
	funcs  map[uint64]*interp.Func
	bodies map[*interp.Func]func(t *ksync.Task, args []int64) int64
}

// tkLayout is the layout of the header structs the entries read, as FRONT's
// headers give them (x86-64): 6.12's struct tasklet_struct, and a struct
// task_struct with the fields modules read.
var tkLayout = map[string]int{
	"tasklet_struct.next":         0,
	"tasklet_struct.state":        8,
	"tasklet_struct.count":        16,
	"tasklet_struct.use_callback": 20,
	"tasklet_struct.func":         24,
	"tasklet_struct.callback":     24,
	"tasklet_struct.data":         32,
	"task_struct.__state":         24,
	"task_struct.pid":             32,
	"task_struct.tgid":            36,
	"task_struct.comm":            40,
}

const tkTextBase = 0xffffffffc0000000

func newTkWorld() *tkWorld {
	return &tkWorld{funcs: map[uint64]*interp.Func{}, bodies: map[*interp.Func]func(*ksync.Task, []int64) int64{}}
}

// fn defines a C function and returns its address.
func (w *tkWorld) fn(body func(t *ksync.Task, args []int64) int64) uint64 {
	addr := tkTextBase + uint64(len(w.funcs)+1)*0x40
	f := &interp.Func{}
	w.funcs[addr] = f
	w.bodies[f] = body
	return addr
}

func (w *tkWorld) FuncAt(addr uint64) *interp.Func { return w.funcs[addr] }

func (w *tkWorld) Run(t *ksync.Task, f *interp.Func, args ...int64) int64 {
	return w.bodies[f](t, args)
}

func (w *tkWorld) Sizeof(tag string) (int, bool) { return 0, false }

func (w *tkWorld) Offsetof(tag, field string) (int, bool) {
	off, ok := tkLayout[tag+"."+field]
	return off, ok
}

// tkUse makes the entries use w for the test's duration.
func tkUse(t *testing.T, w *tkWorld) {
	t.Helper()
	saved := worldOf
	worldOf = func(*interp.Call) taskWorld { return w }
	t.Cleanup(func() { worldOf = saved })
}

// tkCall calls the entry name in task t as the interpreter would at pos.
func tkCall(t *testing.T, task *ksync.Task, pos, name string, args ...int64) int64 {
	t.Helper()
	return tkCallSite(t, task, &interp.Site{Pos: pos}, name, args...)
}

// tkCallSite is tkCall at a given call site (WARN_ON_ONCE keys on it).
func tkCallSite(t *testing.T, task *ksync.Task, site *interp.Site, name string, args ...int64) int64 {
	t.Helper()
	b := Lookup(name)
	require.NotNil(t, b, name)
	site.Builtin = b
	task.At(site.Pos)
	return b.Impl(&interp.Call{T: task, Args: args, Site: site})
}

// tkString puts a string literal in read-only memory and returns its address.
func tkString(k *ksync.Kernel, s string) int64 {
	b := k.NewObject("str", len(s)+1, ksync.RegionRodata)
	copy(b.Bytes(), s)
	return int64(b.Addr())
}

// tkExplore explores setup exhaustively on a kernel of cfg.
func tkExplore(t *testing.T, cfg ksync.Config, setup func(k *ksync.Kernel)) *sched.Result {
	t.Helper()
	res := sched.Explore(ksync.Program(cfg, setup), sched.Options{})
	require.NoError(t, res.Err)
	return res
}

// tkTitles lists the titles of the problems res found.
func tkTitles(res *sched.Result) []string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.Title)
	}
	return out
}

// tkField reads a field of a header struct at addr.
func tkField(k *ksync.Kernel, addr int64, field string, size int) uint64 {
	v, _ := k.Peek(uint64(addr)+uint64(tkLayout[field]), size)
	return v
}

// tkComm reads task_struct.comm at addr.
func tkComm(k *ksync.Kernel, addr int64) string {
	var out []byte
	for i := range taskCommLen {
		c, _ := k.Peek(uint64(addr)+uint64(tkLayout["task_struct.comm"]+i), 1)
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}

func TestKthreadRunStartsTheThreadFunctionNamedFromTheFormat(t *testing.T) {
	w := newTkWorld()
	tkUse(t, w)
	type seen struct {
		data           int64
		comm           string
		pid            int
		current, child int64 // get_current() in the thread; what kthread_run returned
		structPID      uint64
		structComm     string
		parentCurrent  int64
		parentPID      uint64
	}
	var got seen
	threadfn := w.fn(func(ct *ksync.Task, args []int64) int64 {
		got.data, got.comm, got.pid = args[0], ct.Comm, ct.PID
		got.current = tkCall(t, ct, "kt.c:4", "get_current")
		return 0
	})
	res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		got = seen{}
		k.KernelThread("insmod", func(task *ksync.Task) {
			name := tkString(k, "worker/%d")
			got.child = tkCall(t, task, "kt.c:10", "kthread_run", int64(threadfn), 42, name, 3)
			got.structPID = tkField(k, got.child, "task_struct.pid", 4)
			got.structComm = tkComm(k, got.child)
			got.parentCurrent = tkCall(t, task, "kt.c:11", "get_current")
			got.parentPID = tkField(k, got.parentCurrent, "task_struct.pid", 4)
		})
	})
	assert.Empty(t, res.Problems)
	assert.Equal(t, int64(42), got.data)
	assert.Equal(t, "worker/3", got.comm)
	assert.Equal(t, got.child, got.current, "get_current in the thread is what kthread_run returned")
	assert.Equal(t, uint64(got.pid), got.structPID)
	assert.Equal(t, "worker/3", got.structComm)
	assert.NotEqual(t, got.child, got.parentCurrent)
	assert.Equal(t, uint64(2), got.parentPID, "insmod's pid")
}

func TestKernelThreadTakesTheOldAndThe612Forms(t *testing.T) {
	ptr := []cc.Type{nil, nil, &cc.PointerType{}}
	for _, tc := range []struct {
		name     string
		types    []cc.Type
		args     func(k *ksync.Kernel, fn int64) []int64
		wantComm string
	}{
		// kernel_thread(fn, NULL, 0), as seed 000 calls it: named after fn (the
		// test's functions have no name, as the interpreter's have).
		{"old flags form", nil, func(k *ksync.Kernel, fn int64) []int64 { return []int64{fn, 0, 0} }, ""},
		{"6.12 form with a name", ptr, func(k *ksync.Kernel, fn int64) []int64 {
			return []int64{fn, 7, tkString(k, "kworker/u8:0"), 0}
		}, "kworker/u8:0"},
		{"6.12 form without a name keeps the parent's", ptr, func(k *ksync.Kernel, fn int64) []int64 {
			return []int64{fn, 7, 0, 0}
		}, "insmod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newTkWorld()
			tkUse(t, w)
			var comm string
			var pid, ret int64
			ran := false
			fn := w.fn(func(ct *ksync.Task, args []int64) int64 {
				ran, comm, pid = true, ct.Comm, int64(ct.PID)
				return 0
			})
			tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
				ran = false
				k.KernelThread("insmod", func(task *ksync.Task) {
					ret = tkCallSite(t, task, &interp.Site{Pos: "kt.c:3", ArgTypes: tc.types}, "kernel_thread", tc.args(k, int64(fn))...)
				})
			})
			require.True(t, ran)
			assert.Equal(t, tc.wantComm, comm)
			assert.Equal(t, pid, ret, "returns the new thread's pid")
		})
	}
}

func TestContextEntries(t *testing.T) {
	w := newTkWorld()
	tkUse(t, w)
	var inTask, inHandler int64 = -1, -1
	var handlerCurrent, taskCurrent int64
	handler := w.fn(func(h *ksync.Task, args []int64) int64 {
		inHandler = tkCall(t, h, "c.c:3", "in_task")
		handlerCurrent = tkCall(t, h, "c.c:4", "get_current")
		return int64(ksync.IRQHandled)
	})
	tkExplore(t, ksync.Config{CPUs: 1}, func(k *ksync.Kernel) {
		k.KernelThread("insmod", func(task *ksync.Task) {
			tkCall(t, task, "c.c:10", "request_irq", 5, int64(handler), 0, tkString(k, "dev"), 0)
			inTask = tkCall(t, task, "c.c:11", "in_task")
			taskCurrent = tkCall(t, task, "c.c:12", "get_current")
			tkCall(t, task, "c.c:13", "schedule")
			tkCall(t, task, "c.c:14", "yield")
			tkCall(t, task, "c.c:15", "cond_resched")
			tkCall(t, task, "c.c:16", "might_sleep")
			tkCall(t, task, "c.c:17", "cpu_relax")
			assert.Zero(t, tkCall(t, task, "c.c:18", "kthread_should_stop"))
			tkCall(t, task, "c.c:19", "free_irq", 5, 0)
		})
	})
	assert.Equal(t, int64(1), inTask)
	assert.Equal(t, int64(0), inHandler)
	assert.Equal(t, taskCurrent, handlerCurrent, "current in a handler is the interrupted task")
}

// The entries reach the interpreter's World through taskWorld: *interp.World must
// implement it once the interpreter's branch (which adds Offsetof) is merged.

// A thread started on a pointer to no function faults in the new thread, as the
// kernel's kthread() does when it calls it; kthread_run itself succeeds.
func TestKthreadRunOnABadPointerOopsesInTheThread(t *testing.T) {
	tkUse(t, newTkWorld())
	var ret int64
	res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		k.KernelThread("insmod", func(task *ksync.Task) {
			ret = tkCall(t, task, "kt.c:3", "kthread_run", 0, 0, tkString(k, "bad"))
		})
	})
	assert.NotZero(t, ret)
	require.NotEmpty(t, res.Problems)
	assert.Equal(t, "BUG: kernel NULL pointer dereference", res.Problems[0].Title)
	assert.Contains(t, res.Problems[0].Report, "Comm: bad")
}

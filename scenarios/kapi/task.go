package kapi

import (
	"fmt"

	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
	"github.com/ksim-dev/ksim/sched"
)

// Tasks: kernel threads (kthread_run, kernel_thread), current and its struct
// task_struct, and the calls that give up or offer the CPU.

// taskWorld is what the task, interrupt and tasklet entries need of the execution's
// World (*interp.World implements it): the C function a function pointer points at,
// running one in a task, and the layout of the header structs these entries read
// (struct tasklet_struct, struct task_struct), which the headers own.
type taskWorld interface {
	FuncAt(addr uint64) *interp.Func
	Run(t *ksync.Task, f *interp.Func, args ...int64) int64
	Offsetof(structTag, field string) (int, bool)
	Sizeof(structTag string) (int, bool)
}

// worldOf is the World of c as the task entries use it. Tests replace it with a
// World of their own.
var worldOf = func(c *interp.Call) taskWorld { return c.W }

var _ taskWorld = (*interp.World)(nil)

// taskStructMinSize is the size ksim gives a struct task_struct when the headers do
// not say: at least every field they declare. The kernel's is some 10 KiB; the
// header declares the few fields modules read through current, so any size past them
// is as good as the real one.
const taskStructMinSize = 1024

// taskCommLen is TASK_COMM_LEN (include/linux/sched.h): comm's size, NUL included.
const taskCommLen = 16

func init() {
	register(
		interp.Builtin{Name: "kthread_run", Header: "linux/kthread.h",
			Decl: "struct task_struct *kthread_run(int (*threadfn)(void *data), void *data, const char *namefmt, ...);",
			Impl: kthreadRun},
		interp.Builtin{Name: "kernel_thread", Header: "linux/sched/task.h",
			Decl: "int kernel_thread(int (*fn)(void *), void *arg, ...);",
			Impl: kernelThread},
		interp.Builtin{Name: "kthread_create", Header: "linux/kthread.h",
			Decl: "struct task_struct *kthread_create(int (*threadfn)(void *data), void *data, const char *namefmt, ...);",
			Impl: kthreadCreate},
		interp.Builtin{Name: "kthread_should_stop", Header: "linux/kthread.h",
			Decl: "_Bool kthread_should_stop(void);",
			Impl: func(c *interp.Call) int64 { return b2i(c.T.KthreadShouldStop()) }},
		interp.Builtin{Name: "kthread_stop", Header: "linux/kthread.h",
			Decl: "int kthread_stop(struct task_struct *k);",
			Impl: onTask(0, func(c *interp.Call, p *ksync.Task) int64 { return int64(int32(c.T.KthreadStop(p))) })},
		interp.Builtin{Name: "kthread_park", Header: "linux/kthread.h",
			Decl: "int kthread_park(struct task_struct *k);",
			Impl: onTask(0, func(c *interp.Call, p *ksync.Task) int64 { return c.T.KthreadPark(p) })},
		interp.Builtin{Name: "kthread_unpark", Header: "linux/kthread.h",
			Decl: "void kthread_unpark(struct task_struct *k);",
			Impl: onTask(0, func(c *interp.Call, p *ksync.Task) int64 { c.T.KthreadUnpark(p); return 0 })},
		interp.Builtin{Name: "kthread_should_park", Header: "linux/kthread.h",
			Decl: "_Bool kthread_should_park(void);",
			Impl: func(c *interp.Call) int64 { return b2i(c.T.KthreadShouldPark()) }},
		interp.Builtin{Name: "kthread_parkme", Header: "linux/kthread.h",
			Decl: "void kthread_parkme(void);",
			Impl: func(c *interp.Call) int64 {
				taskStruct(c, worldOf(c), c.T.Current())
				c.T.KthreadParkme()
				return 0
			}},
		interp.Builtin{Name: "kthread_exit", Header: "linux/kthread.h",
			Decl: "void kthread_exit(long result) __attribute__((noreturn));",
			Impl: func(c *interp.Call) int64 { c.T.KthreadExit(c.Args[0]); return 0 }},
		interp.Builtin{Name: "kthread_complete_and_exit", Header: "linux/kthread.h",
			Decl: "void kthread_complete_and_exit(struct completion *comp, long code) __attribute__((noreturn));",
			Impl: func(c *interp.Call) int64 {
				var comp *ksync.Completion
				if c.Addr(0) != 0 {
					if comp = completionAt(c); comp == nil {
						return 0
					}
				}
				c.T.KthreadCompleteAndExit(comp, c.Args[1])
				return 0
			}},
		interp.Builtin{Name: "wake_up_process", Header: "linux/sched.h",
			Decl: "int wake_up_process(struct task_struct *p);",
			Impl: onTask(0, func(c *interp.Call, p *ksync.Task) int64 {
				return b2i(c.T.TryToWakeUp("wake_up_process", p, ksync.TaskNormal))
			})},
		interp.Builtin{Name: "wake_up_state", Header: "linux/sched.h",
			Decl: "int wake_up_state(struct task_struct *p, unsigned int state);",
			Impl: onTask(0, func(c *interp.Call, p *ksync.Task) int64 {
				return b2i(c.T.TryToWakeUp("wake_up_state", p, uint32(c.Args[1])))
			})},
		interp.Builtin{Name: "signal_pending", Header: "linux/sched/signal.h",
			Decl: "int signal_pending(struct task_struct *p);",
			Impl: onTask(0, func(c *interp.Call, p *ksync.Task) int64 { return b2i(c.T.SignalPending(p)) })},
		interp.Builtin{Name: "fatal_signal_pending", Header: "linux/sched/signal.h",
			Decl: "int fatal_signal_pending(struct task_struct *p);",
			Impl: onTask(0, func(c *interp.Call, p *ksync.Task) int64 { return b2i(c.T.FatalSignalPending(p)) })},
		interp.Builtin{Name: "get_current", Header: "asm/current.h",
			Decl: "struct task_struct *get_current(void);",
			Impl: getCurrent},
		interp.Builtin{Name: "schedule", Header: "linux/sched.h",
			Decl: "void schedule(void);",
			Impl: schedule},
		interp.Builtin{Name: "set_current_state", Header: "linux/sched.h",
			Decl: "void set_current_state(unsigned int state);",
			Impl: setCurrentState},
		interp.Builtin{Name: "__set_current_state", Header: "linux/sched.h",
			Decl: "void __set_current_state(unsigned int state);",
			Impl: setCurrentState},
		interp.Builtin{Name: "yield", Header: "linux/sched.h",
			Decl: "void yield(void);",
			// kernel/sched/syscalls.c: set_current_state(TASK_RUNNING), then
			// do_sched_yield's schedule(): the task stays runnable.
			Impl: func(c *interp.Call) int64 { c.T.Schedule(); return 0 }},
		interp.Builtin{Name: "cond_resched", Header: "linux/sched.h",
			Decl: "int cond_resched(void);",
			Impl: func(c *interp.Call) int64 { c.T.CondResched(); return 0 }},
		interp.Builtin{Name: "might_sleep", Header: "linux/kernel.h",
			Decl: "void might_sleep(void);",
			Impl: func(c *interp.Call) int64 { c.T.MightSleep(); return 0 }},
		interp.Builtin{Name: "cpu_relax", Header: "asm/processor.h",
			Decl: "void cpu_relax(void);",
			Impl: func(c *interp.Call) int64 { c.T.CPURelax("cpu_relax"); return 0 }},
		interp.Builtin{Name: "in_task", Header: "linux/preempt.h",
			Decl: "_Bool in_task(void);",
			// !(in_nmi() | in_hardirq() | in_serving_softirq()): neither in a
			// handler nor serving softirqs; bottom halves disabled in process
			// context is still a task.
			Impl: func(c *interp.Call) int64 { return taskFlag(!c.T.InInterrupt()) }},
	)
}

func taskFlag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// runFunc is a task body (a thread, a handler) that runs the C function at addr
// with args: when addr points at no function, the call through it faults in that
// task, as the kernel's does in the new thread or the handler.
func runFunc(w taskWorld, addr uint64, args ...int64) func(*ksync.Task) int64 {
	f := w.FuncAt(addr)
	return func(t *ksync.Task) int64 {
		if f == nil {
			callOops(t, addr)
			return 0
		}
		return w.Run(t, f, args...)
	}
}

// callOops is the kernel's fault of calling through addr, a pointer to no function:
// NULL is "BUG: kernel NULL pointer dereference", anything else a page fault.
func callOops(t *ksync.Task, addr uint64) {
	if addr < 4096 {
		t.NullDeref(false)
		return
	}
	t.BadAddress(int64(addr))
}

// kthreadRun is kthread_run(threadfn, data, namefmt, ...) (include/linux/kthread.h):
// kthread_create names the thread from namefmt, vsnprintf-style (kthread_create_on_
// node, cut to TASK_COMM_LEN), wake_up_process starts it, and it returns the new
// thread's task_struct.
func kthreadRun(c *interp.Call) int64 {
	w := worldOf(c)
	run := runFunc(w, c.Addr(0), c.Args[1])
	name := ""
	if len(c.Args) > 2 {
		name = diagFormat(c, 2)
	}
	child := c.T.KthreadStart(name, func(ct *ksync.Task) int64 { return int64(int32(run(ct))) })
	if child == nil {
		return spawnFails(c, name, "ERR_PTR(-EAGAIN)")
	}
	return int64(taskStruct(c, w, child).Addr())
}

// kthreadCreate is kthread_create(threadfn, data, namefmt, ...) (include/linux/
// kthread.h: kthread_create_on_node): the thread is made, named as kthread_run names
// it, and sleeps in kthread() until wake_up_process starts it or kthread_stop stops
// it before it ran (its result is then -EINTR).
func kthreadCreate(c *interp.Call) int64 {
	w := worldOf(c)
	run := runFunc(w, c.Addr(0), c.Args[1])
	name := ""
	if len(c.Args) > 2 {
		name = diagFormat(c, 2)
	}
	child := c.T.KthreadCreate(name, func(ct *ksync.Task) int64 { return int64(int32(run(ct))) })
	if child == nil {
		return spawnFails(c, name, "ERR_PTR(-EAGAIN)")
	}
	return int64(taskStruct(c, w, child).Addr())
}

// onTask runs f on the task whose task_struct argument i points at; a pointer to no
// task faults, as the kernel's dereference of it does.
func onTask(i int, f func(c *interp.Call, p *ksync.Task) int64) func(*interp.Call) int64 {
	return func(c *interp.Call) int64 {
		p := taskAt(c, c.Addr(i))
		if p == nil {
			addr := c.Addr(i)
			if b, off := c.K().Find(addr); b != nil && off >= 0 && off < b.Size() {
				// Memory, but no task's: ksim cannot tell what the kernel would do.
				c.T.Oops(fmt.Sprintf("ksim: %#x is not a task_struct ksim made", addr))
				return 0
			}
			callOops(c.T, addr)
			return 0
		}
		taskStruct(c, worldOf(c), c.T.Current())
		return f(c, p)
	}
}

// kernelThread is kernel_thread(fn, arg, name, flags) as 6.12 declares it
// (include/linux/sched/task.h), and kernel_thread(fn, arg, flags) as kernels before
// 5.18 did: the declaration takes both, and the third argument tells them apart (a
// pointer is 6.12's name). With a name, the thread is called that; 6.12 with NULL
// keeps the parent's comm (copy_process), as old kernels always did; the old form
// names it after fn, as ksim always has (traces name the module's threads so). It
// returns the new thread's pid.
func kernelThread(c *interp.Call) int64 {
	w := worldOf(c)
	run := runFunc(w, c.Addr(0), c.Args[1])
	name := c.T.Current().Comm // the kernel's: the parent's (dup_task_struct)
	if f := w.FuncAt(c.Addr(0)); f != nil {
		name = f.Name() // ksim's: the function's, as traces always showed it
	}
	if len(c.Args) > 2 && argIsPointer(c, 2) {
		name = c.T.Current().Comm
		if a := c.Addr(2); a != 0 {
			name = c.T.CString("kernel_thread", a, taskCommLen-1)
		}
	}
	child := c.T.KthreadRun(name, func(ct *ksync.Task) { run(ct) })
	if child == nil {
		return spawnFails(c, name, "-EAGAIN")
	}
	return int64(child.PID)
}

// argIsPointer reports whether argument i has a pointer type (a name, not flags).
func argIsPointer(c *interp.Call, i int) bool {
	if c.Site == nil || i >= len(c.Site.ArgTypes) || c.Site.ArgTypes[i] == nil {
		return false
	}
	return argTypeIsPointer(c.Site.ArgTypes[i])
}

// spawnFails is kthread_run or kernel_thread when the execution has no room for
// another task: like the kernel's at threads-max (copy_process fails with -EAGAIN),
// kthread_run returns ERR_PTR(-EAGAIN) and kernel_thread -EAGAIN, and no task
// starts. The kernel prints nothing; ksim says why in dmesg and in the trace.
func spawnFails(c *interp.Call, name, ret string) int64 {
	t := c.T
	fn := "kernel_thread"
	if c.Site != nil && c.Site.Builtin != nil {
		fn = c.Site.Builtin.Name
	}
	pos := ""
	if c.Site != nil {
		pos = c.Site.Pos
	}
	t.CPURelax(fn)
	t.Thread().Note(fmt.Sprintf("fails: returns %s (at most %d tasks)", ret, sched.MaxThreads))
	t.Printk(fmt.Sprintf("ksim: %s(%s) at %s returns %s: ksim runs at most %d tasks in an execution "+
		"(the kernel fails the same way past its threads-max)",
		fn, name, pos, ret, sched.MaxThreads))
	return -ksync.EAGAIN
}

// getCurrent is get_current() (arch/x86/include/asm/current.h), what current
// expands to: the task_struct of the task the code runs for (in an interrupt, the
// interrupted task; see ksync.Task.Current).
func getCurrent(c *interp.Call) int64 {
	return int64(taskStruct(c, worldOf(c), c.T.Current()).Addr())
}

// taskStruct is the struct task_struct of cur, made the first time it is asked
// for: an object of the task_struct cache, with pid, tgid and comm as the kernel
// has them and __state TASK_RUNNING (0). Fields the header does not declare are
// left alone.
func taskStruct(c *interp.Call, w taskWorld, cur *ksync.Task) *ksync.Buffer {
	return cur.TaskStruct(func(cur *ksync.Task) *ksync.Buffer {
		k := cur.Kernel()
		size := taskStructMinSize
		if n, ok := w.Sizeof("task_struct"); ok {
			size = n
		}
		b := k.NewObject("task_struct", size, ksync.RegionHeap)
		put := func(field string, n int, v uint64) {
			if off, ok := w.Offsetof("task_struct", field); ok && off+n <= size {
				k.Poke(b.Addr()+uint64(off), n, v)
			}
		}
		if off, ok := w.Offsetof("task_struct", "__state"); ok && off+4 <= size {
			cur.SetStateWord(b, off) // the scheduler's state word is this one
		}
		put("pid", 4, uint64(cur.PID))
		put("tgid", 4, uint64(cur.PID)) // a kernel thread leads its own thread group
		if off, ok := w.Offsetof("task_struct", "comm"); ok && off+taskCommLen <= size {
			comm := cur.Comm
			if len(comm) > taskCommLen-1 {
				comm = comm[:taskCommLen-1]
			}
			copy(b.Bytes()[off:], comm) // strscpy_pad: the rest stays NUL
		}
		return b
	})
}

// argTypeIsPointer reports whether t is a pointer type (after the default
// promotions an array or a function argument is one too).
func argTypeIsPointer(t cc.Type) bool {
	switch t.Kind() {
	case cc.Ptr, cc.Array, cc.Function:
		return true
	}
	return false
}

// setCurrentState is set_current_state(state) and __set_current_state(state)
// (include/linux/sched.h): current->__state = state, a store of its own (the kernel's
// smp_store_mb, or WRITE_ONCE).
func setCurrentState(c *interp.Call) int64 {
	taskStruct(c, worldOf(c), c.T.Current())
	name := "set_current_state"
	if c.Site != nil && c.Site.Builtin != nil {
		name = c.Site.Builtin.Name
	}
	c.T.SetCurrentState(name, uint32(c.Args[0]))
	return 0
}

// schedule is schedule() (kernel/sched/core.c). In TASK_RUNNING the task gives up
// its CPU and stays runnable. In another state (set_current_state before it) it
// sleeps until a wakeup sets it TASK_RUNNING again (wake_up_process, a wait queue's
// wake_up, kthread_stop), unless a signal is pending for that state.
func schedule(c *interp.Call) int64 {
	taskStruct(c, worldOf(c), c.T.Current())
	if c.T.Current().StateWord() == ksync.TaskRunning {
		// Only the task itself leaves TASK_RUNNING: nobody can change it now.
		c.T.Schedule()
		return 0
	}
	c.T.SleepState("schedule", ksync.MaxScheduleTimeout)
	return 0
}

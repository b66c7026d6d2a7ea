package ksync

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ksim-dev/ksim/ksync/lockdep"
	"github.com/ksim-dev/ksim/sched"
)

// TaskState is a task's state as ps shows it.
type TaskState byte

const (
	Running         TaskState = 'R' // TASK_RUNNING: on a CPU, or ready for one
	Interruptible   TaskState = 'S' // TASK_INTERRUPTIBLE: asleep, a signal wakes it
	Uninterruptible TaskState = 'D' // TASK_UNINTERRUPTIBLE: asleep; the hung-task detector watches these
	Dead            TaskState = 'X' // exited, or killed by an oops
)

// Frame is one line of a task's C call stack, as the scenario interpreter knows it.
// FuncLine and FuncEnd are the function's first and last source lines; they give the
// "+0x1c/0x80" offsets in report lines a stable, meaningful value.
type Frame struct {
	Func     string
	File     string
	Line     int
	FuncLine int
	FuncEnd  int
}

// cpuNames are the trace's CPU column, built once.
var cpuNames = func() (n [sched.MaxThreads]string) {
	for i := range n {
		n[i] = fmt.Sprint(i)
	}
	return
}()

// taskCommLen is TASK_COMM_LEN - 1: the kernel truncates a task's name to 15 bytes,
// and reports print it that way.
const taskCommLen = 15

// Task is a simulated kernel task.
type Task struct {
	k    *Kernel
	th   *sched.Thread
	Comm string // the task's name as the kernel prints it (at most 15 bytes)
	PID  int
	PPID int

	state     TaskState
	cpu       int
	preempt   int  // preempt_count, with the kernel's bit layout
	irqsOff   bool // local irqs disabled (a per-CPU flag, held by the task while pinned)
	preemptAt string
	held      []heldLock
	heldBuf   [4]heldLock // held's first backing array: most tasks hold few locks
	validated heldLock    // the acquisition lockdep last validated, for hold
	pos       string
	stack     func() []Frame
	body      func(*Task) // what the task runs (KernelThread, KthreadRun)
	asleep    bool
	pinned    bool
	exited    bool
	wait      waiting
	gate      gate
	granted   bool // a semaphore's up handed it the count
	// Interrupt contexts: a handler, or a softirq run on top of a task, is a Task of its
	// own, on top of the context it interrupted (below), with the same comm and pid, as
	// "current" is in the kernel. Its held locks are its own, as lockdep's chains of
	// one irq context are; listings add those of the contexts below (heldLocksAll).
	inIRQ       bool             // in an irq handler or serving softirqs
	hardirq     bool             // in a hardirq handler
	softirq     bool             // serving a softirq (a tasklet)
	interrupted bool             // a handler runs on top of this task: its CPU is the handler's
	below       *Task            // for a handler: the interrupted context
	line        *IRQLine         // for a handler in hardirq context: its line
	percpu      bool             // an interrupt context or ksoftirqd: bound to its CPU
	inline      bool             // a softirq context on the thread of the context below it
	softirqd    bool             // ksoftirqd: serves softirqs once its CPU has nothing else to run
	tasklet     *Tasklet         // for a softirq context: the tasklet it runs now
	killable    bool             // asleep in TASK_KILLABLE: the hung-task detector skips it
	irqtrace    lockdep.IRQTrace // the irq-flag history (see irqtrace.go)
	// Loops the interpreter runs (see await.go).
	loops       int       // depth of the loops being tracked
	journal     []loopAcc // shared accesses since the outermost loop's iteration began
	journalOpen bool      // the last entry's step may still change its access
	sleeps      int       // times the task slept or gave up its CPU
	aw          awaitGuard
	awaiting    bool // blocked in a loop that changed nothing
	clockReads  int  // times the task read jiffies
	// kernelOwned: a kernel thread that is not the module's (a kworker, an irq
	// thread): rmmod does not wait for it to exit (RunAfterAll), so what it runs
	// of the module's may run after the module is gone (module.go).
	kernelOwned bool
	rcu         rcuTask // RCU read-side state (rcu.go)
	// Wait queues, the task state word, kthreads, the loop bound (kthread.go).
	ws waitTask
	// Workqueues (workqueue.go): the work instance a kworker runs.
	kworker *workInst
	// Threaded irqs (irq_thread.go): the line whose handlers and thread
	// synchronize_irq waits for.
	irqWaitLine *IRQLine
	// fops (userproc.go): a simulated user process driving a module's file operations.
	user *userProc
	uerr int // the error of the task's last get_user/put_user (UaccessErr)
}

// SetKernelOwned marks the task as a kernel thread that is not the module's (a
// kworker, an irq thread, a timer's context): rmmod does not wait for it.
func (t *Task) SetKernelOwned() { t.kernelOwned = true }

// waiting is what an asleep or spinning task waits for, for reports.
type waiting struct {
	kind string // "semaphore", "mutex", "spinlock", "rwlock", "rwsem", "completion", "reclaim", "msleep", "exit"
	lock *lockBase
	pos  string
	prim string // the primitive that sleeps, e.g. "down", "mutex_lock"
}

// chain is the kernel's stack below schedule() for a task asleep in w, innermost
// first, as the hung-task report prints it; lockdep says whether the kernel was
// built with it (CONFIG_DEBUG_LOCK_ALLOC), which changes the mutex functions. Only
// real frames are listed: a static inline or __always_inline function has none.
// Derived when a report needs it, so that waiting costs nothing.
func (w waiting) chain(lockdep bool) []string {
	switch w.prim { // the wait family (kthread.go, waitqueue.go)
	case "kthread_stop", "kthread_park":
		// kthread_stop -> wait_for_completion -> __wait_for_common -> schedule_timeout.
		return []string{"schedule_timeout", "__wait_for_common", "wait_for_completion", w.prim}
	case "schedule_timeout":
		return []string{"schedule_timeout"}
	case "kthread":
		return []string{"kthread", "ret_from_fork", "ret_from_fork_asm"}
	}
	switch w.kind {
	case "semaphore":
		// down -> __down (noinline) -> __down_common -> ___down_common (both
		// static inline) -> schedule_timeout (kernel/locking/semaphore.c).
		return []string{"schedule_timeout", "__" + w.prim, w.prim}
	case "mutex":
		// With lockdep, mutex_lock is mutex_lock_nested (include/linux/mutex.h),
		// which calls __mutex_lock; __mutex_lock_common is __always_inline
		// (kernel/locking/mutex.c). Without it, mutex_lock's slow path is a
		// constant-propagated copy of __mutex_lock.
		if lockdep {
			return []string{"schedule_preempt_disabled", "__mutex_lock", mutexNested(w.prim)}
		}
		return []string{"schedule_preempt_disabled", "__mutex_lock.constprop.0", w.prim}
	case "rwsem":
		// Both slowpaths sleep in schedule_preempt_disabled() (kernel/locking/rwsem.c).
		if strings.Contains(w.prim, "write") {
			return []string{"schedule_preempt_disabled", "rwsem_down_write_slowpath", w.prim}
		}
		return []string{"schedule_preempt_disabled", "rwsem_down_read_slowpath", w.prim}
	case "completion":
		return []string{"schedule_timeout", "__wait_for_common", w.prim}
	case "reclaim":
		return []string{"__alloc_pages_slowpath.constprop.0", "__alloc_pages_noprof", w.prim}
	case "msleep":
		return []string{"schedule_timeout", "msleep"}
	case "rcu": // rcu.go
		return append([]string{"schedule_timeout"}, rcuGPFrames...)
	case "rcu_barrier":
		return []string{"schedule_timeout", "__wait_for_common", "rcu_barrier"}
	case "bit": // bitwait.go
		return []string{"bit_wait", "__wait_on_bit", "out_of_line_wait_on_bit"}
	case "work":
		return workWaitChain(w.prim) // workqueue.go
	case "irq thread":
		// synchronize_irq's wait_event: its callers, in prim (irq_thread.go).
		return strings.Fields(w.prim)
	}
	return nil
}

// mutexNested is the function a mutex_lock* call is with lockdep (include/linux/
// mutex.h under CONFIG_DEBUG_LOCK_ALLOC): mutex_lock(l) is mutex_lock_nested(l, 0),
// and so on.
func mutexNested(prim string) string {
	if strings.HasSuffix(prim, "_nested") {
		return prim
	}
	return prim + "_nested"
}

// gate makes a task's operation wait for a CPU, when there are fewer CPUs than tasks.
type gate struct {
	t     *Task
	inner sched.Guard
}

// Inner is the guard the gate wraps (sched.WrappingGuard): the CPU condition bites only
// once a task can hold a CPU, and then ksync asks for a full search (checkCoupling).
func (g *gate) Inner() sched.Guard { return g.inner }

func (g *gate) Enabled(op *sched.Op) bool {
	if g.inner != nil && !g.inner.Enabled(op) {
		return false
	}
	k := g.t.k
	return g.t.pinned || k.pinned < k.cfg.CPUs
}

// State is the task's state (R, S, D, X).
func (t *Task) State() TaskState { return t.state }

// CPU is the CPU the task runs (or last ran) on.
func (t *Task) CPU() int { return t.cpu }

// PreemptCount is the task's preempt_count.
func (t *Task) PreemptCount() int { return t.preempt }

// Kernel is the kernel the task runs in.
func (t *Task) Kernel() *Kernel { return t.k }

// Thread is the sched thread running the task.
func (t *Task) Thread() *sched.Thread { return t.th }

// At sets the source position of what the task does next, for traces and reports.
func (t *Task) At(pos string) { t.pos = pos }

// SetStack gives the task a view of its C call stack (the interpreter's frames).
func (t *Task) SetStack(fn func() []Frame) { t.stack = fn }

// runTask is the body of every task's thread: one function, so that spawning a task
// allocates no closure.
func runTask(th *sched.Thread) {
	t := th.Value().(*Task)
	t.run(t.body)
}

// run runs the task's body. When the body returns the task exits, with do_exit's
// checks; a task unwound because its execution ended does not exit: it was still
// blocked or running when the kernel stopped being observed.
func (t *Task) run(fn func(*Task)) {
	fn(t)
	t.exitChecks()
	t.exit()
}

func (t *Task) exit() {
	t.mayLeaveCPU()
	t.exited = true
	t.state = Dead
	t.updatePin()
	t.endHardirq() // a handler killed by an oops no longer runs: free_irq stops waiting
	if t.tasklet != nil {
		t.tasklet.running = false // nor does a tasklet: tasklet_kill stops waiting
		t.tasklet = nil
	}
	if t.inline && t.below != nil {
		// A softirq killed by an oops takes the thread it ran on, so the task below too.
		t.below.interrupted = false
		t.below.exit()
	}
}

// op announces a visible operation of the task and returns when it runs.
func (t *Task) op(name string, obj sched.ObjID, acc sched.Access, g sched.Guard) {
	t.opx(&sched.Op{Name: name, Obj: obj, Access: acc, Guard: g})
}

// opx announces o at the task's position; with fewer CPUs than tasks it also waits
// for a CPU.
func (t *Task) opx(o *sched.Op) {
	if t.loops > 0 {
		t.settle() // before an interrupt's steps run on this thread
	}
	t.mayInterrupt()
	if len(t.k.softirqs) != 0 && (o.Guard != nil || t.asleep) {
		t.mayLeaveCPU() // it may block or sleep: ksoftirqd takes over the softirqs pending here
	}
	o.Pos = t.pos
	o.Where = cpuNames[t.cpu] // it may have moved: a pinned task gets a free CPU
	if t.user != nil {
		t.ctrlC(o) // fops (userproc.go): Ctrl-C ends an interruptible sleep
	}
	if t.k.gated {
		t.gate.inner = o.Guard
		o.Guard = &t.gate
	}
	t.th.Op(o)
	if t.user != nil {
		t.ctrlCWoke(o)
	}
	if t.loops > 0 {
		t.record(o)
	}
	if int(o.Obj) < len(t.k.mem.placed) {
		if pl := t.k.mem.placed[o.Obj]; pl.b != nil && pl.b.freedAt(pl.off) {
			// An operation on a lock whose memory has been freed touches the
			// lock word: KASAN's report, and the kernel goes on.
			t.kasanAccess(pl.b.addr+uint64(pl.off), 4, o.Access != sched.Read, "")
		}
	}
}

// note annotates the step being run in the trace.
func (t *Task) note(format string, args ...any) { t.th.Note(fmt.Sprintf(format, args...)) }

// updatePin keeps the count of CPUs held: a task holds its CPU while it runs with
// preemption or irqs disabled; asleep (even "while atomic") it has left it.
func (t *Task) updatePin() {
	want := !t.asleep && !t.exited && !t.interrupted && (t.preempt > 0 || t.irqsOff)
	if want == t.pinned {
		return
	}
	t.pinned = want
	if want {
		t.k.pinned++
		if !t.k.pinEver {
			t.k.pinEver = true
			t.k.checkCoupling()
		}
		if t.k.gated && !t.percpu {
			t.cpu = t.k.freeCPU(t)
		}
	} else {
		t.k.pinned--
	}
}

// freeCPU is the lowest CPU no other pinned task holds.
func (k *Kernel) freeCPU(self *Task) int {
	var used uint64
	for _, o := range k.tasks {
		if o != self && o.pinned {
			used |= 1 << uint(o.cpu)
		}
	}
	for c := 0; c < k.cfg.CPUs; c++ {
		if used&(1<<uint(c)) == 0 {
			return c
		}
	}
	return 0
}

// id is "comm/pid", how ksim's own notes name a task (two tasks may share a comm).
func (t *Task) id() string { return t.Comm + "/" + strconv.Itoa(t.PID) }

func (t *Task) atomic() bool { return t.preempt != 0 || t.irqsOff }

func (t *Task) preemptDisable() {
	if t.preempt == 0 {
		t.preemptAt = t.site()
	}
	t.preempt++
	t.updatePin()
}

func (t *Task) preemptEnable() {
	if t.preempt > 0 {
		t.preempt--
	}
	t.updatePin()
}

// sleep puts the task to sleep in state st waiting for w. A task that sleeps with
// preemption disabled is the kernel's "scheduling while atomic" (schedule_debug:
// in_atomic_preempt_off(), so irqs off alone is not): the kernel complains and
// switches away anyway, the task leaving its CPU with its locks and its
// preempt_count.
func (t *Task) sleep(st TaskState, w waiting) {
	if t.rcu.depth > 0 {
		t.rcuSleeps(w) // rcu_note_context_switch
	}
	if t.preempt != 0 {
		t.schedulingWhileAtomic(w.chain(t.k.dep != nil))
	}
	t.state = st
	t.asleep = true
	t.sleeps++
	t.wait = w
	t.updatePin()
}

// fastPath says whether a sleeping lock's acquire can be one blocking step, as for a
// bare lock. The moment a task goes to sleep matters only when it is atomic
// ("scheduling while atomic"; sleeping gives up the CPU an atomic task holds);
// otherwise a failed try followed by a wait would only multiply the interleavings DPOR
// must explore. With fewer CPUs than tasks, a task that is not atomic holds no CPU
// either way, awake or asleep: it needs one for each step, which the CPU gate gives
// the one-step acquire as it gives the wait of the two-step one.
func (t *Task) fastPath() bool { return !t.atomic() && t.rcu.depth <= 0 }

// blockOn is the one-step acquire: the task waits in state st (for reports, should it
// never get the lock) until g lets the operation run.
//
// It runs for every uncontended lock too, so the wait is set field by field and
// cleared by its kind and lock alone (what reports test), not copied whole.
func (t *Task) blockOn(o *sched.Op, st TaskState, kind string, l *lockBase) {
	t.state = st
	t.wait.kind, t.wait.lock, t.wait.pos, t.wait.prim = kind, l, t.pos, o.Name
	t.opx(o)
	t.state = Running
	t.wait.kind, t.wait.lock = "", nil
}

func (t *Task) wake() {
	t.state = Running
	t.asleep = false
	t.wait = waiting{}
	t.updatePin()
}

// where is the task's current source position, or its name when it has none.
func (t *Task) where() string {
	if t.pos != "" {
		return t.pos
	}
	return t.Comm
}

func (t *Task) frames() []Frame {
	if t.stack == nil {
		return nil
	}
	return t.stack()
}

// site is "func+0xoff/0xsize" of the innermost frame, the kernel's way of saying where.
func (t *Task) site() string {
	fs := t.frames()
	if len(fs) == 0 {
		if t.pos != "" {
			return t.pos
		}
		return t.Comm
	}
	return frameSite(fs[len(fs)-1])
}

func frameSite(f Frame) string {
	size := max(f.FuncEnd-f.FuncLine+1, 1) * 0x10
	off := max(f.Line-f.FuncLine, 0) * 0x10
	return fmt.Sprintf("%s+0x%x/0x%x", f.Func, off, size)
}

// callTrace is a "Call Trace:" block: kernel frames (innermost first), then the
// task's own C frames, decoded with file:line as decode_stacktrace.sh prints them.
func (t *Task) callTrace(kernelFrames ...string) string {
	var b strings.Builder
	b.WriteString("Call Trace:\n")
	base := t
	if t.onIRQStack() {
		// In an interrupt the kernel prints the irq stack (every interrupt context,
		// innermost first), then the interrupted task's.
		b.WriteString(" <IRQ>\n")
		for _, f := range kernelFrames {
			b.WriteString(" " + f + "\n")
		}
		for ; base != nil && base.onIRQStack(); base = base.below {
			base.writeFrames(&b)
		}
		b.WriteString(" </IRQ>\n")
		if base == nil {
			return b.String() // an interrupt on an idle CPU
		}
		kernelFrames = nil
	}
	b.WriteString(" <TASK>\n")
	for _, f := range kernelFrames {
		b.WriteByte(' ')
		b.WriteString(f)
		b.WriteByte('\n')
	}
	base.writeFrames(&b)
	if base.softirqd {
		for _, f := range ksoftirqdFrames {
			b.WriteString(" " + f + "\n")
		}
	}
	if base.user != nil { // fops (userproc.go): the system call the process is in
		for _, f := range base.user.syscall {
			b.WriteString(" " + f + "\n")
		}
	}
	b.WriteString(" </TASK>\n")
	return b.String()
}

// writeFrames writes the task's C frames, innermost first.
func (t *Task) writeFrames(b *strings.Builder) {
	fs := t.frames()
	for i := len(fs) - 1; i >= 0; i-- {
		fmt.Fprintf(b, " %s (%s:%d)\n", fs[i].Func, fs[i].File, fs[i].Line)
	}
	if len(fs) == 0 && t.pos != "" {
		fmt.Fprintf(b, " %s (%s)\n", t.Comm, t.pos)
	}
}

// header is dump_stack_print_info: the "CPU: UID: PID: Comm:" line that precedes a
// stack dump, the verbose taint line when tainted, and "Hardware name:".
func (t *Task) header() string {
	k := t.k
	return lockdep.DumpStackInfo(t.cpu, t.PID, t.Comm, k.tainted(), k.taintedVerbose(), k.cfg.Release)
}

// report prints text to dmesg and records it as a problem.
func (t *Task) report(kind, site, title, text string) {
	t.k.printk(text)
	t.k.e.Report(sched.Problem{Kind: kind, Site: site, Title: title, Report: text})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mightSleep is might_sleep() in the primitive prim: a primitive that may sleep,
// called from atomic context, is a bug even when this time it would not have slept.
// file is where prim's might_sleep() is, for a primitive sleepSite does not know.
func (t *Task) mightSleep(file, prim string) {
	if !t.atomic() && t.rcu.depth <= 0 {
		return
	}
	frames := []string{prim}
	if f, fr, ok := sleepSite(prim, t.k.dep != nil); ok {
		file, frames = f, fr
	}
	t.mightResched(file, frames...)
}

// sleepSite is where the might_sleep() of a sleeping primitive is in 6.12, and the
// kernel functions a stack dump from it shows between __might_resched and the
// caller, innermost first. might_sleep() expands __FILE__ and __LINE__ where it is
// written, so the site is in the function that calls it, inlined or not. lockdep
// says whether the kernel has CONFIG_DEBUG_LOCK_ALLOC, which turns mutex_lock into
// mutex_lock_nested -> __mutex_lock.
func sleepSite(prim string, lockdep bool) (file string, frames []string, ok bool) {
	switch prim {
	// kernel/locking/semaphore.c: each down* calls might_sleep() itself.
	case "down":
		return "kernel/locking/semaphore.c:59", []string{prim}, true
	case "down_interruptible":
		return "kernel/locking/semaphore.c:83", []string{prim}, true
	case "down_killable":
		return "kernel/locking/semaphore.c:110", []string{prim}, true
	case "down_timeout":
		return "kernel/locking/semaphore.c:165", []string{prim}, true
	// kernel/locking/mutex.c: with lockdep every mutex_lock* reaches
	// __mutex_lock_common (__always_inline, inlined into __mutex_lock), whose
	// might_sleep() is at line 586; without, mutex_lock (283),
	// mutex_lock_interruptible (992) and mutex_lock_killable (1016) have their own.
	case "mutex_lock", "mutex_lock_nested", "mutex_lock_interruptible", "mutex_lock_killable":
		if lockdep {
			return "kernel/locking/mutex.c:586", []string{"__mutex_lock", mutexNested(prim)}, true
		}
		switch prim {
		case "mutex_lock_interruptible":
			return "kernel/locking/mutex.c:992", []string{prim}, true
		case "mutex_lock_killable":
			return "kernel/locking/mutex.c:1016", []string{prim}, true
		}
		return "kernel/locking/mutex.c:283", []string{"mutex_lock"}, true
	// kernel/locking/rwsem.c
	case "down_read":
		return "kernel/locking/rwsem.c:1523", []string{prim}, true
	case "down_write":
		return "kernel/locking/rwsem.c:1576", []string{prim}, true
	// kernel/sched/completion.c: __wait_for_common's might_sleep(); wait_for_common
	// tail-calls it.
	case "wait_for_completion", "wait_for_completion_interruptible", "wait_for_completion_timeout",
		"wait_for_completion_killable":
		return "kernel/sched/completion.c:111", []string{"__wait_for_common", prim}, true
	// free_irq -> __free_irq takes desc->request_mutex (kernel/irq/manage.c:1900).
	case "free_irq":
		if lockdep {
			return "kernel/locking/mutex.c:586", []string{"__mutex_lock", "mutex_lock_nested", "__free_irq", "free_irq"}, true
		}
		return "kernel/locking/mutex.c:283", []string{"mutex_lock", "__free_irq", "free_irq"}, true
	}
	return "", nil, false
}

// mightResched is __might_resched (kernel/sched/core.c) for a sleeping call from
// atomic context: file is the "file:line" its caller's might_sleep() names, frames
// the kernel functions between __might_resched and the task's own frames. Like the
// kernel's, it reports at most once per HZ jiffies (prev_jiffy), then taints W. In
// atomic context it is a step of its own, which the model's primitives take before
// their own.
func (t *Task) mightResched(file string, frames ...string) {
	if !t.atomic() && t.rcu.depth <= 0 { // resched_offsets_ok: preempt_count and rcu_preempt_depth()
		return
	}
	k := t.k
	// prev_jiffy is the boot's: a step of its own, which the reports of other
	// threads race with (see reportStep).
	t.op("__might_resched", k.reschedObj, sched.Write, nil)
	j := k.Jiffies()
	if k.mightReschedAt != 0 && j < k.mightReschedAt+HZ {
		t.th.Note("rate-limited: silent")
		return // time_before(jiffies, prev_jiffy + HZ) && prev_jiffy
	}
	k.mightReschedAt = j
	t.th.Note("BUG")
	site := "might_sleep " + file + " at " + t.where()
	title := "BUG: sleeping function called from invalid context at " + file
	var b strings.Builder
	b.WriteString(title + "\n")
	fmt.Fprintf(&b, "in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s\n",
		b2i(t.preempt != 0), b2i(t.irqsOff), t.PID, t.Comm)
	fmt.Fprintf(&b, "preempt_count: %x, expected: 0\n", t.preempt)
	fmt.Fprintf(&b, "RCU nest depth: %d, expected: 0\n", t.rcu.depth) // CONFIG_PREEMPT_RCU
	b.WriteString(t.showHeldLocks())
	if t.irqsOff {
		b.WriteString(t.irqTraceEvents())
	}
	// print_preempt_disable_ip: whenever preempt_count() differs from the expected
	// 0 (CONFIG_DEBUG_PREEMPT), in interrupt context too.
	if t.preempt != 0 && t.preemptAt != "" {
		fmt.Fprintf(&b, "Preemption disabled at:\n[<%016x>] %s\n", fakeText(t.preemptAt), t.preemptAt)
	}
	b.WriteString(t.header())
	b.WriteString(t.callTrace(append([]string{"dump_stack_lvl", "__might_resched"}, frames...)...))
	t.report("bug", site, title, b.String())
	t.addTaint(taintWarn)
}

// showHeldLocks is lockdep's debug_show_held_locks(), as __might_resched and
// __schedule_bug print it: the held locks, or "INFO: lockdep is turned off." once
// lock debugging is off; nothing in a kernel without lockdep.
func (t *Task) showHeldLocks() string {
	switch {
	case t.k.dep == nil:
		return ""
	case t.k.locksOff:
		return "INFO: lockdep is turned off.\n"
	}
	return t.rcuHeldLocks(t.heldLocksAll())
}

// schedulingWhileAtomic is __schedule_bug (kernel/sched/core.c): schedule() called
// with preemption disabled. chain is the stack below schedule().
func (t *Task) schedulingWhileAtomic(chain []string) {
	title := fmt.Sprintf("BUG: scheduling while atomic: %s/%d/0x%08x", t.Comm, t.PID, t.preempt+1)
	var b strings.Builder
	b.WriteString(title + "\n")
	b.WriteString(t.showHeldLocks())
	b.WriteString("Modules linked in:\n") // print_modules
	if t.irqsOff {
		b.WriteString(t.irqTraceEvents())
	}
	if t.preemptAt != "" {
		fmt.Fprintf(&b, "Preemption disabled at:\n[<%016x>] %s\n", fakeText(t.preemptAt), t.preemptAt)
	}
	b.WriteString(t.header())
	frames := append([]string{"dump_stack_lvl", "__schedule_bug", "__schedule", "schedule"}, chain...)
	b.WriteString(t.callTrace(frames...))
	t.report("bug", "scheduling while atomic at "+t.where(), "BUG: scheduling while atomic", b.String())
	t.addTaint(taintWarn)
}

// fakeText is a stable stand-in for a code address: lockdep's, so that both print the
// same address for the same site.
func fakeText(site string) uint64 { return lockdep.TextAddr(site) }

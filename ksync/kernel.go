package ksync

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/ksync/lockdep"
	"github.com/ksim-dev/ksim/sched"
)

// Config sets up a simulated kernel.
type Config struct {
	// CPUs is the number of simulated CPUs (default 2). With fewer CPUs than tasks a
	// task must hold a CPU to run, and one with preemption disabled keeps it.
	CPUs int
	// MemoryPressure makes allocations that may block (GFP_KERNEL) possibly sleep in
	// direct reclaim, and ones that may not (GFP_ATOMIC, GFP_NOWAIT) possibly fail.
	// Both are explored choices.
	MemoryPressure bool
	// Signals lets signals interrupt interruptible and killable sleeps (an explored
	// choice). Timeouts (down_timeout, wait_for_completion_timeout) may always expire.
	Signals bool
	// Release is the kernel release printed in report headers.
	Release string
	// NoLockdep turns the lock validator off (lockdep is on by default, as in a
	// debug kernel).
	NoLockdep bool
	// NoAwait makes loops that change nothing spin as written, until the step limit,
	// instead of waiting for another task to change what they read (see await.go):
	// the reference the await reduction is tested against.
	NoAwait bool
	// IRQs sets how interrupt lines fire, by line number; a line not listed fires at
	// most once per execution, on any CPU.
	IRQs map[int]IRQSetting
}

const defaultRelease = "6.12.0-ksim #1"

// Kernel is the state of one simulated kernel, for one execution.
type Kernel struct {
	kstate
	// Inline storage for the first tasks: a kernel is built for every execution, and
	// one allocation for it and its first eight tasks is cheaper than ten. A recycled
	// kernel does not clear it: newTaskPID sets each task whole as it hands it out.
	taskPtrs  [8]*Task
	firstTask [8]Task
	slabs     slabs   // the primitives, recycled with the kernel
	depMemo   depMemo // lockdep's clean acquisitions, kept across recycled executions
	// lockdep's view of the current task's stack, computed on demand (see depTask);
	// depStack is made once per struct, like the method values below.
	depStack    func() []lockdep.Frame
	depCur      *Task
	depStackBuf []lockdep.Frame
	// Method values made once per struct, not once per execution.
	onDeadlock func() []sched.Problem
	handOn     func(sched.Outcome)
}

// kstate is the part of a Kernel that a new execution starts afresh.
type kstate struct {
	e       *sched.Execution
	cfg     Config
	tasks   []*Task
	chunk   []Task // storage for tasks; never grown in place, so pointers stay valid
	nextPID int
	// spawning counts threads about to be spawned: a spawn is a scheduling point, and
	// other contexts must not take the room reserved for them meanwhile.
	spawning int
	ubsanAt  []string // source locations UBSAN has reported: each is reported once
	log      []byte   // dmesg: one buffer, not a string per line (see LogBufLen)
	logLost  int      // lines dropped from the start of log to keep it in LogBufLen
	taint    uint32
	pinned   int  // tasks holding a CPU: atomic and not asleep
	gated    bool // more tasks than CPUs: running needs a CPU
	created  int  // tasks created so far
	pinEver  bool // some task has held a CPU (run atomic)
	nextAdr  uint64
	kmem     int // bytes kmalloc'd and not freed
	// semaphores maps a semaphore's base to it: semaphores have no owner, and reports
	// name the task that last took one.
	semaphores map[*lockBase]*Semaphore
	dep        *lockdep.Graph   // nil when lockdep is off
	depBuf     []lockdep.Held   // scratch for the held-locks stack passed to lockdep
	depInfo    lockdep.TaskInfo // scratch for the task passed to lockdep
	irqs       []*IRQLine       // registered interrupt lines
	handlers   []*Task          // irq contexts that have run (handlers, with their softirqs)
	softirqs   []*Tasklet       // scheduled tasklets, in order
}

// A Kernel, and the primitives defined on it, live as long as their execution and
// until the exploration's next execution starts: that one recycles their storage. The kernel of an exploration's last execution
// stays valid after Explore returns. To keep something of every execution (its dmesg),
// take it in an OnEnd function of the execution.

// New creates the kernel of one execution, with a lock validator of its own. To let
// lockdep learn across the executions of an exploration, use Program, or NewShared
// with one graph for all of them.
func New(e *sched.Execution, cfg Config) *Kernel { return NewShared(e, cfg, lockdep.NewGraph()) }

// NewShared creates the kernel of one execution whose lockdep uses g, a dependency
// graph kept across the executions of one exploration: lockdep then predicts cycles
// from dependencies that different executions recorded.
func NewShared(e *sched.Execution, cfg Config, g *lockdep.Graph) *Kernel {
	if cfg.CPUs <= 0 {
		cfg.CPUs = 2
	}
	cfg.CPUs = min(cfg.CPUs, sched.MaxThreads) // CPU sets are 64-bit masks, like thread sets
	if cfg.Release == "" {
		cfg.Release = defaultRelease
	}
	// A kernel and its first tasks are one 4 KiB struct: allocating it for each of a
	// million executions would keep the garbage collector busy. The previous execution
	// of the exploration hands its kernel on (at its end, when nothing runs on it).
	k, _ := e.Carry().(*Kernel)
	e.SetCarry(nil) // a second kernel in the same execution gets storage of its own
	if k == nil {
		k = new(Kernel)
		k.onDeadlock = k.deadlock
		k.handOn = func(sched.Outcome) { k.e.SetCarry(k) }
		k.depStack = func() []lockdep.Frame { return k.depCur.depFrames(k.depStackBuf[:0]) }
	}
	k.kstate = kstate{e: e, cfg: cfg, nextPID: 2, nextAdr: 0xffffffffc0002000,
		log: k.log[:0]} // Dmesg copies, so the buffer can be reused
	k.slabs.reset()
	k.tasks = k.taskPtrs[:0]
	k.chunk = k.firstTask[:0]
	if !cfg.NoLockdep {
		k.dep = g
	}
	e.OnDeadlock(k.onDeadlock)
	e.OnEnd(k.handOn)
	return k
}

// Program turns a kernel setup function into a program for sched.Explore. setup runs
// once per execution on a fresh kernel; it defines locks and starts tasks.
func Program(cfg Config, setup func(k *Kernel)) sched.Program {
	g := lockdep.NewGraph() // one per exploration: lockdep learns across executions
	return func(e *sched.Execution) { setup(NewShared(e, cfg, g)) }
}

// Execution is the sched execution the kernel runs in, valid until that execution ends.
func (k *Kernel) Execution() *sched.Execution { return k.e }

// Config is the kernel's configuration.
func (k *Kernel) Config() Config { return k.cfg }

// Tasks lists the kernel's tasks in creation order.
func (k *Kernel) Tasks() []*Task { return k.tasks }

// LogBufLen is the size of the kernel's log buffer, log_buf_len: 1 << CONFIG_LOG_BUF_SHIFT,
// 17 in Debian's kernel config. The buffer is a ring: once it is full, each new record
// overwrites the oldest, so dmesg shows the last 128 KiB of messages.
const LogBufLen = 1 << 17

// Dmesg is the kernel log of this execution so far, with virtual timestamps: its last
// LogBufLen bytes, whole lines, as the kernel's ring buffer keeps them. When earlier
// lines were dropped, a first line starting with "ksim:" says how many.
func (k *Kernel) Dmesg() string {
	if len(k.log) > LogBufLen {
		k.trimLog()
	}
	if k.logLost == 0 {
		return string(k.log)
	}
	return fmt.Sprintf("ksim: %d earlier lines dropped: the kernel's log buffer keeps the last %d KiB (log_buf_len, CONFIG_LOG_BUF_SHIFT=17)\n",
		k.logLost, LogBufLen>>10) + string(k.log)
}

// trimLog drops lines from the start of the log until it fits in LogBufLen bytes.
// printk lets the log grow to twice that before trimming, so that the copy is paid
// once per LogBufLen bytes logged, not once per line.
func (k *Kernel) trimLog() {
	// At least cut bytes go, up to the end of a line: there is one, as every line
	// ends in a newline.
	cut := len(k.log) - LogBufLen
	end := cut + bytes.IndexByte(k.log[cut-1:], '\n')
	k.logLost += bytes.Count(k.log[:end], []byte{'\n'})
	k.log = k.log[:copy(k.log, k.log[end:])]
}

// KernelThread starts a task running fn, from setup (the module loader's context).
// Inside a task use Task.KthreadRun.
func (k *Kernel) KernelThread(comm string, fn func(t *Task)) *Task {
	t := k.newTask(comm, 1)
	t.body = fn
	t.th = k.e.Spawn(t.Comm, runTask)
	t.th.SetValue(t)
	t.th.SetWhere(cpuNames[t.cpu])
	return t
}

func (k *Kernel) newTask(comm string, ppid int) *Task {
	t := k.newTaskPID(comm, ppid, k.nextPID)
	k.nextPID++
	return t
}

// newTaskPID creates a task with the given pid. Its name is cut to the kernel's 15
// bytes here, for every way of starting a task, and the caller names the task's
// thread t.Comm: reports and the trace then agree.
func (k *Kernel) newTaskPID(comm string, ppid, pid int) *Task {
	if len(comm) > taskCommLen {
		comm = comm[:taskCommLen]
	}
	if len(k.chunk) == cap(k.chunk) {
		// Tasks come in chunks: one allocation per execution, not one per task.
		k.chunk = make([]Task, 0, 8)
	}
	k.chunk = k.chunk[:len(k.chunk)+1]
	t := &k.chunk[len(k.chunk)-1]
	*t = Task{k: k, Comm: comm, PID: pid, PPID: ppid, state: Running} // whole: the slot may be recycled
	t.cpu = len(k.tasks) % k.cfg.CPUs
	t.gate.t = t
	t.held = t.heldBuf[:0]
	k.tasks = append(k.tasks, t)
	k.created++
	if k.live() > k.cfg.CPUs {
		k.gated = true // from here on a task needs a CPU to run
	}
	k.checkCoupling()
	return t
}

// checkCoupling asks for a full search once CPUs can run out: a task that holds its
// CPU (atomic) then disables every task waiting for one, whatever objects they touch,
// and DPOR's independence no longer holds. Tasks that never run atomic can always be
// preempted, so without one the number of CPUs constrains nothing. Both conditions
// depend on which steps an execution has, not on their order, so DPOR is sure to meet
// an execution that shows them before it could miss anything.
func (k *Kernel) checkCoupling() {
	if k.pinEver && k.created > k.cfg.CPUs {
		k.e.RequireFullSearch(fmt.Sprintf("%d tasks on %d CPU(s), and a task runs with preemption or irqs disabled: running needs a CPU", k.created, k.cfg.CPUs))
	}
}

func (k *Kernel) live() int {
	n := 0
	for _, t := range k.tasks {
		if !t.exited {
			n++
		}
	}
	return n
}

// addr hands out stable, kernel-looking addresses for report lines.
func (k *Kernel) addr() uint64 {
	a := k.nextAdr
	k.nextAdr += 0x40
	return a
}

// timestamp is the virtual time of the current step: boot finished at 5 s, and each
// step takes a millisecond. Deterministic, so dmesg is the same on every replay.
func (k *Kernel) timestamp(extra float64) string {
	s := 5.0 + float64(k.e.Step())*0.001 + extra
	return fmt.Sprintf("[%5d.%06d] ", int64(s), int64((s-float64(int64(s)))*1e6+0.5)%1000000)
}

// printk appends lines to dmesg, each with the current timestamp.
func (k *Kernel) printk(text string) { k.printkAt(0, text) }

func (k *Kernel) printkAt(extra float64, text string) {
	ts := k.timestamp(extra)
	for line := range strings.SplitSeq(strings.TrimRight(text, "\n"), "\n") {
		k.log = append(append(append(k.log, ts...), line...), '\n')
	}
	if len(k.log) > 2*LogBufLen { // a bounded log, however long the execution
		k.trimLog()
	}
}

// Taint flags, in the kernel's order of print_tainted().
const taintFlags = "GFSRMBUDAWCIOELKXTN"

const (
	taintDie      = 7  // D: an oops happened
	taintWarn     = 9  // W: a warning
	taintSoftLock = 14 // L: a soft lockup
)

func (k *Kernel) addTaint(bit int) { k.taint |= 1 << bit }

// tainted is the header's "Not tainted" or "Tainted: G        W".
func (k *Kernel) tainted() string {
	if k.taint == 0 {
		return "Not tainted"
	}
	b := []byte{'G'}
	for i := 1; i < len(taintFlags); i++ {
		if k.taint&(1<<i) != 0 {
			b = append(b, taintFlags[i])
		} else {
			b = append(b, ' ')
		}
	}
	return "Tainted: " + strings.TrimRight(string(b), " ")
}

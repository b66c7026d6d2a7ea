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
	// LoopBound bounds the iterations of a loop that waits without end (`while
	// (!kthread_should_stop()) { ...; msleep(10); }`: each iteration sleeps, changes
	// shared state, keeps its locals and awaits no wakeup; see boundGuard): past it
	// the loop goes round only once nothing else can run, and the exploration is
	// not complete if that cut anything. 0: DefaultLoopBound.
	LoopBound int
	// ArmBound bounds how many times one work item may be queued, or one timer
	// armed, in one execution: a work or timer that re-arms itself would make the
	// search infinite. Past it the exploration is not complete. 0: DefaultArmBound.
	ArmBound int
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
	user    userState // user processes and device files (userproc.go)
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
	// taintStr and taintVerbose are print_tainted() and print_tainted_verbose() of a
	// non-zero taint, made when it changes: lockdep is told on every acquisition.
	taintStr, taintVerbose string
	// locksOff is debug_locks == 0 (lib/debug_locks.c): lock debugging turned itself
	// off at the first lockdep report, spin_bug or DEBUG_LOCKS_WARN_ON, or at a taint
	// that makes it unreliable (an oops, KASAN). One execution is one boot, so it
	// starts on in every execution; lockdep's graph lives on across them. locksOffBy
	// is the thread whose report turned it off (see silenced).
	locksOff   bool
	locksOffBy reportedBy
	// debugObj is the object of the report-once state (debug_locks, KASAN's
	// first report) for the steps that meet it (reportStep).
	debugObj sched.ObjID
	// reschedObj is __might_resched's prev_jiffy, for the steps of its reports.
	reschedObj sched.ObjID
	// mightReschedAt is __might_resched's prev_jiffy: the jiffies of its last report
	// (0: none yet); it reports at most once per HZ jiffies.
	mightReschedAt uint64
	// skipped is the jiffies added when deadlines were let pass (timeSkip).
	skipped    uint64
	kasanBy    reportedBy // KASAN_BIT_REPORTED, by whom: KASAN reports once per boot (no kasan_multi_shot)
	dieCounter int        // __die_header's die_counter: the [#N] of the oops header
	warnedOnce []onceSite // WARN_ON_ONCE sites that have fired
	pinned     int        // tasks holding a CPU: atomic and not asleep
	gated      bool       // more tasks than CPUs: running needs a CPU
	created    int        // tasks created so far
	pinEver    bool       // some task has held a CPU (run atomic)
	nextAdr    uint64
	mem        addrSpace // every object a pointer can point at (addrspace.go)
	kmem       int       // bytes kmalloc'd and not freed
	// semaphores maps a semaphore's base to it: semaphores have no owner, and reports
	// name the task that last took one.
	semaphores map[*lockBase]*Semaphore
	dep        *lockdep.Graph   // nil when lockdep is off
	depBuf     []lockdep.Held   // scratch for the held-locks stack passed to lockdep
	depInfo    lockdep.TaskInfo // scratch for the task passed to lockdep
	irqs       []*IRQLine       // registered interrupt lines
	handlers   []*Task          // irq contexts that have run (handlers, with their softirqs)
	softirqs   []*Tasklet       // scheduled tasklets, in order
	memx       memState         // the memory model's and printk's own state (mem_*.go)
	modObj     sched.ObjID      // the module's being loaded, for the unload race (module.go)
	modGone    bool             // module_exit has returned and the module is freed
	modName    string           // the unloaded module's name
	tmem       taskMem          // the kernel API's per-boot state: task_structs, WARN_ONCE sites, irq depths (task_mem.go)
	rcu        rcuState         // RCU: grace periods, callbacks (rcu.go)
	wt         waitState        // wait queues and their entries (waitqueue.go)
	wq         wqState          // workqueues and timers (workqueue.go, timer.go)
	irq        irqState         // GPIO lines (gpio.go)
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
	k.debugObj = e.NewObject("debug_locks")
	k.reschedObj = e.NewObject("prev_jiffy")
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

// Virtual time. An execution starts when boot has finished, 5 s after power-on, and
// each step takes one millisecond: dmesg's timestamps say so, and the same input
// prints the same bytes. The modelled kernel counts time in jiffies at HZ=250 (the
// CONFIG_HZ of Debian's 6.12 kernels), starting, as the kernel's do, at
// INITIAL_JIFFIES, five minutes before the 32-bit counter wraps
// (include/linux/jiffies.h), so that rate limits such as __might_resched's "once
// per HZ" mean one second of this clock.
const (
	HZ             = 250
	InitialJiffies = 1<<32 - 300*HZ // INITIAL_JIFFIES, (unsigned long)(unsigned int)(-300*HZ): 4294892296
	bootMillis     = 5000           // the first step's time since boot, in ms
)

// Jiffies is the value of jiffies at the current step: INITIAL_JIFFIES, plus the
// boot's 5 s, plus a millisecond a step, at HZ ticks a second.
func (k *Kernel) Jiffies() uint64 {
	return InitialJiffies + uint64(bootMillis+k.e.Step())*HZ/1000 + k.skipped
}

// MaxJiffyOffset is MAX_JIFFY_OFFSET, what msecs_to_jiffies gives a negative time.
const MaxJiffyOffset = (1<<63-1)>>1 - 1

// timeSkip is how far time jumps when a loop waiting for a deadline lets it pass
// (see await.go): an hour, past any deadline a driver polls for.
const timeSkip = 3600 * HZ

// timestamp is the virtual time of the current step (see Jiffies), plus extra
// seconds. Deterministic, so dmesg is the same on every replay.
func (k *Kernel) timestamp(extra float64) string {
	s := float64(bootMillis)/1000 + float64(k.e.Step())*0.001 + extra
	return fmt.Sprintf("[%5d.%06d] ", int64(s), int64((s-float64(int64(s)))*1e6+0.5)%1000000)
}

// printk appends lines to dmesg, each with the current timestamp.
func (k *Kernel) printk(text string) { k.printkAt(0, text) }

func (k *Kernel) printkAt(extra float64, text string) {
	ts := k.timestamp(extra)
	text = strings.TrimRight(text, "\n")
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			k.log = append(append(append(k.log, ts...), text...), '\n')
			break
		}
		k.log = append(append(k.log, ts...), text[:i+1]...)
		text = text[i+1:]
	}
	if len(k.log) > 2*LogBufLen { // a bounded log, however long the execution
		k.trimLog()
	}
}

// The taint flags of kernel/panic.c (taint_flags[]), in its order: the letter
// print_tainted() prints when the flag is set, and the name print_tainted_verbose()
// prints ("[W]=WARN"). The first flag prints 'G' when clear.
var taintFlags = [...]struct {
	c    byte
	desc string
}{
	{'P', "PROPRIETARY_MODULE"}, {'F', "FORCED_MODULE"}, {'S', "CPU_OUT_OF_SPEC"},
	{'R', "FORCED_RMMOD"}, {'M', "MACHINE_CHECK"}, {'B', "BAD_PAGE"}, {'U', "USER"},
	{'D', "DIE"}, {'A', "OVERRIDDEN_ACPI_TABLE"}, {'W', "WARN"}, {'C', "CRAP"},
	{'I', "FIRMWARE_WORKAROUND"}, {'O', "OOT_MODULE"}, {'E', "UNSIGNED_MODULE"},
	{'L', "SOFTLOCKUP"}, {'K', "LIVEPATCH"}, {'X', "AUX"}, {'T', "RANDSTRUCT"},
	{'N', "TEST"},
}

// The taints the model adds, by their bit (TAINT_* in include/linux/panic.h).
const (
	taintBadPage  = 5  // B: KASAN's end_report (and bad_page)
	taintDie      = 7  // D: an oops (oops_end)
	taintWarn     = 9  // W: __warn, __might_resched, __schedule_bug
	taintSoftLock = 14 // L: the soft-lockup watchdog, after its report
)

// addTaint is add_taint (kernel/panic.c) with LOCKDEP_STILL_OK: a warning's taint,
// which leaves lock debugging on.
func (t *Task) addTaint(bit int) {
	k := t.k
	if k.taint&(1<<bit) == 0 {
		k.taint |= 1 << bit
		k.taintStr, k.taintVerbose = taintStrings(k.taint)
	}
}

// addTaintUnreliable is add_taint with LOCKDEP_NOW_UNRELIABLE, by t's report at site
// (an oops, KASAN): it turns lock debugging off; if it was still on, add_taint says
// so, and the line ("Disabling lock debugging due to kernel taint\n") is returned for
// the caller to print where the kernel prints it; otherwise "". The caller has
// taken its reportStep.
func (t *Task) addTaintUnreliable(bit int, site string) string {
	t.addTaint(bit)
	if k := t.k; !k.locksOff {
		k.locksOff, k.locksOffBy = true, reportedBy{t.th, site, true}
		return "Disabling lock debugging due to kernel taint\n"
	}
	return ""
}

// tainted is print_tainted(): "Not tainted", or "Tainted: " and one column per flag,
// its letter or a space (the kernel prints all 19 columns, trailing spaces too).
func (k *Kernel) tainted() string {
	if k.taint == 0 {
		return "Not tainted"
	}
	return k.taintStr
}

// taintedVerbose is print_tainted_verbose() for the line a stack dump adds when the
// kernel is tainted ("Tainted: [W]=WARN, [L]=SOFTLOCKUP"), or "" when it is not.
func (k *Kernel) taintedVerbose() string {
	if k.taint == 0 {
		return ""
	}
	return k.taintVerbose
}

// taintStrings is print_tainted_seq, short and verbose, for a non-zero mask.
func taintStrings(mask uint32) (short, verbose string) {
	b := []byte("Tainted: ")
	v := []byte("Tainted: ")
	sep := ""
	for i, f := range taintFlags {
		switch {
		case mask&(1<<i) != 0:
			b = append(b, f.c)
			v = append(append(v, sep...), "["+string(f.c)+"]="+f.desc...)
			sep = ", "
		case i == 0:
			b = append(b, 'G')
		default:
			b = append(b, ' ')
		}
	}
	return string(b), string(v)
}

// debugLocksOff is debug_locks_off() (lib/debug_locks.c) called by t's function fn
// (spin_bug, ...) for its report at site, at a reportStep named fn: it turns lock
// debugging off and reports whether it was on, that is, whether t is the first to
// find a locking bug in this boot and may print its report.
func (t *Task) debugLocksOff(fn, site string) bool {
	k := t.k
	t.reportStep(fn, k.locksOffBy)
	if k.locksOff {
		if !k.locksOffBy.stepped {
			t.silenced(k.locksOffBy, site)
		}
		t.th.Note("lock debugging is off: silent")
		return false
	}
	k.locksOff, k.locksOffBy = true, reportedBy{t.th, site, true}
	t.th.Note("reports, turns lock debugging off")
	return true
}

// graphReportOff is debug_locks_off() for a report of lockdep's graph. Whether the
// graph finds a problem depends on what every task, in this execution and earlier
// ones, has taught it: state no operation names, so the report cannot have a step
// of its own (the threads' steps would change with it, which DPOR cannot follow).
// A report it silences, or that silences another, may be the first of its boot
// in another order of the same steps: silenced asks for a full search then.
func (t *Task) graphReportOff(site string) bool {
	k := t.k
	if k.locksOff {
		t.silenced(k.locksOffBy, site)
		return false
	}
	k.locksOff, k.locksOffBy = true, reportedBy{t.th, site, false}
	return true
}

// reportStep is the step at which t's report meets the boot's report-once state
// before it is printed or silenced: a lockdep report, spin_bug, DEBUG_LOCKS_WARN_ON
// and lockdep_assert_held read debug_locks and the first three turn it off, as an
// oops's and KASAN's taint does; KASAN reports once. Every such step writes one
// object, debug_locks, so two of them in different threads race: an exhaustive
// search runs them in both orders, and each task's report is the first of its boot
// in some execution, as it can be in the kernel. Once the state was settled by t's
// own thread (settledBy), nothing can change it any more: no step.
func (t *Task) reportStep(op string, settledBy reportedBy) {
	if settledBy.th != nil && settledBy.th == t.th {
		return
	}
	t.op(op, t.k.debugObj, sched.Write, nil)
}

// reportedBy is the report that switched a report-once check off: its thread, its
// problem site (sched.Problem.Site), and whether it had a reportStep.
type reportedBy struct {
	th      *sched.Thread
	site    string
	stepped bool
}

// onceSite is a WARN_ON_ONCE that fired: its kernel file:line, and the report.
type onceSite struct {
	file string
	by   reportedBy
}

// fullSearchSilenced is why a report silenced by another thread's needs a full
// search: a report-once check makes the first of two reports print and the second
// not, and which is first may depend on the order of two steps that DPOR takes for
// independent: it would never try the other order, and never show the other
// report. Most such checks have a step of their own instead (reportStep), which
// DPOR sees race; lockdep's graph reports and WARN_ON_ONCE do not.
const fullSearchSilenced = "a report was silenced by another task's earlier one (lock debugging turned off, WARN_ON_ONCE): the order of independent steps decides which one a kernel prints"

// silenced is called when t does not print its report at site because an earlier
// report of this boot, by, switched its check off. When that was another thread's
// report of another problem, the two steps may be independent, and an exhaustive
// exploration must try both orders to show both problems: it asks for a full
// search. (The same problem found by another thread is the same problem either way.)
func (t *Task) silenced(by reportedBy, site string) {
	if by.th != nil && by.th != t.th && by.site != site {
		t.k.e.RequireFullSearch(fullSearchSilenced)
	}
}

// DebugLocks is the kernel's debug_locks: lock debugging is on until its first
// report (lockdep, spin_bug, DEBUG_LOCKS_WARN_ON) or an oops or KASAN report.
func (k *Kernel) DebugLocks() bool { return !k.locksOff }

// lockdepOn says whether lockdep runs: configured (not NoLockdep) and not turned off.
func (k *Kernel) lockdepOn() bool { return k.dep != nil && !k.locksOff }

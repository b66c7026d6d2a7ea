package ksync

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ksim-dev/ksim/ksync/lockdep"
)

// This file connects the kernel model to the lock validator (package lockdep). As in
// the kernel, lockdep sees every acquisition of a mutex, spinlock, rwlock or
// rw_semaphore before the task can block on it, and never sees semaphores or
// completions.

// SetClass names the lock's lockdep class: the variable for a statically defined lock
// (the default); for one initialised at run time, one name per init call site, as the
// kernel has one lock_class_key per site: the init expression ("&forks[i]"), so every
// lock initialised at that site shares one class, and "m#2" for a second site whose
// expression reads the same. The name is the class's key: two sites need two names.
func (l *lockBase) SetClass(key string) { l.class, l.depID, l.depG = key, 0, nil }

func (l *lockBase) classKey() string {
	if l.class != "" {
		return l.class
	}
	return l.name
}

func (l *lockBase) depKind() lockdep.Kind {
	switch l.kind {
	case kindSpinlock:
		return lockdep.Spin
	case kindRWLock:
		return lockdep.RWLock
	case kindRWSem:
		return lockdep.RWSem
	case kindLockMap:
		return lockdep.LockMap // workqueue.go
	}
	return lockdep.Mutex
}

// depTask describes the task to lockdep: who, where, in which context. The result is
// the kernel's scratch (lockdep copies what it keeps), valid until the next call.
func (t *Task) depTask() *lockdep.TaskInfo {
	k := t.k
	info := &k.depInfo
	// Field by field: the struct is the kernel's scratch.
	info.Comm, info.PID, info.CPU = t.Comm, t.PID, t.cpu
	info.Release, info.Tainted, info.TaintedVerbose = k.cfg.Release, k.tainted(), k.taintedVerbose()
	info.IRQTrace = t.current().irqtrace
	info.IRQ = lockdep.IRQContext{InHardirq: t.hardirq, InSoftirq: t.inSoftirq(),
		HardirqsOff: t.irqsOff, SoftirqsOff: t.preempt&0xff00 != 0,
		HardirqCount: (t.preempt >> 16) & 0xf, SoftirqCount: (t.preempt & 0xff00) >> 8}
	// The stack is computed only if lockdep asks (a report, a first-seen dependency):
	// the interpreter builds it afresh on each call.
	info.Stack, info.StackFunc = nil, k.depStack
	k.depCur = t
	// An interrupt context prints its frames on the irq stack, above the task it
	// interrupted; ksoftirqd prints its own base frames. Converting t costs nothing.
	info.OnIRQStack, info.BelowHeld, info.Below = t.onIRQStack(), nil, nil
	if info.OnIRQStack || t.softirqd {
		info.Below = (*depBelow)(t)
	}
	return info
}

// inSoftirq is lockdep's current->softirq_context: serving softirqs, or in a hardirq
// handler that interrupted a context serving them (the counter is the interrupted
// task's, and a hardirq leaves it set): a lock the handler takes is then used in
// softirq context too (IN-SOFTIRQ), and reports print SC1.
func (t *Task) inSoftirq() bool {
	if t.below == nil { // inlined: the usual case, on every acquisition
		return t.softirq
	}
	for x := t; x != nil; x = x.below {
		if x.softirq {
			return true
		}
	}
	return false
}

// depCurrent is what lockdep's checks get: depTask, with the locks of the contexts
// t runs on top of in BelowHeld (in the kernel, current->held_locks hold the
// interrupted task's locks below an interrupt context's own, and reports list them
// all), and t's own held locks, those of the current irq context. Both slices are
// the kernel's scratch buffer; nothing is allocated for a context that interrupted
// nothing.
func (t *Task) depCurrent() (*lockdep.TaskInfo, []lockdep.Held) {
	info := t.depTask()
	if t.below == nil {
		return info, t.depHeld()
	}
	buf := t.below.appendDepHeldAll(t.k.depBuf[:0])
	n := len(buf)
	buf = t.appendDepHeld(buf)
	t.k.depBuf = buf
	info.BelowHeld = buf[:n:n]
	return info, buf[n:]
}

// appendDepHeldAll appends the tracked locks of t and the contexts below it, oldest
// first, to buf.
func (t *Task) appendDepHeldAll(buf []lockdep.Held) []lockdep.Held {
	if t.below != nil {
		buf = t.below.appendDepHeldAll(buf)
	}
	return t.appendDepHeld(buf)
}

// depBelow is a context as lockdep.Below: the frames under its own.
type depBelow Task

// BelowFrames is lockdep.Below, computed for a report only: the frames of the
// interrupt contexts below t on the irq stack, then those of the task stack, as
// callTrace prints them.
func (d *depBelow) BelowFrames() (irq, task []lockdep.Frame, idle bool) {
	t := (*Task)(d)
	base := t
	if t.onIRQStack() {
		for base = t.below; base != nil && base.onIRQStack(); base = base.below {
			irq = base.appendFrames(irq)
		}
		if base == nil {
			return irq, nil, true // an interrupt on an idle CPU
		}
		task = base.appendFrames(nil)
	}
	if base.softirqd {
		// ksoftirqd's own frames are the outermost, printed after the tasklet's.
		outer := make([]lockdep.Frame, 0, len(ksoftirqdFrames)+len(task))
		for i := len(ksoftirqdFrames) - 1; i >= 0; i-- {
			outer = append(outer, lockdep.Frame{Func: ksoftirqdFrames[i]})
		}
		task = append(outer, task...)
	}
	return irq, task, false
}

// depFrames appends the task's stack, innermost last, to buf.
func (t *Task) depFrames(buf []lockdep.Frame) []lockdep.Frame {
	buf = t.appendFrames(buf)
	t.k.depStackBuf = buf
	return buf
}

// appendFrames appends the context's own stack, innermost last, to buf, as
// writeFrames prints it.
func (t *Task) appendFrames(buf []lockdep.Frame) []lockdep.Frame {
	n := len(buf)
	for _, f := range t.frames() {
		buf = append(buf, lockdep.Frame{Func: f.Func, File: f.File, Line: f.Line})
	}
	if len(buf) == n && t.pos != "" {
		file, line, _ := strings.Cut(t.pos, ":")
		ln, _ := strconv.Atoi(line)
		buf = append(buf, lockdep.Frame{Func: t.Comm, File: file, Line: ln})
	}
	return buf
}

// depHeld is the task's held-lock stack as lockdep sees it (tracked locks only).
// The slice is the kernel's scratch buffer, shared by its tasks: lockdep does not keep it.
func (t *Task) depHeld() []lockdep.Held {
	buf := t.appendDepHeld(t.k.depBuf[:0])
	t.k.depBuf = buf
	return buf
}

// appendDepHeld appends the context's own tracked locks, oldest first, to buf.
func (t *Task) appendDepHeld(buf []lockdep.Held) []lockdep.Held {
	for _, h := range t.held {
		if h.l.tracked() {
			buf = append(buf, h.dh)
		}
	}
	return buf
}

func (h heldLock) dep() lockdep.Held {
	c := lockdep.Class{Key: h.l.classKey(), Subclass: h.subclass, Kind: h.l.depKind()}
	var id int32
	if g := h.l.k.dep; g != nil && h.subclass == 0 {
		if h.l.depG != g {
			h.l.depID, h.l.depG = g.ClassID(c), g
		}
		id = h.l.depID
	}
	return lockdep.Held{Class: c, ID: id, Addr: h.l.addr, At: h.at, Read: h.read, Recursive: h.recursive, Trylock: h.trylock}
}

// validate is lockdep's lock_acquire for l, about to be taken: it runs before the task
// can block, so that a real ABBA still gets its report before it hangs.
func (t *Task) validate(l *lockBase, subclass int, read, trylock bool) {
	if t.k.dep == nil {
		return
	}
	// Once debug_locks is off the kernel's lock_acquire does nothing. ksim's graph,
	// which learns across executions anyway, goes on learning; only the reports
	// stop (lockdepReport), and one that is silenced tells whether another order
	// of the steps would have printed it.
	if t.checkWaitContext(l, subclass, trylock) {
		return
	}
	next := heldLock{l: l, at: t.site(), read: read, recursive: t.recursiveRead(l, read), subclass: subclass, trylock: trylock}
	next.dh = next.dep()
	t.validated = next // hold takes it from here if the task gets the lock
	k := t.k
	key, exact := t.acquireKey(&next.dh)
	exact = exact && !noDepMemo
	if exact {
		if k.depMemo.g != k.dep {
			k.depMemo.g, k.depMemo.clean, k.depMemo.reports = k.dep, map[uint64]struct{}{}, nil
		}
		if _, ok := k.depMemo.clean[key]; ok {
			return
		}
	}
	// A report lockdep made before, for an identical acquisition (same chain, same
	// task, stack, sites and irq history) while the graph has not changed since,
	// is the same report: each execution makes it again, lockdep being off until
	// then in every boot, and rendering it each time would cost more than all the
	// other checks together.
	var rkey string
	cacheable := exact && t.below == nil && !t.softirqd
	if cacheable {
		k.depMemo.buf = t.reportKey(k.depMemo.buf[:0], key, &next.dh)
		if c, ok := k.depMemo.reports[string(k.depMemo.buf)]; ok && c.version == k.dep.Version() {
			r := *c.r
			r.Repeat = true
			t.lockdepReport(&r)
			return
		}
		rkey = string(k.depMemo.buf)
	}
	info, held := t.depCurrent()
	if r := k.dep.Acquire(info, held, next.dh); r != nil {
		if cacheable {
			if k.depMemo.reports == nil {
				k.depMemo.reports = map[string]cachedReport{}
			}
			k.depMemo.reports[rkey] = cachedReport{r, k.dep.Version()}
		}
		t.lockdepReport(r)
	}
	if exact && k.dep.Settled() {
		k.depMemo.clean[key] = struct{}{}
	}
}

// recursiveRead is what rwlock_acquire_read (include/linux/lockdep.h) asks of
// read_lock_is_recursive() (kernel/locking/lockdep.c) to pick the held_lock.read
// lockdep records: 2, a recursive reader, or 1. On a kernel with
// CONFIG_QUEUED_RWLOCKS, x86's, a read_lock is recursive only in_interrupt(), the
// one case where queued_read_lock_slowpath does not queue behind a waiting writer.
// A down_read never is: rwsem_acquire_read is lock_acquire_shared (read = 1).
func (t *Task) recursiveRead(l *lockBase, read bool) bool {
	return read && l.kind == kindRWLock && t.irqCount() != 0
}

// cachedReport is a report of lockdep's and the graph's version right after it.
type cachedReport struct {
	r       *lockdep.Report
	version uint64
}

// reportKey appends to buf what a lockdep report of the acquisition of next prints
// besides the graph, given the chain key: the task, its stack and irq history, the
// taint, and the held locks' and next's sites and addresses.
func (t *Task) reportKey(buf []byte, key uint64, next *lockdep.Held) []byte {
	k := t.k
	buf = strconv.AppendUint(buf, key, 16)
	buf = append(append(buf, 0), t.Comm...)
	buf = strconv.AppendInt(append(buf, 0), int64(t.PID), 10)
	buf = strconv.AppendInt(append(buf, 0), int64(t.cpu), 10)
	buf = strconv.AppendUint(append(buf, 0), uint64(k.taint), 16)
	buf = strconv.AppendInt(append(buf, 0), int64(t.preempt), 16)
	buf = append(append(buf, 0), k.cfg.Release...)
	tr := &t.current().irqtrace
	buf = strconv.AppendUint(append(buf, 0), uint64(tr.Events), 10)
	for _, e := range [...]lockdep.IRQEvent{tr.HardirqEnable, tr.HardirqDisable, tr.SoftirqEnable, tr.SoftirqDisable} {
		buf = strconv.AppendUint(append(buf, 0), uint64(e.Event), 10)
		buf = append(append(buf, 0), e.At...)
	}
	for _, f := range t.frames() {
		buf = append(append(append(buf, 0), f.Func...), 0)
		buf = append(append(buf, f.File...), 0)
		buf = strconv.AppendInt(buf, int64(f.Line), 10)
	}
	buf = append(append(buf, 0), t.pos...)
	for i := range t.held {
		if h := &t.held[i]; h.l.tracked() {
			buf = append(append(buf, 0), h.dh.At...)
			buf = strconv.AppendUint(append(buf, 0), h.dh.Addr, 16)
		}
	}
	buf = append(append(buf, 0), next.At...)
	return strconv.AppendUint(append(buf, 0), next.Addr, 16)
}

// noDepMemo turns depMemo off: the tests compare lockdep's verdicts with and without it.
var noDepMemo bool

// depMemo remembers the acquisitions lockdep settled (Graph.Settled), exactly as
// acquireKey encodes them. Validating one again changes nothing in the graph: its usage
// bits are all set already and its chain is in the chain cache, so Acquire would return
// nil having done nothing. (Returning nil is not enough: an Acquire that stopped at a
// report it had already made also returns nil, with work left for the next one.) Most acquisitions of an exploration repeat one seen before,
// and this spares them building lockdep's view of the task and its held locks.
type depMemo struct {
	g       *lockdep.Graph // the graph the memo is about
	clean   map[uint64]struct{}
	reports map[string]cachedReport // lockdep's reports, by reportKey
	buf     []byte
}

// acquireKey packs what lockdep's Acquire depends on for a nil result: the task's irq
// context (its usage bits) and the classes, kinds, read modes (write, reader,
// recursive reader) and trylock flags of the held locks and next (its chain), 15 bits
// a lock. It reports false when they do not fit
// (more than three locks held, a class numbered 512 or more, a nested subclass).
func (t *Task) acquireKey(next *lockdep.Held) (uint64, bool) {
	var key uint64
	for _, c := range [...]bool{t.hardirq, t.inSoftirq(), t.irqsOff, t.preempt&0xff00 != 0} {
		key <<= 1
		if c {
			key |= 1
		}
	}
	n := 0
	digit := func(h *lockdep.Held) bool {
		if h.ID <= 0 || h.ID >= 1<<9 || h.Class.Kind > 7 {
			return false
		}
		d := uint64(h.ID)<<6 | uint64(h.Class.Kind)<<3 // at most 511<<6 | 7<<3 | 2<<1 | 1, +1 < 1<<15
		if h.Read {
			d |= 1 << 1
			if h.Recursive {
				d |= 2 << 1
			}
		}
		if h.Trylock {
			d |= 1
		}
		key = key<<15 | (d + 1)
		n++
		return true
	}
	for i := range t.held {
		if h := &t.held[i]; h.l.tracked() && (n == 3 || !digit(&h.dh)) {
			return 0, false
		}
	}
	return key, digit(next)
}

// lockdepReport prints a report of the lock validator. Every one of lockdep's print_*
// functions starts with debug_locks_off_graph_unlock() (kernel/locking/lockdep.c):
// the first report of a boot turns lock debugging off, so it is also the last, and
// none taints the kernel. The graph may have found the problem in an earlier
// execution already (Report.Repeat): in this one, which is another boot, it is
// still this boot's report. An irq-inversion report is the same problem as the
// irq-order report of the same classes and irq.
func (t *Task) lockdepReport(r *lockdep.Report) {
	kind := r.Kind
	if kind == "irq-inversion" {
		kind = "irq-order"
	}
	site := "lockdep " + kind + " " + r.Key
	if t.graphReportOff(site) {
		t.report("warning", site, r.Title, r.Text)
	}
}

// The lockdep wait types (LD_WAIT_*, without CONFIG_PROVE_RAW_LOCK_NESTING, where
// LD_WAIT_CONFIG is LD_WAIT_SPIN): a spinlock_t or rwlock_t is {2:2}, a mutex or
// rw_semaphore {3:3}.
const (
	ldWaitSpin  = 2 // LD_WAIT_SPIN (and LD_WAIT_CONFIG)
	ldWaitSleep = 3 // LD_WAIT_SLEEP
	ldWaitMax   = 4 // LD_WAIT_MAX: process context allows anything
)

// checkWaitContext is lockdep's check_wait_context: a sleeping lock (mutex,
// rw_semaphore) taken where the context cannot sleep is an invalid wait context —
// inside a spinning lock (spinlock, rwlock) taken in the same irq context, or in
// hardirq or softirq context itself (task_wait_context: LD_WAIT_SPIN in a hardirq
// handler, LD_WAIT_CONFIG in a softirq, both 2 here). A trylock is not checked. It
// comes after might_sleep's BUG, and before mark_usage, as in the kernel.
//
// It reports whether it printed the report, which ends the acquisition's checks
// (__lock_acquire returns at it) and lockdep's work in this boot:
// print_lock_invalid_wait_context starts with debug_locks_off().
func (t *Task) checkWaitContext(l *lockBase, subclass int, trylock bool) bool {
	if trylock || l.kind != kindMutex && l.kind != kindRWSem {
		return false
	}
	// task_wait_context. t.hardirq is lockdep_hardirq_context; a hardirq that
	// interrupted a softirq is in hardirq context, and 2 either way.
	ctx := ldWaitMax
	if t.hardirq || t.softirq {
		ctx = ldWaitSpin
	}
	inner := ctx
	for _, h := range t.held { // the current irq context's locks only
		if h.l.kind == kindSpinlock || h.l.kind == kindRWLock {
			inner = ldWaitSpin // no lock kind here is stricter
			break
		}
	}
	if next := ldWaitSleep; next <= inner { // the sleeping lock's outer wait type
		return false
	}
	site := "lockdep invalid wait context " + l.classKey() + " at " + t.where()
	if !t.debugLocksOff("print_lock_invalid_wait_context", site) {
		return false // silenced: the acquisition goes on to the graph
	}
	title := "[ BUG: Invalid wait context ]"
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n%s %s\n%s\n", strings.Repeat("=", 29), title, t.k.cfg.Release, t.k.tainted(), strings.Repeat("-", 29))
	fmt.Fprintf(&b, "%s/%d is trying to lock:\n", t.Comm, t.PID)
	// print_lock: the class's usage is what it is before this acquisition marks its
	// own bits (check_wait_context runs first): "{....}" for a class never taken.
	c := lockdep.Class{Key: l.classKey(), Subclass: subclass, Kind: l.depKind()}
	fmt.Fprintf(&b, "%016x (%s){%s}-%s, at: %s\n", l.addr, c.Name(), t.k.dep.Usage(c), l.waitTypes(), t.site())
	// print_lock_invalid_wait_context prints task_wait_context, not the inner
	// type that failed: {4:4} in process context with a spinlock held.
	fmt.Fprintf(&b, "other info that might help us debug this:\ncontext-{%d:%d}\n", ctx, ctx)
	b.WriteString(t.k.dep.HeldLocks(t.depCurrent())) // with the interrupted task's locks
	b.WriteString("stack backtrace:\n")
	b.WriteString(t.header())
	b.WriteString(t.callTrace("dump_stack_lvl", "__lock_acquire", "lock_acquire"))
	t.report("warning", site, title, b.String())
	return true
}

// irqsOn tells lockdep that irqs or bottom halves are back on with locks held: they
// become irq-unsafe ("safe-A + irqs-on": a lock taken with irqs off, which are
// then re-enabled while it is held).
func (t *Task) irqsOn() {
	if t.k.dep == nil || len(t.held) == 0 {
		return
	}
	info, held := t.depCurrent()
	if r := t.k.dep.IRQsOn(info, held); r != nil {
		t.lockdepReport(r)
	}
}

// reinit is what lockdep checks when a lock is initialised: re-initialising one that
// the task holds is the kernel's "held lock freed!" (its self-test "initialize held").
// The lock is free afterwards, as the init makes it, and no longer held.
func (t *Task) reinit(l *lockBase) {
	for i, h := range t.held {
		if h.l != l {
			continue
		}
		if t.k.dep != nil {
			info, held := t.depCurrent()
			if r := t.k.dep.HeldLockFreed(info, held, h.dep(), l.addr, 0x40); r != nil {
				t.lockdepReport(r)
			}
		}
		t.held = append(t.held[:i], t.held[i+1:]...)
		return
	}
}

// exitChecks is what do_exit checks of a task's locks: lockdep's "still has locks held!".
func (t *Task) exitChecks() {
	if t.k.dep == nil || !t.tracksAny() {
		return
	}
	info, held := t.depCurrent()
	if r := t.k.dep.ExitWithLocks(info, held); r != nil {
		t.lockdepReport(r)
	}
}

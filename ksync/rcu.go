package ksync

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// RCU (kernel/rcu/tree.c, tree_plugin.h, update.c; include/linux/rcupdate.h), as
// Debian's 6.12 builds it: CONFIG_PREEMPT_RCU (PREEMPT_DYNAMIC), so rcu_read_lock
// only counts current->rcu_read_lock_nesting and tells lockdep (rcu_lock_map, a
// check=0 acquisition: listed among the held locks, never validated).
//
// A grace period waits for every read-side section that had begun when it started:
// synchronize_rcu and call_rcu take a snapshot of the readers (each task's section
// number while it is inside one), and the grace period is over once each of them
// has left that section. Every rcu_read_lock/unlock is a step that reads the RCU
// object; the snapshot and the wait for the grace period write it: the readers'
// steps commute with one another, and DPOR sees each race with a grace period.
//
// ksim: only rcu_read_lock / rcu_read_lock_bh sections are readers. 6.12's
// consolidated RCU also waits for every region with preemption, bottom halves or
// irqs disabled; ksim does not count those (a grace period may end earlier than
// it can in the kernel: a use-after-free ksim reports there needs such a region
// to be a bug; it never hides one).

// rcuLockAddr is rcu_lock_map's address in the held-lock listings, the same as the
// one khungtaskd's listing prints (report.go).
const (
	rcuLockAddr   = 0xffffffff82b3c9e0
	rcuBHLockAddr = 0xffffffff82b3ca20
)

// rcuState is the kernel's RCU state for one execution, and that of the other
// primitives of this family that need some (static keys, bit waits).
type rcuState struct {
	obj sched.ObjID // the grace-period state: readers read it, grace periods write it
	cbs []*rcuCallback
	// warned are the RCU_LOCKDEP_WARN sites that have fired (a static __warned
	// per expansion): each reports once per boot.
	warned []onceSite
	keys   staticKeys // static keys' kernel locks (statickey.go)
	// wait_on_bit's queue (bitwait.go)
	bitObj     sched.ObjID
	bitWaiters []*bitWaiter
	percpu     map[perCPUKey]*Buffer // per-CPU variables' copies (statickey.go)
}

// rcuTask is a task's RCU read-side state.
type rcuTask struct {
	depth int    // current->rcu_read_lock_nesting (rcu_read_lock)
	bh    int    // rcu_read_lock_bh nesting
	seq   uint32 // numbers the task's outermost sections: a grace period waits for one
	held  []rcuHeld
}

// rcuHeld is an rcu_read_lock(_bh) among the task's held locks, for lockdep's
// listings: where it was taken, and the tracked locks held before it (its place
// in the held-locks stack).
type rcuHeld struct {
	name   string // "rcu_read_lock", "rcu_read_lock_bh"
	addr   uint64
	at     string // func+0xoff/0xsize, for lockdep's listing
	pos    string // the source position, for ksim's notes
	before []*lockBase
}

// rcuReader is one entry of a grace period's snapshot: a task inside its section seq.
type rcuReader struct {
	t   *Task
	seq uint32
}

// rcuCallback is a call_rcu (or kfree_rcu) waiting for its grace period.
type rcuCallback struct {
	gp rcuGP
	th *sched.Thread // the context that runs it
}

// rcuGP is a grace period: the readers it waits for.
type rcuGP struct{ readers []rcuReader }

// Enabled reports whether the grace period is over: every reader of the snapshot
// has left the section it was in.
func (g *rcuGP) Enabled(*sched.Op) bool {
	for _, r := range g.readers {
		if r.t.rcu.inside() && r.t.rcu.seq == r.seq {
			return false
		}
	}
	return true
}

func (r *rcuTask) inside() bool { return r.depth > 0 || r.bh > 0 }

func (k *Kernel) rcuObject() sched.ObjID {
	if k.rcu.obj == 0 {
		k.rcu.obj = k.e.NewObject("rcu")
	}
	return k.rcu.obj
}

// rcuSnapshot is the grace period that starts now: every task inside a read-side
// section (the caller too: synchronize_rcu inside one waits for itself). A task
// that exits inside its section keeps the grace period from ending, as a reader
// that never leaves does.
func (k *Kernel) rcuSnapshot() rcuGP {
	var g rcuGP
	for _, ts := range [...][]*Task{k.tasks, k.handlers} {
		for _, x := range ts {
			if x.rcu.inside() && !x.exited {
				g.readers = append(g.readers, rcuReader{x, x.rcu.seq})
			}
		}
	}
	return g
}

// RCUReadLock is rcu_read_lock(): __rcu_read_lock (the nesting count), then
// rcu_lock_acquire(&rcu_lock_map).
func (t *Task) RCUReadLock() {
	t.op("rcu_read_lock", t.k.rcuObject(), sched.Read, nil)
	if !t.rcu.inside() {
		t.rcu.seq++
	}
	t.rcu.depth++
	t.rcuHold("rcu_read_lock", rcuLockAddr)
}

// RCUReadUnlock is rcu_read_unlock(): __rcu_read_unlock, whose CONFIG_PROVE_LOCKING
// check warns once when the nesting goes negative (kernel/rcu/tree_plugin.h:442),
// then rcu_lock_release, lockdep's "bad unlock balance" for an unlock without a lock.
func (t *Task) RCUReadUnlock() {
	t.op("rcu_read_unlock", t.k.rcuObject(), sched.Read, nil)
	t.rcu.depth--
	if t.rcu.depth < 0 {
		t.rcuWarnOnce("kernel/rcu/tree_plugin.h:442", "__rcu_read_unlock+0x5e/0x80", "rcu_read_unlock imbalance at "+t.where())
	}
	t.rcuRelease("rcu_read_lock")
}

// RCUReadLockBH is rcu_read_lock_bh(): local_bh_disable, then
// rcu_lock_acquire(&rcu_bh_lock_map).
func (t *Task) RCUReadLockBH() {
	t.op("rcu_read_lock_bh", t.k.rcuObject(), sched.Read, nil)
	t.bhDisable(softirqDisableOffset)
	if !t.rcu.inside() {
		t.rcu.seq++
	}
	t.rcu.bh++
	t.rcuHold("rcu_read_lock_bh", rcuBHLockAddr)
}

// RCUReadUnlockBH is rcu_read_unlock_bh(): rcu_lock_release, then local_bh_enable
// (pending softirqs run).
func (t *Task) RCUReadUnlockBH() {
	t.op("rcu_read_unlock_bh", t.k.rcuObject(), sched.Read, nil)
	t.rcu.bh--
	t.rcuRelease("rcu_read_lock_bh")
	t.bhEnable(softirqDisableOffset)
	t.bhEnabled()
}

// RCUReadLockHeld is rcu_read_lock_held() (kernel/rcu/update.c): with lockdep on,
// whether rcu_lock_map is held; without (debug_lockdep_rcu_enabled false), 1.
func (t *Task) RCUReadLockHeld() bool {
	if !t.k.lockdepOn() {
		return true
	}
	return t.rcu.depth > 0
}

// rcuHold puts rcu_lock_map (name) on the task's held locks.
func (t *Task) rcuHold(name string, addr uint64) {
	h := rcuHeld{name: name, addr: addr, at: t.site(), pos: t.where()}
	for _, x := range t.held {
		if x.l.tracked() {
			h.before = append(h.before, x.l)
		}
	}
	t.rcu.held = append(t.rcu.held, h)
}

// rcuRelease takes the innermost name off the held locks: lock_release, which finds
// none to release when the task holds none ("bad unlock balance").
func (t *Task) rcuRelease(name string) {
	for i := len(t.rcu.held) - 1; i >= 0; i-- {
		if t.rcu.held[i].name == name {
			t.rcu.held = append(t.rcu.held[:i], t.rcu.held[i+1:]...)
			return
		}
	}
	t.badUnlock(&lockBase{k: t.k, name: name, kind: kindSpinlock})
}

// rcuHeldLocks is lockdep's held-locks listing of the task (lockdep_print_held_locks)
// with its rcu_read_lock entries in their place: listing is the one of its
// tracked locks.
func (t *Task) rcuHeldLocks(listing string) string {
	if len(t.rcu.held) == 0 || listing == "" || strings.HasPrefix(listing, "INFO:") {
		return listing
	}
	lines := strings.SplitAfter(strings.TrimSuffix(listing, "\n"), "\n")
	var entries []string // each without its " #N: "
	for _, l := range lines[1:] {
		if i := strings.Index(l, ": "); i >= 0 && strings.HasPrefix(l, " #") {
			entries = append(entries, strings.TrimSuffix(l[i+2:], "\n")+"\n")
		}
	}
	// The held locks in order, to find each rcu entry's place.
	var tracked []*lockBase
	for _, x := range t.held {
		if x.l.tracked() {
			tracked = append(tracked, x.l)
		}
	}
	below := len(entries) - len(tracked) // an interrupt's listing starts with the locks of the contexts below
	if below < 0 {
		return listing
	}
	out := append([]string(nil), entries[:below]...)
	next := 0
	for _, h := range t.rcu.held {
		n := 0
		for _, l := range tracked {
			for _, b := range h.before {
				if b == l {
					n++
					break
				}
			}
		}
		for ; next < n && next < len(tracked); next++ {
			out = append(out, entries[below+next])
		}
		out = append(out, fmt.Sprintf("%016x (%s){....}-{1:2}, at: %s\n", h.addr, h.name, h.at))
	}
	out = append(out, entries[below+next:]...)
	var b strings.Builder
	s := "s"
	if len(out) == 1 {
		s = ""
	}
	fmt.Fprintf(&b, "%d lock%s held by %s/%d:\n", len(out), s, t.Comm, t.PID)
	for i, e := range out {
		fmt.Fprintf(&b, " #%d: %s", i, e)
	}
	return b.String()
}

// rcuWarnOnce is a WARN_ON_ONCE of the RCU code at file (its rip for the report).
func (t *Task) rcuWarnOnce(file, rip, site string) { t.warnOnce(file, rip, site) }

// rcuLockdepWarn is RCU_LOCKDEP_WARN(c, s) at file:line (include/linux/rcupdate.h):
// when lockdep is on (debug_lockdep_rcu_enabled) and the site has not fired in this
// boot, lockdep_rcu_suspicious's report. It does not turn lock debugging off.
func (t *Task) rcuLockdepWarn(file, msg string, frames ...string) {
	k := t.k
	if !k.lockdepOn() {
		return
	}
	site := "suspicious RCU usage " + file + " at " + t.where()
	for _, o := range k.rcu.warned {
		if o.file == file {
			t.silenced(o.by, site)
			return
		}
	}
	k.rcu.warned = append(k.rcu.warned, onceSite{file, reportedBy{t.th, site, false}})
	// lockdep_rcu_suspicious (kernel/locking/lockdep.c).
	var b strings.Builder
	title := "WARNING: suspicious RCU usage"
	b.WriteString("=============================\n")
	b.WriteString(title + "\n")
	fmt.Fprintf(&b, "%s %s\n", k.cfg.Release, k.tainted())
	b.WriteString("-----------------------------\n")
	fmt.Fprintf(&b, "%s %s!\n", file, msg)
	b.WriteString("\nother info that might help us debug this:\n\n")
	b.WriteString("\nrcu_scheduler_active = 2, debug_locks = 1\n")
	b.WriteString(t.rcuHeldLocks(t.heldLocksAll()))
	b.WriteString("\nstack backtrace:\n")
	b.WriteString(t.header())
	b.WriteString(t.callTrace(append([]string{"dump_stack_lvl", "lockdep_rcu_suspicious"}, frames...)...))
	t.report("warning", site, title, b.String())
}

// rcuGPFrames are the functions synchronize_rcu waits in, innermost first
// (kernel/rcu/tree.c synchronize_rcu_normal -> wait_rcu_gp -> kernel/rcu/update.c
// __wait_rcu_gp -> wait_for_completion_state).
var rcuGPFrames = []string{"__wait_for_common", "wait_for_completion_state", "__wait_rcu_gp", "synchronize_rcu_normal", "synchronize_rcu"}

// SynchronizeRCU is synchronize_rcu() (kernel/rcu/tree.c): inside a read-side
// section, RCU_LOCKDEP_WARN's "Illegal synchronize_rcu() in RCU read-side critical
// section", then __wait_rcu_gp's wait_for_completion, whose might_sleep is the
// sleeping-function BUG with "RCU nest depth: 1"; then it waits for a grace period
// that the task's own section keeps from ending: it hangs.
func (t *Task) SynchronizeRCU() {
	if t.rcu.depth > 0 || t.rcu.bh > 0 {
		t.rcuLockdepWarn("kernel/rcu/tree.c:4113", "Illegal synchronize_rcu() in RCU read-side critical section", "synchronize_rcu")
	}
	t.mightResched("kernel/sched/completion.c:111", rcuGPFrames...)
	t.op("synchronize_rcu", t.k.rcuObject(), sched.Write, nil)
	g := t.k.rcuSnapshot()
	if len(g.readers) == 0 {
		t.th.Note("no reader: the grace period ends at once")
		return
	}
	t.note("waits for %d reader(s)", len(g.readers))
	t.sleep(Uninterruptible, waiting{kind: "rcu", pos: t.pos, prim: "synchronize_rcu"})
	t.op("synchronize_rcu", t.k.rcuObject(), sched.Write, &g)
	t.wake()
	t.th.Note("grace period over")
}

// CallRCU is call_rcu(head, func) (kernel/rcu/tree.c __call_rcu_common): fn runs
// after a grace period, in softirq context (rcu_core, RCU_SOFTIRQ), on a CPU with
// nothing else to do here. module says the function is the module's (its address
// and name: the run checks that the module is still loaded, and names rcu_barrier
// when not); kfree_rcu's free is the kernel's own (module false).
func (t *Task) CallRCU(name string, fn func(c *Task)) {
	t.op("call_rcu", t.k.rcuObject(), sched.Write, nil)
	k := t.k
	cb := &rcuCallback{gp: k.rcuSnapshot()}
	k.rcu.cbs = append(k.rcu.cbs, cb)
	if !k.roomForThread() {
		t.th.Note("no thread left for the callback: it never runs")
		return
	}
	cpu := t.cpu
	c := k.newContext(cpu, nil)
	t.note("%s queued", name)
	cb.th = t.spawnAt("rcu/"+name, func(th *sched.Thread) {
		c.th = th
		th.SetWhere(cpuNames[cpu])
		o := &sched.Op{Name: "rcu_do_batch", Obj: k.rcuObject(), Access: sched.Write, Where: cpuNames[cpu]}
		if len(cb.gp.readers) > 0 {
			o.Guard = &cb.gp // a guard only when there is a reader to wait for: DPOR reduces more without
		}
		if k.gated {
			c.gate.inner, o.Guard = o.Guard, &c.gate
		}
		th.Op(o)
		// handle_softirqs: in softirq context, irqs on.
		c.inIRQ, c.softirq = true, true
		c.traceSoftirqs(true, siteSoftirqEntry)
		c.preempt += softirqOffset
		c.preemptAt = siteHandleSoftirqs
		c.updatePin()
		th.Note("grace period over: " + name + " runs (softirq)")
		fn(c)
		c.preempt -= softirqOffset
		c.traceSoftirqs(false, siteSoftirqExit)
		c.softirq, c.inIRQ = false, false
		c.exited = true
		c.updatePin()
	})
}

// RCUCallbackFrames are the kernel frames below an RCU callback, innermost first,
// for ModuleCode's Oops: rcu_do_batch from RCU_SOFTIRQ at an interrupt's exit.
var RCUCallbackFrames = []string{"rcu_do_batch", "rcu_core", "handle_softirqs", "__irq_exit_rcu", "sysvec_apic_timer_interrupt"}

// RCUBarrier is rcu_barrier() (kernel/rcu/tree.c): it takes barrier_mutex (its
// might_sleep), then waits until every callback queued so far has run.
func (t *Task) RCUBarrier() {
	if t.k.dep != nil {
		t.mightResched("kernel/locking/mutex.c:586", "__mutex_lock", "mutex_lock_nested", "rcu_barrier")
	} else {
		t.mightResched("kernel/locking/mutex.c:283", "mutex_lock", "rcu_barrier")
	}
	t.op("rcu_barrier", t.k.rcuObject(), sched.Read, nil)
	for _, cb := range append([]*rcuCallback(nil), t.k.rcu.cbs...) {
		if cb.th != nil {
			saved := t.wait
			t.wait, t.state = waiting{kind: "rcu_barrier", pos: t.pos, prim: "rcu_barrier"}, Uninterruptible
			t.th.Join(cb.th, t.pos)
			t.wait, t.state = saved, Running
		}
	}
}

// rcuSleeps is rcu_note_context_switch's check when a task in a read-side section
// really sleeps (kernel/rcu/tree_plugin.h:331): a voluntary context switch there is
// a WARN_ONCE.
func (t *Task) rcuSleeps(w waiting) {
	const file = "kernel/rcu/tree_plugin.h:331"
	site := "voluntary context switch in RCU read-side section at " + t.where()
	for _, o := range t.k.warnedOnce {
		if o.file == file {
			t.silenced(o.by, site)
			return
		}
	}
	t.k.warnedOnce = append(t.k.warnedOnce, onceSite{file, reportedBy{t.th, site, false}})
	// __warn (kernel/panic.c), as warn prints it, with the scheduler's frames.
	const rip = "rcu_note_context_switch+0x4d5/0x5a0"
	var b strings.Builder
	b.WriteString("------------[ cut here ]------------\n")
	b.WriteString("Voluntary context switch within RCU read-side critical section!\n")
	title := fmt.Sprintf("WARNING: CPU: %d PID: %d at %s %s", t.cpu, t.PID, file, rip)
	b.WriteString(title + "\n")
	b.WriteString("Modules linked in:\n")
	b.WriteString(t.header())
	fmt.Fprintf(&b, "RIP: 0010:%s\n", rip)
	b.WriteString(t.callTrace(append([]string{"__schedule", "schedule"}, w.chain(t.k.dep != nil)...)...))
	b.WriteString(t.irqTraceEvents())
	b.WriteString("---[ end trace 0000000000000000 ]---\n")
	t.report("warning", site, title, b.String())
	t.addTaint(taintWarn)
}

// RCUDepth is rcu_preempt_depth(): the task's rcu_read_lock nesting.
func (t *Task) RCUDepth() int { return t.rcu.depth }

// rcuWaitNote is ksim's line for a hung task waiting for a grace period (or an
// rcu_barrier), naming the reader that keeps it from ending; "" for other waits.
func (t *Task) rcuWaitNote() string {
	switch t.wait.kind {
	case "rcu":
		if len(t.rcu.held) > 0 {
			return fmt.Sprintf("ksim: %s waits in synchronize_rcu() at %s for a grace period that its own rcu_read_lock() section\n"+
				"ksim: (taken at %s) keeps from ending: it waits for itself.\n", t.id(), t.wait.pos, t.rcu.held[0].pos)
		}
		return fmt.Sprintf("ksim: %s waits in synchronize_rcu() at %s for readers that never leave their read-side section.\n", t.id(), t.wait.pos)
	case "rcu_barrier":
		return fmt.Sprintf("ksim: %s waits in rcu_barrier() at %s for an RCU callback that never finishes.\n", t.id(), t.wait.pos)
	}
	return ""
}

package ksync

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// Kernel constants with their kernel values.
const (
	EINTR       = 4
	EAGAIN      = 11
	ENOMEM      = 12
	EBUSY       = 16
	EINVAL      = 22
	ETIME       = 62
	ERESTARTSYS = 512

	SingleDepthNesting = 1 // SINGLE_DEPTH_NESTING

	softirqDisableOffset = 0x200    // what local_bh_disable adds to preempt_count
	hardirqOffset        = 0x10000  // what a hardirq handler adds
	softirqMask          = 0xff00   // SOFTIRQ_MASK of preempt_count
	hardirqMask          = 0xf0000  // HARDIRQ_MASK
	nmiMask              = 0xf00000 // NMI_MASK
	irqFlagIF            = 0x200    // X86_EFLAGS_IF in saved flags
)

// KthreadRun is kthread_run(fn, data, name) from inside a task: it starts a new task.
// It returns nil, starting nothing, when the execution already runs sched.MaxThreads
// threads; the exploration is then marked incomplete (the kernel's own limit,
// threads-max, is far higher), and the caller fails as the kernel would
// (ERR_PTR(-EAGAIN)).
func (t *Task) KthreadRun(comm string, fn func(*Task)) *Task {
	if !t.k.room(0) {
		return nil
	}
	t.k.spawning++ // held across the interrupt that may come first and the spawn
	c := t.k.newTask(comm, t.PID)
	t.mayInterrupt()
	c.body = fn
	c.th = t.th.SpawnAt(t.pos, c.Comm, runTask)
	t.k.spawning--
	c.th.SetValue(c) // before c starts: that is when the spawning step ends
	c.th.SetWhere(cpuNames[c.cpu])
	t.note("pid %d", c.PID)
	return c
}

// RunAfterAll starts a task that runs fn once every other task has exited: the
// module's exit function, run by rmmod after the module's threads are done. Kernel
// threads that are not the module's (SetKernelOwned: kworkers, irq threads) are not
// waited for, nor are threads that wait to be stopped: a kthread that has asked
// kthread_should_stop() (it runs until kthread_stop, which belongs in module_exit).
// A thread kthread_create made and nobody woke is waited for like any other. From
// then on rmmod may run at any point of such a thread's run, as a user's rmmod can;
// a thread the exit does not stop runs on into freed module code, which its next
// kthread_should_stop() reports (a loop that never asks again is left to the step
// limit: no check at each of its steps).
func (k *Kernel) RunAfterAll(comm string, fn func(*Task)) *Task {
	t := k.newTaskPID(comm, 1, 1000+k.nextPID) // rmmod runs long after the module's threads: a pid well above theirs
	t.th = k.e.Spawn(t.Comm, func(th *sched.Thread) {
		th.SetWhere(cpuNames[t.cpu])
		t.run(func(t *Task) {
			t.wait = waiting{kind: "exit"}
			for {
				var other *Task
				for _, o := range k.tasks {
					if o != t && !o.exited && !o.kernelOwned && !o.waitsToBeStopped() {
						other = o
						break
					}
				}
				if other == nil {
					break
				}
				if kt := other.ws.kt; kt != nil {
					// A kthread: until it exits or asks kthread_should_stop(), a
					// step reading its struct kthread, which both write.
					th.Op(&sched.Op{Name: "rmmod waits for " + other.Comm, Obj: kt.obj, Access: sched.Acquire, Guard: kthreadWaitable{kt}})
					continue
				}
				th.Join(other.th, "")
			}
			t.wait = waiting{}
			fn(t)
		})
	})
	return t
}

// PreemptDisable is preempt_disable().
func (t *Task) PreemptDisable() {
	t.op("preempt_disable", 0, sched.None, nil)
	t.preemptDisable()
}

// PreemptEnable is preempt_enable().
func (t *Task) PreemptEnable() {
	t.op("preempt_enable", 0, sched.None, nil)
	t.preemptEnable()
}

// LocalIrqDisable is local_irq_disable().
func (t *Task) LocalIrqDisable() {
	t.op("local_irq_disable", 0, sched.None, nil)
	t.setIrqsOff(true, t.site())
	t.updatePin()
}

// LocalIrqEnable is local_irq_enable().
func (t *Task) LocalIrqEnable() {
	t.op("local_irq_enable", 0, sched.None, nil)
	t.setIrqsOff(false, t.site())
	t.updatePin()
	t.deliverPending()
}

// LocalIrqSave is local_irq_save(flags): it disables irqs and returns the saved state.
func (t *Task) LocalIrqSave() int { return t.localIrqSave("") }

// localIrqSave is local_irq_save, with the site lockdep records for the disable: the
// caller's (""), or the _raw_spin_lock_irqsave that called it.
func (t *Task) localIrqSave(site string) int {
	t.op("local_irq_save", 0, sched.None, nil)
	flags := 0x46
	if !t.irqsOff {
		flags |= irqFlagIF
	}
	if site == "" {
		site = t.site()
	}
	t.setIrqsOff(true, site)
	t.updatePin()
	return flags
}

// LocalIrqRestore is local_irq_restore(flags).
func (t *Task) LocalIrqRestore(flags int) {
	t.op("local_irq_restore", 0, sched.None, nil)
	t.setIrqsOff(flags&irqFlagIF == 0, t.site())
	t.updatePin()
	t.deliverPending()
}

// LocalBHDisable is local_bh_disable().
func (t *Task) LocalBHDisable() {
	t.op("local_bh_disable", 0, sched.None, nil)
	t.bhDisable(softirqDisableOffset)
}

// bhDisable adds n to preempt_count, as __local_bh_disable_ip does. Like
// preempt_disable, it records where preemption was disabled ("Preemption disabled
// at:") when the count leaves 0: spin_lock_bh's site, not that of an earlier
// spin_lock long released.
func (t *Task) bhDisable(n int) {
	if t.preempt == 0 {
		t.preemptAt = t.site()
	}
	if t.preempt&0xff00 == 0 {
		t.traceSoftirqs(true, t.site()) // lockdep_softirqs_off(ip): the caller's, inline or _RET_IP_
	}
	t.preempt += n
	t.updatePin()
}

// bhEnable takes n off preempt_count, as __local_bh_enable_ip does; softirqs are on
// again once its softirq part is 0.
func (t *Task) bhEnable(n int) {
	was := t.preempt & 0xff00
	t.preempt = max(t.preempt-n, 0)
	if was != 0 && t.preempt&0xff00 == 0 {
		t.traceSoftirqs(false, t.site())
	}
}

// LocalBHEnable is local_bh_enable().
func (t *Task) LocalBHEnable() {
	t.op("local_bh_enable", 0, sched.None, nil)
	t.bhEnable(softirqDisableOffset)
	t.updatePin()
	t.bhEnabled()
}

// bhEnabled runs the softirqs pending on this CPU once bottom halves are back on.
func (t *Task) bhEnabled() {
	if t.preempt&0xff00 == 0 && !t.irqsOff {
		t.irqsOn()
		if !t.inIRQ {
			t.runSoftirqs()
		}
	}
}

// InInterrupt is in_interrupt(): in a handler or serving softirqs.
func (t *Task) InInterrupt() bool { return t.inIRQ }

// irqCount is the kernel's irq_count() (include/linux/preempt.h): the NMI, hardirq
// and softirq bits of preempt_count, and in_interrupt() is irq_count() != 0. The
// softirq bits count bottom halves disabled (local_bh_disable, spin_lock_bh) as well
// as a softirq being served, so unlike InInterrupt this is true in a process-context
// section with bottom halves off, as the kernel's is; the locking code that asks
// (queued_read_lock_slowpath, read_lock_is_recursive) sees exactly this.
func (t *Task) irqCount() int { return t.preempt & (nmiMask | hardirqMask | softirqMask) }

// InAtomic is in_atomic(): preempt_count() != 0.
func (t *Task) InAtomic() bool { return t.preempt != 0 }

// IrqsDisabled is irqs_disabled().
func (t *Task) IrqsDisabled() bool { return t.irqsOff }

// MightSleep is might_sleep(): the macro (include/linux/kernel.h) passes its
// caller's __FILE__ and __LINE__ to __might_sleep, which tail-calls
// __might_resched, so the report names the caller's line and the trace has no
// frame between __might_resched and the caller.
func (t *Task) MightSleep() { t.mightResched(t.where()) }

// Msleep is msleep(ms): the task sleeps uninterruptibly. It has no might_sleep of its
// own: in atomic context it is "scheduling while atomic" only.
func (t *Task) Msleep(ms int) {
	t.op("msleep", 0, sched.None, nil)
	t.note("sleeps %d ms", ms)
	t.sleep(Uninterruptible, waiting{kind: "msleep", pos: t.pos, prim: "msleep"})
	t.op("msleep (wakes)", 0, sched.None, nil)
	t.wake()
}

// Schedule is schedule(): the task gives up its CPU, staying runnable (TASK_RUNNING),
// and goes on once it has a CPU again. A task that holds no CPU (not atomic) has
// nothing to give up: the step is a scheduling point. Called while atomic it is the
// kernel's "scheduling while atomic": the kernel complains and switches anyway, so the
// task leaves its CPU holding its locks and preempt_count, another task may run
// there, and it needs a free CPU to run again, as after msleep.
func (t *Task) Schedule() {
	t.op("schedule", 0, sched.None, nil)
	t.scheduleRunning()
}

// scheduleRunning is schedule() in TASK_RUNNING, once its step has run (see
// Schedule).
func (t *Task) scheduleRunning() {
	t.sleeps++
	if !t.atomic() {
		return
	}
	t.sleep(Running, waiting{kind: "schedule", pos: t.pos, prim: "schedule"})
	t.op("schedule (runs again)", 0, sched.None, nil)
	t.wake()
}

// CondResched is cond_resched().
func (t *Task) CondResched() {
	// cond_resched() is __might_resched(__FILE__, __LINE__, 0) then _cond_resched()
	// (include/linux/sched.h): the report names the caller's line.
	t.mightResched(t.where())
	t.op("cond_resched", 0, sched.None, nil)
	t.sleeps++ // a scheduling point: the watchdog's thread may run
}

// PrintkRecordMax is how much of one printk the kernel's log keeps
// (PRINTKRB_RECORD_MAX): the rest of a longer message is cut.
const PrintkRecordMax = 1024

// Printk is printk(): the message goes to dmesg with the current timestamp. A message
// longer than PrintkRecordMax bytes is cut there, as the kernel cuts it.
func (t *Task) Printk(msg string) {
	if len(msg) > PrintkRecordMax {
		msg = msg[:PrintkRecordMax]
	}
	t.k.printk(strings.TrimRight(msg, "\n"))
}

// BugOn is BUG_ON(cond): when cond holds, the kernel oopses and the task dies,
// holding whatever it holds. report_bug prints the "cut here" and "kernel BUG at"
// lines, then the invalid-opcode trap dies (do_error_trap -> die).
func (t *Task) BugOn(cond bool) {
	if !cond {
		return
	}
	var b strings.Builder
	b.WriteString("------------[ cut here ]------------\n")
	fmt.Fprintf(&b, "kernel BUG at %s!\n", t.where())
	b.WriteString(t.dieHeader("invalid opcode", 0))
	t.die(&b, "BUG_ON at "+t.where(), "kernel BUG at "+t.where()+"!", -1)
}

// Oops kills the task with the kernel's oops report for a fault the model does not
// name otherwise: title is the report's first line. A title that is itself the
// die header's start ("Oops: divide error: 0000") is completed as __die_header
// prints it; "kernel BUG at" and a stack overflow get the header of their trap;
// anything else is a general protection fault.
func (t *Task) Oops(title string) {
	var b strings.Builder
	switch {
	case strings.HasPrefix(title, "Oops: "):
		fmt.Fprintf(&b, "%s [#%d]%s\n", title, t.k.nextDie(), dieFlags)
	case strings.HasPrefix(title, "kernel BUG at "):
		b.WriteString("------------[ cut here ]------------\n")
		b.WriteString(title + "\n")
		b.WriteString(t.dieHeader("invalid opcode", 0))
	case strings.Contains(title, "stack guard page"):
		b.WriteString(title + "\n") // handle_stack_overflow, then die("stack guard page")
		b.WriteString(t.dieHeader("stack guard page", 0))
	default:
		b.WriteString(title + "\n")
		b.WriteString(t.dieHeader("general protection fault", 0))
	}
	t.die(&b, title+" at "+t.where(), title, -1)
}

// dieFlags are the configuration words of __die_header (arch/x86/kernel/
// dumpstack.c): CONFIG_PREEMPTION (PREEMPT_DYNAMIC has it, whatever the boot-time
// mode), SMP, KASAN, and page-table isolation off (a CPU without Meltdown).
const dieFlags = " PREEMPT SMP KASAN NOPTI"

// nextDie is ++die_counter: the oops number of this boot.
func (k *Kernel) nextDie() int {
	k.dieCounter++
	return k.dieCounter
}

// dieHeader is __die_header's line, "Oops: <str>: <err> [#<n>] PREEMPT SMP KASAN
// NOPTI".
func (t *Task) dieHeader(str string, err int) string {
	return fmt.Sprintf("Oops: %s: %04x [#%d]%s\n", str, err&0xffff, t.k.nextDie(), dieFlags)
}

// NullDeref is the oops of dereferencing NULL; the task dies holding its locks.
func (t *Task) NullDeref(write bool) { t.nullDeref(write, 0) }

// BadAddress is the oops of dereferencing a pointer that points nowhere valid.
func (t *Task) BadAddress(addr int64) {
	var b strings.Builder
	title := fmt.Sprintf("BUG: unable to handle page fault for address: %016x", uint64(addr))
	b.WriteString(title + "\n#PF: supervisor read access in kernel mode\n#PF: error_code(0x0000) - not-present page\n")
	b.WriteString(t.dieHeader("Oops", 0)) // page_fault_oops: __die("Oops", ...)
	t.die(&b, "page fault at "+t.where(), "BUG: unable to handle page fault", addr)
}

// CPURelax is a scheduling point with no effect (cpu_relax, udelay): busy waiting.
func (t *Task) CPURelax(name string) { t.op(name, 0, sched.None, nil) }

// OutOfBounds is KASAN's report of an access through a pointer outside the global
// array it points into (mm/kasan/report.c, "global-out-of-bounds"): once per boot,
// as every KASAN report, then taint B, which turns lock debugging off. A kernel
// goes on after it, with whatever the access reached; ksim cannot, and stops the
// task there, saying so on a ksim: line.
func (t *Task) OutOfBounds(name string, index, length int) {
	k := t.k
	site := "global-out-of-bounds " + name + " at " + t.where()
	t.reportStep("kasan_report", k.kasanBy)
	if k.kasanBy.th == nil {
		t.th.Note("reports, turns lock debugging off")
		k.kasanBy = reportedBy{t.th, site, true}
		var b strings.Builder
		b.WriteString(strings.Repeat("=", 66) + "\n")
		title := fmt.Sprintf("BUG: KASAN: global-out-of-bounds in %s", t.site())
		b.WriteString(title + "\n\n")
		b.WriteString(t.header())
		b.WriteString(t.callTrace("dump_stack_lvl", "print_report", "kasan_report"))
		b.WriteString("\n" + strings.Repeat("=", 66) + "\n")
		b.WriteString(t.addTaintUnreliable(taintBadPage, site))
		fmt.Fprintf(&b, "ksim: the access is to element %d of %s, which has %d;\n", index, name, length)
		b.WriteString("ksim: a kernel goes on after a KASAN report, ksim stops the task here.\n")
		t.report("bug", site, "BUG: KASAN: global-out-of-bounds", b.String())
	} else {
		k.printk(fmt.Sprintf("ksim: %s accesses element %d of %s, which has %d, at %s; KASAN reported a bug already and stays silent; ksim stops the task here.",
			t.id(), index, name, length, t.where()))
	}
	t.exitChecks()
	t.exit()
	t.th.Exit()
}

// IndexOutOfBounds is UBSAN's report of an array of known size indexed past its
// bounds (CONFIG_UBSAN_BOUNDS, lib/ubsan.c): at is the index's "file:line:col", typ
// the array's C type ("char *[1]"). The kernel reports it and goes on, and the access
// reaches whatever lies past the array; the caller decides what it does in the model.
// Like the kernel's (lib/ubsan.c, suppress_report), a location is reported once.
func (t *Task) IndexOutOfBounds(at string, index int, typ string) {
	if slices.Contains(t.k.ubsanAt, at) {
		return
	}
	t.k.ubsanAt = append(t.k.ubsanAt, at)
	var b strings.Builder
	title := "UBSAN: array-index-out-of-bounds in " + at
	b.WriteString("------------[ cut here ]------------\n")
	b.WriteString(title + "\n")
	fmt.Fprintf(&b, "index %d is out of range for type '%s'\n", index, typ)
	b.WriteString(t.header())
	b.WriteString(t.callTrace("dump_stack_lvl", "__ubsan_handle_out_of_bounds"))
	b.WriteString("---[ end trace ]---\n")
	b.WriteString("ksim: the kernel goes on, and the access reaches whatever lies past the array\n")
	b.WriteString("ksim: (KASAN reports it if that is a redzone).\n")
	t.report("bug", "array-index-out-of-bounds at "+at, title, b.String())
}

// Holds reports whether the task holds the lock (lockdep_is_held).
func (t *Task) Holds(l Lock) bool {
	b := l.base()
	for _, h := range t.held {
		if h.l == b {
			return true
		}
	}
	return false
}

// LockdepAssertHeld is lockdep_assert_held() (include/linux/lockdep.h):
// WARN_ON(debug_locks && !held) when the task does not hold l. Without lockdep it is
// empty, and once lock debugging is off lockdep_is_held answers "unknown": silent.
func (t *Task) LockdepAssertHeld(l Lock) {
	if t.k.dep == nil || t.Holds(l) {
		return
	}
	t.reportStep("lockdep_assert_held", t.k.locksOffBy)
	if t.k.locksOff { // lockdep_is_held: LOCK_STATE_UNKNOWN
		t.th.Note("lock debugging is off: silent")
		return
	}
	t.warn("", t.where(), t.site(), "lockdep_assert_held "+l.base().name+" at "+t.where())
}

// WarnOn is WARN_ON(cond): a warning with a stack dump when cond holds; it returns cond.
func (t *Task) WarnOn(cond bool) bool {
	if cond {
		t.warn("", t.where(), t.site(), "WARN_ON at "+t.where())
	}
	return cond
}

// warnOnce is WARN_ON_ONCE at the kernel's file:line: the first time in a boot it
// warns as warn does; later it is silent.
func (t *Task) warnOnce(file, rip, site string) {
	for _, o := range t.k.warnedOnce {
		if o.file == file {
			t.silenced(o.by, site)
			return
		}
	}
	t.k.warnedOnce = append(t.k.warnedOnce, onceSite{file, reportedBy{t.th, site, false}})
	t.warn("", file, rip, site)
}

// debugLocksWarnOn is DEBUG_LOCKS_WARN_ON(cond) (include/linux/debug_locks.h): the
// warning "DEBUG_LOCKS_WARN_ON(cond)" only if debug_locks_off() finds lock debugging
// still on, which it turns off; silent otherwise.
func (t *Task) debugLocksWarnOn(cond, file, rip, site string) {
	if t.debugLocksOff("DEBUG_LOCKS_WARN_ON", site) {
		t.warn("DEBUG_LOCKS_WARN_ON("+cond+")", file, rip, site)
	}
}

// warn prints the kernel's "cut here" warning (__warn_printk, report_bug, __warn in
// kernel/panic.c). msg is the line before WARNING (empty for a plain WARN_ON). The
// warning taints W, after its report, and leaves lock debugging on
// (LOCKDEP_STILL_OK).
func (t *Task) warn(msg, file, rip, site string) {
	var b strings.Builder
	b.WriteString("------------[ cut here ]------------\n")
	if msg != "" {
		b.WriteString(msg + "\n")
	}
	title := fmt.Sprintf("WARNING: CPU: %d PID: %d at %s %s", t.cpu, t.PID, file, rip)
	b.WriteString(title + "\n")
	b.WriteString("Modules linked in:\n")
	b.WriteString(t.header())
	fmt.Fprintf(&b, "RIP: 0010:%s\n", rip)
	b.WriteString(t.callTrace())
	b.WriteString(t.irqTraceEvents())
	b.WriteString("---[ end trace 0000000000000000 ]---\n")
	t.report("warning", site, title, b.String())
	t.addTaint(taintWarn)
}

// die finishes an oops, as __die_body and oops_end (arch/x86/kernel/dumpstack.c)
// and make_task_dead (kernel/exit.c) print it: the registers' dump (show_regs: the
// header, RIP, the call trace), the modules, CR2 for a page fault (cr2 >= 0), then
// add_taint(TAINT_DIE, LOCKDEP_NOW_UNRELIABLE), which turns lock debugging off,
// the end marker, the RIP of the executive summary, and the notes of a task that
// dies atomic. The task is killed; do_exit's lock checks run, silent now.
func (t *Task) die(b *strings.Builder, site, title string, cr2 int64) {
	// add_taint(TAINT_DIE, LOCKDEP_NOW_UNRELIABLE) below turns lock debugging off.
	t.reportStep("add_taint", t.k.locksOffBy)
	if t.k.locksOff {
		t.th.Note("lock debugging is off already")
	} else {
		t.th.Note("oops: turns lock debugging off")
	}
	b.WriteString(t.header())
	fmt.Fprintf(b, "RIP: 0010:%s\n", t.site())
	b.WriteString(t.callTrace())
	b.WriteString("Modules linked in:\n")
	if cr2 >= 0 {
		fmt.Fprintf(b, "CR2: %016x\n", cr2)
	}
	b.WriteString(t.addTaintUnreliable(taintDie, site))
	b.WriteString("---[ end trace 0000000000000000 ]---\n")
	fmt.Fprintf(b, "RIP: 0010:%s\n", t.site())
	if t.irqsOff {
		fmt.Fprintf(b, "note: %s[%d] exited with irqs disabled\n", t.Comm, t.PID)
	}
	if t.preempt != 0 {
		fmt.Fprintf(b, "note: %s[%d] exited with preempt_count %d\n", t.Comm, t.PID, t.preempt)
	}
	t.report("bug", site, title, b.String())
	t.exitChecks() // do_exit still runs for a task killed by an oops
	t.exit()
	t.th.Exit()
}

// badUnlock is lockdep's print_unlock_imbalance_bug, "bad unlock balance
// detected!": releasing a lock not held. Like every lockdep report it prints only
// while lock debugging is on, and turns it off; it does not taint.
func (t *Task) badUnlock(l *lockBase) {
	site := "bad unlock balance " + l.name + " at " + t.where()
	if t.k.dep == nil || !t.debugLocksOff("print_unlock_imbalance_bug", site) {
		return
	}
	var b strings.Builder
	title := "WARNING: bad unlock balance detected!"
	sep := strings.Repeat("=", len(title))
	fmt.Fprintf(&b, "%s\n%s\n%s %s\n%s\n", sep, title, t.k.cfg.Release, t.k.tainted(), strings.Repeat("-", len(title)))
	fmt.Fprintf(&b, "%s/%d is trying to release lock (%s) at:\n", t.Comm, t.PID, l.name)
	fmt.Fprintf(&b, "[<%016x>] %s\n", fakeText(t.site()), t.site())
	b.WriteString("but there are no more locks to release!\n\nother info that might help us debug this:\n")
	b.WriteString(t.heldLocksAll())
	b.WriteString("\nstack backtrace:\n")
	b.WriteString(t.header())
	b.WriteString(t.callTrace("dump_stack_lvl", "print_unlock_imbalance_bug", "lock_release"))
	t.report("warning", site, title, b.String())
}

// spinBug is spin_bug and spin_dump, the spinlock debug check's report
// (kernel/locking/spinlock_debug.c): msg is "recursion" (spin_lock of a lock the
// task holds; it then spins on itself forever), "cpu recursion" (of a lock taken on
// this CPU by a task that slept holding it), "already unlocked" or "wrong owner"
// (spin_unlock); fn is the function that checked, do_raw_spin_lock or
// do_raw_spin_unlock. An unlocked lock has no owner and .owner_cpu -1. spin_bug
// prints only if debug_locks_off() finds lock debugging still on.
func (t *Task) spinBug(l *Spinlock, msg, fn string) {
	site := "spinlock " + msg + " " + l.name + " at " + t.where()
	if !t.debugLocksOff("spin_bug", site) {
		return
	}
	var b strings.Builder
	title := fmt.Sprintf("BUG: spinlock %s on CPU#%d, %s/%d", msg, t.cpu, t.Comm, t.PID)
	b.WriteString(title + "\n")
	owner, ownerPID, ownerCPU := "<none>", -1, -1
	if l.owner != nil {
		owner, ownerPID, ownerCPU = l.owner.Comm, l.owner.PID, l.ownerCPU
	}
	fmt.Fprintf(&b, " lock: %s+0x0/0x%x, .magic: dead4ead, .owner: %s/%d, .owner_cpu: %d\n", l.name, 0x40, owner, ownerPID, ownerCPU)
	b.WriteString(t.header())
	b.WriteString(t.callTrace("dump_stack_lvl", fn))
	t.report("bug", site, title, b.String())
}

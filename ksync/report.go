package ksync

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// deadlock reports a state where no task can run, the way the kernel would: spinners
// are soft lockups, TASK_UNINTERRUPTIBLE sleepers are hung tasks; tasks asleep
// interruptibly or killably hang without the kernel saying anything.
func (k *Kernel) deadlock() []sched.Problem {
	var spinners, hung, quiet []*Task
	var hard []*Task
	var ps []sched.Problem
	for _, ts := range [...][]*Task{k.tasks, k.handlers} {
		for _, t := range ts {
			if t.awaiting && !t.exited && !t.wantsCPUOnly() {
				ps = append(ps, k.loopLockup(t))
			}
		}
	}
	for _, h := range k.handlers {
		if h.awaiting {
			continue
		}
		if !h.exited && h.hardirq && (h.wait.kind == "spinlock" || h.wait.kind == "rwlock") {
			hard = append(hard, h)
		} else if !h.exited && (h.wait.kind == "spinlock" || h.wait.kind == "rwlock") {
			spinners = append(spinners, h) // a softirq spinning: the CPU is soft-locked
		}
	}
	for _, t := range k.tasks {
		switch {
		case t.exited || t.awaiting || t.wait.kind == "exit" || t.wait.kind == "irq" || t.wantsCPUOnly():
		case t.wait.kind == "spinlock" || t.wait.kind == "rwlock":
			spinners = append(spinners, t)
		case t.state == Uninterruptible && !t.killable:
			hung = append(hung, t)
		case t.state == Interruptible || t.state == Uninterruptible:
			quiet = append(quiet, t)
		}
	}
	for _, h := range hard {
		ps = append(ps, k.hardLockup(h))
	}
	ps = append(ps, k.irqSelfLockups()...) // irq_thread.go
	for _, t := range spinners {
		ps = append(ps, k.softLockup(t))
	}
	if len(hung) > 0 {
		ps = append(ps, k.hungTasks(hung))
	} else if len(quiet) > 0 && len(spinners) == 0 {
		ps = append(ps, k.silentHang(quiet))
	}
	return ps
}

// holder finds the task or interrupt context that owns l, or for a semaphore the task
// that last took it.
func (k *Kernel) holder(l *lockBase) *Task {
	for _, ts := range [...][]*Task{k.tasks, k.handlers} {
		for _, t := range ts {
			for _, h := range t.held {
				if h.l == l {
					return t
				}
			}
		}
	}
	if s, ok := k.semaphores[l]; ok {
		return s.last
	}
	return nil
}

func (k *Kernel) hungTasks(hung []*Task) sched.Problem {
	var b strings.Builder
	var sites []string
	semaphores := false
	// Appended, not formatted with fmt: every deadlocked execution renders this for each
	// of its hung tasks, and an exploration can have thousands of them.
	var line []byte
	for _, t := range hung {
		line = append(line[:0], "INFO: task "...)
		line = appendCommPID(line, t)
		line = append(line, " blocked for more than 120 seconds.\n      "...)
		line = append(append(append(line, k.tainted()...), ' '), k.cfg.Release...)
		line = append(line, "\n\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\ntask:"...)
		line = appendPadded(line, t.Comm, 15)
		line = append(append(line, " state:"...), byte(t.state))
		line = append(line, " stack:0     pid:"...)
		line = appendNum(line, t.PID, 5)
		line = append(line, " tgid:"...)
		line = appendNum(line, t.PID, 5)
		line = append(line, " ppid:"...)
		line = appendNum(line, t.PPID, 6)
		line = append(line, " flags:0x00004000\n"...)
		b.Write(line)
		b.WriteString(t.callTrace(append([]string{"__schedule", "schedule"}, t.wait.chain(k.dep != nil)...)...))
		if t.wait.lock != nil && t.wait.lock.kind == kindSemaphore {
			semaphores = true
		}
		sites = append(sites, t.wait.kind+" at "+t.wait.pos)
	}
	// check_hung_uninterruptible_tasks ends with debug_show_all_locks, lockdep's
	// (kernel/locking/lockdep.c): absent without lockdep, one line once lock
	// debugging is off. The task blocked on a lock is not named in 6.12
	// (debug_show_blocker came later): ksim's notes below do that.
	switch {
	case k.dep == nil:
	case k.locksOff:
		b.WriteString("INFO: lockdep is turned off.\n")
	default:
		b.WriteString("\nShowing all locks held in the system:\n")
		// rcu_lock_map: LD_WAIT_FREE outer, LD_WAIT_CONFIG inner, which is
		// LD_WAIT_SPIN without CONFIG_PROVE_RAW_LOCK_NESTING: {1:2}.
		b.WriteString("1 lock held by khungtaskd/30:\n #0: ffffffff82b3c9e0 (rcu_read_lock){....}-{1:2}, at: debug_show_all_locks+0x36/0x1c0\n")
		for _, t := range k.tasks {
			if !t.exited && (t.tracksAny() || len(t.rcu.held) > 0) {
				b.WriteString(t.rcuHeldLocks(t.heldLocks()))
			}
		}
		b.WriteString("\n=============================================\n")
	}
	k.printkAt(122, b.String())

	// What ksim adds, on lines of its own.
	b.WriteString("\n")
	for _, t := range hung {
		what := t.wait.kind
		if w := t.rcuWaitNote(); w != "" {
			b.WriteString(w)
			continue
		}
		if t.wait.lock != nil {
			what = t.wait.lock.name
		}
		by := ""
		if h := k.holder(t.wait.lock); h != nil {
			verb := "held by"
			if t.wait.lock.kind == kindSemaphore {
				verb = "last taken by"
			}
			by = " (" + verb + " " + h.id() + ")"
		}
		b.WriteString("ksim: " + t.id() + " waits for " + what + by + " at " + t.wait.pos + "\n")
	}
	if semaphores {
		b.WriteString("ksim: lockdep does not track semaphores (struct semaphore has no lockdep map), so a real\n" +
			"ksim: kernel reports this deadlock only through the hung-task messages above, never as a lockdep splat.\n")
	}
	sort.Strings(sites)
	title := fmt.Sprintf("INFO: task %s:%d blocked for more than 120 seconds.", hung[0].Comm, hung[0].PID)
	return sched.Problem{Kind: "deadlock", Site: strings.Join(sites, ", "), Title: title, Report: b.String()}
}

// wantsCPUOnly reports whether the task could run but for a CPU: its pending operation
// is enabled and only the CPU gate holds it back (a sleep that has ended).
//
// Only an operation announced through the gate waits for a CPU. One announced before
// CPUs ran short (a task asleep in down() or mutex_lock when a later kthread_run made
// tasks outnumber CPUs) waits for its own guard alone, and gate.inner, set only for
// gated operations, says nothing about it: such a task is as hung as any other.
func (t *Task) wantsCPUOnly() bool {
	if !t.k.gated || t.exited || t.th == nil || t.th.Finished() {
		return false
	}
	op := t.th.PendingOp()
	if g, ok := op.Guard.(*gate); !ok || g != &t.gate {
		return false
	}
	return t.gate.inner == nil || t.gate.inner.Enabled(op)
}

func (t *Task) tracksAny() bool {
	for _, h := range t.held {
		if h.l.tracked() {
			return true
		}
	}
	return false
}

// softLockup is watchdog_timer_fn's report (kernel/watchdog.c): the title, the
// modules, the irq-flag history, the registers' dump; the taint L comes after it.
func (k *Kernel) softLockup(t *Task) sched.Problem {
	var b strings.Builder
	title := fmt.Sprintf("watchdog: BUG: soft lockup - CPU#%d stuck for 22s! [%s:%d]", t.cpu, t.Comm, t.PID)
	b.WriteString(title + "\n")
	b.WriteString("Modules linked in:\n")
	b.WriteString(t.irqTraceEvents())
	b.WriteString(t.header())
	slow, lockFn := "queued_spin_lock_slowpath", "_raw_spin_lock"
	if t.wait.kind == "rwlock" {
		slow, lockFn = "queued_write_lock_slowpath", "_raw_write_lock"
	}
	rip := slow + "+0x7c/0x2d0"
	timerWait := false
	if r, fn, ok := t.timerSpin(); ok { // busy-waiting for a timer callback (timer.go)
		rip, lockFn, timerWait = r, fn, true
	}
	fmt.Fprintf(&b, "RIP: 0010:%s\n", rip)
	b.WriteString(t.callTrace(lockFn))
	k.printkAt(22, b.String())
	t.addTaint(taintSoftLock) // LOCKDEP_STILL_OK

	b.WriteString("\n")
	name := t.wait.lock.name
	switch h := k.holder(t.wait.lock); {
	case timerWait:
		fmt.Fprintf(&b, "ksim: %s busy-waits in %s at %s for the callback of timer %s, which cannot return\n", t.id(), t.wait.prim, t.wait.pos, name)
	case h == nil:
		fmt.Fprintf(&b, "ksim: %s spins on %s at %s, and nothing will release it\n", t.id(), name, t.wait.pos)
	case h == t:
		fmt.Fprintf(&b, "ksim: %s spins on %s, which it holds itself\n", t.id(), name)
	case h.exited:
		fmt.Fprintf(&b, "ksim: %s spins on %s, held by %s, which died holding it\n", t.id(), name, h.id())
	case t.softirq && t.isAbove(h):
		fmt.Fprintf(&b, "ksim: the tasklet on CPU%d spins on %s, which the task it interrupted (%s) holds:\n"+
			"ksim: that task cannot run until the softirq returns. Take %s with spin_lock_bh in process context.\n",
			t.cpu, name, h.id(), name)
	case h.wait.kind == "spinlock" && h.wait.lock != nil && h.wait.lock.kind == kindLockMap:
		fmt.Fprintf(&b, "ksim: %s spins on %s, held by %s, which busy-waits in %s for this timer callback to return\n", t.id(), name, h.id(), h.wait.prim)
	case h.wantsCPUOnly() && h.wait.kind != "":
		fmt.Fprintf(&b, "ksim: %s spins on %s, held by %s, which slept (%s) holding it and is now runnable\n"+
			"ksim: but has no CPU: every CPU is held by a task with preemption disabled\n", t.id(), name, h.id(), h.wait.kind)
	case h.asleep:
		fmt.Fprintf(&b, "ksim: %s spins on %s, held by %s, which is asleep (%s) and will not release it\n", t.id(), name, h.id(), h.wait.kind)
	default:
		fmt.Fprintf(&b, "ksim: %s spins on %s, held by %s, which is runnable but has no CPU: every CPU is held by a task with preemption disabled\n", t.id(), name, h.id())
	}
	return sched.Problem{Kind: "lockup", Site: "soft lockup on " + name + " at " + t.wait.pos, Title: title, Report: b.String()}
}

func (k *Kernel) silentHang(quiet []*Task) sched.Problem {
	var b strings.Builder
	var sites []string
	for _, t := range quiet {
		what := t.wait.kind
		if w := t.rcuWaitNote(); w != "" {
			b.WriteString(w)
			continue
		}
		if t.wait.lock != nil {
			what = t.wait.lock.name
		}
		fmt.Fprintf(&b, "ksim: %s sleeps forever in state %c waiting for %s at %s\n", t.id(), t.state, what, t.wait.pos)
		sites = append(sites, t.wait.kind+" at "+t.wait.pos)
	}
	b.WriteString("ksim: the kernel prints nothing for this: the hung-task detector ignores interruptible and\n" +
		"ksim: killable sleepers, so only a signal (kill) would end these waits.\n")
	sort.Strings(sites)
	return sched.Problem{Kind: "deadlock", Site: strings.Join(sites, ", "),
		Title:  fmt.Sprintf("deadlock: %d task(s) asleep forever (interruptible or killable: no kernel report)", len(quiet)),
		Report: b.String()}
}

// appendCommPID appends "comm:pid", as the kernel's reports name a task.
func appendCommPID(b []byte, t *Task) []byte {
	return strconv.AppendInt(append(append(b, t.Comm...), ':'), int64(t.PID), 10)
}

// appendPadded appends s left-aligned in width columns, cut to width (printf's %-W.Ws).
func appendPadded(b []byte, s string, width int) []byte {
	if len(s) > width {
		s = s[:width]
	}
	b = append(b, s...)
	for i := len(s); i < width; i++ {
		b = append(b, ' ')
	}
	return b
}

// appendNum appends n left-aligned in at least width columns (printf's %-Wd).
func appendNum(b []byte, n, width int) []byte {
	start := len(b)
	b = strconv.AppendInt(b, int64(n), 10)
	for len(b)-start < width {
		b = append(b, ' ')
	}
	return b
}

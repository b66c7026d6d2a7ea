package lockdep

import (
	"fmt"
	"strings"
)

// Report is one lockdep report.
type Report struct {
	// Kind is "circular", "recursive", "inconsistent" (inconsistent lock state),
	// "irq-order" (<IRQ>-safe -> <IRQ>-unsafe lock order detected), "irq-inversion"
	// (possible irq lock inversion dependency detected), "bad-unlock",
	// "held-lock-freed", "exit-with-locks" or "invalid-subclass".
	Kind string
	// Title is the report's WARNING/BUG line, e.g. "WARNING: possible circular
	// locking dependency detected".
	Title string
	// Key identifies the problem for deduplication: the sorted class names of the
	// cycle ("m1 m2"), the class taken recursively, the class and its conflicting
	// usage ("A {IN-HARDIRQ-W} -> {HARDIRQ-ON-W}"), the irq-safe and irq-unsafe
	// classes and the irq ("A -> B HARDIRQ", shared by irq-order and irq-inversion),
	// the lock released or freed, or the held classes of an exiting task.
	Key string
	// Text is the whole report as the kernel prints it, ending in a newline.
	Text string
	// Repeat says the graph reported the same problem before (in an earlier
	// execution, for ksync): the kernel reports the first problem of each boot.
	Repeat bool
	// Chain is, for a circular report, the dependency path found in the graph, from
	// the new lock to the held one; the new dependency held -> new closes the cycle.
	Chain []Dep
}

const (
	defaultRelease = "6.12.0-ksim #1"
	defaultTainted = "Not tainted"
)

func (t TaskInfo) release() string {
	if t.Release == "" {
		return defaultRelease
	}
	return t.Release
}

func (t TaskInfo) tainted() string {
	if t.Tainted == "" {
		return defaultTainted
	}
	return t.Tainted
}

// banner is the report's head: separator, title, kernel ident, dashes.
func banner(b *strings.Builder, t *TaskInfo, title string, width int) {
	fmt.Fprintf(b, "%s\n%s\n%s %s\n%s\n", strings.Repeat("=", width), title, t.release(), t.tainted(), strings.Repeat("-", width))
}

// lockLine is the kernel's print_lock: "<addr> (<class>){<usage>}-{o:i}, at: <site>".
func (g *Graph) lockLine(h Held) string {
	return fmt.Sprintf("%016x %s, at: %s\n", h.Addr, g.lockName(h), h.At)
}

// lockName is print_lock_name: "(<class>){<usage>}-{o:i}".
func (g *Graph) lockName(h Held) string {
	var u Usage
	if n := g.lookup(h.Class); n != nil {
		u = n.usage
	} else {
		u = UsageOf(IRQContext{}, h.mode() != modeWrite, h.Trylock)
	}
	return g.className(h.Class, u)
}

func (g *Graph) className(c Class, u Usage) string {
	return fmt.Sprintf("(%s){%s}-%s", c.Name(), u.Chars(), c.Kind.WaitTypes())
}

// HeldLocks is lockdep_print_held_locks: "no locks held by <comm>/<pid>." or
// "<N> lock(s) held by <comm>/<pid>:" followed by one
// " #i: <addr> (<class>){<usage>}-{o:i}, at: <site>" line per lock, oldest first:
// task.BelowHeld (the locks of the contexts an interrupt context runs on top of),
// then held. Every report prints held locks this way; the caller passes only
// tracked locks.
func (g *Graph) HeldLocks(task *TaskInfo, held []Held) string {
	n := len(task.BelowHeld) + len(held)
	if n == 0 {
		return fmt.Sprintf("no locks held by %s/%d.\n", task.Comm, task.PID)
	}
	var b strings.Builder
	s := "s"
	if n == 1 {
		s = ""
	}
	fmt.Fprintf(&b, "%d lock%s held by %s/%d:\n", n, s, task.Comm, task.PID)
	for i, h := range task.BelowHeld {
		fmt.Fprintf(&b, " #%d: %s", i, g.lockLine(h))
	}
	for i, h := range held {
		fmt.Fprintf(&b, " #%d: %s", len(task.BelowHeld)+i, g.lockLine(h))
	}
	return b.String()
}

// HardwareName is the "Hardware name:" line of the modelled machine
// (dump_stack_arch_desc, from DMI): QEMU's default i440FX PC with Debian's SeaBIOS,
// a stable stand-in.
const HardwareName = "QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.3-debian-1.16.3-2 04/01/2014"

// DumpStackInfo is the head of every stack dump, 6.12's dump_stack_print_info
// (lib/dump_stack.c): "CPU: %d UID: %u PID: %d Comm: %.20s %s%s %s %.*s %s",
// that is the CPU, the euid (0: kernel threads), the pid, the comm, print_tainted(),
// the release and the version up to its first space (both in release here, "6.12.0-ksim
// #1"), then LINUX_PACKAGE_ID, empty for a kernel built without a distributor name,
// which leaves the line with a trailing space; when tainted, print_tainted_verbose()
// on a line of its own ("Tainted: [W]=WARN"); then "Hardware name:".
func DumpStackInfo(cpu, pid int, comm, tainted, taintedVerbose, release string) string {
	if len(comm) > 20 {
		comm = comm[:20]
	}
	if tainted == "" {
		tainted = defaultTainted
	}
	if release == "" {
		release = defaultRelease
	}
	s := fmt.Sprintf("CPU: %d UID: 0 PID: %d Comm: %s %s %s \n", cpu, pid, comm, tainted, release)
	if taintedVerbose != "" {
		s += taintedVerbose + "\n"
	}
	return s + "Hardware name: " + HardwareName + "\n"
}

// StackBacktrace is the "stack backtrace:" dump: DumpStackInfo's lines, then a Call
// Trace of the given kernel functions (innermost first) and the task's stack. For a
// context on the irq stack (task.OnIRQStack) those are printed between <IRQ> and
// </IRQ>, with the frames of the interrupt contexts below it, and the interrupted
// task's frames follow between <TASK> and </TASK> (task.Below), as dump_stack
// prints an interrupt's stack.
func StackBacktrace(task *TaskInfo, kernel ...string) string {
	var b strings.Builder
	b.WriteString("stack backtrace:\n")
	b.WriteString(DumpStackInfo(task.CPU, task.PID, task.Comm, task.tainted(), task.TaintedVerbose, task.release()))
	var irq, below []Frame
	idle := false
	if task.Below != nil {
		irq, below, idle = task.Below.BelowFrames()
	}
	b.WriteString("Call Trace:\n")
	if task.OnIRQStack {
		b.WriteString(" <IRQ>\n")
	} else {
		b.WriteString(" <TASK>\n")
	}
	for _, f := range kernel {
		b.WriteString(" " + f + "\n")
	}
	frames(&b, task.stack())
	if task.OnIRQStack {
		frames(&b, irq)
		b.WriteString(" </IRQ>\n")
		if idle {
			return b.String()
		}
		b.WriteString(" <TASK>\n")
	}
	frames(&b, below)
	b.WriteString(" </TASK>\n")
	return b.String()
}

// frames prints the frames of a Call Trace, innermost first.
func frames(b *strings.Builder, fs []Frame) {
	for i := len(fs) - 1; i >= 0; i-- {
		b.WriteString(" " + fs[i].String() + "\n")
	}
}

// trace is print_lock_trace: the frames innermost first, 7 spaces in.
func trace(b *strings.Builder, frames []Frame) {
	for i := len(frames) - 1; i >= 0; i-- {
		b.WriteString("       " + frames[i].String() + "\n")
	}
}

// TextAddr is a stable stand-in for the code address of a site ("func+0x10/0x50"),
// printed where the kernel prints [<ffffffff8xxxxxxx>].
func TextAddr(site string) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < len(site); i++ {
		h ^= uint64(site[i])
		h *= 1099511628211
	}
	return 0xffffffff81000000 | (h & 0xffff0)
}

func lockOp(mode int) string {
	if mode != modeWrite {
		return "rlock("
	}
	return "lock("
}

// acquiringHolding is the opening both deadlock reports share: the lock being taken,
// and the one already held that it conflicts with.
func (g *Graph) acquiringHolding(b *strings.Builder, task *TaskInfo, prev, next Held) {
	fmt.Fprintf(b, "%s/%d is trying to acquire lock:\n", task.Comm, task.PID)
	b.WriteString(g.lockLine(next))
	b.WriteString("\nbut task is already holding lock:\n")
	b.WriteString(g.lockLine(prev))
}

// recursive is print_deadlock_bug.
func (g *Graph) recursive(task *TaskInfo, held []Held, prev, next Held) *Report {
	const title = "WARNING: possible recursive locking detected"
	var b strings.Builder
	banner(&b, task, title, len(title))
	g.acquiringHolding(&b, task, prev, next)
	b.WriteString("\nother info that might help us debug this:\n")
	b.WriteString(" Possible unsafe locking scenario:\n\n")
	b.WriteString("       CPU0\n")
	b.WriteString("       ----\n")
	fmt.Fprintf(&b, "  lock(%s);\n", prev.Class.Name())
	fmt.Fprintf(&b, "  lock(%s);\n", next.Class.Name())
	b.WriteString("\n *** DEADLOCK ***\n\n")
	b.WriteString(" May be due to missing lock nesting notation\n\n")
	b.WriteString(g.HeldLocks(task, held))
	b.WriteString("\n")
	b.WriteString(StackBacktrace(task, "dump_stack_lvl", "print_deadlock_bug", "__lock_acquire", "lock_acquire"))
	return &Report{Kind: "recursive", Title: title, Key: next.Class.Name(), Text: b.String()}
}

// circular is print_circular_bug: path runs from the new lock's class (the root,
// depth 0) to the held lock's class (depth len(path)-1).
func (g *Graph) circular(task *TaskInfo, held []Held, prev, next Held, path []bfsEntry) *Report {
	const title = "WARNING: possible circular locking dependency detected"
	var b strings.Builder
	banner(&b, task, title, len(title))
	g.acquiringHolding(&b, task, prev, next)
	b.WriteString("\nwhich lock already depends on the new lock.\n\n")
	b.WriteString("\nthe existing dependency chain (in reverse order) is:\n")

	var chain []Dep
	names := make([]string, len(path))
	for i, p := range path {
		names[i] = g.classes[p.class].c.Name()
	}
	for d := len(path) - 1; d >= 0; d-- {
		n := g.classes[path[d].class]
		fmt.Fprintf(&b, "\n-> #%d %s:\n", d, g.className(n.c, n.usage))
		if d == 0 {
			trace(&b, task.stack())
			continue
		}
		from := g.classes[path[d-1].class]
		e := from.after[path[d].edge]
		trace(&b, e.stack)
		chain = append([]Dep{g.dep(from, e)}, chain...)
	}

	b.WriteString("\nother info that might help us debug this:\n\n")
	source, target := next.Class.Name(), prev.Class.Name()
	parent := names[len(names)-2]
	if len(path) > 2 {
		fmt.Fprintf(&b, "Chain exists of:\n  %s --> %s --> %s\n\n", source, parent, target)
	}
	b.WriteString(" Possible unsafe locking scenario:\n\n")
	b.WriteString("       CPU0                    CPU1\n")
	b.WriteString("       ----                    ----\n")
	fmt.Fprintf(&b, "  %s%s);\n", lockOp(prev.mode()), target)
	fmt.Fprintf(&b, "%31slock(%s);\n", "", parent)
	fmt.Fprintf(&b, "%31slock(%s);\n", "", target)
	fmt.Fprintf(&b, "  %s%s);\n", lockOp(next.mode()), source)
	b.WriteString("\n *** DEADLOCK ***\n\n")
	b.WriteString(g.HeldLocks(task, held))
	b.WriteString("\n")
	b.WriteString(StackBacktrace(task, "dump_stack_lvl", "print_circular_bug", "check_noncircular", "__lock_acquire", "lock_acquire"))
	return &Report{Kind: "circular", Title: title, Key: sortedKey(names), Text: b.String(), Chain: chain}
}

// badUnlock is print_unlock_imbalance_bug.
func (g *Graph) badUnlock(task *TaskInfo, held []Held, lock Held) *Report {
	const title = "WARNING: bad unlock balance detected!"
	var b strings.Builder
	banner(&b, task, title, len(title))
	fmt.Fprintf(&b, "%s/%d is trying to release lock (%s) at:\n", task.Comm, task.PID, lock.Class.Key)
	fmt.Fprintf(&b, "[<%016x>] %s\n", TextAddr(lock.At), lock.At)
	b.WriteString("but there are no more locks to release!\n")
	b.WriteString("\nother info that might help us debug this:\n")
	b.WriteString(g.HeldLocks(task, held))
	b.WriteString("\n")
	b.WriteString(StackBacktrace(task, "dump_stack_lvl", "print_unlock_imbalance_bug", "lock_release"))
	return &Report{Kind: "bad-unlock", Title: title, Key: lock.Class.Key, Text: b.String()}
}

// HeldLockFreed is print_freed_lock_bug, "WARNING: held lock freed!": the task frees
// (kfree) or re-initialises (mutex_init, spin_lock_init: the self-test "initialize
// held") the memory [from, from+size) that holds lock, which it holds. The caller
// checks that lock is in held; the report lists held, lock included.
func (g *Graph) HeldLockFreed(task *TaskInfo, held []Held, lock Held, from, size uint64) *Report {
	const title = "WARNING: held lock freed!"
	var b strings.Builder
	banner(&b, task, title, len(title))
	fmt.Fprintf(&b, "%s/%d is freeing memory %016x-%016x, with a lock still held there!\n",
		task.Comm, task.PID, from, from+max(size, 1)-1)
	b.WriteString(g.lockLine(lock))
	b.WriteString(g.HeldLocks(task, held))
	b.WriteString("\n")
	b.WriteString(StackBacktrace(task, "dump_stack_lvl", "print_freed_lock_bug", "debug_check_no_locks_freed"))
	return &Report{Kind: "held-lock-freed", Title: title, Key: lock.Class.Name(), Text: b.String()}
}

// ExitWithLocks is print_held_locks_bug, "WARNING: <comm>/<pid> still has locks
// held!": a task exits (do_exit) holding locks. The kernel's separators here are a
// fixed 36 characters wide. It returns nil when held is empty.
func (g *Graph) ExitWithLocks(task *TaskInfo, held []Held) *Report {
	if len(held) == 0 {
		return nil
	}
	title := fmt.Sprintf("WARNING: %s/%d still has locks held!", task.Comm, task.PID)
	var b strings.Builder
	banner(&b, task, title, 36)
	b.WriteString(g.HeldLocks(task, held))
	b.WriteString("\n")
	b.WriteString(StackBacktrace(task, "dump_stack_lvl", "debug_check_no_locks_held", "do_exit"))
	names := make([]string, len(held))
	for i, h := range held {
		names[i] = h.Class.Name()
	}
	return &Report{Kind: "exit-with-locks", Title: title, Key: sortedKey(names), Text: b.String()}
}

// invalidSubclass is look_up_lock_class's complaint about a subclass >= 8. The
// acquisition is not tracked (ksim goes on validating the others).
func invalidSubclass(task *TaskInfo, h Held) *Report {
	title := fmt.Sprintf("BUG: looking up invalid subclass: %d", h.Class.Subclass)
	var b strings.Builder
	b.WriteString(title + "\n")
	b.WriteString("turning off the locking correctness validator.\n")
	b.WriteString(strings.TrimPrefix(StackBacktrace(task, "dump_stack_lvl", "look_up_lock_class", "register_lock_class", "__lock_acquire", "lock_acquire"), "stack backtrace:\n"))
	return &Report{Kind: "invalid-subclass", Title: title, Key: fmt.Sprintf("%s/%d", h.Class.Key, h.Class.Subclass), Text: b.String()}
}

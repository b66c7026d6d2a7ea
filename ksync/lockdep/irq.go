package lockdep

import (
	"fmt"
	"slices"
	"strings"
)

// The irq-safety checks of kernel/locking/lockdep.c: mark_lock / mark_lock_irq /
// valid_state (inconsistent lock state), check_usage_forwards / check_usage_backwards
// (irq lock inversion) and check_irq_usage (irq-safe -> irq-unsafe lock order).

// Kernel functions of the "stack backtrace:" of the irq reports, innermost first,
// below the printing function.
var (
	viaAcquire = []string{"mark_lock", "mark_usage", "__lock_acquire", "lock_acquire"}
	viaIRQsOn  = []string{"mark_lock", "mark_held_locks", "lockdep_hardirqs_on_prepare", "trace_hardirqs_on"}
)

// markUsage is mark_usage for the acquisition of next (class nid). It stops at the
// first problem: bad reports it, r being nil when the graph already reported it.
func (g *Graph) markUsage(task *TaskInfo, held []Held, next Held, nid int32) (r *Report, bad bool) {
	n := g.classes[nid]
	if n.addr == 0 {
		n.addr = next.Addr
		g.version++
	}
	bits, cnt := markBits(task.IRQ, next.mode() != modeWrite, next.Trylock)
	for _, bit := range bits[:cnt] {
		if n.usage&(1<<bit) != 0 {
			continue // already set: mark_lock's fast path, without the call
		}
		if r, bad := g.markLock(task, held, next, nid, bit, viaAcquire); bad {
			return r, true
		}
	}
	return nil, false
}

// IRQsOn is lockdep_hardirqs_on / lockdep_softirqs_on: the task has just re-enabled
// hardirqs (local_irq_enable, spin_unlock_irq, spin_unlock_irqrestore,
// local_irq_restore) or softirqs (local_bh_enable, spin_unlock_bh) while holding held
// (oldest first); task.IRQ is the state after the change and task.stack() the enabling
// site. Like mark_held_locks, each held lock gets HARDIRQ-ON (-W, or -R for a read
// acquisition) when hardirqs are now on, then SOFTIRQ-ON when softirqs are on too,
// with the same checks as an acquisition's new bits: a held lock that was used in
// irq context -> "inconsistent lock state" (the self-test "safe-A + irqs-on":
// spin_lock_irq(A); local_irq_enable(); with A irq-safe). Enabling irqs in a hardirq
// handler marks nothing, as in the kernel (which warns). Calls without a transition
// are harmless: bits already set are not checked again.
func (g *Graph) IRQsOn(task *TaskInfo, held []Held) *Report {
	ctx := task.IRQ
	if ctx.InHardirq || ctx.hardirqsOff() {
		return nil
	}
	pass := func(base uint8) (*Report, bool) {
		for _, h := range held {
			if h.Class.Subclass < 0 || h.Class.Subclass >= MaxSubclasses {
				continue
			}
			id := g.heldClass(&h)
			if g.classes[id].addr == 0 {
				g.classes[id].addr = h.Addr
				g.version++
			}
			bit := base
			if h.mode() != modeWrite {
				bit++
			}
			if r, bad := g.markLock(task, held, h, id, bit, viaIRQsOn); bad {
				return r, true
			}
		}
		return nil, false
	}
	if r, bad := pass(bitEnabledHardirq); bad {
		return r
	}
	if !ctx.softirqsOff() {
		r, _ := pass(bitEnabledSoftirq)
		return r
	}
	return nil
}

// markLock is mark_lock: a bit already set is not checked again; a new one is set,
// its stack saved (usage_traces), and an irq bit validated (mark_lock_irq). The bit
// is set when it is reported, as in the kernel: the {usage} field shows both. After
// the report the bit is taken back: the kernel's lockdep stops there, and an
// identical acquisition (in another execution) must find the conflict again.
func (g *Graph) markLock(task *TaskInfo, held []Held, this Held, nid int32, bit uint8, via []string) (*Report, bool) {
	n := g.classes[nid]
	if n.usage&(1<<bit) != 0 {
		return nil, false
	}
	n.usage |= 1 << bit
	g.version++
	n.traces[bit] = slices.Clip(slices.Clone(task.stack()))
	if bit >= bitUsed {
		return nil, false
	}
	r, bad := g.markLockIRQ(task, held, this, nid, bit, via)
	if bad {
		n.usage &^= 1 << bit
		n.traces[bit] = nil
		g.version++
	}
	return r, bad
}

// markLockIRQ is mark_lock_irq for the new irq bit of class nid.
func (g *Graph) markLockIRQ(task *TaskInfo, held []Held, this Held, nid int32, bit uint8, via []string) (*Report, bool) {
	n := g.classes[nid]

	// mark_lock_irq
	excl := exclusiveBit(bit)
	if n.usage&(1<<excl) != 0 { // valid_state
		return g.once(g.usageBug(task, held, this, excl, bit, via)), true
	}
	if bit&1 == 0 && n.usage&(1<<(excl|1)) != 0 { // read in write conflicts
		return g.once(g.usageBug(task, held, this, excl|1, bit, via)), true
	}
	mask := Usage(1)<<excl | Usage(1)<<(excl|1)
	forwards := bit&2 == 0 // USED_IN looks forwards for ENABLED, ENABLED backwards for USED_IN
	var path []bfsEntry
	if forwards {
		path = g.bfs(nid, this.mode() == modeRecursive, false, usageMatch(mask))
	} else {
		path = g.bfs(nid, this.mode() != modeWrite, true, usageMatch(mask))
	}
	if path == nil {
		return nil, false
	}
	irqclass := stateName(excl | 1)
	if g.classes[path[len(path)-1].class].usage&(1<<excl) != 0 {
		irqclass = stateName(excl)
	}
	fn := "check_usage_backwards"
	if forwards {
		fn = "check_usage_forwards"
	}
	return g.once(g.inversion(task, held, this, path, forwards, irqclass, append([]string{fn, "mark_lock_irq"}, via...))), true
}

// usageMatch is usage_match: a class reached only through -(*R)-> / -(S*)-> links
// counts with its write usage only.
func usageMatch(mask Usage) func(n *classNode, onlyXR bool) bool {
	return func(n *classNode, onlyXR bool) bool {
		u := n.usage
		if onlyXR {
			u &= lockfIRQ
		}
		return u&mask != 0
	}
}

// bfs is __bfs_forwards / __bfs_backwards: a breadth-first search from src along the
// dependencies (after, or before when backward), in the order they were recorded,
// following only strong paths (a -(*R)-> link may not be followed by -(S*)->; the
// root is only_xr when the lock is a recursive reader forwards, any reader
// backwards). visit is called on the root and on every class reached, with its
// only_xr state; the first that returns true ends the search, whose path is
// returned root first. nil: no class matched.
func (g *Graph) bfs(src int32, onlyXR, backward bool, visit func(n *classNode, onlyXR bool) bool) []bfsEntry {
	g.gen++
	q := append(g.queue[:0], bfsEntry{class: src, parent: -1, edge: -1, onlyXR: onlyXR})
	g.classes[src].gen = g.gen
	found := -1
	if visit(g.classes[src], onlyXR) {
		found = 0
	}
	for head := 0; found < 0 && head < len(q); head++ {
		l := q[head]
		list := g.classes[l.class].after
		if backward {
			list = g.classes[l.class].before
		}
		for i, e := range list {
			n := g.classes[e.to]
			if n.gen == g.gen {
				continue
			}
			n.gen = g.gen
			dep := e.dep
			if l.onlyXR {
				dep &^= depSR | depSN
			}
			if dep == 0 {
				continue
			}
			c := bfsEntry{class: e.to, parent: int32(head), edge: int32(i), onlyXR: dep&(depSN|depEN) == 0}
			q = append(q, c)
			if visit(n, c.onlyXR) {
				found = len(q) - 1
				break
			}
		}
	}
	g.queue = q
	if found < 0 {
		return nil
	}
	var path []bfsEntry
	for i := int32(found); i >= 0; i = q[i].parent {
		path = append(path, q[i])
	}
	slices.Reverse(path)
	return path
}

// checkIRQUsage is check_irq_usage, run for a new dependency prev -> next before it
// is recorded: the usage of every class that reaches prev (prev included) is
// accumulated backwards; if some are USED_IN an irq, a class reached from next (next
// included) with an exclusive ENABLED usage makes the dependency connect an irq-safe
// lock to an irq-unsafe one.
func (g *Graph) checkIRQUsage(task *TaskInfo, held []Held, prev Held, pid int32, next Held, nid int32) (*Report, bool) {
	prevXR, nextXR := prev.mode() != modeWrite, next.mode() == modeRecursive
	var acc Usage
	g.bfs(pid, prevXR, true, func(n *classNode, onlyXR bool) bool {
		if onlyXR {
			acc |= n.usage & lockfIRQ
		} else {
			acc |= n.usage
		}
		return false
	})
	acc &= lockfUsedInIRQAll
	if acc == 0 {
		return nil, false
	}
	fwd := g.bfs(nid, nextXR, false, usageMatch(exclusiveMask(acc)))
	if fwd == nil {
		return nil, false
	}
	unsafe := g.classes[fwd[len(fwd)-1].class]
	back := g.bfs(pid, prevXR, true, usageMatch(originalMask(unsafe.usage&lockfEnabledIRQAll)))
	if back == nil {
		return nil, false // DEBUG_LOCKS_WARN_ON in the kernel
	}
	safe := g.classes[back[len(back)-1].class]
	bit1, bit2, ok := findExclusiveMatch(safe.usage, unsafe.usage)
	if !ok {
		return nil, false
	}
	return g.once(g.badIRQDependency(task, held, prev, next, back, fwd, bit1, bit2)), true
}

// irqKey is the deduplication key of the irq-order and irq-inversion reports.
func irqKey(safe, unsafe *classNode, bit uint8) string {
	return fmt.Sprintf("%s -> %s %s", safe.c.Name(), unsafe.c.Name(), stateName(bit&^1))
}

// usageBug is print_usage_bug, "WARNING: inconsistent lock state".
func (g *Graph) usageBug(task *TaskInfo, held []Held, this Held, prevBit, newBit uint8, via []string) *Report {
	const title = "WARNING: inconsistent lock state"
	n := g.lookup(this.Class)
	var b strings.Builder
	banner(&b, task, title, len(title))
	fmt.Fprintf(&b, "inconsistent {%s} -> {%s} usage.\n", usageNames[prevBit], usageNames[newBit])
	fmt.Fprintf(&b, "%s/%d %s takes:\n", task.Comm, task.PID, task.IRQ.flags())
	b.WriteString(g.lockLine(this))
	fmt.Fprintf(&b, "{%s} state was registered at:\n", usageNames[prevBit])
	traceIndent(&b, n.traces[prevBit], 2)
	irqTraceEvents(&b, task.IRQTrace)
	b.WriteString("\nother info that might help us debug this:\n")
	b.WriteString(" Possible unsafe locking scenario:\n\n")
	b.WriteString("       CPU0\n")
	b.WriteString("       ----\n")
	fmt.Fprintf(&b, "  lock(%s);\n", this.Class.Name())
	b.WriteString("  <Interrupt>\n")
	fmt.Fprintf(&b, "    lock(%s);\n", this.Class.Name())
	b.WriteString("\n *** DEADLOCK ***\n\n")
	b.WriteString(g.HeldLocks(task, held))
	b.WriteString("\n")
	b.WriteString(StackBacktrace(task, append([]string{"dump_stack_lvl", "print_usage_bug", "valid_state", "mark_lock_irq"}, via...)...))
	key := fmt.Sprintf("%s {%s} -> {%s}", this.Class.Name(), usageNames[prevBit], usageNames[newBit])
	return &Report{Kind: "inconsistent", Title: title, Key: key, Text: b.String()}
}

// String is print_irqtrace_events (kernel/locking/lockdep.c): the "irq event stamp:"
// line and the last enable and disable of hardirqs and softirqs.
func (t IRQTrace) String() string {
	var b strings.Builder
	irqTraceEvents(&b, t)
	return b.String()
}

// irqTraceEvents is print_irqtrace_events.
func irqTraceEvents(b *strings.Builder, t IRQTrace) {
	fmt.Fprintf(b, "irq event stamp: %d\n", t.Events)
	line := func(what string, e IRQEvent) {
		var addr uint64
		sym := "0x0"
		if e.At != "" {
			addr, sym = TextAddr(e.At), e.At
		}
		fmt.Fprintf(b, "%s at (%d): [<%016x>] %s\n", what, e.Event, addr, sym)
	}
	line("hardirqs last  enabled", t.HardirqEnable)
	line("hardirqs last disabled", t.HardirqDisable)
	line("softirqs last  enabled", t.SoftirqEnable)
	line("softirqs last disabled", t.SoftirqDisable)
}

// traceIndent is stack_trace_print: the frames innermost first, each indented by
// spaces.
func traceIndent(b *strings.Builder, frames []Frame, spaces int) {
	pad := strings.Repeat(" ", spaces)
	for i := len(frames) - 1; i >= 0; i-- {
		b.WriteString(pad + frames[i].String() + "\n")
	}
}

// keySymbol is the "[<addr>] sym" of a class's key: a statically defined lock is its
// own key (DEFINE_SPINLOCK(l): "l+0x0/0x20", the subclass keys following it); a
// dynamically initialised one has the static "__key" of its init site, named here by
// the class's index.
func (g *Graph) keySymbol(n *classNode, id int32) string {
	if !strings.HasPrefix(n.c.Key, "&") && n.addr != 0 {
		off := uint64(n.c.Subclass) * 8
		return fmt.Sprintf("[<%016x>] %s+0x%x/0x20", n.addr+off, n.c.Key, off)
	}
	return fmt.Sprintf("[<%016x>] __key.%d+0x%x/0x40", TextAddr(n.c.Key)|0xe000000, id, n.c.Subclass*8)
}

// classHeader is print_lock_class_header: the class with the stack of each of its
// usage bits, at BFS depth depth.
func (g *Graph) classHeader(b *strings.Builder, id int32, depth int) {
	n := g.classes[id]
	pad := strings.Repeat(" ", depth)
	fmt.Fprintf(b, "%s-> %s {\n", pad, g.className(n.c, n.usage))
	for bit := 0; bit < numUsageBits; bit++ {
		if n.usage&(1<<bit) == 0 {
			continue
		}
		fmt.Fprintf(b, "%s   %s at:\n", pad, usageNames[bit])
		// len = depth + printk("%*s   %s") + printk(" at:\n") (the newline not
		// counted), and stack_trace_print pads by len+1.
		traceIndent(b, n.traces[bit], 2*depth+3+len(usageNames[bit])+4+1)
	}
	fmt.Fprintf(b, "%s }\n", pad)
	fmt.Fprintf(b, "%s ... key      at: %s\n", pad, g.keySymbol(n, id))
}

// edgeStack is the stack of the dependency that brought the search to path[i].
func (g *Graph) edgeStack(path []bfsEntry, i int, backward bool) []Frame {
	p := g.classes[path[path[i].parent].class]
	if backward {
		return p.before[path[i].edge].stack
	}
	return p.after[path[i].edge].stack
}

// shortestDeps is print_shortest_lock_dependencies: from the leaf (the class found)
// back to the root, each class with the stack of the dependency that reached it, the
// root with root's stack (the current one).
func (g *Graph) shortestDeps(b *strings.Builder, path []bfsEntry, backward bool, root []Frame) {
	for d := len(path) - 1; d >= 0; d-- {
		g.classHeader(b, path[d].class, d)
		fmt.Fprintf(b, "%s ... acquired at:\n", strings.Repeat(" ", d))
		if d == 0 {
			traceIndent(b, root, 3)
		} else {
			traceIndent(b, g.edgeStack(path, d, backward), 3)
		}
		b.WriteString("\n")
	}
}

// shortestDepsBackwards is print_shortest_lock_dependencies_backwards: the path of a
// backward search printed from the leaf (the earliest lock) to the root, each
// dependency's stack under the later class of it.
func (g *Graph) shortestDepsBackwards(b *strings.Builder, path []bfsEntry) {
	var trace []Frame
	for d := len(path) - 1; d >= 0; d-- {
		g.classHeader(b, path[d].class, d)
		if trace != nil {
			fmt.Fprintf(b, "%s ... acquired at:\n", strings.Repeat(" ", d))
			traceIndent(b, trace, 3)
			b.WriteString("\n")
		}
		if d > 0 {
			trace = g.edgeStack(path, d, true)
		}
	}
}

// irqScenario is print_irq_lock_scenario.
func (g *Graph) irqScenario(b *strings.Builder, safe, unsafe, prev, next int32) {
	middle := prev
	if middle == safe {
		middle = next
	}
	name := func(id int32) string { return g.classes[id].c.Name() }
	if middle != unsafe {
		fmt.Fprintf(b, "Chain exists of:\n  %s --> %s --> %s\n\n", name(safe), name(middle), name(unsafe))
	}
	b.WriteString(" Possible interrupt unsafe locking scenario:\n\n")
	b.WriteString("       CPU0                    CPU1\n")
	b.WriteString("       ----                    ----\n")
	fmt.Fprintf(b, "  lock(%s);\n", name(unsafe))
	fmt.Fprintf(b, "%31slocal_irq_disable();\n", "")
	fmt.Fprintf(b, "%31slock(%s);\n", "", name(safe))
	fmt.Fprintf(b, "%31slock(%s);\n", "", name(middle))
	b.WriteString("  <Interrupt>\n")
	fmt.Fprintf(b, "    lock(%s);\n", name(safe))
	b.WriteString("\n *** DEADLOCK ***\n\n")
}

// badIRQDependency is print_bad_irq_dependency: back is the backward search from the
// held lock's class to the irq-safe class, fwd the forward search from the new lock's
// class to the irq-unsafe class; bit1 is the safe class's USED_IN bit, bit2 the unsafe
// class's ENABLED bit. The kernel's separators here are a fixed 53 characters.
func (g *Graph) badIRQDependency(task *TaskInfo, held []Held, prev, next Held, back, fwd []bfsEntry, bit1, bit2 uint8) *Report {
	irqclass := stateName(bit1)
	title := fmt.Sprintf("WARNING: %s-safe -> %s-unsafe lock order detected", irqclass, irqclass)
	safeID, unsafeID := back[len(back)-1].class, fwd[len(fwd)-1].class
	safe, unsafe := g.classes[safeID], g.classes[unsafeID]
	pid, nid := back[0].class, fwd[0].class
	var b strings.Builder
	banner(&b, task, title, 53)
	fmt.Fprintf(&b, "%s/%d %s is trying to acquire:\n", task.Comm, task.PID, task.IRQ.flags())
	b.WriteString(g.lockLine(next))
	b.WriteString("\nand this task is already holding:\n")
	b.WriteString(g.lockLine(prev))
	b.WriteString("which would create a new lock dependency:\n")
	fmt.Fprintf(&b, " %s -> %s\n", g.lockName(prev), g.lockName(next))
	fmt.Fprintf(&b, "\nbut this new dependency connects a %s-irq-safe lock:\n", irqclass)
	fmt.Fprintf(&b, " %s\n", g.className(safe.c, safe.usage))
	fmt.Fprintf(&b, "\n... which became %s-irq-safe at:\n", irqclass)
	traceIndent(&b, safe.traces[bit1], 2)
	fmt.Fprintf(&b, "\nto a %s-irq-unsafe lock:\n", irqclass)
	fmt.Fprintf(&b, " %s\n", g.className(unsafe.c, unsafe.usage))
	fmt.Fprintf(&b, "\n... which became %s-irq-unsafe at:\n", irqclass)
	b.WriteString("...\n")
	traceIndent(&b, unsafe.traces[bit2], 2)
	b.WriteString("\nother info that might help us debug this:\n\n")
	g.irqScenario(&b, safeID, unsafeID, pid, nid)
	b.WriteString(g.HeldLocks(task, held))
	fmt.Fprintf(&b, "\nthe dependencies between %s-irq-safe lock and the holding lock:\n", irqclass)
	g.shortestDepsBackwards(&b, back)
	b.WriteString("\nthe dependencies between the lock to be acquired\n")
	fmt.Fprintf(&b, " and %s-irq-unsafe lock:\n", irqclass)
	g.shortestDeps(&b, fwd, false, task.stack())
	b.WriteString("\n")
	b.WriteString(StackBacktrace(task, "dump_stack_lvl", "print_bad_irq_dependency", "check_irq_usage", "__lock_acquire", "lock_acquire"))
	return &Report{Kind: "irq-order", Title: title, Key: irqKey(safe, unsafe, bit1), Text: b.String()}
}

// inversion is print_irq_inversion_bug: this just got a usage bit; path runs from its
// class (the root) to the class found with the exclusive usage, along the
// dependencies forwards (this became irq-safe and took an irq-unsafe lock) or
// backwards (this became irq-unsafe and an irq-safe lock took it).
func (g *Graph) inversion(task *TaskInfo, held []Held, this Held, path []bfsEntry, forwards bool, irqclass string, via []string) *Report {
	const title = "WARNING: possible irq lock inversion dependency detected"
	root, otherID := path[0].class, path[len(path)-1].class
	other := g.classes[otherID]
	middle := path[min(1, len(path)-1)].class
	var b strings.Builder
	banner(&b, task, title, len(title))
	fmt.Fprintf(&b, "%s/%d just changed the state of lock:\n", task.Comm, task.PID)
	b.WriteString(g.lockLine(this))
	if forwards {
		fmt.Fprintf(&b, "but this lock took another, %s-unsafe lock in the past:\n", irqclass)
	} else {
		fmt.Fprintf(&b, "but this lock was taken by another, %s-safe lock in the past:\n", irqclass)
	}
	fmt.Fprintf(&b, " %s\n", g.className(other.c, other.usage))
	b.WriteString("\n\nand interrupts could create inverse lock ordering between them.\n\n")
	b.WriteString("\nother info that might help us debug this:\n")
	safe, unsafe := root, otherID
	if forwards {
		g.irqScenario(&b, root, otherID, middle, otherID)
	} else {
		safe, unsafe = otherID, root
		g.irqScenario(&b, otherID, root, middle, root)
	}
	b.WriteString(g.HeldLocks(task, held))
	b.WriteString("\nthe shortest dependencies between 2nd lock and 1st lock:\n")
	g.shortestDeps(&b, path, !forwards, task.stack())
	b.WriteString("\n")
	b.WriteString(StackBacktrace(task, append([]string{"dump_stack_lvl", "print_irq_inversion_bug"}, via...)...))
	var bit uint8 = bitUsedInHardirq
	if strings.HasPrefix(irqclass, "SOFTIRQ") {
		bit = bitUsedInSoftirq
	}
	return &Report{Kind: "irq-inversion", Title: title, Key: irqKey(g.classes[safe], g.classes[unsafe], bit), Text: b.String()}
}

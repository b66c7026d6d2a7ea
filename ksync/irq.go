package ksync

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// Interrupts. A registered line may fire at any scheduling point of a task whose CPU
// has interrupts enabled: an explored data choice, so an exhaustive search tries every
// place. The handler runs in hardirq context on that CPU, on top of the interrupted
// task, which cannot run until the handler returns. A line that arrives while the CPU
// has interrupts disabled stays pending and fires when they are re-enabled. Tasklets
// run in softirq context at irq exit, or when bottom halves are enabled again.
//
// The handler runs as a thread of its own that the interrupted task waits for: the
// engine then sees the handler's steps interleave with the other CPUs' tasks, and a
// handler spinning on a lock the interrupted task holds is a state where nothing can
// run: a hard lockup.

// IRQReturn is irqreturn_t.
type IRQReturn int

const (
	IRQNone    IRQReturn = 0 // IRQ_NONE
	IRQHandled IRQReturn = 1 // IRQ_HANDLED

	softirqOffset = 0x100 // SOFTIRQ_OFFSET: serving a softirq
)

// IRQLine is an interrupt line with its handler (request_irq).
type IRQLine struct {
	k       *Kernel
	n       int
	name    string
	handler func(t *Task) IRQReturn
	times   int // how often it may fire in one execution
	cpu     int // the CPU it is routed to, -1 for any
	fired   int
	counts  []int // per CPU, for /proc/interrupts
	pending []bool
	active  bool
	running int // handlers of the line in hardirq context now: free_irq waits for them
}

// Enabled reports whether no handler of the line runs: synchronize_irq waits for that.
func (l *IRQLine) Enabled(*sched.Op) bool { return l.running == 0 }

// IRQSetting is the explored behaviour of a line (`#pragma ksim irq N times K`,
// `#pragma ksim irq N cpu C`): it fires at most Times times per execution (0: once),
// only on CPU (-1: on any CPU).
type IRQSetting struct{ Times, CPU int }

// fullSearchIRQ is why interrupts need a full search: whether any step of any task
// may be interrupted depends on which lines are registered, how often they fired and
// which tasks sleep — state no single operation names, so DPOR would take steps for
// independent that are not (a false "no problem" — found by a review).
const fullSearchIRQ = "interrupts or tasklets: any step may be interrupted, depending on state every task shares"

// RequestIRQ is request_irq(): it installs handler for line n and returns 0.
func (t *Task) RequestIRQ(n int, name string, handler func(t *Task) IRQReturn) int {
	t.k.e.RequireFullSearch(fullSearchIRQ)
	t.op("request_irq", 0, sched.None, nil)
	k := t.k
	set, ok := k.cfg.IRQs[n]
	if !ok {
		set = IRQSetting{Times: 1, CPU: -1}
	}
	if set.Times <= 0 {
		set.Times = 1
	}
	for _, l := range k.irqs {
		if l.n == n && l.active {
			return -EBUSY
		}
	}
	l := &IRQLine{k: k, n: n, name: name, handler: handler, times: set.Times, cpu: set.CPU,
		counts: make([]int, k.cfg.CPUs), pending: make([]bool, k.cfg.CPUs), active: true}
	k.irqs = append(k.irqs, l)
	t.note("irq %d: %s", n, name)
	return 0
}

// FreeIRQ is free_irq(): the line no longer fires, an interrupt still pending on it
// (arrived while interrupts were off) is dropped, and, as synchronize_irq does, it
// waits for a handler of the line still running on another CPU.
func (t *Task) FreeIRQ(n int) {
	t.op("free_irq", 0, sched.None, nil)
	var l *IRQLine
	for _, x := range t.k.irqs {
		if x.n == n && x.active {
			l = x
		}
	}
	if l == nil {
		return
	}
	l.active = false
	clear(l.pending)
	if l.running > 0 && t.line != l { // a handler freeing its own line does not wait for itself
		t.note("waits for the running handler")
		t.op("synchronize_irq", 0, sched.None, l)
	}
}

// irqTarget is one way an interrupt can arrive: line l on cpu.
type irqTarget struct {
	l   *IRQLine
	cpu int
}

// mayInterrupt is the explored choice before each of a task's steps: does an interrupt
// arrive now, and where? On this task's CPU the handler runs on top of the task (or,
// with interrupts off, the line becomes pending); on an idle CPU it runs on its own.
//
// It is called before every step, so the test for "no interrupt lines" is kept small
// enough to be inlined; the choice itself is in interruptChoice.
func (t *Task) mayInterrupt() {
	if len(t.k.irqs) != 0 && !t.inIRQ && !t.exited {
		t.interruptChoice()
	}
}

// interruptChoice makes the choice mayInterrupt describes.
func (t *Task) interruptChoice() {
	k := t.k
	var cands []irqTarget
	for _, l := range k.irqs {
		if !l.active || l.fired >= l.times {
			continue
		}
		if (l.cpu < 0 || l.cpu == t.cpu) && !l.pending[t.cpu] {
			cands = append(cands, irqTarget{l, t.cpu})
		}
		for c := 0; c < k.cfg.CPUs; c++ {
			if c != t.cpu && (l.cpu < 0 || l.cpu == c) && k.idle(c) {
				cands = append(cands, irqTarget{l, c})
			}
		}
	}
	if len(cands) == 0 {
		return
	}
	c := t.th.Choose(len(cands) + 1)
	if c == 0 {
		return
	}
	target := cands[c-1]
	target.l.fired++
	switch {
	case target.cpu != t.cpu:
		t.interruptIdle(target.l, target.cpu)
	case t.irqsOff:
		target.l.pending[t.cpu] = true // delivered when interrupts come back on
	default:
		t.interrupt(target.l)
	}
}

// idle reports whether no task runs on cpu: an interrupt there interrupts nobody. A
// task asleep or waiting (for a lock, for the module's threads) is not running.
func (k *Kernel) idle(cpu int) bool {
	for _, o := range k.tasks {
		if !o.exited && o.cpu == cpu && !o.asleep && o.wait.kind == "" {
			return false
		}
	}
	for _, h := range k.handlers {
		if !h.exited && h.cpu == cpu {
			return false
		}
	}
	return true
}

// deliverPending is what follows turning irqs back on: lockdep's irqs-on check, then
// the interrupts that arrived while they were off, on lines still requested.
func (t *Task) deliverPending() {
	if t.irqsOff {
		return
	}
	t.irqsOn()
	if t.inIRQ {
		return
	}
	for _, l := range t.k.irqs {
		if l.pending[t.cpu] {
			l.pending[t.cpu] = false
			if l.active {
				t.interrupt(l)
			}
		}
	}
}

// interrupt runs l's handler on t's CPU, in hardirq context, and waits for it.
func (t *Task) interrupt(l *IRQLine) {
	t.interrupted = true
	t.updatePin()
	ht := t.startHandler(l, t.cpu, t)
	t.note("interrupted by irq %d (%s)", l.n, l.name)
	t.wait = waiting{kind: "irq"}
	t.th.Join(ht, t.pos)
	t.wait = waiting{}
	t.interrupted = false
	t.updatePin()
}

// interruptIdle runs l's handler on an idle cpu, alongside everything else.
func (t *Task) interruptIdle(l *IRQLine, cpu int) {
	t.startHandler(l, cpu, nil)
	t.note("irq %d (%s) fires on idle CPU%d", l.n, l.name, cpu)
}

// startHandler starts l's handler on cpu, in hardirq context, on top of below (nil on
// an idle CPU). The kernel runs a handler with "current" set to the interrupted task:
// the handler's Task has its comm and pid.
func (t *Task) startHandler(l *IRQLine, cpu int, below *Task) *sched.Thread {
	k := t.k
	l.counts[cpu]++
	l.running++
	h := &Task{k: k, Comm: "swapper/" + fmt.Sprint(cpu), PID: 0, state: Running, cpu: cpu,
		preempt: hardirqOffset, irqsOff: true, inIRQ: true, hardirq: true, below: below, line: l}
	if below != nil {
		h.Comm, h.PID, h.PPID = below.Comm, below.PID, below.PPID
		h.preempt += below.preempt
		h.stack = below.stack
	}
	h.held = h.heldBuf[:0]
	h.gate.t = h
	h.updatePin()
	k.handlers = append(k.handlers, h)
	name := fmt.Sprintf("irq/%d-%s", l.n, l.name)
	return t.th.SpawnAt(t.pos, name, func(th *sched.Thread) {
		h.th = th
		th.SetWhere(cpuNames[cpu])
		l.handler(h)
		h.endHardirq()
		// irq_exit: pending softirqs run now, in softirq context, with irqs on, unless
		// the interrupted code has bottom halves disabled.
		h.preempt -= hardirqOffset
		h.irqsOff = false
		if below == nil || below.preempt&0xff00 == 0 && !below.irqsOff {
			h.runSoftirqs()
		}
		h.exited = true
		h.updatePin()
	})
}

// endHardirq ends the hardirq part of a handler: free_irq no longer waits for it.
func (h *Task) endHardirq() {
	if h.hardirq && h.line != nil {
		h.line.running--
	}
	h.hardirq, h.line = false, nil
}

// ---- tasklets (softirqs) ----

// Tasklet is struct tasklet_struct: deferred work that runs in softirq context.
type Tasklet struct {
	k         *Kernel
	id        sched.ObjID
	name      string
	fn        func(t *Task)
	scheduled bool
	cpu       int
	runs      int
}

// DeclareTasklet is DECLARE_TASKLET(name, fn) or tasklet_init.
func (k *Kernel) DeclareTasklet(name string, fn func(t *Task)) *Tasklet {
	k.e.RequireFullSearch(fullSearchIRQ)
	return &Tasklet{k: k, name: name, fn: fn, id: k.e.NewObject(name)}
}

// SetFunc sets the tasklet's function outside any task (DECLARE_TASKLET at load time).
func (tl *Tasklet) SetFunc(fn func(t *Task)) { tl.fn = fn }

// Init is tasklet_init(): it (re)sets the function.
func (tl *Tasklet) Init(t *Task, fn func(t *Task)) {
	t.op("tasklet_init", tl.id, sched.Write, nil)
	tl.fn = fn
}

// Schedule is tasklet_schedule(): the tasklet runs once, soon, in softirq context on
// this CPU: at irq exit, or when bottom halves are enabled again. From process context
// with bottom halves enabled it runs at once (ksoftirqd's job, done eagerly).
func (t *Task) TaskletSchedule(tl *Tasklet) {
	t.op("tasklet_schedule", tl.id, sched.Write, nil)
	if tl.scheduled {
		return
	}
	tl.scheduled = true
	tl.cpu = t.cpu
	t.k.softirqs = append(t.k.softirqs, tl)
	if !t.inIRQ && t.preempt&0xff00 == 0 && !t.irqsOff {
		t.runSoftirqs()
	}
}

// Enabled reports whether the tasklet is not scheduled: tasklet_kill waits for that.
func (tl *Tasklet) Enabled(*sched.Op) bool { return !tl.scheduled }

// TaskletKill is tasklet_kill(): it waits until a scheduled tasklet has run, so that
// the tasklet is idle when it returns (kernel/softirq.c).
func (t *Task) TaskletKill(tl *Tasklet) {
	t.wait = waiting{kind: "tasklet", pos: t.pos}
	t.op("tasklet_kill", tl.id, sched.Write, tl)
	t.wait = waiting{}
}

func (k *Kernel) removeSoftirq(tl *Tasklet) {
	for i, s := range k.softirqs {
		if s == tl {
			k.softirqs = append(k.softirqs[:i], k.softirqs[i+1:]...)
			return
		}
	}
}

// runSoftirqs runs the tasklets pending on t's CPU, in softirq context.
func (t *Task) runSoftirqs() {
	for {
		var next *Tasklet
		for _, tl := range t.k.softirqs {
			if tl.scheduled && tl.cpu == t.cpu {
				next = tl
				break
			}
		}
		if next == nil {
			return
		}
		next.scheduled = false
		t.k.removeSoftirq(next)
		next.runs++
		saved := t.inIRQ
		t.inIRQ, t.softirq = true, true
		t.preempt += softirqOffset
		if next.fn != nil {
			next.fn(t)
		}
		t.preempt -= softirqOffset
		t.inIRQ, t.softirq = saved, false
	}
}

// ---- reports ----

// hardLockup is the watchdog's report for a CPU stuck with interrupts off: an irq
// handler spinning on a lock that the code it interrupted holds.
func (k *Kernel) hardLockup(h *Task) sched.Problem {
	var b strings.Builder
	title := fmt.Sprintf("watchdog: CPU%d: Watchdog detected hard LOCKUP on cpu %d", h.cpu, h.cpu)
	b.WriteString(title + "\n")
	b.WriteString("Modules linked in:\n")
	b.WriteString(h.header())
	fmt.Fprintf(&b, "RIP: 0010:queued_spin_lock_slowpath+0x7c/0x2d0\n")
	b.WriteString(h.callTrace("_raw_spin_lock"))
	k.printkAt(10, b.String())
	b.WriteString("\n")
	name := h.wait.lock.name
	if holder := k.holder(h.wait.lock); holder != nil && holder == h.below {
		fmt.Fprintf(&b, "ksim: the irq handler on CPU%d spins on %s, which the task it interrupted (%s) holds:\n"+
			"ksim: that task cannot run until the handler returns. Take %s with spin_lock_irqsave in process context.\n",
			h.cpu, name, h.below.id(), name)
	} else {
		fmt.Fprintf(&b, "ksim: the irq handler on CPU%d spins on %s with interrupts off, and nothing will release it\n", h.cpu, name)
	}
	return sched.Problem{Kind: "lockup", Site: "hard lockup on " + name + " at " + h.wait.pos, Title: title, Report: b.String()}
}

// ProcInterrupts is /proc/interrupts for this execution: how often each line fired on
// each CPU.
func (k *Kernel) ProcInterrupts() string {
	var b strings.Builder
	b.WriteString("     ")
	for c := 0; c < k.cfg.CPUs; c++ {
		fmt.Fprintf(&b, "       CPU%d", c)
	}
	b.WriteString("\n")
	lines := append([]*IRQLine(nil), k.irqs...)
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].n < lines[j].n })
	for _, l := range lines {
		fmt.Fprintf(&b, "%4d: ", l.n)
		for _, n := range l.counts {
			fmt.Fprintf(&b, "%10d ", n)
		}
		fmt.Fprintf(&b, " IO-APIC %4d-edge      %s\n", l.n, l.name)
	}
	fmt.Fprintf(&b, " NMI: ")
	for c := 0; c < k.cfg.CPUs; c++ {
		fmt.Fprintf(&b, "%10d ", 0)
	}
	b.WriteString("  Non-maskable interrupts\n")
	return b.String()
}

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
// context, which cannot run until the handler returns. A line that arrives while the
// CPU has interrupts disabled stays pending and fires when they are re-enabled, unless
// free_irq dropped it first.
//
// The handler runs as a thread of its own that the interrupted context waits for: the
// engine then sees the handler's steps interleave with the other CPUs' tasks, and a
// handler spinning on a lock the interrupted context holds is a state where nothing
// can run: a hard lockup.
//
// Softirqs (tasklets), as kernel/softirq.c runs them. A scheduled tasklet is pending
// on the CPU that scheduled it (TASKLET_STATE_SCHED: scheduling it again while pending
// changes nothing). Pending softirqs run, in softirq context with interrupts on:
//
//   - at the exit of a hardirq handler, unless the interrupted context is serving
//     softirqs or has bottom halves disabled;
//   - when bottom halves are enabled again (local_bh_enable, spin_unlock_bh);
//   - at any scheduling point of a context on that CPU that has bottom halves and
//     interrupts enabled and is not in interrupt: an explored choice (an interrupt's
//     exit, or ksoftirqd, gets there first), offered only while a tasklet is pending;
//   - in ksoftirqd, once nothing else on the CPU can run: a context that may leave the
//     CPU (it exits, sleeps or may block) with tasklets pending there wakes ksoftirqd,
//     so that no execution ends while a tasklet is pending and could still run.
//
// A softirq that a hardirq exit or a bottom-half enable runs is a context of its own
// on top of the interrupted one, on its thread; ksoftirqd has a thread of its own. A
// hardirq may interrupt a softirq (they run with interrupts on), never the reverse.

// IRQReturn is irqreturn_t.
type IRQReturn int

const (
	IRQNone       IRQReturn = 0 // IRQ_NONE
	IRQHandled    IRQReturn = 1 // IRQ_HANDLED
	IRQWakeThread IRQReturn = 2 // IRQ_WAKE_THREAD

	softirqOffset = 0x100 // SOFTIRQ_OFFSET: serving a softirq
)

// IRQLine is an interrupt line with its action (request_irq, request_threaded_irq).
type IRQLine struct {
	k       *Kernel
	n       int
	name    string
	handler IRQHandler // the primary handler, run in hardirq context
	times   int        // how often it may fire in one execution
	cpu     int        // the CPU it is routed to, -1 for any
	fired   int
	counts  []int // per CPU, for /proc/interrupts
	pending []bool
	active  bool
	running int // handlers of the line in hardirq context now: free_irq waits for them
	depth   int // desc->depth: disable_irq calls not matched by enable_irq; it fires only at 0
	irqThread
}

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
	return t.RequestThreadedIRQ(n, IRQRequest{Name: name, Handler: IRQHandler{Fn: handler}})
}

// FreeIRQ is free_irq() (kernel/irq/manage.c: __free_irq): the line no longer
// fires, an interrupt still pending on it (arrived while interrupts were off) is
// dropped, and __synchronize_irq waits for a handler of the line still running on
// another CPU and for its irq thread to finish what it was woken for; then
// kthread_stop ends the thread. It may sleep (it takes the descriptor's
// request_mutex): in atomic context, might_sleep's BUG. A line with no action is
// the kernel's "Trying to free already-free IRQ" warning.
func (t *Task) FreeIRQ(n int) {
	t.freeIRQ(n, "free_irq", false)
}

func (t *Task) freeIRQ(n int, prim string, devm bool) {
	t.mightSleep("", "free_irq") // __free_irq's mutex_lock(&desc->request_mutex)
	t.op(prim, 0, sched.None, nil)
	l := t.k.activeLine(n)
	if devm && (l == nil || !l.devm) {
		// devm_free_irq: WARN_ON(devres_destroy(...)) when the device has no such
		// managed irq; free_irq follows all the same.
		t.warn("", "kernel/irq/devres.c:144", "devm_free_irq+0x5c/0x70",
			fmt.Sprintf("devm_free_irq(%d) of no managed irq at %s", n, t.where()))
	}
	if l == nil {
		t.warn(fmt.Sprintf("Trying to free already-free IRQ %d", n), "kernel/irq/manage.c:1913", "__free_irq+0x1c5/0x2e0",
			fmt.Sprintf("free_irq(%d) of a free irq at %s", n, t.where()))
		return
	}
	l.active = false
	clear(l.pending)
	t.k.setIRQDepth(n, 1) // irq_shutdown of the line's last action
	t.synchronizeIRQ(l, "__synchronize_irq __free_irq free_irq")
}

// activeLine is the requested line n, nil if there is none.
func (k *Kernel) activeLine(n int) *IRQLine {
	for _, l := range k.irqs {
		if l.n == n && l.active {
			return l
		}
	}
	return nil
}

// irqDepth is desc->depth of line n: a requested line's own (request_irq's
// irq_startup makes it 0); a line never requested, or freed, is disabled: 1
// (desc_set_defaults, irq_shutdown), or what disable_irq and enable_irq made it
// since.
func (k *Kernel) irqDepth(n int) int {
	if l := k.activeLine(n); l != nil {
		return l.depth
	}
	if d, ok := k.tmem.irqDepth[n]; ok {
		return d
	}
	return 1
}

func (k *Kernel) setIRQDepth(n, d int) {
	if l := k.activeLine(n); l != nil {
		l.depth = d
		return
	}
	if k.tmem.irqDepth == nil {
		k.tmem.irqDepth = map[int]int{}
	}
	k.tmem.irqDepth[n] = d
}

// DisableIRQNosync is disable_irq_nosync() (kernel/irq/manage.c): the line's depth
// goes up; while it is not 0 the line does not fire. (The kernel marks an edge that
// arrives meanwhile pending and resends it at enable_irq; in ksim the line simply
// fires later, at any point after enable_irq, as often as it had left.)
func (t *Task) DisableIRQNosync(n int) {
	t.op("disable_irq_nosync", 0, sched.None, nil)
	t.k.setIRQDepth(n, t.k.irqDepth(n)+1)
}

// DisableIRQ is disable_irq() (kernel/irq/manage.c): might_sleep,
// disable_irq_nosync, then synchronize_irq: it waits for a handler of the line
// still running on another CPU and for the line's irq thread. Called from the
// line's own handler it waits for itself, forever, as the kernel's does: in the
// hardirq handler __synchronize_hardirq spins with interrupts off (the NMI
// watchdog's hard LOCKUP), in the thread function wait_event sleeps
// uninterruptibly (the hung task).
func (t *Task) DisableIRQ(n int) {
	t.mightSleep("kernel/irq/manage.c:739", "disable_irq")
	t.op("disable_irq", 0, sched.None, nil)
	t.k.setIRQDepth(n, t.k.irqDepth(n)+1)
	if l := t.k.activeLine(n); l != nil {
		t.synchronizeIRQ(l, "__synchronize_irq synchronize_irq disable_irq")
	}
}

// EnableIRQ is enable_irq() (__enable_irq): the line's depth goes down, and at 0 it
// fires again. At depth 0 already it is the kernel's warning "Unbalanced enable for
// IRQ n".
func (t *Task) EnableIRQ(n int) {
	t.op("enable_irq", 0, sched.None, nil)
	switch d := t.k.irqDepth(n); d {
	case 0:
		t.warn(fmt.Sprintf("Unbalanced enable for IRQ %d", n), "kernel/irq/manage.c:791", "__enable_irq",
			fmt.Sprintf("unbalanced enable_irq(%d) at %s", n, t.where()))
	default:
		t.k.setIRQDepth(n, d-1)
	}
}

// IRQDepth is the depth of line n (see DisableIRQ): 0 when it may fire.
func (k *Kernel) IRQDepth(n int) int { return k.irqDepth(n) }

// irqTarget is one way an interrupt can arrive: line l on cpu.
type irqTarget struct {
	l   *IRQLine
	cpu int
}

// mayInterrupt is the explored choice before each of a context's steps: does an
// interrupt arrive now, and where, or do the softirqs pending on this CPU run now? On
// this context's CPU the handler runs on top of it (or, with interrupts off, the line
// becomes pending); on an idle CPU it runs on its own. Nothing interrupts a hardirq
// handler: it runs with interrupts off.
//
// It is called before every step, so the test for "no interrupt line registered and no
// tasklet pending" is kept small enough to be inlined; the rest is in interruptChoice.
func (t *Task) mayInterrupt() {
	if k := t.k; len(k.irqs)+len(k.softirqs) != 0 {
		t.interruptChoice()
	}
}

// interruptChoice makes the choice mayInterrupt describes.
func (t *Task) interruptChoice() {
	k := t.k
	if t.hardirq || t.exited {
		return
	}
	var buf [8]irqTarget
	cands := buf[:0]
	idle, idleKnown := uint64(0), false // the idle CPUs, found once for all lines
	for _, l := range k.irqs {
		if !l.mayFire() || !k.roomForThread() {
			continue
		}
		if (l.cpu < 0 || l.cpu == t.cpu) && !l.pending[t.cpu] {
			cands = append(cands, irqTarget{l, t.cpu})
		}
		if !idleKnown {
			idle, idleKnown = k.idleCPUs(), true
		}
		for c := 0; c < k.cfg.CPUs; c++ {
			if c != t.cpu && (l.cpu < 0 || l.cpu == c) && idle&(1<<uint(c)) != 0 {
				cands = append(cands, irqTarget{l, c})
			}
		}
	}
	n := len(cands)
	soft := t.softirqsMayRun()
	if soft {
		n++ // the last alternative
	}
	if n == 0 {
		return
	}
	c := t.th.Choose(n + 1)
	switch {
	case c == 0:
		return
	case c > len(cands):
		t.runSoftirqs()
		return
	}
	target := cands[c-1]
	target.l.fired++
	target.l.edge()
	switch {
	case target.cpu != t.cpu:
		t.interruptIdle(target.l, target.cpu)
	case t.irqsOff:
		target.l.pending[t.cpu] = true // delivered when interrupts come back on
	default:
		t.interrupt(target.l)
	}
}

// idleCPUs is the set of CPUs, one bit each, on which no task runs: an interrupt there
// interrupts nobody. A task asleep or waiting (for a lock, for the module's threads)
// is not running, nor is a ksoftirqd waiting for its CPU to fall idle.
func (k *Kernel) idleCPUs() uint64 {
	idle := uint64(1)<<uint(k.cfg.CPUs) - 1 // CPUs ≤ 64: 1<<64 - 1 wraps to all ones
	for _, o := range k.tasks {
		if !o.exited && !o.asleep && o.wait.kind == "" {
			idle &^= 1 << uint(o.cpu)
		}
	}
	for _, h := range k.handlers {
		if !h.exited && !(h.softirqd && !h.softirq) {
			idle &^= 1 << uint(h.cpu)
		}
	}
	return idle
}

// deliverPending is what follows turning irqs back on: lockdep's irqs-on check, then
// the interrupts that arrived while they were off, on lines still requested.
func (t *Task) deliverPending() {
	if t.irqsOff {
		return
	}
	t.irqsOn()
	if t.hardirq {
		return
	}
	for _, l := range t.k.irqs {
		if l.pending[t.cpu] && l.depth == 0 && !l.masked {
			l.pending[t.cpu] = false
			if l.active && t.k.roomForThread() {
				t.interrupt(l)
			}
		}
	}
}

// threadsKept is how many of an execution's sched.MaxThreads threads interrupts and
// ksoftirqd leave to the scenario's own tasks (the interpreter reserves room for a
// kthread_run before it spawns).
const threadsKept = 16

// roomForThread reports whether an interrupt handler or ksoftirqd may start a thread:
// an execution has at most sched.MaxThreads. Past that, lines stop firing, and the
// exploration says that it is not complete.
func (k *Kernel) roomForThread() bool { return k.room(threadsKept) }

// room reports whether a thread may be spawned while keeping kept of the execution's
// sched.MaxThreads free, counting the spawns under way; when not, the exploration is
// marked incomplete (sched.Execution.LimitReached).
func (k *Kernel) room(kept int) bool {
	if len(k.e.Threads())+k.spawning < sched.MaxThreads-kept {
		return true
	}
	k.e.LimitReached(fmt.Sprintf("thread limit reached: an execution runs at most %d threads (tasks, interrupt handlers, ksoftirqd), and one more was needed", sched.MaxThreads))
	return false
}

// spawnAt spawns a thread for a new context from t's thread, holding its room for the
// length of the spawning step (room was checked in the same step).
func (t *Task) spawnAt(name string, fn func(*sched.Thread)) *sched.Thread {
	t.k.spawning++
	th := t.th.SpawnAt(t.pos, name, fn)
	t.k.spawning--
	return th
}

// interrupt runs l's handler on t's CPU, in hardirq context, and waits for it.
func (t *Task) interrupt(l *IRQLine) {
	saved := t.wait // t may be about to block (blockOn): its wait is for reports
	t.interrupted = true
	t.updatePin()
	ht := t.startHandler(l, t.cpu, t)
	t.note("interrupted by irq %d (%s)", l.n, l.name)
	t.wait = waiting{kind: "irq"}
	t.th.Join(ht, t.pos)
	t.wait = saved
	t.interrupted = false
	t.updatePin()
}

// interruptIdle runs l's handler on an idle cpu, alongside everything else.
func (t *Task) interruptIdle(l *IRQLine, cpu int) {
	t.startHandler(l, cpu, nil)
	t.note("irq %d (%s) fires on idle CPU%d", l.n, l.name, cpu)
}

// newContext is an interrupt context on cpu, on top of below (nil: on its own). The
// kernel runs it with "current" set to the interrupted task: the context has its comm
// and pid, and starts from its preempt_count.
func (k *Kernel) newContext(cpu int, below *Task) *Task {
	c := &Task{k: k, Comm: "swapper/" + cpuNames[cpu], state: Running, cpu: cpu, below: below, percpu: true}
	if below != nil {
		c.Comm, c.PID, c.PPID = below.Comm, below.PID, below.PPID
		c.preempt, c.preemptAt = below.preempt, below.preemptAt
	}
	c.held = c.heldBuf[:0]
	c.gate.t = c
	k.handlers = append(k.handlers, c)
	return c
}

// startHandler starts l's handler on cpu, in hardirq context, on top of below (nil on
// an idle CPU). The flow handler masks a IRQF_ONESHOT line first (handle_fasteoi_irq,
// handle_level_irq: mask_irq when IRQS_ONESHOT); it stays masked until the irq
// thread is done (irq_finalize_oneshot), or until the handler returns when it woke no
// thread (cond_unmask_irq).
func (t *Task) startHandler(l *IRQLine, cpu int, below *Task) *sched.Thread {
	l.counts[cpu]++
	l.running++
	if l.oneshot {
		l.masked = true
	}
	h := t.k.newContext(cpu, below)
	h.setIrqsOff(true, siteIRQEntry) // irqentry_enter: lockdep_hardirqs_off
	h.preempt += hardirqOffset
	if h.preempt == hardirqOffset {
		// preempt_count_add(HARDIRQ_OFFSET) in irq_enter_rcu takes preempt_count
		// from 0: current->preempt_disable_ip is its caller (CONFIG_DEBUG_PREEMPT).
		h.preemptAt = siteIRQEnterRCU
	}
	h.inIRQ, h.hardirq, h.line = true, true, l
	h.updatePin()
	name := fmt.Sprintf("irq/%d-%s", l.n, l.name)
	return t.spawnAt(name, func(th *sched.Thread) {
		h.th = th
		th.SetWhere(cpuNames[cpu])
		// __handle_irq_event_percpu calls action->handler: module code, which an
		// action left requested after module_exit runs from freed memory.
		if l.handler.Addr != 0 && !h.ModuleCode(l.handler.Addr, l.handler.Name, l.missing,
			"__handle_irq_event_percpu", "handle_irq_event", "handle_edge_irq", "__common_interrupt", "common_interrupt") {
			return
		}
		ret := IRQWakeThread // irq_default_primary_handler
		if l.handler.Fn != nil {
			ret = l.handler.Fn(h)
		}
		h.handled(l, ret)
		h.irqExit()
	})
}

// irqExit is irq_exit: the handler is done (free_irq stops waiting for it), and the
// softirqs pending on the CPU run now, in softirq context with interrupts on, unless
// the interrupted context serves softirqs itself or has bottom halves disabled.
func (h *Task) irqExit() {
	h.endHardirq()
	h.preempt -= hardirqOffset
	h.irqsOff = false // handle_softirqs enables irqs for the softirqs, irqentry_exit after them
	if (h.below == nil || h.below.preempt&0xff00 == 0) && h.k.nextSoftirq(h.cpu) != nil {
		h.serveSoftirqs() // invoke_softirq, when softirqs are pending
	}
	h.traceHardirqs(false, siteIRQExit)
	h.inIRQ = false
	h.exited = true
	h.updatePin()
}

// endHardirq ends the hardirq part of a handler.
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
	scheduled bool // TASKLET_STATE_SCHED: pending on cpu
	running   bool // TASKLET_STATE_RUN: its function runs now
	cpu       int
	runs      int
	disabled  int // count: tasklet_disable minus tasklet_enable; it runs only at 0
}

// DeclareTasklet is DECLARE_TASKLET(name, fn) or tasklet_init.
func (k *Kernel) DeclareTasklet(name string, fn func(t *Task)) *Tasklet {
	return &Tasklet{k: k, name: name, fn: fn, id: k.e.NewObject(name)}
}

// SetFunc sets the tasklet's function outside any task (DECLARE_TASKLET at load time).
func (tl *Tasklet) SetFunc(fn func(t *Task)) { tl.fn = fn }

// Name is the tasklet's name, as traces show it.
func (tl *Tasklet) Name() string { return tl.name }

// Runs is how often the tasklet's function has run in this execution.
func (tl *Tasklet) Runs() int { return tl.runs }

// Init is tasklet_init(): it (re)sets the function, and the count to 0 (enabled).
func (tl *Tasklet) Init(t *Task, fn func(t *Task)) {
	t.op("tasklet_init", tl.id, sched.Write, nil)
	tl.fn = fn
	tl.disabled = 0
}

// SetDisabled sets the tasklet's count outside any task: DECLARE_TASKLET_DISABLED's
// ATOMIC_INIT(1), as the tasklet's memory says when ksim first meets it.
func (tl *Tasklet) SetDisabled(count int) { tl.disabled = count }

// Disabled is the tasklet's count: how many tasklet_disable calls are not yet
// matched by a tasklet_enable.
func (tl *Tasklet) Disabled() int { return tl.disabled }

// TaskletDisableNosync is tasklet_disable_nosync() (include/linux/interrupt.h): the
// count goes up, and while it is not 0 the tasklet does not run; scheduled, it stays
// pending (tasklet_action_common puts a disabled tasklet back on the list).
func (t *Task) TaskletDisableNosync(tl *Tasklet) {
	t.op("tasklet_disable_nosync", tl.id, sched.Write, nil)
	tl.disabled++
}

// TaskletDisable is tasklet_disable(): tasklet_disable_nosync, then
// tasklet_unlock_spin_wait's busy wait until the tasklet's function no longer runs
// (on another CPU; called from the tasklet itself, it spins forever).
func (t *Task) TaskletDisable(tl *Tasklet) {
	t.op("tasklet_disable", tl.id, sched.Write, nil)
	tl.disabled++
	if tl.running {
		t.note("waits for the running tasklet")
		saved := t.wait
		t.wait = waiting{kind: "tasklet", pos: t.pos}
		t.op("tasklet_unlock_spin_wait", tl.id, sched.Read, taskletIdle{tl})
		t.wait = saved
	}
}

// taskletIdle lets tasklet_disable's wait end once the tasklet's function returns.
type taskletIdle struct{ tl *Tasklet }

func (g taskletIdle) Enabled(*sched.Op) bool { return !g.tl.running }

// TaskletEnable is tasklet_enable(): the count goes down; at 0 a tasklet still
// pending may run again, and ksoftirqd (which kept re-raising the softirq for it)
// runs it once nothing else on its CPU does, if nothing else does first. An enable
// without a disable makes the count negative, as atomic_dec does; the tasklet then
// runs only once it is back at 0.
func (t *Task) TaskletEnable(tl *Tasklet) {
	t.op("tasklet_enable", tl.id, sched.Write, nil)
	tl.disabled--
	if tl.disabled == 0 && tl.scheduled {
		t.k.wakeSoftirqd(tl.cpu, t)
	}
}

// TaskletSchedule is tasklet_schedule(): the tasklet becomes pending on this CPU,
// unless it is pending already, and runs soon, in softirq context (see the top of
// this file for where). A tasklet scheduled again while its function runs runs
// again afterwards.
//
// A scheduled tasklet is state every context on the CPU shares (any of their steps
// may run it), so the exploration becomes a full search; a tasklet that is declared
// and never scheduled costs nothing.
func (t *Task) TaskletSchedule(tl *Tasklet) {
	t.k.e.RequireFullSearch(fullSearchIRQ)
	t.op("tasklet_schedule", tl.id, sched.Write, nil)
	if tl.scheduled {
		t.note("already pending")
		return
	}
	tl.scheduled = true
	tl.cpu = t.cpu
	t.k.softirqs = append(t.k.softirqs, tl)
}

// Enabled reports whether the tasklet is neither pending nor running: tasklet_kill
// waits for that.
func (tl *Tasklet) Enabled(*sched.Op) bool { return !tl.scheduled && !tl.running }

// TaskletKill is tasklet_kill(): it waits until a scheduled tasklet has run, so that
// the tasklet is idle when it returns (kernel/softirq.c).
func (t *Task) TaskletKill(tl *Tasklet) {
	if t.inIRQ {
		t.k.printk("Attempt to kill tasklet from interrupt")
	}
	// wait_var_event's might_sleep() (include/linux/wait_bit.h): in tasklet_kill's
	// own loop while the tasklet is scheduled, else in tasklet_unlock_wait.
	if tl.scheduled {
		t.mightResched("kernel/softirq.c:900", "tasklet_kill")
	} else {
		t.mightResched("kernel/softirq.c:919", "tasklet_unlock_wait", "tasklet_kill")
	}
	saved := t.wait
	t.wait = waiting{kind: "tasklet", pos: t.pos}
	t.state = Uninterruptible // wait_var_event: TASK_UNINTERRUPTIBLE, for reports
	t.op("tasklet_kill", tl.id, sched.Write, tl)
	t.state = Running
	t.wait = saved
}

func (k *Kernel) removeSoftirq(tl *Tasklet) {
	for i, s := range k.softirqs {
		if s == tl {
			k.softirqs = append(k.softirqs[:i], k.softirqs[i+1:]...)
			return
		}
	}
}

// nextSoftirq is the first tasklet pending on cpu that is not running elsewhere (a
// tasklet never runs on two CPUs at once) and is not disabled, or nil.
func (k *Kernel) nextSoftirq(cpu int) *Tasklet {
	for _, tl := range k.softirqs {
		if tl.cpu == cpu && !tl.running && tl.disabled == 0 {
			return tl
		}
	}
	return nil
}

// softirqsMayRun reports whether the softirqs pending on t's CPU may run on top of t
// now: t is in process context, awake, with interrupts and bottom halves enabled.
func (t *Task) softirqsMayRun() bool {
	return len(t.k.softirqs) != 0 && !t.inIRQ && !t.asleep && !t.irqsOff && t.preempt&0xff00 == 0 &&
		t.k.nextSoftirq(t.cpu) != nil
}

// runSoftirqs is do_softirq from t, a context not in interrupt (local_bh_enable, or an
// irq exit chosen at one of t's scheduling points): the softirqs pending on t's CPU
// run on top of t, on t's thread; t cannot run until they are done.
func (t *Task) runSoftirqs() {
	if t.inIRQ || t.k.nextSoftirq(t.cpu) == nil {
		return
	}
	c := t.k.newContext(t.cpu, t)
	c.th, c.inline = t.th, true
	saved := t.wait
	t.interrupted, t.wait = true, waiting{kind: "irq"}
	t.updatePin()
	c.serveSoftirqs()
	c.exited = true
	c.updatePin()
	t.interrupted, t.wait = false, saved
	t.updatePin()
}

// serveSoftirqs is handle_softirqs on c: c serves the tasklets pending on its CPU, in
// softirq context, until none is left, those scheduled meanwhile included.
func (c *Task) serveSoftirqs() {
	k := c.k
	c.inIRQ, c.softirq = true, true
	if c.preempt&0xff00 == 0 {
		// handle_softirqs: __local_bh_disable_ip(_RET_IP_, SOFTIRQ_OFFSET).
		site := siteSoftirqEntry
		if c.softirqd {
			site = siteSoftirqEntryD
		}
		c.traceSoftirqs(true, site)
	}
	c.preempt += softirqOffset
	if c.preempt == softirqOffset {
		c.preemptAt = siteHandleSoftirqs // preempt_count left 0 there
	}
	c.updatePin()
	for {
		tl := k.nextSoftirq(c.cpu)
		if tl == nil {
			break
		}
		tl.scheduled, tl.running = false, true
		k.removeSoftirq(tl)
		tl.runs++
		c.th.Note("then tasklet " + tl.name + " runs (softirq)")
		c.tasklet = tl
		if tl.fn != nil {
			tl.fn(c)
		}
		c.tasklet = nil
		tl.running = false
		if tl.scheduled && tl.cpu != c.cpu {
			// Scheduled on another CPU while it ran here: that CPU skipped it.
			k.wakeSoftirqd(tl.cpu, c)
		}
	}
	c.preempt -= softirqOffset
	if c.preempt&0xff00 == 0 {
		c.traceSoftirqs(false, siteSoftirqExit) // __local_bh_enable(SOFTIRQ_OFFSET)
	}
	c.softirq = false
	c.updatePin()
}

// ---- ksoftirqd ----

// ksoftirqdPID is the pid ksoftirqd/0 has on a typical x86-64 boot; a stable
// stand-in, with 8 more per CPU.
const ksoftirqdPID = 15

// mayLeaveCPU is called when t may stop running on its CPU: it is about to block or
// sleep, or it exits. Softirqs pending there then have ksoftirqd to run them once
// nothing else on the CPU can. (On every CPU with softirqs pending, not only t's:
// with fewer CPUs than tasks, a task that schedules a tasklet may move to another CPU
// before it leaves.)
func (t *Task) mayLeaveCPU() {
	if len(t.k.softirqs) == 0 || t.inIRQ {
		return
	}
	for c := 0; c < t.k.cfg.CPUs; c++ {
		t.k.wakeSoftirqd(c, t)
	}
}

// wakeSoftirqd is wakeup_softirqd: unless it runs already, ksoftirqd/cpu starts, on a
// thread of its own spawned by from, and serves cpu's softirqs as soon as nothing else
// on cpu can run (softirqdGuard).
func (k *Kernel) wakeSoftirqd(cpu int, from *Task) {
	if k.nextSoftirq(cpu) == nil {
		return
	}
	for _, h := range k.handlers {
		if h.softirqd && h.cpu == cpu && !h.exited {
			return
		}
	}
	if !k.roomForThread() {
		if from.cpu == cpu && from.softirqsMayRun() {
			from.runSoftirqs() // no room for ksoftirqd: an irq exit runs them now
		}
		return
	}
	d := k.newContext(cpu, nil)
	d.Comm, d.PID, d.PPID, d.softirqd = "ksoftirqd/"+cpuNames[cpu], ksoftirqdPID+8*cpu, 2, true
	from.spawnAt(d.Comm, func(th *sched.Thread) {
		d.th = th
		th.SetWhere(cpuNames[cpu])
		o := &sched.Op{Name: "run_ksoftirqd", Guard: softirqdGuard{d}, Where: cpuNames[cpu]}
		if k.gated {
			d.gate.inner, o.Guard = o.Guard, &d.gate
		}
		th.Op(o)
		d.serveSoftirqs()
		d.inIRQ = false
		d.exited = true
		d.updatePin()
	})
}

// softirqdGuard lets ksoftirqd run once nothing else on its CPU can.
type softirqdGuard struct{ d *Task }

func (g softirqdGuard) Enabled(*sched.Op) bool {
	k, cpu := g.d.k, g.d.cpu
	for _, x := range k.tasks {
		if x.cpu == cpu && x.occupiesCPU() {
			return false
		}
	}
	for _, x := range k.handlers {
		if x != g.d && x.cpu == cpu && x.occupiesCPU() {
			return false
		}
	}
	return true
}

// occupiesCPU reports whether x keeps its CPU from ksoftirqd: it can run, or spins on
// a lock with interrupts or bottom halves off or in interrupt (a spinner with both on
// lets an interrupt's exit run the softirqs on top of it). A context that sleeps,
// waits, has exited or was interrupted (its CPU is its handler's) does not.
func (x *Task) occupiesCPU() bool {
	if x.exited || x.asleep || x.interrupted || (x.softirqd && !x.softirq) {
		return false
	}
	if x.th == nil {
		return true // a handler about to start
	}
	if x.th.Finished() {
		return false
	}
	op := x.th.PendingOp()
	if op.Guard == nil || op.Guard.Enabled(op) {
		return true
	}
	spinning := x.wait.kind == "spinlock" || x.wait.kind == "rwlock"
	return spinning && (x.inIRQ || x.irqsOff || x.preempt&0xff00 != 0)
}

// ---- reports ----

// heldLocksAll is the held-locks listing of t as the kernel prints it in an interrupt:
// current is the interrupted task, whose held_locks hold its own locks first and then
// those of the interrupt contexts on top of it (depCurrent).
func (t *Task) heldLocksAll() string {
	if t.below == nil || t.k.dep == nil {
		return t.heldLocks()
	}
	return t.k.dep.HeldLocks(t.depCurrent())
}

// onIRQStack reports whether t's frames print between <IRQ> and </IRQ>: an interrupt
// context, except ksoftirqd, a kernel thread of its own.
func (t *Task) onIRQStack() bool { return t.below != nil || t.inIRQ && !t.softirqd }

// TaskletFrames are the kernel's frames below a tasklet's function that t runs,
// innermost first: ksoftirqd's, or those of a softirq run on top of a context.
func (t *Task) TaskletFrames() []string {
	if t.softirqd {
		return ksoftirqdFrames
	}
	return ksoftirqdFrames[:2]
}

// ksoftirqdFrames are the kernel frames below a tasklet that ksoftirqd runs.
var ksoftirqdFrames = []string{"tasklet_action_common", "handle_softirqs", "run_ksoftirqd", "smpboot_thread_fn", "kthread", "ret_from_fork"}

// hardLockup is the watchdog's report for a CPU stuck with interrupts off: an irq
// handler spinning on a lock that the code it interrupted holds.
func (k *Kernel) hardLockup(h *Task) sched.Problem {
	var b strings.Builder
	// watchdog_hardlockup_check (kernel/watchdog.c, pr_fmt "watchdog: "), run by the
	// NMI on the stuck CPU itself: the modules, the irq-flag history, the
	// registers' dump. No taint.
	title := fmt.Sprintf("watchdog: Watchdog detected hard LOCKUP on cpu %d", h.cpu)
	b.WriteString(title + "\n")
	b.WriteString("Modules linked in:\n")
	b.WriteString(h.irqTraceEvents())
	b.WriteString(h.header())
	fmt.Fprintf(&b, "RIP: 0010:queued_spin_lock_slowpath+0x7c/0x2d0\n")
	b.WriteString(h.callTrace("_raw_spin_lock"))
	k.printkAt(10, b.String())
	b.WriteString("\n")
	name := h.wait.lock.name
	if holder := k.holder(h.wait.lock); holder != nil && h.isAbove(holder) {
		what, cure := "task", "spin_lock_irqsave in process context"
		if holder.softirq {
			what, cure = "softirq", "spin_lock_irqsave in the tasklet"
		}
		fmt.Fprintf(&b, "ksim: the irq handler on CPU%d spins on %s, which the %s it interrupted (%s) holds:\n"+
			"ksim: that %s cannot run until the handler returns. Take %s with %s.\n",
			h.cpu, name, what, holder.id(), what, name, cure)
	} else {
		fmt.Fprintf(&b, "ksim: the irq handler on CPU%d spins on %s with interrupts off, and nothing will release it\n", h.cpu, name)
	}
	return sched.Problem{Kind: "lockup", Site: "hard lockup on " + name + " at " + h.wait.pos, Title: title, Report: b.String()}
}

// isAbove reports whether t runs on top of o: o is one of the contexts t interrupted.
func (t *Task) isAbove(o *Task) bool {
	for x := t.below; x != nil; x = x.below {
		if x == o {
			return true
		}
	}
	return false
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

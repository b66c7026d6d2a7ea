package ksync

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// Threaded interrupts (kernel/irq/manage.c, kernel/irq/handle.c). request_threaded_irq
// gives a line a thread function besides its primary handler: __setup_irq creates the
// kernel thread "irq/N-name" (setup_irq_thread), which sleeps in
// irq_wait_for_interrupt until the primary handler returns IRQ_WAKE_THREAD
// (__irq_wake_thread sets IRQTF_RUNTHREAD, counts the thread in
// desc->threads_active, wakes it). The thread then runs the thread function in
// process context (it may sleep), and once it returns, irq_finalize_oneshot unmasks an
// IRQF_ONESHOT line and wake_threads_waitq lets synchronize_irq go on. A wake-up
// while the bit is still set changes nothing; one after the thread cleared it makes
// the thread run the function again.
//
// In ksim the thread's sleeping part is not a thread: the engine would have to end
// every execution with a thread blocked. The thread is materialised when it is woken,
// with the kthread's comm and pid, runs the thread function as long as it is woken
// again, and ends when it would go back to sleep. It is the kernel's, not the
// module's (SetKernelOwned): rmmod does not wait for it, free_irq does.
//
// devm_request_irq: a managed irq is freed when the device goes away; a module has
// its device go at the latest when its exit unregisters the driver, so ksim frees the
// managed irqs that are left right after module_exit returns, before the module's
// memory is freed (UnloadModule).

// IRQHandler is a handler of a line: a primary handler (hardirq context) or a thread
// function (the irq thread, process context).
type IRQHandler struct {
	Fn   func(t *Task) IRQReturn
	Addr uint64 // the module function's address; 0 when it is not module code
	Name string // the function's name, for the unload report
}

// IRQ flags ksync acts on (include/linux/interrupt.h).
const (
	IRQFOneshot  = 0x00002000 // IRQF_ONESHOT
	IRQFNoAutoen = 0x00080000 // IRQF_NO_AUTOEN
)

// IRQRequest is what request_threaded_irq and its wrappers install.
type IRQRequest struct {
	Prim    string // the call, for the trace; empty: RequestIRQ from Go, "request_irq" with no might_sleep
	Name    string // devname
	Handler IRQHandler
	Thread  IRQHandler // Fn nil: no thread function
	Flags   uint64     // IRQF_*
	// Missing is what the module's exit must call to free the line, named in the
	// report of a handler that runs after the module is gone.
	Missing string
	Devm    bool // devm_request_irq: freed when the device goes (module unload)
}

// irqThread is the threaded part of a line's action.
type irqThread struct {
	thread         IRQHandler
	threadComm     string
	threadPID      int
	oneshot        bool
	masked         bool  // the flow handler masked the oneshot line: it does not fire
	oneshotPending bool  // desc->threads_oneshot: the thread has not finalized yet
	runThread      bool  // IRQTF_RUNTHREAD
	threadsActive  int   // desc->threads_active
	threadTask     *Task // the thread while it runs, nil while it sleeps
	warnedNoThread bool  // IRQTF_WARNED
	missing        string
	devm           bool
}

// mayFire reports whether the line may fire now.
func (l *IRQLine) mayFire() bool {
	return l.active && l.depth == 0 && !l.masked && l.fired < l.times
}

// RequestThreadedIRQ is request_threaded_irq() (kernel/irq/manage.c): it installs
// r's handlers for line n and returns 0, or the kernel's error: -EINVAL without a
// handler and a thread function, or with only a thread function and no
// IRQF_ONESHOT ("Threaded irq requested with handler=NULL and !ONESHOT", __setup_irq);
// -EBUSY when the line is taken. A NULL primary handler is
// irq_default_primary_handler, which returns IRQ_WAKE_THREAD.
func (t *Task) RequestThreadedIRQ(n int, r IRQRequest) int {
	t.k.e.RequireFullSearch(fullSearchIRQ)
	prim := r.Prim
	if prim == "" {
		// RequestIRQ from Go: a line installed as a test fixture, from any context.
		prim = "request_irq"
	} else {
		// kzalloc(sizeof(struct irqaction), GFP_KERNEL): might_alloc's might_sleep.
		t.mightResched("include/linux/sched/mm.h:321", "__kmalloc_cache_noprof", "request_threaded_irq")
	}
	t.op(prim, 0, sched.None, nil)
	k := t.k
	if r.Handler.Fn == nil && r.Thread.Fn == nil && r.Handler.Addr == 0 {
		return -EINVAL
	}
	set, ok := k.cfg.IRQs[n]
	if !ok {
		set = IRQSetting{Times: 1, CPU: -1}
	}
	if set.Times <= 0 {
		set.Times = 1
	}
	if set.CPU < 0 && gpioIRQ(n) && k.cfg.CPUs > 1 {
		set.CPU = 0 // the GPIO chip's interrupts go to CPU 0 (gpio.go)
	}
	pid := 0
	if r.Thread.Fn != nil {
		pid = k.nextPID // setup_irq_thread's kthread_create, before the checks below
		k.nextPID++
	}
	if k.activeLine(n) != nil {
		return -EBUSY
	}
	if r.Handler.Fn == nil && r.Flags&IRQFOneshot == 0 {
		k.printk(fmt.Sprintf("genirq: Threaded irq requested with handler=NULL and !ONESHOT for %s (irq %d)", r.Name, n))
		return -EINVAL
	}
	l := &IRQLine{k: k, n: n, name: r.Name, handler: r.Handler, times: set.Times, cpu: set.CPU,
		counts: make([]int, k.cfg.CPUs), pending: make([]bool, k.cfg.CPUs), active: true}
	l.thread, l.threadPID, l.oneshot, l.devm = r.Thread, pid, r.Flags&IRQFOneshot != 0, r.Devm
	l.threadComm = fmt.Sprintf("irq/%d-%s", n, r.Name)
	l.missing = r.Missing
	if l.missing == "" {
		l.missing = fmt.Sprintf("free_irq(%d, ...)", n)
	}
	if r.Flags&IRQFNoAutoen != 0 {
		l.depth = 1 // __setup_irq: IRQF_NO_AUTOEN leaves the line disabled
	}
	k.irqs = append(k.irqs, l)
	if l.thread.Fn != nil {
		t.note("irq %d: %s, thread %s pid %d", n, r.Name, l.threadComm, pid)
	} else {
		t.note("irq %d: %s", n, r.Name)
	}
	return 0
}

// handled is __handle_irq_event_percpu after the primary handler returned ret:
// IRQ_WAKE_THREAD wakes the line's thread (or, without one, warn_no_thread's warning,
// once); then the flow handler unmasks a oneshot line whose thread was not woken.
func (h *Task) handled(l *IRQLine, ret IRQReturn) {
	if ret&IRQWakeThread != 0 {
		if l.thread.Fn == nil {
			if !l.warnedNoThread {
				l.warnedNoThread = true
				h.k.printk(fmt.Sprintf("IRQ %d device %s returned IRQ_WAKE_THREAD but no thread function available.", l.n, l.name))
			}
		} else {
			h.wakeIRQThread(l)
		}
	}
	if l.oneshot && !l.oneshotPending {
		l.masked = false // cond_unmask_irq
	}
}

// wakeIRQThread is __irq_wake_thread (kernel/irq/handle.c).
func (h *Task) wakeIRQThread(l *IRQLine) {
	if l.runThread {
		h.note("%s already woken", l.threadComm)
		return
	}
	k := h.k
	if l.threadTask == nil && !k.roomForThread() {
		return // the exploration is marked incomplete
	}
	l.runThread = true
	l.oneshotPending = l.oneshot
	l.threadsActive++
	if l.threadTask != nil {
		return // it runs: it sees the bit when the thread function returns
	}
	c := k.newTaskPID(l.threadComm, 2, l.threadPID)
	c.kernelOwned = true
	c.body = func(c *Task) { c.irqThreadRun(l) }
	l.threadTask = c
	k.spawning++
	c.th = h.th.SpawnAt(h.pos, c.Comm, runTask)
	k.spawning--
	c.th.SetValue(c)
	c.th.SetWhere(cpuNames[c.cpu])
	h.note("wakes %s", c.Comm)
}

// irqThreadRun is irq_thread: the thread function runs, irq_finalize_oneshot and
// wake_threads_waitq follow, and the thread goes round again if it was woken
// meanwhile; otherwise it goes back to sleep (here: ends).
func (c *Task) irqThreadRun(l *IRQLine) {
	for {
		// irq_wait_for_interrupt returns: test_and_clear_bit(IRQTF_RUNTHREAD).
		if l.thread.Addr != 0 {
			if !c.ModuleCode(l.thread.Addr, l.thread.Name, l.missing, "irq_thread_fn", "irq_thread", "kthread", "ret_from_fork") {
				return
			}
		} else {
			c.op("irq_thread", 0, sched.None, nil)
		}
		l.runThread = false
		l.thread.Fn(c)
		if l.oneshot {
			l.oneshotPending = false
			l.masked = false // irq_finalize_oneshot: unmask_threaded_irq
		}
		l.threadsActive-- // wake_threads_waitq
		if !l.runThread {
			break
		}
	}
	l.threadTask = nil
}

// synchronizeGuard lets synchronize_irq return: no handler of the line runs in
// hardirq context (__synchronize_hardirq) and its thread is not active
// (wait_event(desc->wait_for_threads, !atomic_read(&desc->threads_active))).
type synchronizeGuard struct{ l *IRQLine }

func (g synchronizeGuard) Enabled(*sched.Op) bool {
	return g.l.running == 0 && g.l.threadsActive == 0
}

// synchronizeIRQ is __synchronize_irq on l from t, chain its callers' frames below
// schedule (innermost first, space-separated) for the hung-task report. The line's
// own handler waits for itself: in hardirq context the spin never ends (reported as
// the hard lockup it is, irqSelfLockups), in its thread the wait never does (the
// hung task). free_irq from the line's own hardirq handler is not modelled beyond
// might_sleep's BUG: it returns.
func (t *Task) synchronizeIRQ(l *IRQLine, chain string) {
	self := t.hardirq && t.line == l
	if self && strings.HasSuffix(chain, "free_irq") {
		return
	}
	if !self && (synchronizeGuard{l}).Enabled(nil) {
		return
	}
	what := "the running handler"
	if l.running == 0 || self {
		what = "the irq thread"
		if self {
			what = "its own handler"
		}
	}
	t.note("waits for %s", what)
	saved, st := t.wait, t.state
	if t.hardirq || t.inIRQ || l.running > 0 {
		// __synchronize_hardirq spins while a handler runs.
		t.wait = waiting{kind: "irq handler", pos: t.pos, prim: chain}
	} else {
		// __synchronize_hardirq spins, then wait_event sleeps uninterruptibly.
		t.wait = waiting{kind: "irq thread", pos: t.pos, prim: chain}
		t.state = Uninterruptible
	}
	t.irqWaitLine = l
	t.op("synchronize_irq", 0, sched.None, synchronizeGuard{l})
	t.irqWaitLine = nil
	t.wait, t.state = saved, st
}

// SynchronizeIRQ is synchronize_irq(): it waits for the line's running handlers and
// its irq thread (wait_event's might_sleep first).
func (t *Task) SynchronizeIRQ(n int) {
	t.mightSleep("kernel/irq/manage.c:119", "synchronize_irq")
	t.op("synchronize_irq", 0, sched.None, nil)
	if l := t.k.activeLine(n); l != nil {
		t.synchronizeIRQ(l, "__synchronize_irq synchronize_irq")
	}
}

// DevmFreeIRQ is devm_free_irq(): free_irq of a managed irq; one the device does not
// have is WARN_ON(devres_release(...)).
func (t *Task) DevmFreeIRQ(n int) { t.freeIRQ(n, "devm_free_irq", true) }

// irqUnload is devres_release_all at the driver's detach, as ksim places it: the
// managed irqs left are freed after module_exit, before the module's memory goes.
func (t *Task) irqUnload() {
	for _, l := range t.k.irqs {
		if l.active && l.devm {
			t.freeIRQ(l.n, "devm_irq_release", false)
		}
	}
}

// irqAfterUnload gives a line the module left requested one more place to fire once
// its module is gone: a step of rmmod after the unload. What it runs of the module's
// is then freed code: its handler, its thread function (behind a NULL primary
// handler, whose Addr is 0), or a hard hrtimer's callback (a line of the kernel's
// whose handler calls the module): any line that may fire gets the step.
func (t *Task) irqAfterUnload() {
	for _, l := range t.k.irqs {
		if l.mayFire() {
			t.op("free_module done", 0, sched.None, nil)
			return
		}
	}
}

// irqSelfLockups are the hard lockups of handlers that wait for themselves in
// hardirq context (disable_irq or synchronize_irq of their own line): watchdog's
// report, as hardLockup prints it, with the spin in __synchronize_hardirq.
func (k *Kernel) irqSelfLockups() []sched.Problem {
	var ps []sched.Problem
	for _, h := range k.handlers {
		if h.exited || !h.hardirq || h.wait.kind != "irq handler" || h.irqWaitLine == nil {
			continue
		}
		l := h.irqWaitLine
		var b strings.Builder
		title := fmt.Sprintf("watchdog: Watchdog detected hard LOCKUP on cpu %d", h.cpu)
		b.WriteString(title + "\n")
		b.WriteString("Modules linked in:\n")
		b.WriteString(h.irqTraceEvents())
		b.WriteString(h.header())
		b.WriteString("RIP: 0010:__synchronize_hardirq+0x3f/0xc0\n")
		frames := append([]string{"__synchronize_hardirq"}, strings.Fields(h.wait.prim)...)
		b.WriteString(h.callTrace(frames...))
		k.printkAt(10, b.String())
		b.WriteString("\n")
		prim := strings.Fields(h.wait.prim)
		call := prim[len(prim)-1]
		if h.line == l {
			fmt.Fprintf(&b, "ksim: %s(%d) in irq %d's own handler waits for that handler to return, with interrupts off:\n"+
				"ksim: it never will. In a handler use disable_irq_nosync(), which does not wait.\n", call, l.n, l.n)
		} else {
			fmt.Fprintf(&b, "ksim: %s(%d) in the handler of irq %d spins, with interrupts off, until irq %d's handlers\n"+
				"ksim: and thread are done, and they never are.\n", call, l.n, h.line.n, l.n)
		}
		ps = append(ps, sched.Problem{Kind: "lockup", Site: "hard lockup in " + call + " at " + h.wait.pos, Title: title, Report: b.String()})
	}
	return ps
}

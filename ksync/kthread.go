package ksync

import (
	"fmt"

	"github.com/ksim-dev/ksim/ksync/lockdep"
	"github.com/ksim-dev/ksim/sched"
)

// The task state word and the kthread lifecycle (kernel/sched/core.c,
// kernel/kthread.c).
//
// A task's __state is one word of its struct task_struct: set_current_state writes
// it, schedule() reads it and sleeps while it is not TASK_RUNNING, try_to_wake_up
// (wake_up_process, a wait queue's wake function) writes TASK_RUNNING into it when
// it matches the wakeup's state mask. In ksim it is a sched location: the word of
// the task_struct the kernel API laid out (SetStateWord), or an object of its own
// before there is one. Every step that reads or writes it names it, and a sleeper's
// guard reads only it, so DPOR sees every wakeup race.
//
// A kthread (kthread_create, kthread_run) has a struct kthread of its own: its
// flags (KTHREAD_SHOULD_STOP, KTHREAD_SHOULD_PARK), the parked and exited
// completions and the result; each is a field of Kthread, and every step that reads
// or writes them names the kthread's object.

// Task states, as include/linux/sched.h numbers them.
const (
	TaskRunning         = 0x0000
	TaskInterruptible   = 0x0001
	TaskUninterruptible = 0x0002
	TaskParked          = 0x0040
	TaskWakekill        = 0x0100
	TaskNoload          = 0x0400
	TaskNormal          = TaskInterruptible | TaskUninterruptible
	TaskKillable        = TaskWakekill | TaskUninterruptible
	TaskIdle            = TaskUninterruptible | TaskNoload
)

// DefaultLoopBound is Config.LoopBound when it is 0.
const DefaultLoopBound = 3

// waitTask is what the wait family keeps per task (Task.ws).
type waitTask struct {
	stBuf *Buffer     // the task_struct holding __state (SetStateWord), nil before
	stOff int         // __state's offset in it
	stObj sched.ObjID // __state's own object while there is no task_struct
	stVal uint32      // __state while there is no task_struct
	kt    *Kthread    // the struct kthread, for a kthread (or a task that asked)
	// sigPending: a signal was delivered to the task (Config.Signals), and
	// signal_pending() stays true: a kernel thread does not dequeue it.
	sigPending bool
	// fatalPending: the pending signal is fatal (SIGKILL): it ends killable
	// sleeps too.
	fatalPending bool
	// woken counts the sleeps a wakeup of another task ended (wake_up,
	// wake_up_process, kthread_stop): a loop iteration that waited for one is
	// bounded by that task's progress, not by the loop bound.
	woken int
	queue *WaitQueue // the wait queue the task last prepared to wait on
	held  boundGuard // the loop bound's hold
}

// stateObj is the sched location of the task's __state.
func (t *Task) stateObj() sched.ObjID {
	if t.ws.stBuf != nil {
		return t.ws.stBuf.locNamed(t.k, t.ws.stOff, t.id()+".__state")
	}
	if t.ws.stObj == 0 {
		t.ws.stObj = t.k.e.NewObject(t.id() + ".__state")
	}
	return t.ws.stObj
}

// stateVal is the task's __state.
func (t *Task) stateVal() uint32 {
	if t.ws.stBuf != nil {
		return uint32(t.ws.stBuf.get(t.ws.stOff, 4))
	}
	return t.ws.stVal
}

func (t *Task) setStateVal(v uint32) {
	if t.ws.stBuf != nil {
		t.ws.stBuf.put(t.ws.stOff, 4, uint64(v))
		return
	}
	t.ws.stVal = v
}

// SetStateWord tells the task where its __state lives: the 4 bytes at off in b,
// its struct task_struct, which from now on holds the state.
func (t *Task) SetStateWord(b *Buffer, off int) {
	if b == nil || off < 0 || off+4 > len(b.data) {
		return
	}
	v := t.stateVal()
	t.ws.stBuf, t.ws.stOff = b, off
	t.setStateVal(v)
}

// StateWord is the task's __state, for checks outside any task.
func (t *Task) StateWord() uint32 { return t.stateVal() }

// SetCurrentState is set_current_state(state) and __set_current_state(state)
// (include/linux/sched.h): a store to current->__state.
func (t *Task) SetCurrentState(prim string, state uint32) {
	c := t.Current()
	t.op(prim, c.stateObj(), sched.Write, nil)
	c.setStateVal(state)
}

// signalPending is signal_pending(t): a delivered signal, or TIF_NOTIFY_SIGNAL,
// which kthread_stop sets. Read in a step on t's state word.
func (t *Task) signalPending() bool {
	return t.ws.sigPending || t.ws.kt != nil && t.ws.kt.notify
}

// signalPendingState is signal_pending_state(state, t) (include/linux/sched/
// signal.h): an interruptible sleep ends on any pending signal, a killable one only
// on a fatal one (ksim's signals are; kthread_stop's notification is not).
func (t *Task) signalPendingState(state uint32) bool {
	if state&(TaskInterruptible|TaskWakekill) == 0 {
		return false
	}
	if state&TaskInterruptible != 0 {
		return t.signalPending()
	}
	return t.ws.fatalPending
}

// SignalPending is signal_pending(p): a step reading p's state word.
func (t *Task) SignalPending(p *Task) bool {
	t.op("signal_pending", p.stateObj(), sched.Read, nil)
	return p.signalPending()
}

// FatalSignalPending is fatal_signal_pending(p): a step reading p's state word;
// true once a fatal signal (SIGKILL, or one whose default action kills, as a user
// process's Ctrl-C) is pending.
func (t *Task) FatalSignalPending(p *Task) bool {
	t.op("fatal_signal_pending", p.stateObj(), sched.Read, nil)
	return p.ws.fatalPending
}

// stateRunning is the guard of a sleeper: it runs again once a wakeup has set its
// __state back to TASK_RUNNING.
type stateRunning struct{ t *Task }

func (g stateRunning) Enabled(*sched.Op) bool { return g.t.stateVal() == TaskRunning }

// SleepState is schedule() (timeout MAX_SCHEDULE_TIMEOUT) or schedule_timeout()
// after set_current_state (kernel/sched/core.c __schedule, kernel/time/timer.c
// schedule_timeout). In TASK_RUNNING the task only gives up its CPU (Schedule) and
// schedule_timeout returns timeout. Otherwise, unless a signal is pending for that
// state (signal_pending_state: it stays running), the task sleeps until a wakeup
// sets it TASK_RUNNING (try_to_wake_up), its timer fires (any time: an explored
// choice), or with Config.Signals a signal arrives (for TASK_INTERRUPTIBLE and
// TASK_KILLABLE). It returns the jiffies left: 0 when the timer fired, the timeout
// otherwise. The hung-task detector watches a TASK_UNINTERRUPTIBLE sleep with no
// timeout; TASK_KILLABLE and TASK_IDLE it skips.
func (t *Task) SleepState(prim string, timeout int64) int64 {
	if t.inIRQ {
		t.Schedule() // scheduling in an interrupt: the kernel's BUG, as Schedule reports it
		return timeout
	}
	t.op(prim, t.stateObj(), sched.Read, nil)
	return t.sleepIn(prim, t.stateVal(), timeout)
}

// sleepIn is SleepState once its first step has read (or set) the state st.
func (t *Task) sleepIn(prim string, st uint32, timeout int64) int64 {
	obj := t.stateObj()
	if st == TaskRunning {
		t.scheduleRunning()
		return timeout
	}
	if t.signalPendingState(st) {
		t.th.SetAccess(sched.Write)
		t.setStateVal(TaskRunning)
		t.note("a signal is pending: it does not sleep")
		return timeout
	}
	ps := Uninterruptible
	if st&TaskInterruptible != 0 || st&TaskUninterruptible == 0 {
		ps = Interruptible // TASK_PARKED too: no hung-task report
	}
	killable := st&TaskUninterruptible != 0 && st&(TaskWakekill|TaskNoload) != 0
	t.killable = killable
	t.sleep(ps, t.waitFor(prim))
	signal := t.k.cfg.Signals && (st&TaskInterruptible != 0 || st&TaskWakekill != 0)
	timed := timeout != MaxScheduleTimeout
	var g sched.Guard = stateRunning{t}
	acc := sched.Acquire // a guarded wait on the word, as a completion's is on its object
	if timed || signal {
		// The timer, or a signal, may end the sleep at any time: when is an
		// explored interleaving.
		g, acc = nil, sched.Write
	}
	if timed {
		t.note("sleeps %d jiffies", timeout)
	}
	t.op(prim+" (wakes)", obj, acc, g)
	left := timeout
	switch {
	case t.stateVal() == TaskRunning:
		t.ws.woken++
		t.note("woken")
	case t.signalPendingState(st):
		// A user process's Ctrl-C woke it (userproc.go ctrlCWoke).
		t.setStateVal(TaskRunning)
		t.note("a signal wakes it")
	case signal && (!timed || t.th.Choose(2) == 1):
		t.ws.sigPending = true
		t.ws.fatalPending = t.ws.fatalPending || st&TaskInterruptible == 0 // a killable sleep ends on a fatal one
		t.setStateVal(TaskRunning)
		t.note("a signal wakes it")
	default:
		left = 0
		t.setStateVal(TaskRunning)
		t.note("the timer fires")
	}
	t.wake()
	t.killable = false
	return left
}

// waitFor is what a task sleeping in schedule() waits for, for reports.
func (t *Task) waitFor(prim string) waiting {
	if q := t.ws.queue; q != nil && q.queued(t) {
		return waiting{kind: "wake_up on " + q.name, pos: t.pos, prim: prim}
	}
	return waiting{kind: "wake_up_process", pos: t.pos, prim: prim}
}

// TryToWakeUp is try_to_wake_up(p, mode) as wake_up_process (TASK_NORMAL) and
// wake_up_state call it: a step writing p's __state, TASK_RUNNING if it matched
// mode. It returns whether it woke p.
func (t *Task) TryToWakeUp(prim string, p *Task, mode uint32) bool {
	t.op(prim, p.stateObj(), sched.Write, nil)
	return t.ttwu(p, mode)
}

// ttwu is try_to_wake_up's effect, inside a step on p's state word.
func (t *Task) ttwu(p *Task, mode uint32) bool {
	if p.exited || p.stateVal()&mode == 0 {
		t.th.SetAccess(sched.Read)
		return false
	}
	p.setStateVal(TaskRunning)
	t.note("wakes %s", p.id())
	return true
}

// ---- kthreads ----

// Kthread is a kthread's struct kthread (kernel/kthread.c).
type Kthread struct {
	t          *Task
	obj        sched.ObjID
	started    bool  // woken out of kthread()'s first sleep (kthread_run: at once)
	shouldStop bool  // KTHREAD_SHOULD_STOP
	shouldPark bool  // KTHREAD_SHOULD_PARK
	notify     bool  // TIF_NOTIFY_SIGNAL, set by kthread_stop (read on the state word)
	parked     int   // the parked completion's count
	exited     bool  // the exited completion: do_exit completed it
	result     int64 // kthread->result
	// stoppable: the thread asked kthread_should_stop(), so it runs until stopped:
	// rmmod need not wait for it to exit (RunAfterAll).
	stoppable bool
}

// kthread is the task's struct kthread, made on first use: every task ksim runs is
// a kernel thread (kthread_create, kthread_run, or the threads of a scenario).
func (t *Task) kthread() *Kthread {
	t = t.Current()
	if t.ws.kt == nil {
		t.ws.kt = &Kthread{t: t, obj: t.k.e.NewObject(t.id() + ".kthread"), started: true}
	}
	return t.ws.kt
}

// KthreadCreate is kthread_create(threadfn, data, name): the new thread runs kthread()
// (kernel/kthread.c), which sleeps in TASK_UNINTERRUPTIBLE until wake_up_process (or
// kthread_stop) wakes it, then runs fn unless it was told to stop, and exits with
// fn's result (kthread_exit). It returns nil, starting nothing, when the execution
// runs sched.MaxThreads threads already (see KthreadRun).
func (t *Task) KthreadCreate(comm string, fn func(*Task) int64) *Task {
	return t.kthreadSpawn(comm, fn, false)
}

// KthreadStart is kthread_run(threadfn, data, name): kthread_create and
// wake_up_process in one, as KthreadRun, with fn's result kept for kthread_stop.
func (t *Task) KthreadStart(comm string, fn func(*Task) int64) *Task {
	return t.kthreadSpawn(comm, fn, true)
}

func (t *Task) kthreadSpawn(comm string, fn func(*Task) int64, run bool) *Task {
	c := t.KthreadRun(comm, func(c *Task) { c.kthreadMain(fn) })
	if c == nil {
		return nil
	}
	kt := c.kthread()
	kt.started = run
	if !run {
		c.setStateVal(TaskUninterruptible)
	}
	return c
}

// kthreadMain is kthread() after its creator returned: the first sleep of a
// kthread_create'd thread and its KTHREAD_SHOULD_STOP test, __kthread_parkme, the
// thread function, kthread_exit.
//
// A kthread_run thread has neither: it runs its function at once. (The kernel's
// thread tests KTHREAD_SHOULD_STOP first there too, so a kthread_stop that comes
// before the new thread ran keeps its function from running; ksim explores that for
// kthread_create threads only. rmmod's kthread_stop cannot come that early: rmmod
// waits until the thread has asked kthread_should_stop() or exited.)
//
// The thread's exit is no step of its own: its last step sets kthread->exited, and
// whoever waits for it (kthread_stop, rmmod) is disabled until then, so no order
// with that wait before the exit exists to be explored.
func (c *Task) kthreadMain(fn func(*Task) int64) {
	kt := c.kthread()
	ret := int64(-EINTR)
	if !kt.started {
		c.sleep(Uninterruptible, waiting{kind: "wake_up_process", pos: c.pos, prim: "kthread"})
		c.op("kthread (woken)", c.stateObj(), sched.Acquire, stateRunning{c})
		c.wake()
		c.op("kthread", kt.obj, sched.Write, nil)
		kt.started = true
		if kt.shouldStop {
			c.note("stopped before it ran: the thread function never runs")
			c.kthreadExit(ret)
			return
		}
		c.note("started")
	}
	if kt.shouldPark {
		c.parkme(kt)
	}
	ret = fn(c)
	c.kthreadExit(ret)
}

// kthreadExit is kthread_exit(result): kthread->result, then do_exit completes the
// exited completion kthread_stop waits on (in the thread's last step: see
// kthreadMain).
func (t *Task) kthreadExit(result int64) {
	kt := t.kthread()
	kt.result = result
	kt.exited = true
}

// KthreadCompleteAndExit is kthread_complete_and_exit(comp, code): complete(comp)
// when comp is not nil, then kthread_exit(code); it does not return.
func (t *Task) KthreadCompleteAndExit(comp *Completion, code int64) {
	if comp != nil {
		comp.Complete(t)
	}
	t.KthreadExit(code)
}

// KthreadExit is kthread_exit(result): the task exits, with do_exit's checks; it
// does not return.
func (t *Task) KthreadExit(result int64) {
	t.kthreadExit(result)
	t.exitChecks()
	t.exit()
	t.th.Exit()
}

// KthreadShouldStop is kthread_should_stop(). The first call says the thread runs
// until it is stopped: rmmod no longer waits for it to exit, and may unload the
// module while it runs; a later call finds the module gone if the module's exit
// did not stop it, the page fault of running freed module text.
func (t *Task) KthreadShouldStop() bool {
	kt := t.kthread()
	if kt.stoppable { // rmmod may have run: a step reading the module object
		site := "kthread_should_stop at " + t.where()
		addr := 0xffffffffc0000000 | lockdep.TextAddr(site)&0xffff0
		if !t.ModuleCode(addr, "the thread function of "+t.Current().Comm, fmt.Sprintf("kthread_stop() on the thread %q", t.Current().Comm)) {
			return true
		}
	}
	acc := sched.Read
	if !kt.stoppable {
		acc = sched.Write
	}
	t.op("kthread_should_stop", kt.obj, acc, nil)
	kt.stoppable = true
	return kt.shouldStop
}

// KthreadShouldPark is kthread_should_park().
func (t *Task) KthreadShouldPark() bool {
	kt := t.kthread()
	t.op("kthread_should_park", kt.obj, sched.Read, nil)
	return kt.shouldPark
}

// KthreadParkme is kthread_parkme(): __kthread_parkme of the current thread.
func (t *Task) KthreadParkme() { t.parkme(t.kthread()) }

// parkme is __kthread_parkme (kernel/kthread.c): while KTHREAD_SHOULD_PARK is set,
// the thread sets TASK_PARKED, completes parked and sleeps until kthread_unpark (or
// kthread_stop) wakes it.
func (t *Task) parkme(kt *Kthread) {
	for {
		t.SetCurrentState("set_special_state", TaskParked)
		t.op("__kthread_parkme", kt.obj, sched.Write, nil)
		if !kt.shouldPark {
			t.th.SetAccess(sched.Read)
			break
		}
		kt.parked++ // complete(&self->parked)
		t.note("parks")
		t.SleepState("schedule_preempt_disabled", MaxScheduleTimeout)
	}
	t.SetCurrentState("__set_current_state", TaskRunning)
}

// KthreadPark is kthread_park(k): it sets KTHREAD_SHOULD_PARK, wakes k and waits for
// it to park. An exiting thread: WARN_ON and -ENOSYS; one told to park already:
// WARN_ON_ONCE and -EBUSY.
func (t *Task) KthreadPark(p *Task) int64 {
	kt := p.kthread()
	t.op("kthread_park", kt.obj, sched.Write, nil)
	if kt.exited {
		t.th.SetAccess(sched.Read)
		t.warn("", "kernel/kthread.c:624", "kthread_park+0x52/0x70", "kthread_park exiting at "+t.where())
		return -38 // -ENOSYS
	}
	if kt.shouldPark {
		t.th.SetAccess(sched.Read)
		t.warnOnce("kernel/kthread.c:627", "kthread_park+0x63/0x70", "kthread_park twice at "+t.where())
		return -EBUSY
	}
	kt.shouldPark = true
	if p == t.Current() {
		return 0
	}
	t.TryToWakeUp("wake_up_process", p, TaskNormal)
	t.mightSleep("kernel/sched/completion.c:112", "wait_for_completion")
	t.sleep(Uninterruptible, waiting{kind: "kthread_park", pos: t.pos, prim: "kthread_park"})
	t.op("kthread_park (waits)", kt.obj, sched.Acquire, kthreadParked{kt})
	kt.parked--
	t.wake()
	return 0
}

type kthreadParked struct{ kt *Kthread }

func (g kthreadParked) Enabled(*sched.Op) bool { return g.kt.parked > 0 || g.kt.exited }

// KthreadUnpark is kthread_unpark(k): it clears KTHREAD_SHOULD_PARK and wakes k from
// TASK_PARKED.
func (t *Task) KthreadUnpark(p *Task) {
	kt := p.kthread()
	t.op("kthread_unpark", kt.obj, sched.Write, nil)
	if !kt.shouldPark {
		t.th.SetAccess(sched.Read)
		return
	}
	kt.shouldPark = false
	t.TryToWakeUp("wake_up_state", p, TaskParked)
}

// KthreadStop is kthread_stop(k) (kernel/kthread.c): it sets KTHREAD_SHOULD_STOP,
// unparks k, sets TIF_NOTIFY_SIGNAL (an interruptible sleep of k ends), wakes it,
// and waits uninterruptibly for it to exit; it returns the thread's result (-EINTR
// when it was stopped before it ran).
func (t *Task) KthreadStop(p *Task) int64 {
	kt := p.kthread()
	t.op("kthread_stop", kt.obj, sched.Write, nil)
	kt.shouldStop = true
	unpark := kt.shouldPark
	kt.shouldPark = false
	if unpark {
		t.TryToWakeUp("wake_up_state", p, TaskParked)
	}
	t.op("wake_up_process", p.stateObj(), sched.Write, nil)
	kt.notify = true // set_tsk_thread_flag(k, TIF_NOTIFY_SIGNAL), read on the state word
	t.ttwu(p, TaskNormal)
	t.th.SetAccess(sched.Write)
	t.mightSleep("kernel/sched/completion.c:112", "wait_for_completion")
	t.sleep(Uninterruptible, waiting{kind: "kthread_stop of " + p.id(), pos: t.pos, prim: "kthread_stop"})
	t.op("kthread_stop (waits)", kt.obj, sched.Acquire, kthreadExited{kt})
	t.wake()
	return kt.result
}

type kthreadExited struct{ kt *Kthread }

// Enabled: do_exit completes the exited completion whichever way the thread dies (an
// oops too: make_task_dead -> do_exit).
func (g kthreadExited) Enabled(*sched.Op) bool { return g.kt.exited || g.kt.t.exited }

// kthreadWaitable is rmmod's wait for a kthread of the module: until it exits, or
// says it waits to be stopped (kthread_should_stop). A thread kthread_create made
// and nobody woke is waited for like any other: it sleeps in kthread() for good,
// and the hung-task detector reports it.
type kthreadWaitable struct{ kt *Kthread }

func (g kthreadWaitable) Enabled(*sched.Op) bool {
	kt := g.kt
	return kt.stoppable || kt.t.exited // exactly what RunAfterAll's scan tests
}

// waitsToBeStopped reports whether rmmod may go on without waiting for o to exit.
func (o *Task) waitsToBeStopped() bool {
	kt := o.ws.kt
	return kt != nil && kt.stoppable
}

// ---- the loop bound ----

// boundGuard holds a task whose loop waits without end: it has gone round LoopBound
// times, each time sleeping or giving up its CPU (msleep, schedule, cond_resched),
// changing shared state (so it is no await) but leaving its locals as they were, and
// not waiting for another task's wakeup. Nothing in the loop itself moves it towards
// its end (`while (!kthread_should_stop()) { work(); msleep(10); }`), and exploring
// every further iteration against every other task's steps would never end. (A busy
// loop that never sleeps is the step limit's, with its fairness rule.) Past the bound the loop goes round only once nothing else can run, and the
// exploration says the bound cut it (LimitReached) when something else could have.
type boundGuard struct{ t *Task }

func (g *boundGuard) Enabled(*sched.Op) bool { return g.t.k.boundFree(g.t) }

// boundFree reports whether every task but self is blocked, exited, or held by the
// loop bound with a higher pid (the lowest goes first: one order, no choice).
func (k *Kernel) boundFree(self *Task) bool {
	for _, ts := range [...][]*Task{k.tasks, k.handlers} {
		for _, o := range ts {
			if o == self || o.exited || o.th == nil || o.th.Finished() {
				continue
			}
			op := o.th.PendingOp()
			g := op.Guard
			if w, ok := g.(sched.WrappingGuard); ok {
				g = w.Inner() // the CPU gate
			}
			if g, ok := g.(*boundGuard); ok && g.t == o {
				if o.PID < self.PID {
					return false
				}
				continue
			}
			if o.awaiting && o.aw.timed {
				continue
			}
			if op.Guard == nil || op.Guard.Enabled(op) {
				return false
			}
		}
	}
	return true
}

// loopBound is called at the end of each iteration of a loop the interpreter runs
// that was no await (Loop.Iterated); localsSame says the iteration left the task's
// locals as they were.
func (t *Task) loopBound(l *Loop, localsSame bool) {
	if !localsSame || t.ws.woken != l.woken || t.sleeps == l.sleeps {
		return // not a loop that waits: finite by itself, or a busy loop (the step limit's)
	}
	l.rounds++
	bound := t.k.cfg.LoopBound
	if bound == 0 {
		bound = DefaultLoopBound
	}
	if l.rounds < bound {
		return
	}
	g := &t.ws.held
	g.t = t
	if !t.k.boundFree(t) {
		t.k.e.LimitReached(fmt.Sprintf("the loop bound (%d) cut the loop at %s: it went round %d times sleeping, "+
			"changing shared state but not its own locals and waiting for no wakeup, and its further iterations "+
			"ran only once nothing else could; raise it with `#pragma ksim loop bound N`", bound, l.pos, l.rounds))
	}
	t.note("loop bound %d reached: goes round again once nothing else can run", bound)
	t.op("loop bound", 0, sched.None, g)
}

// SendSignal is the wakeup half of sending p a signal (kernel/signal.c:
// complete_signal -> signal_wake_up): a step on p's state word that marks the signal
// pending and wakes p from TASK_INTERRUPTIBLE, or from TASK_KILLABLE too when fatal
// (TASK_WAKEKILL). It returns whether it woke p. For the user-process harness
// (Ctrl-C); the signal's number in p's task_struct is the caller's.
func (t *Task) SendSignal(p *Task, fatal bool) bool {
	t.op("signal_wake_up", p.stateObj(), sched.Write, nil)
	p.ws.sigPending = true
	p.ws.fatalPending = p.ws.fatalPending || fatal
	mode := uint32(TaskInterruptible)
	if fatal {
		mode |= TaskWakekill
	}
	if p.stateVal()&mode == 0 {
		return false
	}
	return t.ttwu(p, p.stateVal())
}

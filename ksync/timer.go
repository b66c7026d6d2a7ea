package ksync

import (
	"fmt"

	"github.com/ksim-dev/ksim/sched"
)

// Timers (kernel/time/timer.c). An armed timer expires at a moment the search
// explores: arming it starts an expiry thread whose one step may come at any point
// afterwards (the abstraction of time: a deadline is never a guarantee that another
// task has got somewhere). The expiry is the hardware timer interrupt on the CPU
// the timer was armed on: it raises TIMER_SOFTIRQ there, and the callback runs in
// softirq context as the tasklets of irq.go do — on top of a task of that CPU that
// has bottom halves enabled (at any of its steps: it may hold a spin_lock taken
// without _bh), or in ksoftirqd once nothing else on the CPU runs. call_timer_fn
// holds the timer's lockdep map around the callback, and del_timer_sync acquires
// it (__timer_delete_sync), so that lockdep predicts del_timer_sync under a lock
// the callback takes; del_timer_sync then busy-waits (cpu_relax) for a callback
// that is running or about to (base->running_timer).
//
// Timers make the search a full one (fullSearchIRQ): a pending softirq may run at
// any step of a context on its CPU. Arming is bounded (ArmBound): past it, the
// timer stays armed and never fires, and the exploration says so.

// Timer is a struct timer_list.
type Timer struct {
	k       *Kernel
	id      sched.ObjID
	name    string
	dep     *LockMap // its lockdep_map: "(&t)" for timer_setup(&t, ...), "file.c:12" for DEFINE_TIMER
	fn      func(t *Task)
	flags   int
	armed   bool // timer_pending: enqueued, not expired
	gen     int  // which expiry thread is the timer's
	expires uint64
	// running is base->running_timer == timer: from its expiry until its callback
	// returns (the softirq may run it later than the interrupt raised it).
	running  bool
	shutdown bool // timer_shutdown: the function is NULL, arming is ignored
	arms     int
	tl       *Tasklet // its entry in the CPU's pending softirqs
	runs     int
	mapAddr  uint64 // where its lockdep_map is (SetMapAddr)
}

// SetMapAddr places the timer's lockdep map at addr (timer->lockdep_map).
func (tm *Timer) SetMapAddr(addr uint64) {
	tm.mapAddr = addr
	if tm.dep != nil {
		tm.dep.addr = addr
	}
}

// TimerIRQSafe is TIMER_IRQSAFE: the callback runs with interrupts disabled.
const TimerIRQSafe = 0x00200000

// NewTimer is a timer as DEFINE_TIMER or timer_setup makes it: name for traces,
// depName its lockdep map's name, fn the callback's call (call_timer_fn's fn(timer)).
func (k *Kernel) NewTimer(name, depName string, flags int, fn func(t *Task)) *Timer {
	tm := &Timer{k: k, id: k.e.NewObject(name), name: name, dep: k.newLockMap(depName), fn: fn, flags: flags}
	tm.tl = &Tasklet{k: k, id: tm.id, name: "timer " + name, fn: tm.callTimerFn}
	return tm
}

// Name is the timer's C name.
func (tm *Timer) Name() string { return tm.name }

// Runs is how often the callback ran in this execution.
func (tm *Timer) Runs() int { return tm.runs }

// Setup is timer_setup on a timer already known: the callback, flags and lockdep
// map again (init_timer_key); the timer is not pending.
func (tm *Timer) Setup(t *Task, depName string, flags int, fn func(t *Task)) {
	t.op("timer_setup", tm.id, sched.Write, nil)
	tm.fn, tm.flags, tm.dep = fn, flags, t.k.newLockMap(depName)
	if tm.mapAddr != 0 {
		tm.dep.addr = tm.mapAddr
	}
	tm.armed, tm.shutdown = false, false
	tm.gen++
}

// TimerPending is timer_pending(t).
func (t *Task) TimerPending(tm *Timer) bool {
	t.op("timer_pending", tm.id, sched.Read, nil)
	return tm.armed
}

// ModTimer is mod_timer(t, expires): the timer (re)armed to expire at expires; 1
// if it was pending, 0 if not.
func (t *Task) ModTimer(tm *Timer, expires uint64) int {
	t.op("mod_timer", tm.id, sched.Write, nil)
	was := tm.armed
	t.armTimer(tm, expires)
	return b2i(was)
}

// AddTimer is add_timer(t): arms a timer that is not pending (a pending one is the
// kernel's WARN_ON_ONCE, and nothing changes).
func (t *Task) AddTimer(tm *Timer) {
	t.op("add_timer", tm.id, sched.Write, nil)
	if tm.armed {
		t.warnOnce("kernel/time/timer.c:1294", "add_timer+0x2c/0x40", "add_timer of a pending timer at "+t.where())
		return
	}
	t.armTimer(tm, tm.expires)
}

// SetExpires is the module's write of timer->expires before add_timer.
func (tm *Timer) SetExpires(e uint64) { tm.expires = e }

// armTimer is __mod_timer's enqueue: a timer not pending gets an expiry thread;
// a pending one keeps its own (only its deadline moves).
func (t *Task) armTimer(tm *Timer, expires uint64) {
	tm.expires = expires
	if tm.shutdown {
		t.note("shut down: ignored")
		return
	}
	if tm.armed {
		t.note("re-armed")
		return
	}
	k := t.k
	k.e.RequireFullSearch(fullSearchIRQ)
	tm.arms++
	if tm.arms > k.armBound() {
		k.e.LimitReached(fmt.Sprintf("re-arm bound reached: timer %s was armed more than %d times in one execution "+
			"(a timer that re-arms itself); ksim lets it fire at most that many times, then never again; %s", tm.name, k.armBound(), armBoundHint))
		tm.armed = true // pending for good: it never fires again
		tm.gen++
		t.note("re-arm bound: it will not fire")
		return
	}
	tm.armed = true
	tm.gen++
	gen, cpu := tm.gen, t.cpu
	t.note("armed")
	if !k.room(threadsKept) {
		return // it never fires: room marked the exploration incomplete
	}
	k.spawning++
	k.wq.expiries++
	th := t.th.SpawnAt(t.pos, "timer "+tm.name, func(th *sched.Thread) {
		defer func() { k.wq.expiries-- }()
		// The timer interrupt on cpu: __run_timers detaches the expired timer
		// (base->running_timer = timer) and TIMER_SOFTIRQ runs the callback.
		th.Op(&sched.Op{Name: "timer expires", Obj: tm.id, Access: sched.Write, Where: cpuNames[cpu]})
		if !tm.armed || tm.gen != gen {
			th.Note("deleted before it expired")
			return
		}
		tm.armed = false
		tm.running = true
		ctx := k.newContext(cpu, nil)
		ctx.th = th
		tl := tm.tl
		if !tl.scheduled {
			tl.scheduled, tl.cpu = true, cpu
			k.softirqs = append(k.softirqs, tl)
		}
		th.Note("TIMER_SOFTIRQ raised on CPU" + cpuNames[cpu])
		k.wakeSoftirqd(cpu, ctx)
		ctx.exited = true
	})
	th.SetWhere(cpuNames[cpu])
	k.spawning--
}

// callTimerFn is call_timer_fn in the softirq context c: the callback, with the
// timer's lockdep map held around it (an irqsafe timer's with interrupts off).
func (tm *Timer) callTimerFn(c *Task) {
	c.op("call_timer_fn", tm.id, sched.Write, nil)
	tm.running = true
	tm.runs++
	irqs := c.irqsOff
	if tm.flags&TimerIRQSafe != 0 {
		c.irqsOff = true
	}
	c.lockMapAcquire(tm.dep, "call_timer_fn+0x2c/0x240", false)
	if tm.fn != nil {
		tm.fn(c)
	}
	c.lockMapRelease(tm.dep)
	c.irqsOff = irqs
	c.op("call_timer_fn", tm.id, sched.Write, nil)
	// Expired again meanwhile (re-armed by the callback), the timer's next run
	// is pending on the softirq: del_timer_sync goes on waiting for it.
	tm.running = tm.tl.scheduled
}

// DelTimer is del_timer / timer_delete(t): the timer is no longer pending; 1 if it
// was. A callback already running (or about to) goes on.
func (t *Task) DelTimer(tm *Timer) int {
	t.op("timer_delete", tm.id, sched.Write, nil)
	return tm.deactivate()
}

func (tm *Timer) deactivate() int {
	if !tm.armed {
		return 0
	}
	tm.armed = false
	tm.gen++
	return 1
}

// TimerShutdown is timer_shutdown(t): timer_delete, and the timer can no longer
// be armed.
func (t *Task) TimerShutdown(tm *Timer) int {
	t.op("timer_shutdown", tm.id, sched.Write, nil)
	tm.shutdown = true
	return tm.deactivate()
}

// timerIdle lets del_timer_sync's busy wait end once the callback is not running.
type timerIdle struct{ tm *Timer }

func (g timerIdle) Enabled(*sched.Op) bool { return !g.tm.running }

// DelTimerSync is del_timer_sync / timer_delete_sync (and, with shutdown,
// timer_shutdown_sync): __timer_delete_sync acquires and releases the timer's
// lockdep map with interrupts off, WARNs in hardirq context for a timer that is not
// irqsafe, deactivates the timer and busy-waits while its callback runs. prim
// names the call, for traces and reports.
func (t *Task) DelTimerSync(tm *Timer, prim string, shutdown bool) int {
	irqs := t.irqsOff
	t.irqsOff = true // local_irq_save
	t.lockMapAcquire(tm.dep, "__timer_delete_sync+0x38/0x120", true)
	t.irqsOff = irqs
	if t.hardirq && tm.flags&TimerIRQSafe == 0 {
		t.warn("", "kernel/time/timer.c:1657", "__timer_delete_sync+0xe0/0x120", prim+" in hardirq context at "+t.where())
	}
	t.op(prim, tm.id, sched.Write, nil)
	if tm.running {
		// __try_to_del_timer_sync fails while base->running_timer is the timer,
		// and the loop tries again (cpu_relax): a busy wait, not a sleep, so for
		// reports the task spins. The try that succeeds deletes the timer, re-armed
		// by its callback meanwhile or not.
		t.note("waits for the running callback")
		saved, st := t.wait, t.state
		t.wait = waiting{kind: "spinlock", lock: &tm.dep.lockBase, pos: t.pos, prim: prim}
		t.op(prim, tm.id, sched.Write, timerIdle{tm})
		t.wait, t.state = saved, st
	}
	if shutdown {
		tm.shutdown = true // timer->function = NULL under the base lock
	}
	return tm.deactivate()
}

// timerSpin says, for the soft-lockup report of t, whether t spins in
// del_timer_sync (its RIP and lock function), and ksim's note.
func (t *Task) timerSpin() (rip, fn string, ok bool) {
	switch t.wait.prim {
	case "del_timer_sync", "timer_delete_sync", "timer_shutdown_sync":
		return "__timer_delete_sync+0x9c/0x120", t.wait.prim, true
	case "hrtimer_cancel":
		return "hrtimer_cancel+0x2a/0x40", t.wait.prim, true
	}
	return "", "", false
}

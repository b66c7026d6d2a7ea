package ksync

import (
	"fmt"

	"github.com/ksim-dev/ksim/sched"
)

// Workqueues (kernel/workqueue.c) and timers (kernel/time/timer.c, timer.go).
//
// A queued work item runs in a kworker: a kernel thread in process context (it may
// sleep) that is not the module's (rmmod does not wait for it). Every queueing
// makes an instance of the work with a kworker thread of its own, which waits until
// the instance may run and then runs it: when it runs is the scheduler's choice,
// explored like any other task's step. The kernel's rules hold:
//
//   - a work item never runs concurrently with itself (the instance waits for the
//     work's previous one: non-reentrancy, kernel/workqueue.c find_worker_executing_work);
//   - a workqueue with a max_active below WQ_DFL_ACTIVE (an ordered or
//     singlethread one: 1) runs at most that many of its works at once (per CPU for
//     a per-CPU workqueue), in the order they were queued; system_wq and the other
//     system workqueues run them all concurrently;
//   - process_one_work acquires the lockdep maps "(wq_completion)NAME" and the
//     work's "(work_completion)(&w)" around the work's function, and flush_work,
//     cancel_work_sync, flush_workqueue and destroy_workqueue acquire and release
//     them as the kernel does (touch_work_lockdep_map, touch_wq_lockdep_map):
//     lockdep predicts a flush under a lock the work takes.
//
// DPOR: every step that changes a work's state is an operation on the work's
// object, every step that changes a workqueue's list an operation on the
// workqueue's object, and each guard reads only the state of its operation's
// object: a kworker's start (non-reentrancy) and flush_work's wait read the work's,
// the wait for a max_active slot and flush_workqueue's wait the workqueue's.
//
// A delayed work is a work with a timer: queue_delayed_work arms it, and its
// expiry (delayed_work_timer_fn, kernel code that only queues the work) is a thread
// of its own whose one step may come at any point: when the timer fires is
// explored. Works re-queued and timers re-armed are bounded (ArmBound).

// DefaultArmBound is Config.ArmBound when it is 0: how many times one work item
// may be queued, or one timer armed, in one execution. A work or timer that
// re-arms itself would otherwise make the search infinite; past the bound the
// execution stops, and the exploration says that it is not complete.
const DefaultArmBound = 2

// armBound is the execution's re-arm bound (Config.ArmBound).
func (k *Kernel) armBound() int {
	if k.cfg.ArmBound > 0 {
		return k.cfg.ArmBound
	}
	return DefaultArmBound
}

// armBoundHint says how to raise the re-arm bound, for the reason of an
// incomplete search.
const armBoundHint = "raise it with `#pragma ksim arm bound N` (ksync.Config.ArmBound)"

// wqState is the kernel's workqueue and timer state for one execution.
type wqState struct {
	system  [4]*Workqueue // system_wq, system_highpri_wq, system_long_wq, system_unbound_wq, made on first use
	workers int           // kworkers started, for their names
	hrIRQ   int           // hrtimers given an interrupt line, for the line numbers
	// expiries counts the timer expiry threads that have not finished: a timer
	// that may still fire is a context that may still run module code.
	expiries int
}

// LockMap is a struct lockdep_map that is no lock's: lockdep tracks it through
// lock_map_acquire / lock_map_release (include/linux/lockdep.h), and its class
// prints with the wait types {0:0} (LD_WAIT_INV: lockdep_init_map).
type LockMap struct{ lockBase }

// kindLockMap is a LockMap's kind.
const kindLockMap lockKind = kindCompletion + 1

func (k *Kernel) newLockMap(name string) *LockMap {
	return &LockMap{lockBase: lockBase{k: k, name: name, addr: k.addr(), kind: kindLockMap}}
}

// lockMapAcquire is lock_map_acquire(m) followed, when release, by
// lock_map_release(m): lockdep's checks and dependencies as for a lock, without
// any lock to wait for. at is where the kernel does it, for the held-locks lines.
func (t *Task) lockMapAcquire(m *LockMap, at string, release bool) {
	if t.k.dep == nil || m == nil {
		return
	}
	t.acquire(&m.lockBase, 0, false, false)
	t.hold(&m.lockBase, false, 0, false)
	if at != "" {
		h := &t.held[len(t.held)-1]
		h.at, h.dh.At = at, at
	}
	if release {
		t.unhold(&m.lockBase)
	}
}

// lockMapRelease is lock_map_release(m).
func (t *Task) lockMapRelease(m *LockMap) {
	if t.k.dep == nil || m == nil {
		return
	}
	t.unhold(&m.lockBase)
}

// The flags of alloc_workqueue (include/linux/workqueue.h, enum wq_flags).
const (
	WQBH           = 1 << 0
	WQUnbound      = 1 << 1
	WQMemReclaim   = 1 << 3
	WQHighpri      = 1 << 4
	WQOrdered      = 1 << 17 // __WQ_ORDERED
	WQLegacy       = 1 << 18 // __WQ_LEGACY
	WQDflActive    = 256     // WQ_DFL_ACTIVE
	wqMaxActiveMax = 512     // WQ_MAX_ACTIVE
)

// Workqueue is a struct workqueue_struct.
type Workqueue struct {
	k         *Kernel
	id        sched.ObjID
	name      string
	flags     int
	maxActive int      // saved_max_active
	dep       *LockMap // (wq_completion)NAME
	list      []*workInst
	nextSeq   int
	destroyed bool
	draining  bool
	addr      uint64 // its struct workqueue_struct (SetAddr)
}

// Addr is the address of the workqueue's struct workqueue_struct, 0 until set.
func (q *Workqueue) Addr() uint64 { return q.addr }

// SetAddr records the address of the workqueue's struct workqueue_struct.
func (q *Workqueue) SetAddr(a uint64) { q.addr = a }

// Name is the workqueue's name.
func (q *Workqueue) Name() string { return q.name }

// limited reports whether max_active can hold a work back: below WQ_DFL_ACTIVE,
// ksim counts the running works; at it or above (system_wq's 256) it never bites in
// a scenario's handful of works.
func (q *Workqueue) limited() bool { return q.maxActive < WQDflActive }

// System workqueues (kernel/workqueue.c workqueue_init_early).
const (
	SystemWQ = iota
	SystemHighpriWQ
	SystemLongWQ
	SystemUnboundWQ
)

// SystemWorkqueue is system_wq (events), system_highpri_wq (events_highpri),
// system_long_wq (events_long) or system_unbound_wq (events_unbound), by which.
func (k *Kernel) SystemWorkqueue(which int) *Workqueue {
	if q := k.wq.system[which]; q != nil {
		return q
	}
	names := [...]string{"events", "events_highpri", "events_long", "events_unbound"}
	flags := [...]int{0, WQHighpri, 0, WQUnbound}
	q := k.newWorkqueue(names[which], flags[which], 0)
	k.wq.system[which] = q
	return q
}

func (k *Kernel) newWorkqueue(name string, flags, maxActive int) *Workqueue {
	if maxActive <= 0 {
		maxActive = WQDflActive
	}
	maxActive = min(maxActive, wqMaxActiveMax)
	if flags&WQOrdered != 0 {
		maxActive = 1
	}
	// wq_init_lockdep: "(wq_completion)" and the name (kasprintf).
	return &Workqueue{k: k, id: k.e.NewObject("wq " + name), name: name, flags: flags, maxActive: maxActive,
		dep: k.newLockMap("(wq_completion)" + name)}
}

// AllocWorkqueue is alloc_workqueue(name, flags, max_active): a workqueue; with
// __WQ_ORDERED (alloc_ordered_workqueue, create_singlethread_workqueue) one work at
// a time. It allocates with GFP_KERNEL and may sleep.
func (t *Task) AllocWorkqueue(name string, flags, maxActive int) *Workqueue {
	t.mightResched("include/linux/sched/mm.h:321", "__kmalloc_cache_noprof", "alloc_workqueue") // kzalloc of the wq, GFP_KERNEL: might_alloc
	q := t.k.newWorkqueue(name, flags, maxActive)
	t.op("alloc_workqueue", q.id, sched.Write, nil)
	return q
}

// Work is a struct work_struct, or the work of a struct delayed_work.
type Work struct {
	k    *Kernel
	id   sched.ObjID
	name string   // for traces: the C name of the work ("my_work", "dev->work")
	dep  *LockMap // its lockdep_map: "(work_completion)(&w)", or "w" for DECLARE_WORK
	fn   func(t *Task)

	pend    *workInst // the instance queued and not started (WORK_STRUCT_PENDING with it)
	running *workInst // the instance a kworker runs now
	disable int       // disable count (cancel_work_sync holds it up while it waits)
	arms    int       // queued or armed so far in this execution (ArmBound)
	mapAddr uint64    // where its lockdep_map is (SetMapAddr)

	// A delayed work: its timer is armed (WORK_STRUCT_PENDING while it is), gen
	// tells an expiry thread whether it is still the timer's, dwq is where the
	// expiry queues the work (dwork->wq).
	delayed  bool
	timer    bool
	timerGen int
	dwq      *Workqueue
}

// workInst is one queueing of a work: its kworker runs it once.
type workInst struct {
	w         *Work
	q         *Workqueue
	seq       int // its number on q (flush_workqueue waits for those before its mark)
	cpu       int
	cancelled bool // taken off the queue before it started (work's state)
	finished  bool // ran, or was cancelled (work's state): flush_work waits for it
	started   bool // took its max_active slot (workqueue's state)
	onList    bool // on q.list (workqueue's state)
}

// NewWork is a work item, as INIT_WORK or DECLARE_WORK makes it: name is the C name
// of the work for traces, depName its lockdep_map's name, fn what its kworker runs
// (process_one_work's worker->current_func(work)).
func (k *Kernel) NewWork(name, depName string, fn func(t *Task)) *Work {
	return &Work{k: k, id: k.e.NewObject(name), name: name, dep: k.newLockMap(depName), fn: fn}
}

// SetMapAddr places the work's lockdep map at addr (work->lockdep_map), for the
// held-locks lines.
func (w *Work) SetMapAddr(addr uint64) {
	w.mapAddr = addr
	w.dep.addr = addr
}

// SetDelayed makes the work a delayed work's (its timer is delayed_work_timer_fn's).
func (w *Work) SetDelayed() { w.delayed = true }

// Delayed reports whether the work is a delayed work's.
func (w *Work) Delayed() bool { return w.delayed }

// Name is the work's C name.
func (w *Work) Name() string { return w.name }

// Init is INIT_WORK on a work already known: the function and lockdep name again,
// and a work that is idle. (Re-initialising a queued work is a bug the kernel does
// not check without CONFIG_DEBUG_OBJECTS_WORK.)
func (w *Work) Init(t *Task, depName string, fn func(t *Task)) {
	t.op("INIT_WORK", w.id, sched.Write, nil)
	w.fn = fn
	w.dep = t.k.newLockMap(depName)
	if w.mapAddr != 0 {
		w.dep.addr = w.mapAddr
	}
}

// pending is work_pending(): WORK_STRUCT_PENDING is set while the work is queued,
// or while a delayed work's timer is armed.
func (w *Work) pendingNow() bool { return w.pend != nil || w.timer }

// WorkPending is work_pending(w) / delayed_work_pending(dw).
func (t *Task) WorkPending(w *Work) bool {
	t.op("work_pending", w.id, sched.Read, nil)
	return w.pendingNow()
}

// QueueWork is queue_work(q, w) (queue_work_on(WORK_CPU_UNBOUND, ...)): false if
// the work was pending already (or is disabled: cancel_work_sync is waiting on it);
// otherwise it is queued on q, runs in a kworker, and true.
func (t *Task) QueueWork(q *Workqueue, w *Work) bool {
	t.op("queue_work", w.id, sched.Write, nil)
	if w.pendingNow() || w.disable > 0 {
		t.note("already pending: false")
		return false
	}
	t.queueInst(q, w, false)
	return true
}

// queueInst is __queue_work: a new instance of w on q, with its kworker. The
// caller's step was on w's object; the instance joins q's list in a step on q's.
func (t *Task) queueInst(q *Workqueue, w *Work, counted bool) {
	if !counted && !t.armOK(&w.arms, w.name) {
		// Not run, a flush would wait for it for ever: the execution stops here.
		t.note("re-arm bound: the execution stops here")
		t.k.e.Abort()
		return
	}
	inst := &workInst{w: w, q: q, cpu: t.cpu}
	w.pend = inst
	t.op("insert_work", q.id, sched.Write, nil)
	if q.destroyed || q.draining && !t.chainedWork(q) {
		// __queue_work: WARN_ON_ONCE(!is_chained_work(wq)) on a workqueue being
		// destroyed (kernel/workqueue.c:2294), and the work is not queued: its
		// PENDING bit stays set (queue_work fails from now on), and a flush finds
		// no pool running it (start_flush_work: already_gone).
		t.warnOnce("kernel/workqueue.c:2294", "__queue_work+0x39b/0x430",
			"queue_work on workqueue "+q.name+" being destroyed at "+t.where())
		t.op("__queue_work", w.id, sched.Write, nil)
		inst.cancelled, inst.finished = true, true
		return
	}
	t.note("queued on %s", q.name)
	q.nextSeq++
	inst.seq = q.nextSeq
	inst.onList = true
	q.list = append(q.list, inst)
	t.startKworker(inst)
}

// armOK counts a queueing or arming (n is the work's or timer's count) against
// ArmBound: past it the execution ends there, and the exploration is not complete
// (the work or timer re-arms itself without end).
func (t *Task) armOK(n *int, what string) bool {
	*n++
	if *n <= t.k.armBound() {
		return true
	}
	t.k.e.LimitReached(fmt.Sprintf("re-arm bound reached: work %s was queued or armed more than %d times in one execution "+
		"(a work that re-queues itself); %s", what, t.k.armBound(), armBoundHint))
	return false
}

// chainedWork is is_chained_work(q): t is a kworker running a work of q.
func (t *Task) chainedWork(q *Workqueue) bool {
	return t.kworker != nil && t.kworker.q == q
}

// startKworker starts the kworker thread that runs inst.
func (t *Task) startKworker(inst *workInst) {
	k := t.k
	if !k.room(threadsKept) {
		// No thread for it: the execution cannot go on faithfully (flushers would
		// wait for a work that never runs). room marked it incomplete.
		k.e.Abort()
		return
	}
	k.wq.workers++
	comm := fmt.Sprintf("kworker/%d:%d", inst.cpu, k.wq.workers)
	if inst.q.flags&WQUnbound != 0 || inst.q.maxActive == 1 && inst.q.flags&WQOrdered != 0 {
		comm = fmt.Sprintf("kworker/u%d:%d", 2*k.cfg.CPUs, k.wq.workers)
	}
	k.spawning++
	c := k.newTask(comm, 2) // kthreadd's child
	c.kernelOwned = true
	c.kworker = inst
	if inst.q.flags&WQUnbound == 0 {
		c.cpu = inst.cpu // a per-CPU pool's worker runs on that CPU
	}
	c.body = kworkerBody
	c.th = t.th.SpawnAt(t.pos, c.Comm, runTask)
	k.spawning--
	c.th.SetValue(c)
	c.th.SetWhere(cpuNames[c.cpu])
	t.note("%s will run %s", c.Comm, inst.w.name)
}

// kworkerBody is worker_thread → process_one_work for the task's instance.
func kworkerBody(c *Task) {
	inst := c.kworker
	w, q := inst.w, inst.q
	c.stack = kworkerStack
	c.state = Idle
	if q.limited() {
		// pwq_tryinc_nr_active: the instance waits until it is the first of its
		// workqueue (per CPU for a per-CPU one) and a max_active slot is free.
		c.op("pwq_activate_work", q.id, sched.Write, wqSlot{inst})
		inst.started = true
	}
	// The kworker picks the instance up unless it was cancelled meanwhile; a work
	// that runs on another kworker finishes there first (non-reentrancy).
	c.op("process_one_work", w.id, sched.Write, workIdle{inst})
	c.state = Running
	if !inst.cancelled {
		if w.pend == inst {
			w.pend = nil // set_work_pool_and_clear_pending
		}
		w.running = inst
		c.note("runs %s", w.name)
		// lock_map_acquire(pwq->wq->lockdep_map); lock_map_acquire(&lockdep_map)
		c.lockMapAcquire(q.dep, "process_one_work+0x1e8/0x5b0", false)
		c.lockMapAcquire(w.dep, "process_one_work+0x20f/0x5b0", false)
		c.stack = nil // the interpreter's frames from here
		if w.fn != nil {
			w.fn(c)
		}
		c.lockMapRelease(w.dep)
		c.lockMapRelease(q.dep)
		c.stack = kworkerStack
		c.op("process_one_work", w.id, sched.Write, nil)
		w.running = nil
		inst.finished = true
	}
	c.op("pwq_dec_nr_in_flight", q.id, sched.Write, nil)
	q.remove(inst)
	c.kworker = nil
}

// kworkerStack is a kworker's stack outside the work's function.
func kworkerStack() []Frame {
	return []Frame{{Func: "ret_from_fork"}, {Func: "kthread"}, {Func: "worker_thread"}, {Func: "process_one_work", FuncLine: 1, Line: 1, FuncEnd: 91}}
}

func (q *Workqueue) remove(inst *workInst) {
	for i, x := range q.list {
		if x == inst {
			q.list = append(q.list[:i], q.list[i+1:]...)
			break
		}
	}
	inst.onList = false
}

// wqSlot lets an instance on a limited workqueue start once it is the first of
// its CPU (or of the workqueue, unbound) not started yet and a slot is free. It
// reads the workqueue's list only, which changes at the workqueue's steps.
type wqSlot struct{ inst *workInst }

func (g wqSlot) Enabled(*sched.Op) bool {
	q, inst := g.inst.q, g.inst
	percpu := q.flags&WQUnbound == 0 && q.flags&WQOrdered == 0
	active := 0
	for _, x := range q.list {
		if percpu && x.cpu != inst.cpu {
			continue
		}
		if x.started {
			active++
			continue
		}
		if x != inst {
			return false // an earlier one goes first
		}
		break
	}
	return active < q.maxActive
}

// workIdle lets a kworker start its instance once the work runs nowhere else, or
// at once if the instance was cancelled. It reads the work's state only.
type workIdle struct{ inst *workInst }

func (g workIdle) Enabled(*sched.Op) bool { return g.inst.cancelled || g.inst.w.running == nil }

// instDone lets flush_work's wait end once the instance ran (or was cancelled).
type instDone struct{ inst *workInst }

func (g instDone) Enabled(*sched.Op) bool { return g.inst.finished }

// FlushWork is flush_work(w): it waits until the work's last queueing has run,
// and returns true; false if the work was idle. Only when the work is queued or
// running does it touch the work's lockdep map (and, on a workqueue with
// max_active 1 or a rescuer, the workqueue's): start_flush_work.
func (t *Task) FlushWork(w *Work) bool {
	t.mightResched("kernel/workqueue.c:4300", "flush_work")
	return t.flushWork(w, false, "flush_work")
}

// flushWork is __flush_work(w, fromCancel).
func (t *Task) flushWork(w *Work, fromCancel bool, prim string) bool {
	t.op(prim, w.id, sched.Write, nil)
	inst := w.pend
	if inst == nil {
		inst = w.running
	}
	if inst == nil || fromCancel && inst != w.running {
		t.note("idle: nothing to wait for")
		return false
	}
	q := inst.q
	t.lockMapAcquire(w.dep, "__flush_work+0x1a0/0x4d0", true) // touch_work_lockdep_map
	if !fromCancel && (q.maxActive == 1 || q.flags&WQMemReclaim != 0) {
		t.lockMapAcquire(q.dep, "__flush_work+0x1c6/0x4d0", true) // touch_wq_lockdep_map
	}
	t.waitDone(prim, instDone{inst}, w.id, w.dep)
	return true
}

// waitDone is wait_for_completion(&barr.done) until g allows, on obj; m is the
// lockdep map that names what is waited for in reports.
func (t *Task) waitDone(prim string, g sched.Guard, obj sched.ObjID, m *LockMap) {
	if g.Enabled(nil) {
		return
	}
	t.note("waits")
	t.sleep(Uninterruptible, waiting{kind: "work", lock: &m.lockBase, pos: t.pos, prim: prim})
	t.op(prim, obj, sched.Read, g)
	t.wake()
}

// workWaitChain is the stack below schedule() of a task waiting in prim, for the
// hung-task report: wait_for_completion's (kernel/sched/completion.c), then
// the workqueue function's.
func workWaitChain(prim string) []string {
	c := []string{"schedule_timeout", "__wait_for_common", "wait_for_completion"}
	switch prim {
	case "flush_work":
		return append(c, "__flush_work", "flush_work")
	case "cancel_work_sync", "cancel_delayed_work_sync":
		return append(c, "__flush_work", "__cancel_work_sync", prim)
	case "__flush_workqueue":
		return append(c, "__flush_workqueue")
	case "drain_workqueue":
		return append(c, "__flush_workqueue", "drain_workqueue", "destroy_workqueue")
	}
	return append(c, prim)
}

// wqMutexSleep is the might_sleep of mutex_lock(&wq->mutex) in the workqueue
// function fn (__mutex_lock_common's, kernel/locking/mutex.c).
func (t *Task) wqMutexSleep(fn ...string) {
	if t.k.dep != nil {
		t.mightResched("kernel/locking/mutex.c:586", append([]string{"__mutex_lock", "mutex_lock_nested"}, fn...)...)
		return
	}
	t.mightResched("kernel/locking/mutex.c:283", append([]string{"mutex_lock"}, fn...)...)
}

// CancelWork is cancel_work(w) / cancel_delayed_work(dw): the pending queueing
// (or the delayed work's armed timer) is taken back, true; false if not pending.
// It does not wait for a running instance.
func (t *Task) CancelWork(w *Work) bool {
	t.op("cancel_work", w.id, sched.Write, nil)
	return w.grabPending(t)
}

// grabPending is try_to_grab_pending: the delayed work's timer disarmed, or the
// queued instance taken off its workqueue.
func (w *Work) grabPending(t *Task) bool {
	switch {
	case w.timer:
		w.timer = false
		w.timerGen++
		t.note("timer disarmed")
		return true
	case w.pend != nil:
		inst := w.pend
		w.pend = nil
		inst.cancelled, inst.finished = true, true
		t.note("taken off %s", inst.q.name)
		return true
	}
	return false
}

// CancelWorkSync is cancel_work_sync(w) / cancel_delayed_work_sync(dw): the pending
// queueing is cancelled, the work disabled meanwhile (queue_work fails), and a
// running instance waited for (__flush_work from cancel: the work's lockdep map
// only). True if the work was pending.
func (t *Task) CancelWorkSync(w *Work) bool {
	prim := "cancel_work_sync"
	if w.delayed {
		prim = "cancel_delayed_work_sync"
	}
	t.op(prim, w.id, sched.Write, nil)
	ret := w.grabPending(t)
	w.disable++ // WORK_CANCEL_DISABLE
	t.mightResched("kernel/workqueue.c:4393", "__cancel_work_sync", prim)
	t.flushWork(w, true, prim)
	t.op("enable_work", w.id, sched.Write, nil)
	w.disable--
	return ret
}

// wqFlushed lets flush_workqueue's wait end once every instance queued on q up
// to mark (its sequence number at the flush) is done; with drain, once q is empty.
type wqFlushed struct {
	q     *Workqueue
	mark  int
	drain bool
}

func (g wqFlushed) Enabled(*sched.Op) bool {
	for _, x := range g.q.list {
		if g.drain || x.seq <= g.mark {
			return false
		}
	}
	return true
}

// FlushWorkqueue is flush_workqueue(q): it waits until every work queued on q
// before the call has run. It touches q's lockdep map first.
func (t *Task) FlushWorkqueue(q *Workqueue) {
	t.flushWorkqueue(q, false, "__flush_workqueue")
}

func (t *Task) flushWorkqueue(q *Workqueue, drain bool, prim string) {
	t.lockMapAcquire(q.dep, "__flush_workqueue+0x10e/0x5a0", true) // touch_wq_lockdep_map
	t.wqMutexSleep("__flush_workqueue")                            // mutex_lock(&wq->mutex)
	t.op(prim, q.id, sched.Write, nil)
	g := wqFlushed{q: q, mark: q.nextSeq, drain: drain}
	t.waitDone(prim, g, q.id, q.dep)
}

// DestroyWorkqueue is destroy_workqueue(q): drain_workqueue (flush until nothing
// is queued: works may requeue themselves meanwhile, others may not queue), then q
// is gone.
func (t *Task) DestroyWorkqueue(q *Workqueue) {
	t.wqMutexSleep("destroy_workqueue")
	t.op("drain_workqueue", q.id, sched.Write, nil)
	q.draining = true
	t.flushWorkqueue(q, true, "drain_workqueue")
	t.op("destroy_workqueue", q.id, sched.Write, nil)
	q.draining = false
	q.destroyed = true
}

// ---- delayed work ----

// QueueDelayedWork is queue_delayed_work(q, dw, delay): false if pending; with
// delay 0 the work is queued now; otherwise its timer is armed, and the work is
// queued when it fires (an explored moment: any step from now on).
func (t *Task) QueueDelayedWork(q *Workqueue, w *Work, delay uint64) bool {
	t.op("queue_delayed_work", w.id, sched.Write, nil)
	if w.pendingNow() || w.disable > 0 {
		t.note("already pending: false")
		return false
	}
	t.queueDelayed(q, w, delay)
	return true
}

// queueDelayed is __queue_delayed_work.
func (t *Task) queueDelayed(q *Workqueue, w *Work, delay uint64) {
	if delay == 0 {
		t.queueInst(q, w, false)
		return
	}
	w.dwq = q
	w.timer = true
	w.timerGen++
	if !t.armOK(&w.arms, w.name) {
		t.note("re-arm bound: its timer will not fire")
		return // armed for good: it never fires
	}
	gen := w.timerGen
	t.note("timer armed")
	k := t.k
	if !k.room(threadsKept) {
		return // the timer never fires: room marked the exploration incomplete
	}
	cpu := t.cpu
	k.spawning++
	k.wq.expiries++
	th := t.th.SpawnAt(t.pos, "timer "+w.name, func(th *sched.Thread) {
		defer func() { k.wq.expiries-- }()
		// delayed_work_timer_fn on the timer's expiry: __queue_work(dwork->cpu,
		// dwork->wq, &dwork->work), unless the timer was disarmed or re-armed.
		th.Op(&sched.Op{Name: "delayed_work_timer_fn", Obj: w.id, Access: sched.Write, Where: cpuNames[cpu]})
		if !w.timer || w.timerGen != gen {
			th.Note("disarmed before it fired")
			return
		}
		w.timer = false
		ctx := k.timerContext(th, cpu)
		ctx.queueInst(w.dwq, w, true) // counted when the timer was armed
	})
	th.SetWhere(cpuNames[cpu])
	k.spawning--
}

// timerContext is a context for the kernel code a timer runs on thread th, on
// cpu: current is the idle task there (an interrupt on an idle CPU).
func (k *Kernel) timerContext(th *sched.Thread, cpu int) *Task {
	// The timer softirq runs an irqsafe timer (delayed_work_timer_fn's) with irqs
	// off; marked in hardirq, nothing interrupts it (it takes no lock).
	c := &Task{k: k, Comm: "swapper/" + cpuNames[cpu], state: Running, cpu: cpu, percpu: true, th: th,
		inIRQ: true, softirq: true, hardirq: true, irqsOff: true}
	c.held = c.heldBuf[:0]
	c.gate.t = c
	c.preempt = softirqOffset
	return c
}

// ModDelayedWork is mod_delayed_work(q, dw, delay): whatever is pending is taken
// back and the work queued again with the new delay; true if it was pending.
func (t *Task) ModDelayedWork(q *Workqueue, w *Work, delay uint64) bool {
	t.op("mod_delayed_work", w.id, sched.Write, nil)
	if w.disable > 0 {
		return false
	}
	ret := w.grabPending(t)
	t.queueDelayed(q, w, delay)
	return ret
}

// FlushDelayedWork is flush_delayed_work(dw): an armed timer is disarmed and the
// work queued at once (on dwork->wq), then flush_work.
func (t *Task) FlushDelayedWork(w *Work) bool {
	t.op("flush_delayed_work", w.id, sched.Write, nil)
	if w.timer {
		w.timer = false
		w.timerGen++
		t.queueInst(w.dwq, w, true) // counted when the timer was armed
	}
	return t.FlushWork(w)
}

// Idle is TASK_IDLE's letter as ps shows it: a kworker waiting for work.
const Idle TaskState = 'I'

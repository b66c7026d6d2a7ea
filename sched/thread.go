package sched

import (
	"fmt"
	"iter"
)

// MaxThreads is how many threads one execution may have: thread sets are 64-bit masks,
// which keeps every scheduling step free of allocation. Exhaustive search over more
// threads than this would not finish anyway.
const MaxThreads = 64

// stopSignal unwinds a thread's Go stack when its execution ends before it does.
type stopSignal struct{}

// exitSignal ends a thread early, on the model's request (a task that oopsed).
type exitSignal struct{}

// worker is a pooled coroutine that runs thread bodies one after another, so that an
// exploration of a million executions creates a handful of coroutines, not millions.
type worker struct {
	next  func() (bool, bool)
	stop  func()
	yield func(bool) bool
	job   *Thread
}

func newWorker() *worker {
	w := &worker{}
	w.next, w.stop = iter.Pull(func(yield func(bool) bool) {
		w.yield = yield
		growStack(nil)
		for {
			t := w.job
			w.job = nil
			w.run(t)
			// false means "this body has finished"; true from yield means "run the next job".
			if !yield(false) {
				return
			}
		}
	})
	return w
}

// growStack grows a fresh coroutine's stack once, while it is shallow: a step runs
// the scheduler and DPOR on the thread's own stack (see Thread.Op), and growing it there,
// deep in a step, copies more frames, once per coroutine of every exploration.
//
//go:noinline
func growStack(p *[4 << 10]byte) {
	var pad [4 << 10]byte
	if p != nil {
		*p = pad
	}
}

func (w *worker) run(t *Thread) {
	defer func() {
		switch r := recover().(type) {
		case nil, stopSignal, exitSignal:
		default:
			t.ex.threadPanicked(t, r)
		}
	}()
	t.fn(t)
}

// Thread is one simulated thread of an execution. Its methods may be called only from
// the thread's own body (the function given to Spawn), except ID, Name and Finished.
type Thread struct {
	id   int
	name string
	ex   *Execution
	fn   func(*Thread)
	w    *worker
	obj  ObjID // the thread as an object, for Join

	pending      Op
	where        string // the default Op.Where of this thread's operations
	pendingSince int    // the step from which the pending operation was schedulable
	started      bool
	finished     bool
	stopping     bool
	value        any // the model's object for this thread (ksync: its task)
}

// ID is the thread's index in its execution, in spawn order, starting at 0.
func (t *Thread) ID() int { return t.id }

// Name is the name given to Spawn.
func (t *Thread) Name() string { return t.name }

// Finished reports whether the thread's body has returned.
func (t *Thread) Finished() bool { return t.finished }

// Execution is the execution the thread belongs to.
func (t *Thread) Execution() *Execution { return t.ex }

// SetWhere sets where the thread's operations run, as the model names it (ksync: the
// CPU), for the ones that do not say: spawns, joins, and any without Where.
func (t *Thread) SetWhere(w string) { t.where = w }

// SetValue attaches the model's own object to the thread (ksync: the task it runs), so
// that a thread body can be one plain function that finds its object with Value,
// rather than a closure allocated for every spawn of every execution.
func (t *Thread) SetValue(v any) { t.value = v }

// Value is what SetValue attached, nil if nothing.
func (t *Thread) Value() any { return t.value }

// PendingOp is the operation the thread has announced and not yet run.
func (t *Thread) PendingOp() *Op { return &t.pending }

// Op announces the thread's next visible operation and returns when the scheduler has
// chosen to run it. The caller then performs the operation's effect, which is atomic
// with respect to every other thread until the caller's next Op. Op copies *op (it is
// taken by pointer only to spare every step a copy of it): the caller may reuse it.
func (t *Thread) Op(op *Op) {
	if t.stopping {
		panic(stopSignal{})
	}
	t.pending = *op
	t.pending.blocking = blockingAcquire(op, op.Access)
	if op.Where == "" {
		t.pending.Where = t.where
	}
	if op.Guard != nil {
		t.ex.guarded |= bit(t.id)
	} else {
		t.ex.guarded &^= bit(t.id)
	}
	e := t.ex
	t.pendingSince = e.step + 1
	if !e.inStep {
		t.pendingSince = e.step
	}
	if e.running(t) {
		// t has run its step up to this operation: close the step and choose the next
		// here, on t's coroutine. When the choice is t again (no preemption: most steps),
		// t goes on without a coroutine switch at all.
		next := e.x.completeAndDecide()
		if next == t.id {
			e.begin(next)
			return
		}
		e.x.decided = next
	}
	if !t.w.yield(true) || t.stopping {
		panic(stopSignal{})
	}
}

// Yield is a visible operation on no object: a scheduling point that lets other threads
// run, independent of everything for DPOR.
func (t *Thread) Yield(name, pos string) { t.Op(&Op{Name: name, Pos: pos}) }

// Join waits until other has finished. Everything other did happens before Join returns.
func (t *Thread) Join(other *Thread, pos string) {
	t.Op(&Op{Name: "join " + other.name, Obj: other.obj, Access: Read, Guard: joinGuard{other}, Pos: pos})
}

type joinGuard struct{ t *Thread }

func (g joinGuard) Enabled(*Op) bool { return g.t.finished }

// Choose is a data choice point with n alternatives: the exploration tries each of
// 0..n-1. It returns 0 without a choice point when n <= 1.
func (t *Thread) Choose(n int) int { return t.ex.Choose(n) }

// Spawn starts a new thread in the same execution. It is a visible operation: thread
// IDs are handed out in spawn order, so two threads spawning are dependent, and DPOR
// must see every order in which they can do it.
func (t *Thread) Spawn(name string, fn func(*Thread)) *Thread { return t.SpawnAt("", name, fn) }

// SpawnAt is Spawn with the source position of the spawning step, for the trace.
func (t *Thread) SpawnAt(pos, name string, fn func(*Thread)) *Thread {
	t.spawnStep(pos, name)
	return t.ex.spawn(name, fn)
}

// spawnStep is the visible operation of a spawn: a write of the thread table.
func (t *Thread) spawnStep(pos, name string) {
	e := t.ex
	if e.spawnObj == 0 {
		e.spawnObj = e.NewObject("") // the thread table: unnamed, traces show "spawn x"
	}
	t.Op(&Op{Name: "spawn " + name, Obj: e.spawnObj, Access: Write, Pos: pos})
}

// TrySpawnAt is SpawnAt that returns nil, spawning nothing, when the execution already
// has MaxThreads threads; the failed attempt only read the thread table.
func (t *Thread) TrySpawnAt(pos, name string, fn func(*Thread)) *Thread {
	e := t.ex
	t.spawnStep(pos, name)
	if len(e.threads) >= MaxThreads {
		t.SetAccess(Read)
		t.Note("fails: no room for another thread")
		return nil
	}
	return e.spawn(name, fn)
}

// Note annotates the operation being run with what happened ("acquired", "sleeps").
func (t *Thread) Note(s string) { t.ex.Note(s) }

// SetAccess corrects how the running operation touched its object, once the model knows
// (a trylock that failed only read the lock). Reporting less than the truth is unsound.
func (t *Thread) SetAccess(a Access) {
	if ev := t.ex.current(); ev != nil {
		ev.op.Access = a
	}
}

// StepIndex is the index in the execution's trace of the step the thread is running,
// -1 when it is not running one.
func (t *Thread) StepIndex() int {
	if ev := t.ex.current(); ev != nil && ev.tid == t.id {
		return len(t.ex.events) - 1
	}
	return -1
}

// StepAccess is how the thread's running step touched its object so far (as announced,
// or as SetAccess corrected it), and None when the thread is not running a step.
func (t *Thread) StepAccess() Access {
	if ev := t.ex.current(); ev != nil && ev.tid == t.id {
		return ev.op.Access
	}
	return None
}

// Exit ends the thread now, unwinding its Go stack: the model's way to kill a thread
// (a task that oopsed). Deferred functions run; further operations are not allowed.
func (t *Thread) Exit() {
	t.stopping = true
	panic(exitSignal{})
}

func (t *Thread) String() string { return fmt.Sprintf("%s#%d", t.name, t.id) }

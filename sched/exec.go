package sched

import (
	"fmt"
	"sort"
	"strings"
)

// Program is what an exploration runs: a setup function that creates objects and spawns
// the initial threads. It runs again for every execution, on fresh state.
type Program func(e *Execution)

// Execution is one run of a program under one schedule. It is valid until the
// execution ends (OnEnd functions still see it whole); the engine then reuses it for
// the next execution, so keep what you need from it (Schedule, Trace), not the pointer.
type Execution struct {
	x           *explorer
	threads     []*Thread
	objNames    []string // indexed by ObjID; [0] is the "no object" slot
	step        int      // steps completed so far
	inStep      bool
	events      []event
	dataLog     []int
	choices     []choice
	problems    []Problem
	toStart     []*Thread
	aborted     bool
	spawnObj    ObjID           // the thread table, written by every spawn inside a thread
	live        uint64          // threads started and not finished
	lastRan     [MaxThreads]int // per thread, the step it last ran (or was spawned at)
	starved     uint64          // threads found starved near the step limit (see fairWindow)
	versions    []uint32        // per object, how many steps changed it; nil until TrackVersions
	tracking    bool
	guarded     uint64    // live threads whose pending operation has a Guard
	spare       []*Thread // Thread structs of earlier executions, reused in spawn order
	deadlock    func() []Problem
	onEnd       []func(Outcome)
	preemptions int // switches away from a thread that could have gone on
	carry       any // the program's storage, kept from one execution to the next
}

type event struct {
	tid    int
	op     Op
	note   string
	d0, d1 int // this step's data choices: dataLog[d0:d1]
}

// choice is one decision of a schedule: which thread (kind 't') or which data value
// (kind 'd'), among n alternatives.
type choice struct {
	kind byte
	val  int
}

// Number is the 1-based index of this execution in its exploration.
func (e *Execution) Number() int { return int(e.x.res.Stats.Executions) + 1 }

// Step is the number of steps completed so far in this execution.
func (e *Execution) Step() int { return e.step }

// Threads lists the execution's threads in spawn order.
func (e *Execution) Threads() []*Thread { return e.threads }

// NewObject registers a shared object and returns its ID. The name appears in traces.
func (e *Execution) NewObject(name string) ObjID {
	e.objNames = append(e.objNames, name)
	return ObjID(len(e.objNames) - 1)
}

// RenameObject gives an object the name traces show for it from now on: ksync names
// a memory location after the lock living there.
func (e *Execution) RenameObject(id ObjID, name string) {
	if id > 0 && int(id) < len(e.objNames) {
		e.objNames[id] = name
	}
}

// ObjName is the name an object was registered with.
func (e *Execution) ObjName(id ObjID) string {
	if id <= 0 || int(id) >= len(e.objNames) {
		return ""
	}
	return e.objNames[id]
}

// Spawn creates a thread running fn, from the setup function; inside a thread use
// Thread.Spawn. It starts (runs up to its first operation) once setup has finished.
func (e *Execution) Spawn(name string, fn func(*Thread)) *Thread {
	if e.inStep {
		panic("sched: Execution.Spawn inside a thread; use Thread.Spawn, which is a visible operation")
	}
	return e.spawn(name, fn)
}

func (e *Execution) spawn(name string, fn func(*Thread)) *Thread {
	if len(e.threads) >= MaxThreads {
		panic(fmt.Sprintf("sched: thread %q would be number %d; an execution may have at most %d threads", name, len(e.threads)+1, MaxThreads))
	}
	var t *Thread
	if n := len(e.threads); n < len(e.spare) {
		t = e.spare[n] // reuse: a thread lives for one execution only
	} else {
		t = new(Thread)
		e.spare = append(e.spare, t)
	}
	*t = Thread{id: len(e.threads), name: name, ex: e, fn: fn}
	e.lastRan[t.id] = e.step
	t.obj = e.NewObject(name)
	e.threads = append(e.threads, t)
	e.toStart = append(e.toStart, t)
	var parent *Thread
	if e.inStep {
		parent = e.threads[e.events[len(e.events)-1].tid]
	}
	e.x.strat.spawned(e, parent, t)
	return t
}

// TrackVersions starts counting, per object, the steps that changed it (every access
// but Read and None, as it finally ran: a failed trylock only read), for Version. A
// model that blocks a spin loop until something it read changes (an await) needs it;
// an execution that never calls it pays nothing.
func (e *Execution) TrackVersions() { e.tracking = true }

// Version is how many completed steps have changed object id so far in this execution
// (0 before TrackVersions). The running step counts once it completes.
func (e *Execution) Version(id ObjID) uint32 {
	if int(id) < len(e.versions) {
		return e.versions[id]
	}
	return 0
}

func (e *Execution) bump(op *Op) {
	if op.Obj == 0 || !op.Access.Changes() {
		return
	}
	for int(op.Obj) >= len(e.versions) {
		e.versions = append(e.versions, 0)
	}
	e.versions[op.Obj]++
}

// LimitReached tells the engine that a limit of the model cut this execution short of
// what the program would do (ksync: an interrupt not delivered for want of a thread).
// The exploration is then not complete, and its result says why: the first reason.
func (e *Execution) LimitReached(reason string) {
	if e.x.modelCut == "" {
		e.x.modelCut = reason
	}
}

// Choose is a data choice point with n alternatives (does this allocation sleep? does an
// interrupt fire here?). Every alternative is explored; the choice is part of the schedule.
func (e *Execution) Choose(n int) int {
	if n <= 1 {
		return 0
	}
	if n > 64 {
		panic(fmt.Sprintf("sched: Choose(%d): at most 64 alternatives", n))
	}
	v := e.x.strat.data(e, n)
	e.choices = append(e.choices, choice{'d', v})
	e.dataLog = append(e.dataLog, v)
	return v
}

// Report records a problem found in this execution. The execution goes on (the kernel
// goes on after a BUG, too); call Abort to end it. A problem of the same kind and site
// as one already reported in this execution is the same problem again, and only the
// first is kept: a loop that warns at every iteration costs no memory per warning.
func (e *Execution) Report(p Problem) {
	for i := range e.problems {
		if e.problems[i].Kind == p.Kind && e.problems[i].Site == p.Site {
			return
		}
	}
	if p.Step == 0 {
		p.Step = e.step + 1 // the running step, or the end of the trace between steps
	}
	e.problems = append(e.problems, p)
}

// RequireFullSearch tells the engine that this program's operations affect each
// other's enabledness beyond the objects they name (ksync's CPU model: a task that
// pins the last CPU disables every other task). DPOR's independence would then be
// unsound, so an exhaustive DPOR exploration restarts as a full search (every enabled
// thread at every step). Call it during setup or as soon as the coupling begins.
func (e *Execution) RequireFullSearch(reason string) {
	if e.x.fullSearch == "" {
		e.x.fullSearch = reason
	}
}

// Carry is what the program set with SetCarry in the exploration's previous execution,
// nil in the first: storage a model recycles (ksync reuses its kernel struct) rather
// than allocate afresh for every one of a million executions.
func (e *Execution) Carry() any { return e.carry }

// SetCarry hands v to the next execution of the same exploration, which sees it as
// Carry. Executions run one after another, so the next one may take v over: give it
// only what this execution no longer needs once it ends. When the exploration ends,
// the engine drops it.
func (e *Execution) SetCarry(v any) { e.carry = v }

// Abort ends the execution after the current step.
func (e *Execution) Abort() { e.aborted = true }

// OnDeadlock sets how a state with no enabled thread is reported. The function sees
// the execution as it stands (the threads' pending operations) and returns the problems
// to report; returning none reports the engine's generic deadlock.
func (e *Execution) OnDeadlock(fn func() []Problem) { e.deadlock = fn }

// Outcome is how an execution ended.
type Outcome int

const (
	Finished   Outcome = iota // every thread finished
	Deadlocked                // no thread could run, some had not finished
	Hung                      // the step limit was hit
	Cut                       // ended early: aborted by the model, a panic, or abandoned by DPOR
)

var outcomeNames = [...]string{"finished", "deadlocked", "hung", "cut"}

func (o Outcome) String() string { return outcomeNames[o] }

// OnEnd registers fn to run when the execution ends, before unfinished threads are
// unwound: the program's state is still as the execution left it.
func (e *Execution) OnEnd(fn func(Outcome)) { e.onEnd = append(e.onEnd, fn) }

// Trace returns the steps run so far.
func (e *Execution) Trace() []Event { return e.trace() }

// Schedule returns the schedule string of the execution so far; at the end of an
// execution it replays that execution.
func (e *Execution) Schedule() string { return encodeSchedule(e.choices, e.fingerprint()) }

// fingerprint hashes what ran (thread, operation, position, data choices) so that a
// schedule replayed against a changed program is caught. It is computed from the
// kept events when a schedule is needed, not on every step.
func (e *Execution) fingerprint() uint32 {
	h := uint32(2166136261)
	for _, ev := range e.events {
		h = mix(mix(h, uint32(ev.tid)), strhash(ev.op.Name)^strhash(ev.op.Pos))
		for _, v := range e.dataLog[ev.d0:ev.d1] {
			h = mix(h, uint32(v)+0x9e37)
		}
	}
	return h
}

// Note annotates the step being run.
func (e *Execution) Note(s string) {
	if ev := e.current(); ev != nil {
		if ev.note != "" {
			ev.note += "; " + s
		} else {
			ev.note = s
		}
	}
}

func (e *Execution) current() *event {
	if !e.inStep {
		return nil
	}
	return &e.events[len(e.events)-1]
}

func (e *Execution) reset(x *explorer) {
	e.x = x
	clear(e.threads)
	e.threads = e.threads[:0]
	e.objNames = append(e.objNames[:0], "")
	e.step = 0
	e.inStep = false
	clear(e.events)
	e.events = e.events[:0]
	e.dataLog = e.dataLog[:0]
	e.choices = e.choices[:0]
	e.problems = e.problems[:0]
	e.toStart = e.toStart[:0]
	e.aborted = false
	e.spawnObj = 0
	e.preemptions = 0
	e.deadlock = nil
	clear(e.onEnd)
	e.onEnd = e.onEnd[:0]
	e.live, e.guarded = 0, 0
	e.starved = 0
	e.versions, e.tracking = e.versions[:0], false
}

// startThreads runs newly spawned threads up to their first operation, in spawn order.
func (e *Execution) startThreads() {
	for i := 0; i < len(e.toStart); i++ {
		t := e.toStart[i]
		t.w = e.x.worker()
		t.w.job = t
		t.started = true
		e.live |= bit(t.id)
		e.resume(t)
	}
	e.toStart = e.toStart[:0]
}

// resume runs t until it announces its next operation or finishes.
func (e *Execution) resume(t *Thread) {
	if more, _ := t.w.next(); !more {
		e.finish(t)
	}
}

func (e *Execution) finish(t *Thread) {
	t.finished = true
	e.live &^= bit(t.id)
	e.guarded &^= bit(t.id)
	e.x.release(t.w)
	t.w = nil
	e.x.strat.finished(e, t)
}

// enabled is the set of threads whose pending operation can run now; only guarded
// operations need asking.
func (e *Execution) enabled() (en uint64, live uint64) {
	en = e.live &^ e.guarded
	for g := e.guarded; g != 0; g &= g - 1 {
		t := e.threads[lowest(g)]
		if t.pending.Guard.Enabled(&t.pending) {
			en |= bit(t.id)
		}
	}
	return en, e.live
}

// begin starts step number e.step+1: thread tid's pending operation runs next.
func (e *Execution) begin(tid int) {
	e.events = append(e.events, event{tid: tid, op: e.threads[tid].pending, d0: len(e.dataLog)})
	e.inStep = true
	e.x.strat.stepping(e, tid)
}

// complete closes the running step, once its thread has announced its next operation
// or finished, and starts the threads the step spawned.
func (e *Execution) complete() {
	e.inStep = false
	e.events[len(e.events)-1].d1 = len(e.dataLog)
	e.step++
	if e.tracking {
		e.bump(&e.events[len(e.events)-1].op)
	}
	e.x.strat.stepped(e, len(e.events)-1)
	if len(e.toStart) > 0 {
		e.startThreads()
	}
}

// running reports whether t is the thread whose step is running now.
func (e *Execution) running(t *Thread) bool {
	return e.inStep && e.events[len(e.events)-1].tid == t.id
}

// unwind stops every unfinished thread, running its deferred functions, so that no
// coroutine outlives its execution.
func (e *Execution) unwind() {
	for _, t := range e.threads {
		if t.finished || !t.started {
			continue
		}
		t.stopping = true
		e.resume(t)
	}
}

func (e *Execution) threadPanicked(t *Thread, r any) {
	msg := fmt.Sprint(r)
	e.Report(Problem{
		Kind:   KindPanic,
		Site:   msg,
		Title:  "panic: " + msg,
		Report: fmt.Sprintf("panic: %s\n\nthread %s panicked at step %d", msg, t.name, e.step+1),
	})
	e.aborted = true
}

// deadlockProblems describes a state where no thread can run but some have not finished.
func (e *Execution) deadlockProblems() []Problem {
	if e.deadlock != nil {
		if ps := e.deadlock(); len(ps) > 0 {
			return ps
		}
	}
	var b strings.Builder
	var sites []string
	n := 0
	for _, t := range e.threads {
		if !t.finished {
			n++
		}
	}
	fmt.Fprintf(&b, "deadlock: %d thread(s) blocked, none can proceed\n", n)
	for _, t := range e.threads {
		if t.finished {
			continue
		}
		fmt.Fprintf(&b, "  %s blocked in %s", t.name, t.pending.Name)
		if obj := e.ObjName(t.pending.Obj); obj != "" {
			fmt.Fprintf(&b, " on %s", obj)
		}
		if t.pending.Pos != "" {
			fmt.Fprintf(&b, " at %s", t.pending.Pos)
		}
		b.WriteByte('\n')
		sites = append(sites, t.pending.Name+"@"+t.pending.Pos)
	}
	sort.Strings(sites)
	return []Problem{{
		Kind:   KindDeadlock,
		Site:   strings.Join(sites, ","),
		Title:  fmt.Sprintf("deadlock: %d thread(s) blocked", n),
		Report: b.String(),
	}}
}

// trace materialises the public trace of the current execution.
func (e *Execution) trace() []Event {
	out := make([]Event, len(e.events))
	for i, ev := range e.events {
		out[i] = Event{
			Step: i + 1, Thread: ev.tid, Op: ev.op.Name, Obj: e.ObjName(ev.op.Obj),
			Pos: ev.op.Pos, Where: ev.op.Where, Note: ev.note,
		}
		if ev.d1 > ev.d0 {
			out[i].Data = append([]int(nil), e.dataLog[ev.d0:ev.d1]...)
		}
	}
	return out
}

func (e *Execution) pendingOps() []Pending {
	en, _ := e.enabled()
	var out []Pending
	for _, t := range e.threads {
		if t.finished || !t.started {
			continue
		}
		out = append(out, Pending{Thread: t.id, Op: t.pending.Name, Obj: e.ObjName(t.pending.Obj),
			Pos: t.pending.Pos, Enabled: en&(1<<uint(t.id)) != 0})
	}
	return out
}

func (e *Execution) threadNames() []string {
	out := make([]string, len(e.threads))
	for i, t := range e.threads {
		out[i] = t.name
	}
	return out
}

func mix(h, v uint32) uint32 {
	h ^= v
	h *= 16777619
	return h
}

// strhash is FNV-1a, written out so that the step loop does not allocate.
func strhash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

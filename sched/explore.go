package sched

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Strategy is how an exploration chooses among interleavings.
type Strategy int

const (
	// DFS explores every interleaving up to equivalence: depth-first search with
	// Optimal-DPOR (wakeup trees and sleep sets), one execution per Mazurkiewicz trace.
	// The default.
	DFS Strategy = iota
	// Naive explores every interleaving, equivalent or not: the reference DPOR is
	// checked against, and a baseline for its savings.
	Naive
	// Bounded runs iterative preemption bounding: every interleaving with 0 preemptions,
	// then 1, 2 … up to MaxPreemptions, so the first problem found has the fewest.
	Bounded
	// Random runs uniformly random schedules from Seed.
	Random
	// PCT runs probabilistic concurrency testing with bug depth Depth from Seed.
	PCT
	// Replay runs exactly the execution that Schedule describes.
	Replay
)

var strategyNames = [...]string{"dfs", "naive", "bounded", "random", "pct", "replay"}

func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy(%d)", int(s))
}

// ParseStrategy turns a name (dfs, naive, bounded, random, pct, replay) into a Strategy.
func ParseStrategy(name string) (Strategy, error) {
	for i, n := range strategyNames {
		if n == name {
			return Strategy(i), nil
		}
	}
	return 0, fmt.Errorf("unknown strategy %q: want dfs, naive, bounded, random, pct or replay", name)
}

// Options configure an exploration. The zero value explores exhaustively with DPOR,
// with the default step limit and no other limit.
type Options struct {
	Strategy       Strategy
	Seed           int64         // Random and PCT
	Depth          int           // PCT bug depth d (default 3)
	MaxPreemptions int           // Bounded: the highest bound tried (default 3)
	Schedule       string        // Replay
	MaxExecutions  int           // 0: unlimited for DFS, Naive, Bounded; 1000 for Random and PCT
	MaxSteps       int           // per execution; exceeding it is a hang (default 10000)
	Timeout        time.Duration // 0: none
	StopAtFirst    bool          // stop at the first execution that shows a problem
	// Progress, if set, is called about every 100ms of exploring, and once at the end.
	Progress func(Stats)
}

// DefaultMaxSteps bounds one execution when Options.MaxSteps is zero.
const DefaultMaxSteps = 10000

// Stats count what an exploration did.
type Stats struct {
	Executions   int64 // executions run, including ones cut short
	Steps        int64 // steps run, over all executions
	Finished     int64 // executions in which every thread finished
	Deadlocked   int64 // executions that ended with threads blocked
	Hung         int64 // executions that hit the step limit with a fair schedule (a livelock)
	Unfair       int64 // executions that hit the step limit with a thread starved (see fairWindow)
	SleepBlocked int64 // executions DPOR abandoned as redundant (sleep-set blocked)
	WithProblems int64 // executions that showed at least one problem
	MaxSteps     int   // the longest execution, in steps
	Elapsed      time.Duration
}

// StepsPerSecond is the exploration's throughput.
func (s Stats) StepsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Steps) / s.Elapsed.Seconds()
}

// Result is what an exploration found.
type Result struct {
	// Complete is true only when no limit cut the search short: then "no problem"
	// is a proof over every interleaving (up to equivalence), not a sample.
	Complete bool
	// Cut says what stopped the search when it is not complete.
	Cut      string
	Problems []*Found
	Stats    Stats
	Strategy Strategy
	// Bound is, for Bounded, the preemption bound of the last round run.
	Bound int
	// FullSearch, when set, says why DPOR was replaced by a full search (the program
	// asked for it with RequireFullSearch).
	FullSearch string
	// Err is set when the exploration could not run as asked (a schedule that does not
	// fit the program).
	Err error
}

// Failed reports whether any problem was found.
func (r *Result) Failed() bool { return len(r.Problems) > 0 }

// Verdict is a one-line summary that never overstates: it says "no problem" as a
// proof only after a complete exploration.
func (r *Result) Verdict() string {
	execs := r.Stats.Executions
	switch {
	case r.Err != nil:
		return "error: " + r.Err.Error()
	case len(r.Problems) > 0:
		p := r.Problems[0]
		more := ""
		if len(r.Problems) > 1 {
			more = fmt.Sprintf(" (and %d more distinct problem(s))", len(r.Problems)-1)
		}
		return fmt.Sprintf("%s found in execution %d of %d%s (%s)", p.Kind, p.Execution, execs, more, r.completeness())
	case r.Complete:
		return fmt.Sprintf("ok: no problem in any of %d interleavings (exploration complete)", execs)
	default:
		return fmt.Sprintf("no problem found in %d executions, but the search is not complete: %s", execs, r.Cut)
	}
}

func (r *Result) completeness() string {
	if r.Complete {
		return "exploration complete"
	}
	return "not complete: " + r.Cut
}

// strategy is the part of the engine that makes choices. The explorer calls it at every
// scheduling point, data choice and step.
type strategy interface {
	// begin starts an execution; it returns false when there is nothing left to explore.
	begin(e *Execution) bool
	// pick chooses a thread among the enabled set, or returns -1 to abandon the execution.
	pick(e *Execution, enabled uint64, prev int) int
	data(e *Execution, n int) int
	spawned(e *Execution, parent, child *Thread)
	stepping(e *Execution, tid int)
	stepped(e *Execution, ev int)
	finished(e *Execution, t *Thread)
	// ending sees the execution's final state, before its threads are unwound.
	ending(e *Execution)
	// end closes an execution; it returns false when the search is exhausted.
	end(e *Execution) bool
}

// errReplay marks a schedule that does not fit the program.
var errReplay = errors.New("schedule does not fit this program")

type explorer struct {
	prog  Program
	opts  Options
	strat strategy
	ex    *Execution
	free  []*worker
	all   []*worker
	res   Result
	seen  map[string]*Found
	start time.Time
	abort error // set by a strategy that cannot go on (replay mismatch)
	// fullSearch, once set by the program, makes a reduced exploration start over as
	// a full search (see fallback).
	fullSearch string
	modelCut   string // a limit of the model that cut an execution short (LimitReached)
	timedOut   bool   // the time limit ended an execution in the middle (see decide)
	auto       bool   // Explore's DFS: may fall back to a plainer search (see fallback)
	// The step loop's state, shared by runOne and the threads (see runOne).
	prev       int // the thread that ran the last step, -1 before the first
	decided    int // the next thread, as chosen on a thread's coroutine; noDecision if not
	modelPanic any // what model code panicked with on a thread's coroutine (modelPanicked)
	outcome    Outcome
}

// Explore runs prog under the strategy and limits of opts and reports what it found.
// No goroutine outlives the call, whatever the program does (panics, runtime.Goexit).
func Explore(prog Program, opts Options) *Result {
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = DefaultMaxSteps
	}
	if opts.MaxExecutions <= 0 && (opts.Strategy == Random || opts.Strategy == PCT) {
		opts.MaxExecutions = 1000
	}
	if opts.Depth <= 0 {
		opts.Depth = 3
	}
	if opts.MaxPreemptions <= 0 {
		opts.MaxPreemptions = 3
	}
	x := &explorer{prog: prog, opts: opts, seen: map[string]*Found{}, ex: getExecution()}
	x.res.Strategy = opts.Strategy
	defer x.close()
	switch opts.Strategy {
	case DFS:
		x.strat = getOptimal()
		x.auto = true
	case Naive:
		x.strat = getDFS(false, -1)
	case Bounded:
		x.runBounded()
		x.limitedByModel()
		return &x.res
	case Random:
		x.strat = newRandom(opts.Seed, 0)
	case PCT:
		x.strat = newRandom(opts.Seed, opts.Depth)
	case Replay:
		r, err := newReplay(opts.Schedule)
		if err != nil {
			x.res.Err = err
			return &x.res
		}
		x.strat = r
	default:
		x.res.Err = fmt.Errorf("unknown strategy %d", int(opts.Strategy))
		return &x.res
	}
	x.loop()
	x.limitedByModel()
	return &x.res
}

// limitedByModel withdraws completeness when the model said an execution ran into a
// limit of its own (LimitReached): what it cut was not explored.
func (x *explorer) limitedByModel() {
	if x.modelCut == "" {
		return
	}
	switch {
	case x.res.Complete || x.res.Cut == "":
		x.res.Cut = x.modelCut
	case x.res.Cut != x.modelCut:
		x.res.Cut += "; " + x.modelCut
	}
	x.res.Complete = false
}

// runBounded explores with preemption bounds 0, 1, … until a bound cuts nothing
// (complete), a problem is found, or the highest bound is done.
func (x *explorer) runBounded() {
	x.start = time.Now()
	for k := 0; k <= x.opts.MaxPreemptions; k++ {
		d := getDFS(false, k)
		x.setStrategy(d)
		x.res.Bound = k
		x.loop()
		if x.res.Cut != "" || len(x.res.Problems) > 0 && x.opts.StopAtFirst {
			if x.res.Complete && d.pruned {
				// The problem came in this bound's last execution, but the bound
				// cut interleavings that a higher one would run: not complete.
				x.res.Complete = false
				x.res.Cut = "stopped at the first problem"
			}
			return
		}
		if !d.pruned {
			x.res.Complete = true
			return
		}
		x.res.Complete = false
	}
	x.res.Cut = fmt.Sprintf("preemption bound %d reached", x.opts.MaxPreemptions)
}

// loop runs executions until the strategy is exhausted or a limit is hit.
func (x *explorer) loop() {
	if x.start.IsZero() {
		x.start = time.Now()
	}
	lastProgress := x.start
	st := &x.res.Stats
	for {
		if x.opts.MaxExecutions > 0 && st.Executions >= int64(x.opts.MaxExecutions) {
			x.res.Cut = fmt.Sprintf("execution limit reached (%d)", x.opts.MaxExecutions)
			break
		}
		if x.opts.Timeout > 0 && time.Since(x.start) > x.opts.Timeout {
			x.res.Cut = fmt.Sprintf("time limit reached (%s)", x.opts.Timeout)
			break
		}
		x.ex.reset(x)
		if !x.strat.begin(x.ex) {
			x.res.Complete = true
			break
		}
		more := x.runOne()
		if x.timedOut { // cut in the middle: the search ends here, not complete
			x.res.Cut = fmt.Sprintf("time limit reached (%s)", x.opts.Timeout)
			break
		}
		why, plainer := x.fallback()
		if plainer != nil && !(x.opts.StopAtFirst && len(x.res.Problems) > 0) {
			// Start over: the reduction may have skipped interleavings, so its "no
			// problem" would prove nothing. What it found stands: every execution
			// really ran (and a model that learns across executions, like lockdep,
			// does not report the same thing twice). The statistics count both.
			x.res.FullSearch = why
			x.setStrategy(plainer)
			continue
		}
		if x.abort != nil {
			x.res.Err = x.abort
			x.res.Problems = nil // found under a schedule that does not fit: not evidence
			break
		}
		if x.opts.StopAtFirst && len(x.res.Problems) > 0 {
			x.res.Cut = "stopped at the first problem"
			if !more && plainer == nil { // a reduction in doubt proves nothing complete
				x.res.Complete = true
				x.res.Cut = ""
			}
			break
		}
		if x.opts.Progress != nil && st.Executions&255 == 0 {
			if now := time.Now(); now.Sub(lastProgress) >= 100*time.Millisecond {
				lastProgress = now
				st.Elapsed = now.Sub(x.start)
				x.opts.Progress(*st)
			}
		}
		if !more {
			x.res.Complete = true
			break
		}
	}
	if x.opts.Strategy == Random || x.opts.Strategy == PCT {
		x.res.Complete = false
		if x.res.Cut == "" || x.res.Cut == "stopped at the first problem" && len(x.res.Problems) == 0 {
			x.res.Cut = "random search is never exhaustive"
		}
	}
	if x.opts.Strategy == Replay {
		x.res.Complete = false
		x.res.Cut = "a replay runs one execution"
	}
	st.Elapsed = time.Since(x.start)
	if x.opts.Progress != nil {
		x.opts.Progress(*st)
	}
}

// fallback says whether the exhaustive search must give way to a plainer, sound one,
// why, and which. Optimal-DPOR gives way to a search with sleep sets only when it
// could not follow its wakeup trees or met an operation outside its race analysis's
// contract (see odpor.cannotReduce);
// either gives way to a full search without any reduction when the program asked for
// one (RequireFullSearch: the CPU model's coupling breaks the independence sleep sets
// rely on too). Only for Explore's own DFS: tests drive the strategies raw.
func (x *explorer) fallback() (string, strategy) {
	if !x.auto {
		return "", nil
	}
	switch s := x.strat.(type) {
	case *odpor:
		if x.fullSearch != "" {
			return x.fullSearch, getDFS(false, -1)
		}
		if why := s.cannotReduce(); why != "" {
			return why, getDFS(true, -1)
		}
	case *dfs:
		if s.sleep && x.fullSearch != "" {
			return x.fullSearch, getDFS(false, -1)
		}
	}
	return "", nil
}

// runOne runs one execution from setup to its end and records what it found.
// It returns whether the strategy has more to explore.
//
// The step loop is shared between this function and Thread.Op: the thread that ran
// a step closes it and chooses the next (decide) on its own coroutine, and switches
// back here only when another thread is to run or the execution ends. A step that
// ends in the thread finishing (or panicking) returns here to be closed.
func (x *explorer) runOne() bool {
	e := x.ex
	st := &x.res.Stats
	x.prog(e)
	e.startThreads()
	x.prev, x.outcome = -1, Cut
	tid := x.decide()
	for tid >= 0 {
		e.begin(tid)
		x.decided = noDecision
		e.resume(e.threads[tid])
		if x.decided == modelPanicked {
			// Re-raised here, where it would have happened had this step been closed
			// on this goroutine: model code is not a thread, and its panic must not
			// be reported as one. Explore's deferred close unwinds the threads.
			panic(x.modelPanic)
		}
		if x.decided == noDecision { // the thread finished, panicked or exited in its step
			e.complete()
			x.decided = x.decide()
		}
		tid = x.decided
	}
	for _, fn := range e.onEnd {
		fn(x.outcome)
	}
	x.strat.ending(e)
	st.Executions++
	st.Steps += int64(e.step)
	st.MaxSteps = max(st.MaxSteps, e.step)
	if len(e.problems) > 0 {
		st.WithProblems++
		x.record(e) // before unwinding: the pending operations are part of the evidence
	}
	e.unwind()
	return x.strat.end(e)
}

// noDecision marks a step whose thread returned to runOne without choosing the next;
// modelPanicked one whose closing or choosing panicked in model code (a Guard, an
// OnDeadlock function, a strategy) on the thread's coroutine.
const (
	noDecision    = -2
	modelPanicked = -3
)

// completeAndDecide closes the running step and chooses the next, on the coroutine of
// the thread that ran it. A panic there comes from the model, not the thread: it is
// kept and re-raised by runOne.
func (x *explorer) completeAndDecide() (next int) {
	defer func() {
		if r := recover(); r != nil {
			x.modelPanic, next = r, modelPanicked
		}
	}()
	x.ex.complete()
	return x.decide()
}

// decide chooses the thread that runs the next step, or returns -1 when the execution
// ends here (every thread finished, a deadlock, the step limit, an abort, or the
// strategy abandoning it), having set x.outcome.
func (x *explorer) decide() int {
	e := x.ex
	st := &x.res.Stats
	if e.aborted {
		return -1
	}
	en, live := e.enabled()
	if live == 0 {
		st.Finished++
		x.outcome = Finished
		return -1
	}
	if en == 0 {
		st.Deadlocked++
		x.outcome = Deadlocked
		for _, p := range e.deadlockProblems() {
			e.Report(p)
		}
		return -1
	}
	if w := x.opts.MaxSteps / fairWindow; e.step >= x.opts.MaxSteps-w {
		for m := en &^ e.starved; m != 0; m &= m - 1 {
			if t := lowest(m); e.step-e.lastRan[t] > w/4 {
				e.starved |= bit(t) // could run now, and has been left waiting
			}
		}
	}
	if e.step >= x.opts.MaxSteps {
		if starved := e.starved; starved != 0 {
			// An unfair schedule: a thread that could run went without running for the
			// last part of the execution (strong fairness: a thread enabled again and
			// again gets to run). The executions in which it runs are explored too;
			// this one is cut by the bound, not a livelock.
			st.Unfair++
			x.outcome = Cut
			e.LimitReached(fmt.Sprintf("the step limit (%d) cut an unfair schedule, in which %s could run and was left waiting more than %d steps; raise --max-steps",
				x.opts.MaxSteps, e.threads[lowest(starved)].name, x.opts.MaxSteps/fairWindow/4))
			return -1
		}
		st.Hung++
		x.outcome = Hung
		e.Report(Problem{
			Kind:   KindHang,
			Site:   hangSite(e),
			Title:  fmt.Sprintf("hang: an execution ran more than %d steps", x.opts.MaxSteps),
			Report: fmt.Sprintf("hang: an execution ran more than %d steps without ending: a livelock or an unbounded loop (raise --max-steps if the program is just long)\n", x.opts.MaxSteps),
		})
		return -1
	}
	// The time limit, inside one long execution too: the clock is read every 1024
	// steps, cheap next to the steps themselves.
	if x.opts.Timeout > 0 && e.step&1023 == 1023 && time.Since(x.start) > x.opts.Timeout {
		x.timedOut = true
		return -1
	}
	prev := x.prev
	tid := x.strat.pick(e, en, prev)
	if tid < 0 {
		if x.abort == nil {
			st.SleepBlocked++
		}
		return -1
	}
	if en&(en-1) != 0 {
		e.choices = append(e.choices, choice{'t', tid})
		if prev >= 0 && tid != prev && en&bit(prev) != 0 {
			e.preemptions++
		}
	}
	x.prev = tid
	e.lastRan[tid] = e.step
	return tid
}

// fairWindow: an execution that hits the step limit is unfair when, at some step of
// its last 1/fairWindow, a thread that could run had gone a quarter of that without
// running: a livelock's threads all take their turns, round after round, and a
// thread left waiting that long (strong fairness: enabled again and again) is one a
// fair scheduler would have run (CHESS's fair stateless model checking: an execution
// in which an enabled thread is never scheduled again is not a livelock). Spin loops
// that change nothing block as awaits (the model's), so what reaches the limit is a
// loop whose iterations change state: a fair one is a livelock or an unbounded loop.
const fairWindow = 4

// record keeps the first execution of each distinct problem, with its evidence.
func (x *explorer) record(e *Execution) {
	var sched string
	var trace []Event
	exec := int(x.res.Stats.Executions)
	for _, p := range e.problems {
		key := p.Kind + "\x00" + p.Site
		if f := x.seen[key]; f != nil {
			if f.last != exec { // twice in one execution counts once
				f.last = exec
				f.Count++
			}
			continue
		}
		if sched == "" {
			sched = e.Schedule()
			trace = e.trace()
		}
		f := &Found{Problem: p, Execution: exec, Schedule: sched, Trace: trace,
			Threads: e.threadNames(), Pending: e.pendingOps(), Preemptions: e.preemptions, Count: 1, last: exec}
		x.seen[key] = f
		x.res.Problems = append(x.res.Problems, f)
	}
}

func (x *explorer) worker() *worker {
	if n := len(x.free); n > 0 {
		w := x.free[n-1]
		x.free = x.free[:n-1]
		return w
	}
	w := newWorker()
	x.all = append(x.all, w)
	return w
}

func (x *explorer) release(w *worker) { x.free = append(x.free, w) }

// close unwinds whatever is still running (after a panic or runtime.Goexit escaped a
// thread) and stops every pooled coroutine.
func (x *explorer) close() {
	for _, w := range x.all {
		w.stop()
	}
	x.all, x.free = nil, nil
	x.setStrategy(nil)
	putExecution(x.ex)
	x.ex = nil
	runtime.KeepAlive(x)
}

// setStrategy replaces the strategy, returning a replaced search's buffers to the pool.
func (x *explorer) setStrategy(s strategy) {
	switch d := x.strat.(type) {
	case *dfs:
		dfsPool.Put(d)
	case *odpor:
		optimalPool.Put(d)
	}
	x.strat = s
}

// The buffers of an exploration (its execution's event log, DPOR's nodes, clocks and
// object histories) are pooled across explorations: a test suite that calls Explore
// thousands of times on small programs would otherwise spend much of its time growing
// them again. Nothing in a Result refers to them; a pool holds no goroutine.
var (
	executionPool = sync.Pool{New: func() any { return new(Execution) }}
	dfsPool       = sync.Pool{New: func() any { return new(dfs) }}
	optimalPool   = sync.Pool{New: func() any { return new(odpor) }}
)

func getExecution() *Execution { return executionPool.Get().(*Execution) }

func putExecution(e *Execution) {
	if e == nil {
		return
	}
	e.reset(nil)
	e.carry = nil // another exploration must not recycle what this one's caller may still read
	for _, t := range e.spare {
		*t = Thread{} // the old threads' closures would keep the program's objects alive
	}
	executionPool.Put(e)
}

func getDFS(sleep bool, bound int) *dfs {
	d := dfsPool.Get().(*dfs)
	d.sleep, d.bound = sleep, bound
	d.pruned, d.exhausted = false, false
	d.nodes = d.nodes[:0] // the rest is reset by begin, execution by execution
	return d
}

func getOptimal() *odpor {
	d := optimalPool.Get().(*odpor)
	d.reset()
	return d
}

// hangSite tells one livelock from another by where it loops: the source positions
// that repeat in the last steps before the limit (a quarter of them, at most 256).
// Two loops in different places are two problems; the same loop reached by other
// interleavings, or cut at another point of its body, is one, whatever else ran
// once in between.
func hangSite(e *Execution) string {
	tail := e.events[len(e.events)-min(len(e.events)/4+1, 256, len(e.events)):]
	pos := make([]string, 0, len(tail))
	for _, ev := range tail {
		if ev.op.Pos != "" {
			pos = append(pos, ev.op.Pos)
		}
	}
	sort.Strings(pos)
	var loop []string
	for i, p := range pos {
		if i > 0 && pos[i-1] == p && (len(loop) == 0 || loop[len(loop)-1] != p) {
			loop = append(loop, p)
		}
	}
	if len(loop) == 0 { // nothing repeats: a long straight run
		loop = slices.Compact(pos)
	}
	return "step-limit in " + strings.Join(loop, " ")
}

package sched

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDisjointLocksOneExecution(t *testing.T) {
	for n := 1; n <= 6; n++ {
		res := Explore(func(e *Execution) {
			for i := 0; i < n; i++ {
				l := newLock(e, fmt.Sprint("L", i))
				e.Spawn(fmt.Sprint("T", i), func(t *Thread) { l.lock(t); l.unlock(t) })
			}
		}, Options{})
		require.NoError(t, res.Err)
		assert.True(t, res.Complete)
		assert.Empty(t, res.Problems)
		assert.EqualValues(t, 1, res.Stats.Executions, "n=%d", n)
	}
}

func TestABBAExactlyThreeExecutions(t *testing.T) {
	res := Explore(abba, Options{})
	require.NoError(t, res.Err)
	assert.True(t, res.Complete)
	assert.EqualValues(t, 3, res.Stats.Executions)
	assert.EqualValues(t, 2, res.Stats.Finished)
	assert.EqualValues(t, 1, res.Stats.Deadlocked)
	assert.EqualValues(t, 0, res.Stats.SleepBlocked)
	require.Len(t, res.Problems, 1)
	p := res.Problems[0]
	assert.Equal(t, KindDeadlock, p.Kind)
	assert.Equal(t, "lock@A,lock@B", p.Site)
	assert.Contains(t, res.Verdict(), "deadlock found in execution 2 of 3 (exploration complete)")
}

func TestReadersTwoToTheN(t *testing.T) {
	for n := 2; n <= 10; n++ {
		res := Explore(readers(n), Options{})
		require.True(t, res.Complete)
		assert.EqualValues(t, 1<<n, res.Stats.Executions, "readers n=%d", n)
		assert.EqualValues(t, 0, res.Stats.SleepBlocked, "readers n=%d", n)
	}
}

// lockTraceKey identifies an execution's Mazurkiewicz trace in a program whose only
// operations are exclusive lock operations: the order in which threads touched each
// object.
func lockTraceKey(tr []Event) string {
	per := map[string][]string{}
	for _, ev := range tr {
		per[ev.Obj] = append(per[ev.Obj], fmt.Sprint(ev.Thread))
	}
	keys := make([]string, 0, len(per))
	for k, v := range per {
		keys = append(keys, k+"="+strings.Join(v, ","))
	}
	sort.Strings(keys)
	return strings.Join(keys, ";")
}

// distinctTraces explores prog without DPOR's race analysis and counts the distinct
// traces among the executions it finishes. With sleep sets it is the classic
// sleep-set-only search (every enabled thread is tried at every node): sound, and it
// shares no code with the race analysis it checks; naive search without sleep sets
// is beyond reach for more than three philosophers (5 of them interleave 3·10^11 ways).
func distinctTraces(prog Program, sleep bool) (traces, execs int) {
	seen := map[string]bool{}
	x := &explorer{prog: func(e *Execution) {
		prog(e)
		e.OnEnd(func(o Outcome) {
			if o != Cut {
				seen[lockTraceKey(e.Trace())] = true
			}
		})
	}, opts: Options{MaxSteps: DefaultMaxSteps}, seen: map[string]*Found{}, ex: getExecution()}
	defer x.close()
	x.strat = getDFS(sleep, -1)
	x.loop()
	return len(seen), int(x.res.Stats.Executions)
}

// Naive search is the reference for N = 3 and 4 (98,184 executions for 4, about a
// second); for 5 and 6 the sleep-set-only search stands in for it, checked here to
// agree with naive search where both finish.
func TestPhilosophersNaiveAndSleepSetSearchAgree(t *testing.T) {
	for _, tc := range []struct{ n, traces int }{{3, 7}, {4, 15}} {
		a, naive := distinctTraces(philosophers(tc.n, false), false)
		b, sleepOnly := distinctTraces(philosophers(tc.n, false), true)
		assert.Equal(t, tc.traces, a, "naive search")
		assert.Equal(t, a, b)
		t.Logf("philosophers n=%d: %d traces; naive %d executions, sleep sets only %d", tc.n, a, naive, sleepOnly)
	}
}

// Optimal-DPOR explores each Mazurkiewicz trace of the philosophers exactly once, and
// none sleep-set blocked; the reference counts come from the sleep-set-only search.
func TestPhilosophersDPORMatchesDistinctTraces(t *testing.T) {
	for _, tc := range []struct{ n, traces int }{{3, 7}, {4, 15}, {5, 31}, {6, 63}} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			want, sleepOnly := distinctTraces(philosophers(tc.n, false), true)
			require.Equal(t, tc.traces, want, "reference search")
			seen := map[string]int{}
			res := Explore(withTraces(philosophers(tc.n, false), seen), Options{})
			require.NoError(t, res.Err)
			require.True(t, res.Complete)
			assert.EqualValues(t, tc.traces, res.Stats.Executions, "executions")
			assert.EqualValues(t, 0, res.Stats.SleepBlocked)
			assert.Len(t, seen, tc.traces, "distinct traces reached")
			for k, c := range seen {
				assert.Equal(t, 1, c, "trace explored more than once: %s", k)
			}
			require.Len(t, res.Problems, 1)
			assert.Equal(t, KindDeadlock, res.Problems[0].Kind)
			t.Logf("philosophers n=%d: %d traces; DPOR %d executions (%d sleep-set blocked); sleep-set-only search %d executions",
				tc.n, want, res.Stats.Executions, res.Stats.SleepBlocked, sleepOnly)
		})
	}
}

func TestOrderedPhilosophersAreClean(t *testing.T) {
	res := Explore(philosophers(5, true), Options{})
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems)
	assert.Contains(t, res.Verdict(), "ok: no problem in any of")
}

func TestBoundedFindsABBAWithOnePreemption(t *testing.T) {
	res := Explore(abba, Options{Strategy: Bounded, StopAtFirst: true})
	require.NoError(t, res.Err)
	require.Len(t, res.Problems, 1)
	assert.Equal(t, 1, res.Bound, "bound 0 has no deadlock; bound 1 has")
	p := res.Problems[0]
	assert.Equal(t, 1, p.Preemptions, "the counterexample has exactly one preemption")
	dfs := Explore(abba, Options{})
	assert.Equal(t, 1, dfs.Problems[0].Preemptions)
}

func TestBoundedIsCompleteWhenTheBoundCutsNothing(t *testing.T) {
	res := Explore(func(e *Execution) {
		l := newLock(e, "L")
		e.Spawn("T", func(t *Thread) { l.lock(t); l.unlock(t) })
	}, Options{Strategy: Bounded})
	assert.True(t, res.Complete)
	assert.Equal(t, 0, res.Bound)
}

// A problem in the last execution of a bound that cut something is not the end of
// the search: the next bound has interleavings this one skipped.
func TestBoundedStoppedInAPrunedBoundIsNotComplete(t *testing.T) {
	prog := func(e *Execution) {
		x := newVar(e, "x")
		e.Spawn("T0", func(t *Thread) { x.write(t, 2); x.write(t, 3) })
		e.Spawn("T1", func(t *Thread) {
			x.write(t, 1)
			if x.read(t) == 3 {
				e.Report(Problem{Kind: "bug", Site: "saw 3"})
			}
		})
	}
	first := Explore(prog, Options{Strategy: Bounded, StopAtFirst: true})
	require.Len(t, first.Problems, 1)
	assert.Equal(t, 1, first.Bound)
	assert.False(t, first.Complete, "bound 1 cut interleavings: %s", first.Verdict())
	assert.Equal(t, "stopped at the first problem", first.Cut)

	all := Explore(prog, Options{Strategy: Bounded})
	assert.True(t, all.Complete)
	assert.Greater(t, all.Bound, first.Bound, "without StopAtFirst the search goes on past bound 1")
}

func TestRandomAndPCTAreReproducible(t *testing.T) {
	for _, s := range []Strategy{Random, PCT} {
		run := func(seed int64) []string {
			var scheds []string
			Explore(func(e *Execution) {
				philosophers(4, false)(e)
				e.OnEnd(func(Outcome) { scheds = append(scheds, e.Schedule()) })
			}, Options{Strategy: s, Seed: seed, MaxExecutions: 50})
			return scheds
		}
		a, b, c := run(7), run(7), run(8)
		assert.Equal(t, a, b, "%s: same seed, same executions", s)
		assert.NotEqual(t, a, c, "%s: another seed, other executions", s)
		res := Explore(philosophers(4, false), Options{Strategy: s, Seed: 1, MaxExecutions: 300})
		assert.False(t, res.Complete, "%s never claims completeness", s)
		assert.NotEmpty(t, res.Problems, "%s finds the philosophers' deadlock in 300 runs", s)
	}
}

func TestReplayReproducesEveryProblemByteForByte(t *testing.T) {
	progs := map[string]Program{"abba": abba, "phil4": philosophers(4, false), "lost": lostUpdate}
	strategies := []Options{{}, {Strategy: Naive}, {Strategy: Bounded}, {Strategy: Random, Seed: 3, MaxExecutions: 200}, {Strategy: PCT, Seed: 3, MaxExecutions: 200}}
	for name, prog := range progs {
		for _, o := range strategies {
			res := Explore(prog, o)
			require.NotEmpty(t, res.Problems, "%s/%s", name, o.Strategy)
			for _, p := range res.Problems {
				r := Explore(prog, Options{Strategy: Replay, Schedule: p.Schedule})
				require.NoError(t, r.Err, "%s/%s %s", name, o.Strategy, p.Schedule)
				require.Len(t, r.Problems, 1)
				q := r.Problems[0]
				assert.Equal(t, p.Report, q.Report)
				assert.Equal(t, p.Trace, q.Trace)
				assert.Equal(t, p.FormatTrace(), q.FormatTrace())
				assert.Equal(t, p.Schedule, q.Schedule)
			}
		}
	}
}

// lostUpdate is two threads incrementing a shared counter without a lock; the model
// reports a problem when the final value is wrong.
func lostUpdate(e *Execution) {
	x := newVar(e, "counter")
	done := 0
	for i := 0; i < 2; i++ {
		e.Spawn(fmt.Sprint("inc", i), func(t *Thread) {
			v := x.read(t)
			x.write(t, v+1)
			done++
			if done == 2 && x.v != 2 {
				e.Report(Problem{Kind: "bug", Site: "counter", Title: "lost update", Report: fmt.Sprintf("counter is %d, want 2\n", x.v)})
			}
		})
	}
}

func TestReplayRejectsSchedulesThatDoNotFit(t *testing.T) {
	res := Explore(abba, Options{})
	require.Len(t, res.Problems, 1)
	good := res.Problems[0].Schedule
	cases := map[string]string{
		"garbage":          "nonsense",
		"version":          "ksim9:01:abc",
		"bad char":         "ksim1:0*1:abc",
		"too many choices": strings.Replace(good, ":", ":0101010101", 1),
		"other program":    good,
	}
	for name, s := range cases {
		prog := Program(abba)
		if name == "other program" {
			prog = philosophers(2, false) // same shape, other operations
		}
		r := Explore(prog, Options{Strategy: Replay, Schedule: s})
		assert.Error(t, r.Err, name)
		assert.Empty(t, r.Problems, name)
	}
	r := Explore(abba, Options{Strategy: Replay, Schedule: good})
	assert.NoError(t, r.Err)
}

func TestScheduleRoundTrip(t *testing.T) {
	cs := []choice{{'t', 0}, {'t', 0}, {'t', 0}, {'t', 0}, {'d', 1}, {'t', 63}, {'t', 63}, {'t', 5}}
	for i := 0; i < 100; i++ {
		cs = append(cs, choice{'t', 2})
	}
	s := encodeSchedule(cs, 12345)
	got, fp, err := decodeSchedule(s)
	require.NoError(t, err)
	assert.Equal(t, cs, got)
	assert.EqualValues(t, 12345, fp)
	assert.Less(t, len(s), 30, "runs are compressed: %s", s)
}

func TestStepLimitIsAHang(t *testing.T) {
	res := Explore(func(e *Execution) {
		e.Spawn("spinner", func(t *Thread) {
			for {
				t.Yield("spin", "loop")
			}
		})
	}, Options{MaxSteps: 50})
	require.Len(t, res.Problems, 1)
	assert.Equal(t, KindHang, res.Problems[0].Kind)
	assert.Len(t, res.Problems[0].Trace, 50)
}

// Two loops in different places are two hangs; one loop cut anywhere in its body,
// by any interleaving, is one.
func TestHangsAreToldApartByWhereTheyLoop(t *testing.T) {
	spin := func(where ...string) func(*Thread) {
		return func(t *Thread) {
			for {
				for _, pos := range where {
					t.Yield("spin", pos)
				}
			}
		}
	}
	res := Explore(func(e *Execution) {
		e.Spawn("A", func(t *Thread) {
			if t.Choose(2) == 0 {
				spin("a.c:1", "a.c:2", "a.c:3")(t)
			}
			spin("a.c:7")(t)
		})
	}, Options{MaxSteps: 50, Strategy: Naive})
	require.Len(t, res.Problems, 2, "the loop at a.c:1-3 and the loop at a.c:7")
	assert.Equal(t, "step-limit in a.c:1 a.c:2 a.c:3", res.Problems[0].Site)
	assert.Equal(t, "step-limit in a.c:7", res.Problems[1].Site)

	res = Explore(func(e *Execution) {
		x := newVar(e, "x")
		e.Spawn("A", spin("a.c:1", "a.c:2", "a.c:3"))
		e.Spawn("B", func(t *Thread) { x.write(t, 1); x.write(t, 2) })
	}, Options{MaxSteps: 40, Strategy: Naive})
	require.Len(t, res.Problems, 1)
	assert.Greater(t, res.Problems[0].Count, 1)
}

func TestLimitsAreReportedNotProof(t *testing.T) {
	res := Explore(philosophers(5, true), Options{MaxExecutions: 3})
	assert.False(t, res.Complete)
	assert.EqualValues(t, 3, res.Stats.Executions)
	assert.Contains(t, res.Verdict(), "not complete: execution limit reached (3)")

	res = Explore(philosophers(5, false), Options{StopAtFirst: true})
	assert.False(t, res.Complete)
	assert.Equal(t, "stopped at the first problem", res.Cut)
}

func TestTimeoutCutsTheSearch(t *testing.T) {
	// Six philosophers interleave too many ways to finish naively in 50 ms.
	res := Explore(philosophers(6, false), Options{Strategy: Naive, Timeout: 50 * time.Millisecond})
	require.NoError(t, res.Err)
	assert.False(t, res.Complete)
	assert.Equal(t, "time limit reached (50ms)", res.Cut)
	assert.Contains(t, res.Verdict(), "not complete: time limit reached (50ms)")
	assert.Less(t, res.Stats.Elapsed, 5*time.Second, "the limit is honoured, not overshot by far")
}

// The time limit cuts one long execution in the middle, too: the search is not
// complete, and the cut execution is no hang (the step limit was not reached).
func TestTimeoutCutsOneLongExecution(t *testing.T) {
	spinner := func(report bool) Program {
		return func(e *Execution) {
			e.Spawn("spinner", func(t *Thread) {
				if report {
					t.Yield("start", "a.c:1")
					e.Report(Problem{Kind: "bug", Site: "a.c:1", Title: "bug", Report: "bug\n"})
				}
				for {
					t.Yield("spin", "a.c:2")
				}
			})
		}
	}
	for _, s := range []Strategy{DFS, Naive, Bounded, Random, PCT} {
		for _, report := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/report=%v", s, report), func(t *testing.T) {
				res := Explore(spinner(report), Options{Strategy: s, MaxSteps: 1 << 40, Timeout: 50 * time.Millisecond, StopAtFirst: true})
				require.NoError(t, res.Err)
				assert.False(t, res.Complete)
				assert.Equal(t, "time limit reached (50ms)", res.Cut)
				assert.EqualValues(t, 1, res.Stats.Executions)
				assert.EqualValues(t, 0, res.Stats.Hung)
				assert.Less(t, res.Stats.Elapsed, 5*time.Second, "the limit is honoured, not overshot by far")
				if report {
					require.Len(t, res.Problems, 1, "what the cut execution found stands")
					assert.Contains(t, res.Verdict(), "(not complete: time limit reached (50ms))")
				} else {
					assert.Empty(t, res.Problems)
					assert.Contains(t, res.Verdict(), "not complete: time limit reached (50ms)")
				}
			})
		}
	}
}

// A problem reported again in the same execution (a loop that warns at every
// iteration) is kept once: the execution's memory does not grow with the repeats.
func TestRepeatedProblemKeptOncePerExecution(t *testing.T) {
	var kept []int
	res := Explore(func(e *Execution) {
		e.Spawn("warner", func(t *Thread) {
			for i := 0; i < 3; i++ {
				t.Yield("warn", "a.c:1")
				for j := 0; j < 100000; j++ {
					e.Report(Problem{Kind: "warning", Site: "a.c:1", Title: "WARNING", Report: "WARNING\n"})
				}
				e.Report(Problem{Kind: "warning", Site: "a.c:2", Title: "WARNING", Report: "WARNING\n"})
			}
		})
		e.OnEnd(func(Outcome) { kept = append(kept, len(e.problems)) })
	}, Options{})
	require.True(t, res.Complete)
	assert.Equal(t, []int{2}, kept, "one per kind and site")
	require.Len(t, res.Problems, 2)
	for _, p := range res.Problems {
		assert.Equal(t, 1, p.Count)
	}
	assert.Equal(t, 1, res.Problems[0].Step, "the first report is the one kept")
}

func TestPanicsAndGoexitLeakNothing(t *testing.T) {
	res := Explore(func(e *Execution) {
		l := newLock(e, "L")
		e.Spawn("holder", func(t *Thread) {
			defer l.unlock(t) // runs during unwinding and must not schedule
			l.lock(t)
			t.Yield("y", "")
		})
		e.Spawn("boom", func(t *Thread) { t.Yield("y", ""); panic("kaboom") })
	}, Options{})
	require.NotEmpty(t, res.Problems)
	assert.Equal(t, KindPanic, res.Problems[0].Kind)
	assert.Equal(t, "panic: kaboom", res.Problems[0].Title)

	// runtime.Goexit inside a thread (what t.FailNow does) ends the exploring goroutine
	// as it would end a test; no coroutine survives. goleak in TestMain checks.
	done := make(chan bool)
	go func() {
		defer close(done)
		Explore(func(e *Execution) {
			l := newLock(e, "L")
			e.Spawn("a", func(t *Thread) { l.lock(t); t.Yield("y", ""); l.unlock(t) })
			e.Spawn("b", func(t *Thread) { l.lock(t); runtimeGoexit() })
		}, Options{})
		t.Error("Explore returned after a Goexit")
	}()
	<-done
}

func TestNondeterministicProgramIsAnError(t *testing.T) {
	calls := 0 // state outside the setup function: the mistake being detected
	res := Explore(func(e *Execution) {
		calls++
		n := 2
		if calls > 1 {
			n = 3
		}
		for i := 0; i < n; i++ {
			x := newVar(e, "x")
			e.Spawn(fmt.Sprint(i), func(t *Thread) { x.write(t, 1); x.write(t, 2) })
		}
		y := newVar(e, "y")
		e.Spawn("w1", func(t *Thread) { y.write(t, 1) })
		e.Spawn("w2", func(t *Thread) { y.write(t, 2) })
	}, Options{})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "not deterministic")
}

func TestDataChoicesAreExploredAndReplayed(t *testing.T) {
	var seen []string
	res := Explore(func(e *Execution) {
		x := newVar(e, "x")
		e.Spawn("T", func(t *Thread) {
			a := t.Choose(3)
			b := t.Choose(2)
			x.write(t, a*10+b)
			if a == 2 && b == 1 {
				e.Report(Problem{Kind: "bug", Site: "21", Title: "found 21"})
			}
		})
		e.OnEnd(func(Outcome) { seen = append(seen, fmt.Sprint(x.v)) })
	}, Options{})
	assert.True(t, res.Complete)
	assert.Equal(t, []string{"0", "1", "10", "11", "20", "21"}, seen)
	require.Len(t, res.Problems, 1)
	r := Explore(func(e *Execution) {
		x := newVar(e, "x")
		e.Spawn("T", func(t *Thread) {
			a := t.Choose(3)
			b := t.Choose(2)
			x.write(t, a*10+b)
			if a == 2 && b == 1 {
				e.Report(Problem{Kind: "bug", Site: "21", Title: "found 21"})
			}
		})
	}, Options{Strategy: Replay, Schedule: res.Problems[0].Schedule})
	require.NoError(t, r.Err)
	require.Len(t, r.Problems, 1)
}

// Count is executions, not reports: two threads hitting the same site in one
// execution make one.
func TestFoundCountCountsExecutions(t *testing.T) {
	res := Explore(func(e *Execution) {
		for _, name := range []string{"A", "B"} {
			e.Spawn(name, func(t *Thread) {
				if t.Choose(2) == 1 {
					e.Report(Problem{Kind: "bug", Site: "same site"})
				}
			})
		}
	}, Options{Strategy: Naive})
	require.True(t, res.Complete)
	require.Len(t, res.Problems, 1)
	// Of the executions, those where A or B chose 1: 3 of every 4 choice pairs.
	var shown int64
	Explore(func(e *Execution) {
		n := 0
		for _, name := range []string{"A", "B"} {
			e.Spawn(name, func(t *Thread) { n += t.Choose(2) })
		}
		e.OnEnd(func(Outcome) {
			if n > 0 {
				shown++
			}
		})
	}, Options{Strategy: Naive})
	assert.EqualValues(t, shown, res.Problems[0].Count)
	assert.Less(t, int64(res.Problems[0].Count), res.Stats.Executions)
}

func TestJoinOrdersAfterTheJoinedThread(t *testing.T) {
	res := Explore(func(e *Execution) {
		x := newVar(e, "x")
		w := e.Spawn("w", func(t *Thread) { x.write(t, 1) })
		e.Spawn("j", func(t *Thread) {
			t.Join(w, "join")
			if x.read(t) != 1 {
				e.Report(Problem{Kind: "bug", Site: "join", Title: "read before join"})
			}
		})
	}, Options{})
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems)
	assert.EqualValues(t, 1, res.Stats.Executions, "join removes the only race")
}

func TestTraceTable(t *testing.T) {
	res := Explore(abba, Options{})
	require.Len(t, res.Problems, 1)
	got := res.Problems[0].FormatTrace()
	assert.Contains(t, got, "step | T1")
	assert.Contains(t, got, "blocked in lock(B)")
	assert.Contains(t, got, "blocked in lock(A)")
	t.Log("\n" + got)
}

func TestRequireFullSearchRestartsWithoutReduction(t *testing.T) {
	prog := func(e *Execution) {
		e.RequireFullSearch("coupled")
		readers(3)(e)
	}
	res := Explore(prog, Options{})
	assert.True(t, res.Complete)
	assert.Equal(t, "coupled", res.FullSearch)
	naive := Explore(readers(3), Options{Strategy: Naive})
	assert.Equal(t, naive.Stats.Executions+1, res.Stats.Executions,
		"a full search explores what naive search does, after the one execution that asked for it")
}

func TestProgressReportsFinalStats(t *testing.T) {
	var calls []Stats
	res := Explore(philosophers(4, false), Options{Progress: func(s Stats) { calls = append(calls, s) }})
	require.NotEmpty(t, calls)
	last := calls[len(calls)-1]
	assert.Equal(t, res.Stats.Executions, last.Executions, "the last call carries the final counts")
	assert.Equal(t, res.Stats.Steps, last.Steps)
	assert.Positive(t, res.Stats.StepsPerSecond())
}

type panicGuard struct{ armed *bool }

func (g panicGuard) Enabled(*Op) bool {
	if *g.armed {
		panic("guard boom")
	}
	return true
}

// A panic in model code (a Guard, an OnDeadlock function) escapes Explore as it is,
// whether the scheduler ran on the caller's goroutine or on the coroutine of the thread
// that ran the step (Thread.Op closes steps there): it is not a thread's panic, and it
// must not be reported as one. The threads are unwound (TestMain checks for leaks).
func TestModelPanicsEscapeExplore(t *testing.T) {
	for _, armedFirst := range []bool{false, true} {
		assert.PanicsWithValue(t, "guard boom", func() {
			Explore(func(e *Execution) {
				armed := armedFirst
				g := panicGuard{&armed}
				e.Spawn("a", func(th *Thread) {
					th.Yield("y", "")
					armed = true
					th.Op(&Op{Name: "g", Guard: g})
				})
				e.Spawn("b", func(th *Thread) { th.Op(&Op{Name: "g2", Guard: g}) })
			}, Options{})
		}, "armed first: %v", armedFirst)
	}
	assert.PanicsWithValue(t, "ondeadlock boom", func() {
		Explore(func(e *Execution) {
			l := newLock(e, "L")
			e.OnDeadlock(func() []Problem { panic("ondeadlock boom") })
			e.Spawn("a", func(th *Thread) { l.lock(th); l.lock(th) })
		}, Options{})
	})
}

func TestTraceNamesObjectsOnce(t *testing.T) {
	for _, tc := range []struct {
		op, obj string
		want    bool
	}{
		{"join worker", "worker", true},
		{"spawn worker/0: pid 3", "worker/0", true},
		{"atomic_sub", "a", false},
		{"mutex_lock", "m", false},
		{"spin_lock", "l", false},
		{"down", "sem1", false},
		{"lock a_b", "a", false},
	} {
		assert.Equal(t, tc.want, mentions(tc.op, tc.obj), "%q %q", tc.op, tc.obj)
	}
}

func TestTrySpawnAtAndLimitReached(t *testing.T) {
	res := Explore(func(e *Execution) {
		e.Spawn("parent", func(t *Thread) {
			n := 1
			for t.TrySpawnAt("p.c:1", "child", func(*Thread) {}) != nil {
				n++
			}
			if n != MaxThreads {
				e.Report(Problem{Kind: "bug", Site: "count", Title: fmt.Sprint(n, " threads")})
			}
			e.LimitReached("the model wanted thread 65")
		})
	}, Options{MaxSteps: 1000})
	require.NoError(t, res.Err)
	assert.Empty(t, res.Problems, "TrySpawnAt fills the execution, then returns nil")
	assert.False(t, res.Complete)
	assert.Equal(t, "the model wanted thread 65", res.Cut)
	assert.Contains(t, res.Verdict(), "not complete: the model wanted thread 65")
}

// An execution that reaches the step limit while a thread that could run is left
// waiting is unfair: it cuts the search, and is no hang. One in which every thread
// takes its turns is a livelock.
func TestStepLimitJudgesFairness(t *testing.T) {
	spin := func(t *Thread) {
		for {
			t.Yield("spin", "a.c:1")
		}
	}
	res := Explore(func(e *Execution) {
		x := newVar(e, "x")
		e.Spawn("spinner", spin)
		e.Spawn("writer", func(t *Thread) { x.write(t, 1) })
	}, Options{MaxSteps: 64, Strategy: Naive})
	assert.False(t, res.Complete)
	assert.Contains(t, res.Cut, "unfair schedule, in which writer could run")
	assert.NotZero(t, res.Stats.Unfair)
	require.Len(t, res.Problems, 1, "the executions in which writer ran, then spinner alone: a hang")
	assert.Equal(t, KindHang, res.Problems[0].Kind)

	res = Explore(func(e *Execution) {
		e.Spawn("A", spin)
		e.Spawn("B", spin)
	}, Options{MaxSteps: 64, Strategy: Random, MaxExecutions: 200, Seed: 3})
	require.NotEmpty(t, res.Problems, "two threads taking turns forever: some random schedule is fair")
	assert.Equal(t, KindHang, res.Problems[0].Kind)
}

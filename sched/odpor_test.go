package sched

import (
	"fmt"
	"sort"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exploreWith explores prog exhaustively with the given strategy.
func exploreWith(prog Program, s strategy) *Result {
	x := &explorer{prog: prog, opts: Options{MaxSteps: DefaultMaxSteps}, seen: map[string]*Found{}, ex: getExecution()}
	defer x.close()
	x.strat = s
	x.loop()
	x.strat = nil // not pooled: the caller may still look at it
	return &x.res
}

// exploreOptimal explores prog exhaustively with Optimal-DPOR, as Explore does, and
// returns the search too, for its counters.
func exploreOptimal(prog Program) (*Result, *odpor) {
	d := getOptimal()
	return exploreWith(prog, d), d
}

// withTraces wraps prog to record, for every execution not cut short, its outcome and
// its trace (for programs whose only operations are exclusive lock operations).
func withTraces(prog Program, seen map[string]int) Program {
	return func(e *Execution) {
		prog(e)
		e.OnEnd(func(o Outcome) {
			if o != Cut {
				seen[o.String()+" "+lockTraceKey(e.Trace())]++
			}
		})
	}
}

func TestOptimalOrderedPhilosophers(t *testing.T) {
	for n := 3; n <= 6; n++ {
		ref, got := map[string]int{}, map[string]int{}
		sleepOnly := exploreWith(withTraces(philosophers(n, true), ref), getDFS(true, -1))
		require.True(t, sleepOnly.Complete)
		res, d := exploreOptimal(withTraces(philosophers(n, true), got))
		require.NoError(t, res.Err)
		require.True(t, res.Complete)
		assert.Empty(t, res.Problems)
		assert.Equal(t, keysInt(ref), keysInt(got), "ordered philosophers n=%d", n)
		assert.EqualValues(t, len(got), res.Stats.Executions, "one execution per trace, n=%d", n)
		assert.EqualValues(t, 0, res.Stats.SleepBlocked, "n=%d", n)
		t.Logf("ordered philosophers n=%d: %d traces; optimal %d executions (%d sleep-set blocked, %d fallbacks); sleep-set-only search %d executions",
			n, len(ref), res.Stats.Executions, res.Stats.SleepBlocked, d.fallbacks, sleepOnly.Stats.Executions)
	}
}

func keysInt(m map[string]int) []string {
	b := map[string]bool{}
	for k := range m {
		b[k] = true
	}
	return keys(b)
}

// TestOptimalHandWrittenPrograms compares Optimal-DPOR with naive search on programs
// that exercise joins, data choices that change which object a thread touches,
// trylocks and spawns.
func TestOptimalHandWrittenPrograms(t *testing.T) {
	type prog func(out map[string]bool) Program
	record := func(e *Execution, out map[string]bool, vars ...*tvar) {
		e.OnEnd(func(o Outcome) {
			if o == Cut {
				return
			}
			s := o.String()
			for _, v := range vars {
				s += fmt.Sprint(" ", v.v)
			}
			out[s] = true
		})
	}
	progs := map[string]prog{
		"join": func(out map[string]bool) Program {
			return func(e *Execution) {
				x, y := newVar(e, "x"), newVar(e, "y")
				w := e.Spawn("w", func(t *Thread) { x.write(t, 1); x.write(t, 2) })
				e.Spawn("j", func(t *Thread) { t.Join(w, "join"); y.write(t, x.read(t)*10) })
				e.Spawn("r", func(t *Thread) { x.write(t, 3); y.write(t, y.read(t)+1) })
				record(e, out, x, y)
			}
		},
		"data picks the object": func(out map[string]bool) Program {
			return func(e *Execution) {
				x, y, z := newVar(e, "x"), newVar(e, "y"), newVar(e, "z")
				e.Spawn("T", func(t *Thread) {
					x.write(t, 1)
					if t.Choose(2) == 0 {
						y.write(t, 1)
					} else {
						z.write(t, 1)
					}
					x.write(t, 2)
				})
				e.Spawn("U", func(t *Thread) { z.write(t, y.read(t)+2); x.write(t, z.read(t)+10) })
				e.Spawn("V", func(t *Thread) { y.write(t, x.read(t)+20) })
				record(e, out, x, y, z)
			}
		},
		"trylock": func(out map[string]bool) Program {
			return func(e *Execution) {
				l := newLock(e, "L")
				x := newVar(e, "x")
				for i := range 3 {
					e.Spawn(fmt.Sprint("T", i), func(t *Thread) {
						if l.trylock(t) {
							x.write(t, x.read(t)*10+i+1)
							l.unlock(t)
						} else {
							l.lock(t)
							x.write(t, x.read(t)*10+i+5)
							l.unlock(t)
						}
					})
				}
				record(e, out, x)
			}
		},
		"spawn order": func(out map[string]bool) Program {
			return func(e *Execution) {
				x := newVar(e, "x")
				for i := range 2 {
					e.Spawn(fmt.Sprint("P", i), func(t *Thread) {
						x.write(t, x.read(t)*10+i+1)
						t.Spawn(fmt.Sprint("C", i), func(t *Thread) { x.write(t, x.read(t)+100*(t.ID()+1)) })
						x.write(t, x.read(t)+1000)
					})
				}
				record(e, out, x)
			}
		},
	}
	names := make([]string, 0, len(progs))
	for name := range progs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := progs[name]
		naiveOut, optOut := map[string]bool{}, map[string]bool{}
		naive := Explore(p(naiveOut), Options{Strategy: Naive, MaxExecutions: 200000})
		require.True(t, naive.Complete, name)
		sleepOnly := exploreWith(p(map[string]bool{}), getDFS(true, -1))
		res, d := exploreOptimal(p(optOut))
		require.NoError(t, res.Err, name)
		require.True(t, res.Complete, name)
		assert.Equal(t, keys(naiveOut), keys(optOut), name)
		assert.LessOrEqual(t, res.Stats.Executions, sleepOnly.Stats.Executions, name)
		assert.Equal(t, 1, len(d.tree)-len(d.free), "%s: every wakeup tree node but the root is freed", name)
		t.Logf("%s: %d outcomes; optimal %d executions (%d sleep-set blocked, %d fallbacks); sleep-set-only search %d; naive %d",
			name, len(naiveOut), res.Stats.Executions, res.Stats.SleepBlocked, d.fallbacks, sleepOnly.Stats.Executions, naive.Stats.Executions)
	}
}

// TestWakeupTreeFrontier measures what Optimal-DPOR keeps in memory: the wakeup trees
// of sequences still to explore. For one writer and n readers every reader placement
// is a pending sequence once the first executions have raced the writer with each
// reader, so the frontier approaches the number of executions: the price of never
// exploring a trace twice (Source-DPOR keeps a bitmask per node instead, and explores
// sleep-set blocked executions). It stays within one node per trace plus the path,
// and is all freed at the end.
func TestWakeupTreeFrontier(t *testing.T) {
	for _, n := range []int{8, 12, 16} {
		d := getOptimal()
		peak := 0
		res := exploreWith(func(e *Execution) {
			readers(n)(e)
			e.OnEnd(func(Outcome) { peak = max(peak, len(d.tree)-len(d.free)) })
		}, d)
		require.True(t, res.Complete)
		assert.EqualValues(t, 1<<n, res.Stats.Executions)
		assert.LessOrEqual(t, peak, 1<<n+n+1, "readers(%d): at most a node per trace, plus the path", n)
		assert.Equal(t, 1, len(d.tree)-len(d.free), "every node but the root is freed")
		t.Logf("readers(%d): %d executions; wakeup trees peak at %d live nodes (%d KiB)", n, res.Stats.Executions, peak, peak*int(unsafe.Sizeof(wnode{}))/1024)
	}
}

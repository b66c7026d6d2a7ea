package sched

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var long = flag.Bool("ksim.long", false, "run the long versions of the randomized tests")

// A generated program: threads made of lock, unlock, trylock, read, write, data-choice
// and spawn steps over a few locks and variables.
type gop struct {
	kind  byte // 'L' lock, 'T' trylock, 'R' read, 'W' write, 'C' choose+write, 'S' spawn
	arg   int
	child []gop
}

func genThread(r *rand.Rand, nlocks, nvars, maxOps int, spawn bool) []gop {
	var ops []gop
	n := 1 + r.IntN(maxOps)
	for i := 0; i < n; i++ {
		switch k := r.IntN(10); {
		case k < 3:
			ops = append(ops, gop{kind: 'L', arg: r.IntN(nlocks)})
		case k < 4:
			ops = append(ops, gop{kind: 'T', arg: r.IntN(nlocks)})
		case k < 6:
			ops = append(ops, gop{kind: 'R', arg: r.IntN(nvars)})
		case k < 8 || !spawn:
			ops = append(ops, gop{kind: 'W', arg: r.IntN(nvars)})
			if r.IntN(4) == 0 {
				ops[len(ops)-1].kind = 'C' // a data choice, then a write of what was chosen
			}
		default:
			ops = append(ops, gop{kind: 'S', child: genThread(r, nlocks, nvars, 2, false)})
		}
	}
	return ops
}

func describe(threads [][]gop) string {
	var b strings.Builder
	var one func(ops []gop)
	one = func(ops []gop) {
		for _, o := range ops {
			if o.kind == 'S' {
				b.WriteString("S{")
				one(o.child)
				b.WriteString("}")
				continue
			}
			fmt.Fprintf(&b, "%c%d ", o.kind, o.arg)
		}
	}
	for i, t := range threads {
		fmt.Fprintf(&b, "T%d: ", i)
		one(t)
		b.WriteString("| ")
	}
	return b.String()
}

// genProgram turns a generated description into a Program that records each
// execution's outcome: how it ended, the final variables, what every thread observed
// (values read, trylock results) and, for deadlocks, who was blocked where.
func genProgram(threads [][]gop, nlocks, nvars int, outcomes map[string]bool) Program {
	return func(e *Execution) {
		locks := make([]*tlock, nlocks)
		for i := range locks {
			locks[i] = newLock(e, fmt.Sprint("L", i))
		}
		vars := make([]*tvar, nvars)
		for i := range vars {
			vars[i] = newVar(e, fmt.Sprint("V", i))
		}
		obs := map[string][]int{}
		var body func(name string, ops []gop) func(*Thread)
		body = func(name string, ops []gop) func(*Thread) {
			return func(t *Thread) {
				var held []*tlock
				holds := func(l *tlock) bool {
					for _, h := range held {
						if h == l {
							return true
						}
					}
					return false
				}
				for i, o := range ops {
					switch o.kind {
					case 'L':
						if !holds(locks[o.arg]) {
							locks[o.arg].lock(t)
							held = append(held, locks[o.arg])
						}
					case 'T':
						if !holds(locks[o.arg]) {
							ok := locks[o.arg].trylock(t)
							obs[name] = append(obs[name], map[bool]int{false: 0, true: 1}[ok])
							if ok {
								held = append(held, locks[o.arg])
							}
						}
					case 'R':
						obs[name] = append(obs[name], vars[o.arg].read(t))
					case 'W':
						vars[o.arg].write(t, t.ID()*10+i+1)
					case 'C':
						c := t.Choose(2)
						obs[name] = append(obs[name], 100+c)
						vars[o.arg].write(t, 100+c)
					case 'S':
						child := fmt.Sprintf("%sc%d", name, i) // unique: observations are kept per thread
						t.Spawn(child, body(child, o.child))
					}
				}
				for i := len(held) - 1; i >= 0; i-- {
					held[i].unlock(t)
				}
			}
		}
		for i, ops := range threads {
			name := fmt.Sprint("T", i)
			e.Spawn(name, body(name, ops))
		}
		e.OnEnd(func(o Outcome) {
			if o == Cut {
				return // abandoned by DPOR: no outcome
			}
			var parts []string
			for _, v := range vars {
				parts = append(parts, fmt.Sprint(v.v))
			}
			var names []string
			for n := range obs {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				parts = append(parts, fmt.Sprint(n, obs[n]))
			}
			if o == Deadlocked {
				for _, th := range e.Threads() {
					if !th.Finished() {
						parts = append(parts, th.Name()+" blocked in "+th.PendingOp().Pos)
					}
				}
			}
			outcomes[o.String()+" "+strings.Join(parts, " ")] = true
		})
	}
}

// TestDPORSoundness generates random small programs and checks that DPOR (Optimal-DPOR,
// what Explore runs) reaches exactly the outcomes (deadlocks and final states) that
// naive exhaustive search reaches, in no more executions, and frees every wakeup tree
// it builds. go test -ksim.long checks many more programs.
func TestDPORSoundness(t *testing.T) {
	n := 300
	if *long {
		n = 20000
	}
	checked, skipped := 0, 0
	var dporExecs, naiveExecs, blocked int64
	var fallbacks, withFallbacks int
	for seed := 0; seed < n; seed++ {
		r := rand.New(rand.NewPCG(uint64(seed), 99))
		nthreads := 2 + r.IntN(3)
		nlocks, nvars := 1+r.IntN(2), 1+r.IntN(2)
		threads := make([][]gop, nthreads)
		for i := range threads {
			threads[i] = genThread(r, nlocks, nvars, 4-nthreads/2, true)
		}
		naiveOut, dporOut := map[string]bool{}, map[string]bool{}
		naive := Explore(genProgram(threads, nlocks, nvars, naiveOut), Options{Strategy: Naive, MaxExecutions: 5000})
		if !naive.Complete {
			skipped++
			continue
		}
		dpor, d := exploreOptimal(genProgram(threads, nlocks, nvars, dporOut))
		require.NoError(t, dpor.Err, "program %d: %s", seed, describe(threads))
		require.True(t, dpor.Complete)
		require.Equal(t, keys(naiveOut), keys(dporOut), "program %d: %s", seed, describe(threads))
		require.LessOrEqual(t, dpor.Stats.Executions, naive.Stats.Executions, "program %d: %s", seed, describe(threads))
		require.Equal(t, 1, len(d.tree)-len(d.free), "program %d: every wakeup tree node but the root is freed", seed)
		checked++
		dporExecs += dpor.Stats.Executions
		naiveExecs += naive.Stats.Executions
		blocked += dpor.Stats.SleepBlocked
		fallbacks += d.fallbacks
		if d.fallbacks > 0 {
			withFallbacks++
		}
	}
	assert.Greater(t, checked, n/2, "most programs are small enough for naive search")
	t.Logf("checked %d random programs (%d too large for naive search skipped): DPOR %d executions (%d sleep-set blocked, %d wakeup-tree fallbacks in %d programs), naive %d",
		checked, skipped, dporExecs, blocked, fallbacks, withFallbacks, naiveExecs)
	fmt.Printf("soundness: %d random programs checked against naive search (DPOR %d executions, %d sleep-set blocked; naive %d)\n", checked, dporExecs, blocked, naiveExecs)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

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

// Random programs for the differential soundness tests, first written by a cold
// review as a fuzzer wider than the original generator: reader-writer locks, counting
// semaphores, joins, yields and data choices that decide the next operation, besides
// locks, trylocks, reads, writes, data choices and spawns.

// rwl is a reader-writer lock: readers take it shared, a writer exclusive.
type rwl struct {
	id      ObjID
	writer  *Thread
	readers int
}

type rwRead struct{ l *rwl }

func (g rwRead) Enabled(*Op) bool { return g.l.writer == nil }

type rwWrite struct{ l *rwl }

func (g rwWrite) Enabled(*Op) bool { return g.l.writer == nil && g.l.readers == 0 }

type sem struct {
	id    ObjID
	count int
}

func (s *sem) Enabled(*Op) bool { return s.count > 0 }

type xop struct {
	kind  byte
	arg   int
	child []xop
}

// genWide generates one thread of a wider random program than genThread's. Kinds:
// L lock, T trylock, R read, W write, C choose+write, S spawn, J join the last child
// spawned, Y yield, r read-lock around a read, w write-lock around a write, D down and
// U up on a counting semaphore (guarded writes, as the Access docs say to model one),
// X a choice deciding whether a write announced was a read, A a choice deciding whether
// the next operation reads or writes.
func genWide(r *rand.Rand, nlocks, nvars, maxOps int, spawn bool, kinds string) []xop {
	var ops []xop
	n := 1 + r.IntN(maxOps)
	for i := 0; i < n; i++ {
		k := kinds[r.IntN(len(kinds))]
		if k == 'S' && !spawn {
			k = 'W'
		}
		o := xop{kind: k, arg: r.IntN(nvars)}
		switch k {
		case 'L', 'T', 'r', 'w', 'D', 'U':
			o.arg = r.IntN(nlocks)
		case 'S':
			o.child = genWide(r, nlocks, nvars, 2, false, kinds)
		}
		ops = append(ops, o)
	}
	return ops
}

func describeWide(threads [][]xop) string {
	var b strings.Builder
	var one func(ops []xop)
	one = func(ops []xop) {
		for _, o := range ops {
			if o.kind == 'S' {
				b.WriteString("S{")
				one(o.child)
				b.WriteString("} ")
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

func wideProgram(threads [][]xop, nlocks, nvars, semInit int, outcomes map[string]bool) Program {
	return func(e *Execution) {
		locks := make([]*tlock, nlocks)
		rws := make([]*rwl, nlocks)
		sems := make([]*sem, nlocks)
		for i := range locks {
			locks[i] = newLock(e, fmt.Sprint("L", i))
			rws[i] = &rwl{id: e.NewObject(fmt.Sprint("RW", i))}
			sems[i] = &sem{id: e.NewObject(fmt.Sprint("S", i)), count: semInit}
		}
		vars := make([]*tvar, nvars)
		for i := range vars {
			vars[i] = newVar(e, fmt.Sprint("V", i))
		}
		obs := map[string][]int{}
		var body func(name string, ops []xop) func(*Thread)
		body = func(name string, ops []xop) func(*Thread) {
			return func(t *Thread) {
				var held []*tlock
				var lastChild *Thread
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
					case 'X':
						v := vars[o.arg]
						t.Op(&Op{Name: "rw?", Obj: v.id, Access: Write})
						c := t.Choose(2)
						if c == 0 {
							t.SetAccess(Read)
							obs[name] = append(obs[name], v.v)
						} else {
							v.v = 200 + i
						}
					case 'A':
						c := t.Choose(2)
						if c == 0 {
							obs[name] = append(obs[name], vars[o.arg].read(t))
						} else {
							vars[o.arg].write(t, 300+i)
						}
					case 'S':
						child := fmt.Sprintf("%sc%d", name, i)
						lastChild = t.Spawn(child, body(child, o.child))
					case 'J':
						if lastChild != nil {
							t.Join(lastChild, "join")
						} else {
							t.Yield("yield", "y")
						}
					case 'Y':
						t.Yield("yield", "y")
					case 'r':
						l := rws[o.arg]
						t.Op(&Op{Name: "rlock", Obj: l.id, Access: AcquireShared, Guard: rwRead{l}})
						l.readers++
						obs[name] = append(obs[name], vars[o.arg%nvars].read(t))
						t.Op(&Op{Name: "runlock", Obj: l.id, Access: ReleaseShared})
						l.readers--
					case 'w':
						l := rws[o.arg]
						t.Op(&Op{Name: "wlock", Obj: l.id, Access: Acquire, Guard: rwWrite{l}})
						l.writer = t
						vars[o.arg%nvars].write(t, 400+t.ID()*10+i)
						t.Op(&Op{Name: "wunlock", Obj: l.id, Access: Release})
						l.writer = nil
					case 'D':
						s := sems[o.arg]
						t.Op(&Op{Name: "down", Obj: s.id, Access: Write, Guard: s})
						s.count--
					case 'U':
						s := sems[o.arg]
						t.Op(&Op{Name: "up", Obj: s.id, Access: Write})
						s.count++
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
				return
			}
			var parts []string
			for _, v := range vars {
				parts = append(parts, fmt.Sprint(v.v))
			}
			for _, s := range sems {
				parts = append(parts, fmt.Sprint("s", s.count))
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
						parts = append(parts, th.Name()+" blocked in "+th.PendingOp().Name)
					}
				}
			}
			outcomes[o.String()+" "+strings.Join(parts, " ")] = true
		})
	}
}

// basicKinds are the operations Optimal-DPOR covers without falling back (locks,
// trylocks, reads, writes, data choices feeding writes, spawns), weighted as programs
// use them.
const basicKinds = "LLLLLLTTRRRRWWWCSSSS"

// TestDPORSoundness generates random small programs of basicKinds and checks that
// Optimal-DPOR, run raw (no fallback), reaches exactly the outcomes (deadlocks and
// final states) that naive exhaustive search reaches, in no more executions, and frees
// every wakeup tree it builds. go test -ksim.long checks many more programs.
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
		threads := make([][]xop, nthreads)
		for i := range threads {
			threads[i] = genWide(r, nlocks, nvars, 4-nthreads/2, true, basicKinds)
		}
		naiveOut, dporOut := map[string]bool{}, map[string]bool{}
		naive := Explore(wideProgram(threads, nlocks, nvars, 0, naiveOut), Options{Strategy: Naive, MaxExecutions: 5000})
		if !naive.Complete {
			skipped++
			continue
		}
		dpor, d := exploreOptimal(wideProgram(threads, nlocks, nvars, 0, dporOut))
		require.NoError(t, dpor.Err, "program %d: %s", seed, describeWide(threads))
		require.True(t, dpor.Complete)
		require.Equal(t, keys(naiveOut), keys(dporOut), "program %d: %s", seed, describeWide(threads))
		require.LessOrEqual(t, dpor.Stats.Executions, naive.Stats.Executions, "program %d: %s", seed, describeWide(threads))
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

// TestDPORSoundnessWider runs Explore's default search on the wider families, where
// Optimal-DPOR must fall back to sleep sets for what its analysis does not cover (see
// odpor.cannotReduce) and still reach exactly naive search's outcomes.
func TestDPORSoundnessWider(t *testing.T) {
	n := 80
	if *long {
		n = 3000
	}
	for i, kinds := range []string{"LRWrrwwY", "DDUURWLT", "SSJJRWL", "XXAACRWL", "LTRWCSrwDUYXAJ", "LLTTRWS"} {
		checked, plain := 0, 0
		for seed := 0; seed < n; seed++ {
			r := rand.New(rand.NewPCG(uint64(seed), uint64(i+1)))
			nthreads := 2 + r.IntN(3)
			nlocks, nvars := 1+r.IntN(2), 1+r.IntN(2)
			semInit := r.IntN(2)
			threads := make([][]xop, nthreads)
			for j := range threads {
				threads[j] = genWide(r, nlocks, nvars, 4-nthreads/2, true, kinds)
			}
			naiveOut, dporOut := map[string]bool{}, map[string]bool{}
			naive := Explore(wideProgram(threads, nlocks, nvars, semInit, naiveOut), Options{Strategy: Naive, MaxExecutions: 5000})
			if !naive.Complete {
				continue
			}
			dpor := Explore(wideProgram(threads, nlocks, nvars, semInit, dporOut), Options{})
			require.NoError(t, dpor.Err)
			require.True(t, dpor.Complete)
			require.Equal(t, keys(naiveOut), keys(dporOut), "kinds %s, program %d (semaphores at %d): %s", kinds, seed, semInit, describeWide(threads))
			checked++
			if dpor.FullSearch != "" {
				plain++ // its statistics count the abandoned DPOR executions too
			} else {
				require.LessOrEqual(t, dpor.Stats.Executions, naive.Stats.Executions)
			}
		}
		t.Logf("kinds %s: %d programs agree with naive search (%d explored with sleep sets only)", kinds, checked, plain)
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

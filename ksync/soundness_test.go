package ksync

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// TestKernelPrimitivesSoundUnderDPOR checks ksync's primitives against the engine's
// reduction: random programs over counting semaphores, completions, mutexes and
// atomics must reach, explored with DPOR (Explore's default, which may fall back to
// sleep sets), exactly the outcomes naive search reaches: each task's observations of
// the atomics, their final values, and the problems found. Semaphore waiters and
// completions are guarded acquires that are not a lock's; the engine must not lose
// interleavings on them.
func TestKernelPrimitivesSoundUnderDPOR(t *testing.T) {
	checked, plain := 0, 0
	for seed := uint64(0); seed < 300; seed++ {
		prog, naiveOut, dporOut := randomPrimitiveProgram(seed), map[string]bool{}, map[string]bool{}
		naive := sched.Explore(Program(Config{CPUs: 4, NoLockdep: true}, prog(naiveOut)), sched.Options{Strategy: sched.Naive, MaxExecutions: 20000})
		if !naive.Complete {
			continue
		}
		dpor := sched.Explore(Program(Config{CPUs: 4, NoLockdep: true}, prog(dporOut)), sched.Options{})
		require.True(t, dpor.Complete)
		require.Equal(t, sortedKeys(naiveOut), sortedKeys(dporOut), "program %d", seed)
		checked++
		if dpor.FullSearch != "" {
			plain++
		}
	}
	assert.Greater(t, checked, 150)
	t.Logf("%d random programs: DPOR reaches naive search's outcomes (%d of them after falling back to a plainer search)", checked, plain)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func randomPrimitiveProgram(seed uint64) func(out map[string]bool) func(k *Kernel) {
	r := rand.New(rand.NewPCG(seed, 23))
	type step struct{ kind, arg int }
	threads := make([][]step, 2+r.IntN(2))
	for i := range threads {
		for range 1 + r.IntN(3) {
			threads[i] = append(threads[i], step{r.IntN(8), r.IntN(2)})
		}
	}
	semInit := r.IntN(3)
	return func(out map[string]bool) func(k *Kernel) {
		return func(k *Kernel) {
			sem := k.DefineSemaphore("sem", semInit)
			done := k.DeclareCompletion("done")
			m := k.DefineMutex("m")
			atoms := []*Atomic{k.NewAtomic("a0", 0), k.NewAtomic("a1", 0)}
			seen := make([][]int, len(threads))
			for i, steps := range threads {
				k.KernelThread(fmt.Sprint("t", i), func(t *Task) {
					for _, st := range steps {
						a := atoms[st.arg]
						switch st.kind {
						case 0:
							sem.Down(t)
						case 1:
							sem.Up(t)
						case 2:
							seen[i] = append(seen[i], 10+sem.DownTrylock(t))
						case 3:
							done.Wait(t)
						case 4:
							done.Complete(t)
						case 5:
							m.Lock(t)
							a.Inc(t)
							m.Unlock(t)
						case 6:
							seen[i] = append(seen[i], a.Read(t))
						default:
							a.Set(t, 100+i)
						}
					}
				})
			}
			k.Execution().OnEnd(func(o sched.Outcome) {
				if o == sched.Cut {
					return
				}
				s := fmt.Sprint(o, " ", atoms[0].Value(), " ", atoms[1].Value(), " ", seen)
				if o == sched.Deadlocked {
					var blocked []string
					for _, t := range k.Tasks() {
						if t.State() != Dead {
							blocked = append(blocked, t.Comm)
						}
					}
					s += " blocked: " + strings.Join(blocked, ",")
				}
				out[s] = true
			})
		}
	}
}

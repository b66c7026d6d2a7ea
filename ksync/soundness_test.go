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
// reduction: random programs must reach, explored with DPOR (Explore's default, which
// may fall back to sleep sets), exactly the outcomes naive search reaches: each task's
// observations of the atomics, their final values, and the problems found. Two
// families:
//
//   - counting semaphores, completions, mutexes and atomics. Semaphore waiters and
//     completions are guarded acquires that are not a lock's; the engine must not lose
//     interleavings on them;
//   - rwlock_t and rw_semaphore read and write sections (a read section may nest a
//     second read acquire, which a writer queued in between turns into a deadlock),
//     read trylocks, and atomics. Readers fall back to sleep sets; a writer's queuing
//     step (it sets _QW_WAITING / RWSEM_FLAG_WAITERS) must order it against them. A
//     quarter of these programs have writers only, which DPOR must explore without
//     falling back: a writer's queuing step and its guarded wait stay within the race
//     analysis's contract.
func TestKernelPrimitivesSoundUnderDPOR(t *testing.T) {
	for _, fam := range []struct {
		name string
		gen  func(seed uint64) (func(out map[string]bool) func(k *Kernel), bool)
		// programs, and the naive executions past which one is skipped
		seeds, naiveMax int
		min             int
	}{
		{"sem-completion-mutex", func(seed uint64) (func(map[string]bool) func(*Kernel), bool) {
			return randomPrimitiveProgram(seed), false
		}, 300, 20000, 150},
		{"rwlock-rwsem", randomRWProgram, 250, 3000, 100},
	} {
		t.Run(fam.name, func(t *testing.T) {
			if raceEnabled && fam.name == "rwlock-rwsem" {
				// A sample under the race detector, where the family would add half a
				// minute; go test ./ksync runs it all.
				fam.seeds, fam.min = 30, 10
			}
			checked, plain, writersOnly, deadlocks := 0, 0, 0, 0
			for seed := uint64(0); seed < uint64(fam.seeds); seed++ {
				prog, wonly := fam.gen(seed)
				naiveOut, dporOut := map[string]bool{}, map[string]bool{}
				naive := sched.Explore(Program(Config{CPUs: 4, NoLockdep: true}, prog(naiveOut)), sched.Options{Strategy: sched.Naive, MaxExecutions: fam.naiveMax})
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
				if wonly {
					writersOnly++
					require.Empty(t, dpor.FullSearch, "program %d: writers only", seed)
				}
				if dpor.Stats.Deadlocked > 0 {
					deadlocks++
				}
			}
			assert.Greater(t, checked, fam.min)
			t.Logf("%d random programs: DPOR reaches naive search's outcomes (%d of them after falling back to a plainer search; %d with writers only, under DPOR; %d that can deadlock)",
				checked, plain, writersOnly, deadlocks)
		})
	}
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

// randomRWProgram is a random program over an rwlock_t, an rw_semaphore and two
// atomics, and whether it has writers only (no read acquire).
func randomRWProgram(seed uint64) (func(out map[string]bool) func(k *Kernel), bool) {
	r := rand.New(rand.NewPCG(seed, 29))
	type step struct{ kind, arg int }
	writersOnly := r.IntN(4) == 0
	threads := make([][]step, 2+r.IntN(2))
	for i := range threads {
		for range 1 + r.IntN(3) {
			kind := r.IntN(6)
			if writersOnly {
				kind = []int{1, 3, 5}[r.IntN(3)]
			}
			threads[i] = append(threads[i], step{kind, r.IntN(2)})
		}
	}
	return func(out map[string]bool) func(k *Kernel) {
		return func(k *Kernel) {
			l := k.DefineRWLock("l")
			s := k.DeclareRWSem("s")
			atoms := []*Atomic{k.NewAtomic("a0", 0), k.NewAtomic("a1", 0)}
			seen := make([][]int, len(threads))
			for i, steps := range threads {
				k.KernelThread(fmt.Sprint("t", i), func(t *Task) {
					for _, st := range steps {
						a := atoms[st.arg]
						switch st.kind {
						case 0: // a read section of s, the read acquire nested when arg is 1
							s.DownRead(t)
							if st.arg == 1 {
								s.DownRead(t)
								s.UpRead(t)
							}
							seen[i] = append(seen[i], a.Read(t))
							s.UpRead(t)
						case 1:
							s.DownWrite(t)
							a.Inc(t)
							s.UpWrite(t)
						case 2: // a read section of l, likewise
							l.ReadLock(t)
							if st.arg == 1 {
								l.ReadLock(t)
								l.ReadUnlock(t)
							}
							seen[i] = append(seen[i], a.Read(t))
							l.ReadUnlock(t)
						case 3:
							l.WriteLock(t)
							a.Inc(t)
							l.WriteUnlock(t)
						case 4: // a read trylock of l or s
							if st.arg == 0 {
								ok := l.ReadTrylock(t)
								if ok == 1 {
									l.ReadUnlock(t)
								}
								seen[i] = append(seen[i], 10+ok)
							} else {
								ok := s.DownReadTrylock(t)
								if ok == 1 {
									s.UpRead(t)
								}
								seen[i] = append(seen[i], 20+ok)
							}
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
	}, writersOnly
}

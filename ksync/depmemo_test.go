package ksync

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// TestDepMemoChangesNoVerdict checks that skipping the lockdep validation of
// acquisitions already validated without a report (depMemo) changes nothing: random
// programs nesting mutexes, spinlocks (plain, _irq, _bh), rwlocks and rw_semaphores,
// read and write, some as trylocks, explored exhaustively with the memo and without,
// must find the same problems with the same reports, in the same executions.
func TestDepMemoChangesNoVerdict(t *testing.T) {
	defer func() { noDepMemo = false }()
	reports := 0
	for seed := uint64(0); seed < 120; seed++ {
		prog := randomLockProgram(seed)
		run := func(off bool) string {
			noDepMemo = off
			// Bounded: a program whose tasks make different lockdep reports needs a
			// full search (one report silences the other), and both runs stop at
			// the same bound.
			res := sched.Explore(Program(Config{CPUs: 4}, prog), sched.Options{MaxExecutions: 500})
			require.NoError(t, res.Err)
			var b strings.Builder
			fmt.Fprintf(&b, "complete=%v executions=%d\n", res.Complete, res.Stats.Executions)
			for _, p := range res.Problems {
				fmt.Fprintf(&b, "%s %s #%d ×%d\n%s\n", p.Kind, p.Site, p.Execution, p.Count, p.Report)
			}
			return b.String()
		}
		with, without := run(false), run(true)
		require.Equal(t, without, with, "program %d", seed)
		reports += strings.Count(with, "lockdep")
	}
	t.Logf("120 random programs agree with and without the memo (%d lockdep report lines)", reports)
}

// randomLockProgram is 2 or 3 tasks, each taking one to three locks of four (a mutex,
// a spinlock, an rwlock, an rw_semaphore) in a random nesting, in random modes.
func randomLockProgram(seed uint64) func(k *Kernel) {
	r := rand.New(rand.NewPCG(seed, 11))
	type step struct{ lock, mode int }
	threads := make([][]step, 2+r.IntN(2))
	for i := range threads {
		for range 1 + r.IntN(3) {
			threads[i] = append(threads[i], step{r.IntN(4), r.IntN(3)})
		}
	}
	return func(k *Kernel) {
		m, s := k.DefineMutex("m"), k.DefineSpinlock("s")
		rw, sem := k.DefineRWLock("rw"), k.DeclareRWSem("sem")
		for i, steps := range threads {
			k.KernelThread(fmt.Sprint("t", i), func(t *Task) {
				var undo []func()
				for _, st := range steps {
					switch st.lock {
					case 0:
						if st.mode == 2 {
							if m.Trylock(t) == 0 {
								continue
							}
						} else {
							m.Lock(t)
						}
						undo = append(undo, func() { m.Unlock(t) })
					case 1:
						switch st.mode {
						case 0:
							s.Lock(t)
							undo = append(undo, func() { s.Unlock(t) })
						case 1:
							s.LockIRQ(t)
							undo = append(undo, func() { s.UnlockIRQ(t) })
						default:
							s.LockBH(t)
							undo = append(undo, func() { s.UnlockBH(t) })
						}
					case 2:
						if st.mode == 0 {
							rw.ReadLock(t)
							undo = append(undo, func() { rw.ReadUnlock(t) })
						} else {
							rw.WriteLock(t)
							undo = append(undo, func() { rw.WriteUnlock(t) })
						}
					default:
						if st.mode == 0 {
							sem.DownRead(t)
							undo = append(undo, func() { sem.UpRead(t) })
						} else {
							sem.DownWrite(t)
							undo = append(undo, func() { sem.UpWrite(t) })
						}
					}
				}
				for i := len(undo) - 1; i >= 0; i-- {
					undo[i]()
				}
			})
		}
	}
}

// An Acquire that stops at an irq-usage report it had already made returns nil with
// usage bits still unmarked; the memo must not take that for settled, or the next
// identical acquisition, which would find the irq-order problem, is skipped. (Found by
// a cold review: with the memo the second warning was lost.)
func TestDepMemoKeepsReportsAfterAnUnsettledAcquire(t *testing.T) {
	defer func() { noDepMemo = false }()
	prog := func(k *Kernel) {
		c, u, h := k.DefineRWLock("C"), k.DefineSpinlock("U"), k.DefineSpinlock("H")
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(5, "dev", func(irq *Task) IRQReturn {
				c.ReadLock(irq)
				c.ReadUnlock(irq)
				h.Lock(irq)
				c.WriteLock(irq)
				c.WriteUnlock(irq)
				h.Unlock(irq)
				return IRQHandled
			})
			t.LocalIrqDisable()
			c.WriteLock(t)
			u.Lock(t)
			u.Unlock(t)
			c.WriteUnlock(t)
			t.LocalIrqEnable()
			u.Lock(t)
			u.Unlock(t)
		})
	}
	for _, times := range []int{1, 2} {
		run := func(off bool) []string {
			noDepMemo = off
			res := sched.Explore(Program(Config{CPUs: 1, IRQs: map[int]IRQSetting{5: {Times: times}}}, prog), sched.Options{})
			require.True(t, res.Complete)
			var out []string
			for _, p := range res.Problems {
				out = append(out, fmt.Sprintf("%s %s #%d\n%s", p.Kind, p.Site, p.Execution, p.Report))
			}
			return out
		}
		with, without := run(false), run(true)
		// The irq inversion and the irq-order warning of the same classes and irq
		// are one problem; each execution reports its first lockdep problem only.
		require.Len(t, without, 1, "times=%d: an irq inversion or irq-order warning", times)
		require.Equal(t, without, with, "times=%d", times)
	}
}

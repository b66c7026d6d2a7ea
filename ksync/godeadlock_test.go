package ksync

import (
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/sasha-s/go-deadlock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// pair is one nested acquisition: lock outer, lock inner, unlock both.
type pair struct{ outer, inner int }

// TestLockdepAgreesWithGoDeadlock cross-checks ksim's lockdep against an independent
// implementation of lock-order checking: go-deadlock, on real goroutines. Random
// programs take pairs of three mutexes nested in random orders. Run natively, one
// thread after the other (so nothing can really deadlock), go-deadlock reports every
// pairwise lock-order inversion it sees; ksim must report a circular dependency
// exactly then. go-deadlock does not look for longer cycles, so programs whose only
// cycle is longer are checked on ksim's side alone: lockdep must report them too.
func TestLockdepAgreesWithGoDeadlock(t *testing.T) {
	saved := deadlock.Opts
	defer func() { deadlock.Opts = saved }()
	deadlock.Opts.DeadlockTimeout = 0 // only the lock-order check: no timers, no goroutines
	deadlock.Opts.LogBuf = io.Discard
	var inverted bool
	deadlock.Opts.OnPotentialDeadlock = func() { inverted = true }

	pairwise, longer, clean := 0, 0, 0
	for seed := uint64(0); seed < 150; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		threads := make([][]pair, 2+r.IntN(2))
		for i := range threads {
			for range 1 + r.IntN(2) {
				a := r.IntN(3)
				b := (a + 1 + r.IntN(2)) % 3
				threads[i] = append(threads[i], pair{a, b})
			}
		}

		// Natively, under go-deadlock.
		inverted = false
		mus := make([]*deadlock.Mutex, 3)
		for i := range mus {
			mus[i] = new(deadlock.Mutex)
		}
		for _, ops := range threads {
			done := make(chan struct{})
			go func() {
				defer close(done)
				for _, p := range ops {
					mus[p.outer].Lock()
					mus[p.inner].Lock()
					mus[p.inner].Unlock()
					mus[p.outer].Unlock()
				}
			}()
			<-done
		}

		// Exhaustively, under ksim.
		res := sched.Explore(Program(Config{CPUs: 4}, func(k *Kernel) {
			ms := []*Mutex{k.DefineMutex("m0"), k.DefineMutex("m1"), k.DefineMutex("m2")}
			for i, ops := range threads {
				k.KernelThread(fmt.Sprint("t", i), func(t *Task) {
					for _, p := range ops {
						ms[p.outer].Lock(t)
						ms[p.inner].Lock(t)
						ms[p.inner].Unlock(t)
						ms[p.outer].Unlock(t)
					}
				})
			}
		}), sched.Options{StopAtFirst: false, MaxExecutions: 500})
		// Two tasks finding two different lock cycles make a full search: the first
		// report turns lock debugging off and silences the other (see silenced).
		// The verdict here is whether lockdep reports a cycle at all, which the
		// search finds long before the bound.
		require.NoError(t, res.Err)
		circular := false
		for _, p := range res.Problems {
			circular = circular || p.Title == "WARNING: possible circular locking dependency detected"
		}

		desc := fmt.Sprint(threads)
		pair, three := orderCycles(threads)
		assert.Equal(t, pair, inverted, "go-deadlock against the lock-order graph: %s", desc)
		assert.Equal(t, pair || three, circular, "lockdep against the lock-order graph and go-deadlock: %s", desc)
		switch {
		case pair:
			pairwise++
		case three:
			longer++
		default:
			clean++
		}
	}
	t.Logf("150 programs: %d pairwise inversions (both agree), %d longer cycles (lockdep only), %d clean", pairwise, longer, clean)
	assert.Positive(t, pairwise)
	assert.Positive(t, clean)
}

// orderCycles reports whether the lock-order graph of the program (outer -> inner for
// every pair of every thread) has a two-lock cycle (an inversion), or a cycle through
// all three locks.
func orderCycles(threads [][]pair) (pair, three bool) {
	var edge [3][3]bool
	for _, ops := range threads {
		for _, p := range ops {
			edge[p.outer][p.inner] = true
		}
	}
	for a := range 3 {
		for b := range 3 {
			pair = pair || a != b && edge[a][b] && edge[b][a]
		}
	}
	three = edge[0][1] && edge[1][2] && edge[2][0] || edge[0][2] && edge[2][1] && edge[1][0]
	return pair, three
}

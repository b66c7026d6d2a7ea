package sched

import "math/rand/v2"

// randomStrat runs random schedules. With depth > 0 it is PCT (Burckhardt et al.,
// ASPLOS 2010): threads get random distinct priorities, the highest-priority enabled
// thread runs, and at depth-1 random steps the running thread drops to a low priority.
// A bug of depth d is found with probability at least 1/(n·k^(d-1)) per execution.
// Each execution's randomness is derived from (seed, execution index), and PCT's
// estimate of the steps per execution from the executions before it, so the same
// seed reproduces the same executions in the same order.
type randomStrat struct {
	seed   int64
	depth  int
	execs  uint64
	rng    *rand.Rand
	prio   []int
	change []int // PCT change points, as step indices
	k      int   // estimated steps per execution, for placing change points
}

func newRandom(seed int64, depth int) *randomStrat {
	return &randomStrat{seed: seed, depth: depth, k: 16}
}

func (r *randomStrat) begin(e *Execution) bool {
	r.execs++
	r.rng = rand.New(rand.NewPCG(uint64(r.seed), r.execs))
	r.prio = r.prio[:0]
	r.change = r.change[:0]
	for i := 1; i < r.depth; i++ {
		r.change = append(r.change, 1+r.rng.IntN(r.k))
	}
	return true
}

func (r *randomStrat) pick(e *Execution, en uint64, prev int) int {
	if r.depth == 0 {
		n := r.rng.IntN(popcount(en))
		for s := en; ; s &= s - 1 {
			if n == 0 {
				return lowest(s)
			}
			n--
		}
	}
	for i, c := range r.change {
		if c == e.step && prev >= 0 {
			r.prio[prev] = i // below every initial priority (those are >= depth)
		}
	}
	best := -1
	for s := en; s != 0; s &= s - 1 {
		t := lowest(s)
		if best < 0 || r.prio[t] > r.prio[best] {
			best = t
		}
	}
	return best
}

func (r *randomStrat) data(e *Execution, n int) int { return r.rng.IntN(n) }

func (r *randomStrat) spawned(e *Execution, parent, child *Thread) {
	r.prio = append(r.prio, r.depth+r.rng.IntN(1<<30))
}

func (r *randomStrat) stepping(*Execution, int)     {}
func (r *randomStrat) stepped(*Execution, int)      {}
func (r *randomStrat) finished(*Execution, *Thread) {}
func (r *randomStrat) ending(*Execution)            {}
func (r *randomStrat) end(e *Execution) bool {
	r.k = max(r.k, e.step)
	return true
}

func popcount(s uint64) int {
	n := 0
	for ; s != 0; s &= s - 1 {
		n++
	}
	return n
}

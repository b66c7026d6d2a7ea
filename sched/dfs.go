package sched

import (
	"fmt"
	"math/bits"
)

// dfs is depth-first exploration of the execution tree that tries every enabled thread
// at every node: naive search (the reference DPOR is tested against), optionally under
// a preemption bound (Bounded), or with sleep sets only (a sound reduction that shares
// no code with DPOR's race analysis, used by the tests to count traces). The default
// exhaustive strategy, Optimal-DPOR, is odpor.
type dfs struct {
	sleep  bool // keep sleep sets
	bound  int  // preemption bound, -1 for none
	pruned bool // the bound cut off some alternative

	nodes     []node
	depth     int // next node to visit in the current execution
	replayTo  int // nodes[:replayTo] are the prefix this execution replays
	exhausted bool
	preempts  int

	// Per-execution state.
	stepNode  []int32 // step index -> node index
	nextSleep uint64
}

type node struct {
	data    bool
	n, val  int // data node: alternatives, current value
	enabled uint64
	done    uint64 // threads explored, or being explored, from here
	sleep   uint64 // threads whose next step is known to lead nowhere new
	chosen  int
	prev    int // thread that ran the step before, -1 for none
	pre     int // preemptions before this node
}

func bit(t int) uint64 { return 1 << uint(t) }

func lowest(s uint64) int { return bits.TrailingZeros64(s) }

func (d *dfs) begin(e *Execution) bool {
	if d.exhausted {
		return false
	}
	d.depth = 0
	d.replayTo = len(d.nodes)
	d.preempts = 0
	d.stepNode = d.stepNode[:0]
	d.nextSleep = 0
	return true
}

// nondeterministic stops the search: replaying a prefix must reach the same states, or
// the program keeps state outside its setup function (a global, a map's order, time).
func nondeterministic(e *Execution, what string) {
	if e.x.abort == nil {
		e.x.abort = fmt.Errorf("the program is not deterministic: replaying step %d %s; keep all state inside the setup function", e.step+1, what)
	}
}

func (d *dfs) pick(e *Execution, en uint64, prev int) int {
	if d.depth < d.replayTo {
		nd := &d.nodes[d.depth]
		if nd.data || nd.enabled != en {
			nondeterministic(e, "found other threads enabled than before")
			return -1
		}
		d.depth++
		d.stepNode = append(d.stepNode, int32(d.depth-1))
		d.preempts = nd.pre + d.cost(nd, nd.chosen)
		return nd.chosen
	}
	nd := node{enabled: en, prev: prev, pre: d.preempts}
	if d.sleep {
		nd.sleep = d.nextSleep
	}
	cand := en &^ nd.sleep
	if cand == 0 {
		return -1 // sleep-set blocked: everything from here was explored elsewhere
	}
	c := lowest(cand)
	if prev >= 0 && cand&bit(prev) != 0 {
		c = prev // run on without a preemption: the first executions read naturally
	}
	nd.chosen = c
	nd.done = bit(c)
	d.nodes = append(d.nodes, nd)
	d.depth++
	d.stepNode = append(d.stepNode, int32(d.depth-1))
	return c
}

// cost is 1 when choosing c at nd preempts a thread that could have gone on.
func (d *dfs) cost(nd *node, c int) int {
	if nd.prev >= 0 && c != nd.prev && nd.enabled&bit(nd.prev) != 0 {
		return 1
	}
	return 0
}

func (d *dfs) data(e *Execution, n int) int {
	if d.depth < d.replayTo {
		nd := &d.nodes[d.depth]
		if !nd.data || nd.n != n {
			nondeterministic(e, "made another data choice than before")
			return 0
		}
		d.depth++
		return nd.val
	}
	d.nodes = append(d.nodes, node{data: true, n: n})
	d.depth++
	return 0
}

func (d *dfs) spawned(*Execution, *Thread, *Thread) {}
func (d *dfs) stepping(*Execution, int)             {}
func (d *dfs) finished(*Execution, *Thread)         {}
func (d *dfs) ending(*Execution)                    {}

// stepped computes the sleep set of the next node: the threads asleep or done here
// whose next step is independent of the one just run stay asleep.
func (d *dfs) stepped(e *Execution, evi int) {
	if !d.sleep {
		return
	}
	ev := &e.events[evi]
	nd := &d.nodes[d.stepNode[evi]]
	s := (nd.sleep | nd.done) &^ bit(ev.tid)
	for r := s; r != 0; r &= r - 1 {
		q := lowest(r)
		if dependent(&e.threads[q].pending, &ev.op) {
			s &^= bit(q)
		}
	}
	d.nextSleep = s
}

func (d *dfs) end(e *Execution) bool {
	for i := len(d.nodes) - 1; i >= 0; i-- {
		nd := &d.nodes[i]
		if nd.data {
			if nd.val+1 < nd.n {
				nd.val++
				d.nodes = d.nodes[:i+1]
				return true
			}
			continue
		}
		alts := nd.enabled &^ nd.done &^ nd.sleep
		if d.bound >= 0 && nd.pre >= d.bound && nd.prev >= 0 && nd.enabled&bit(nd.prev) != 0 {
			if alts&^bit(nd.prev) != 0 {
				d.pruned = true
			}
			alts &= bit(nd.prev)
		}
		if alts != 0 {
			c := lowest(alts)
			nd.done |= bit(c)
			nd.chosen = c
			d.nodes = d.nodes[:i+1]
			return true
		}
	}
	d.nodes = d.nodes[:0]
	d.exhausted = true
	return false
}

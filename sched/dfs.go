package sched

import (
	"fmt"
	"math/bits"
)

// dfs is depth-first exploration of the execution tree. With dpor it is Source-DPOR
// (Abdulla et al., POPL 2014): a node's backtrack set grows only when a race is found
// in an explored execution, and sleep sets skip interleavings that only reorder
// independent steps. Without dpor it tries every enabled thread at every node (naive
// search, the reference DPOR is tested against), optionally under a preemption bound.
type dfs struct {
	dpor   bool // add backtrack points only where races are found (else: every enabled thread)
	sleep  bool // keep sleep sets
	bound  int  // preemption bound, -1 for none
	pruned bool // the bound cut off some alternative

	nodes     []node
	depth     int // next node to visit in the current execution
	replayTo  int // nodes[:replayTo] are the prefix this execution replays
	exhausted bool
	preempts  int

	// Per-execution DPOR state.
	evs       []dev
	arena     []uint32 // event clocks, back to back
	tclk      [][MaxThreads]uint32
	tlocal    []uint32
	tlast     []int32
	objs      []dobj
	stepNode  []int32 // step index -> node index
	since     int     // pendingSince of the operation being run
	first     [MaxThreads]uint32
	nextSleep uint64
	races     []int32
}

type node struct {
	data      bool
	n, val    int // data node: alternatives, current value
	enabled   uint64
	backtrack uint64 // threads to explore from here (includes done)
	done      uint64 // threads explored, or being explored, from here
	sleep     uint64 // threads whose next step is known to lead nowhere new
	chosen    int
	prev      int // thread that ran the step before, -1 for none
	pre       int // preemptions before this node
}

// dev is what DPOR remembers of one step.
type dev struct {
	acc   Access
	tid   int32
	local uint32 // the step's index within its thread, from 1
	clk   int32  // offset of its vector clock in arena
	clen  int32
}

// dobj is the access history of one object in the current execution.
type dobj struct {
	lastW  int32   // last exclusive access, -1 for none
	rs     []int32 // shared accesses since lastW
	lastXA int32   // last exclusive acquire
	sa     []int32 // shared acquires since lastXA
}

func newDFS(dpor, sleep bool, bound int) *dfs { return &dfs{dpor: dpor, sleep: sleep, bound: bound} }

func bit(t int) uint64 { return 1 << uint(t) }

func lowest(s uint64) int { return bits.TrailingZeros64(s) }

func (d *dfs) begin(e *Execution) bool {
	if d.exhausted {
		return false
	}
	d.depth = 0
	d.replayTo = len(d.nodes)
	d.preempts = 0
	d.evs = d.evs[:0]
	d.arena = d.arena[:0]
	d.tclk = d.tclk[:0]
	d.tlocal = d.tlocal[:0]
	d.tlast = d.tlast[:0]
	d.stepNode = d.stepNode[:0]
	for i := range d.objs {
		o := &d.objs[i]
		o.lastW, o.lastXA = -1, -1
		o.rs, o.sa = o.rs[:0], o.sa[:0]
	}
	d.nextSleep = 0
	return true
}

// nondeterministic stops the search: replaying a prefix must reach the same states, or
// the program keeps state outside its setup function (a global, a map's order, time).
func (d *dfs) nondeterministic(e *Execution, what string) {
	if e.x.abort == nil {
		e.x.abort = fmt.Errorf("the program is not deterministic: replaying step %d %s; keep all state inside the setup function", e.step+1, what)
	}
}

func (d *dfs) pick(e *Execution, en uint64, prev int) int {
	if d.depth < d.replayTo {
		nd := &d.nodes[d.depth]
		if nd.data || nd.enabled != en {
			d.nondeterministic(e, "found other threads enabled than before")
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
	nd.backtrack = nd.done
	if !d.dpor {
		nd.backtrack = en
	}
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
			d.nondeterministic(e, "made another data choice than before")
			return 0
		}
		d.depth++
		return nd.val
	}
	d.nodes = append(d.nodes, node{data: true, n: n})
	d.depth++
	return 0
}

func (d *dfs) spawned(e *Execution, parent, child *Thread) {
	for len(d.tclk) <= child.id {
		d.tclk = append(d.tclk, [MaxThreads]uint32{})
		d.tlocal = append(d.tlocal, 0)
		d.tlast = append(d.tlast, -1)
	}
	if parent != nil {
		d.tclk[child.id] = d.tclk[parent.id]
	}
}

func (d *dfs) stepping(e *Execution, tid int) {
	d.tlocal[tid]++
	d.tclk[tid][tid] = d.tlocal[tid]
	d.since = e.threads[tid].pendingSince
}

func (d *dfs) obj(id ObjID) *dobj {
	for int(id) >= len(d.objs) {
		d.objs = append(d.objs, dobj{lastW: -1, lastXA: -1})
	}
	return &d.objs[id]
}

// notBefore reports whether event i does not happen before a thread with clock clk.
func (d *dfs) notBefore(i int32, clk *[MaxThreads]uint32) bool {
	ev := &d.evs[i]
	return clk[ev.tid] < ev.local
}

// hb reports whether event a happens before event b (a < b).
func (d *dfs) hb(a, b int32) bool {
	ea, eb := &d.evs[a], &d.evs[b]
	if ea.tid >= eb.clen {
		return false
	}
	return d.arena[eb.clk+ea.tid] >= ea.local
}

func (d *dfs) join(clk *[MaxThreads]uint32, i int32) {
	ev := &d.evs[i]
	for t, v := range d.arena[ev.clk : ev.clk+ev.clen] {
		if v > clk[t] {
			clk[t] = v
		}
	}
}

func (d *dfs) stepped(e *Execution, evi int) {
	ev := &e.events[evi]
	tid := ev.tid
	op := &ev.op
	clk := &d.tclk[tid]
	j := int32(evi)
	d.races = d.races[:0]
	analyze := d.dpor && int(d.stepNode[evi]) >= d.replayTo-1
	if op.Obj != 0 && op.Access != None {
		o := d.obj(op.Obj)
		if analyze {
			d.collectRaces(o, op, clk)
		}
		if o.lastW >= 0 {
			d.join(clk, o.lastW)
		}
		if op.Access.exclusive() {
			for _, r := range o.rs {
				d.join(clk, r)
			}
			o.lastW = j
			o.rs = o.rs[:0]
		} else {
			o.rs = append(o.rs, j)
		}
		switch op.Access {
		case Acquire:
			o.lastXA = j
			o.sa = o.sa[:0]
		case AcquireShared:
			o.sa = append(o.sa, j)
		}
	}
	n := int32(len(e.threads))
	d.evs = append(d.evs, dev{acc: op.Access, tid: int32(tid), local: d.tlocal[tid], clk: int32(len(d.arena)), clen: n})
	d.arena = append(d.arena, clk[:n]...)
	d.tlast[tid] = j
	for _, i := range d.races {
		d.race(e, i, j)
	}
	if d.sleep {
		nd := &d.nodes[d.stepNode[evi]]
		s := (nd.sleep | nd.done) &^ bit(tid)
		for r := s; r != 0; r &= r - 1 {
			q := lowest(r)
			if dependent(&e.threads[q].pending, op) {
				s &^= bit(q)
			}
		}
		d.nextSleep = s
	}
}

// collectRaces finds the earlier steps the current one is in a race with: the last
// conflicting accesses of other threads that do not happen before it. A blocking
// acquire never races with a release (while the releaser owned the object the acquire
// could not run); it races with the acquire that took the object before it instead.
func (d *dfs) collectRaces(o *dobj, op *Op, clk *[MaxThreads]uint32) {
	blocking := op.Guard != nil && (op.Access == Acquire || op.Access == AcquireShared)
	add := func(i int32) {
		if i < 0 || !d.notBefore(i, clk) {
			return
		}
		if blocking && (d.evs[i].acc == Release || d.evs[i].acc == ReleaseShared) {
			return
		}
		d.races = append(d.races, i)
	}
	if op.Access.exclusive() && len(o.rs) > 0 {
		for _, r := range o.rs {
			add(r)
		}
	} else {
		add(o.lastW)
	}
	if blocking {
		switch op.Access {
		case Acquire:
			if len(o.sa) > 0 {
				for _, r := range o.sa {
					add(r)
				}
			} else {
				add(o.lastXA)
			}
		case AcquireShared:
			add(o.lastXA)
		}
	}
}

// race reverses the race between steps i and j (i < j): it makes sure the node before
// step i will explore some thread that can start the reversed order (an initial of
// v = notdep(i).j), unless one already is or is asleep there.
func (d *dfs) race(e *Execution, i, j int32) {
	nd := &d.nodes[d.stepNode[i]]
	q := int(d.evs[j].tid)
	if d.since <= int(i) && nd.enabled&bit(q) == 0 {
		return // step j was waiting for step i: the two were never both enabled
	}
	init := d.initials(i, j)
	if init&(nd.backtrack|nd.sleep) != 0 {
		return
	}
	switch c := init & nd.enabled; {
	case c&bit(q) != 0:
		nd.backtrack |= bit(q)
	case c != 0:
		nd.backtrack |= bit(lowest(c))
	default:
		nd.backtrack |= nd.enabled &^ nd.sleep
	}
}

// initials returns the threads whose first step in v = notdep(i).j has no earlier step
// of v happening before it: the threads that can start v.
func (d *dfs) initials(i, j int32) uint64 {
	var init, seen uint64
	first := &d.first // scratch: a 256-byte frame would grow a fresh coroutine's stack
	for k := i + 1; k <= j; k++ {
		if k < j && d.hb(i, k) {
			continue
		}
		ek := &d.evs[k]
		t := int(ek.tid)
		if seen&bit(t) != 0 {
			continue
		}
		ok := true
		for r := seen; r != 0; r &= r - 1 {
			rt := lowest(r)
			if int32(rt) < ek.clen && d.arena[ek.clk+int32(rt)] >= first[rt] {
				ok = false
				break
			}
		}
		seen |= bit(t)
		first[t] = ek.local
		if ok {
			init |= bit(t)
		}
	}
	return init
}

// ending analyses the operations still pending when the execution ends (in a deadlock,
// the blocked acquires): they never ran, but their races matter. In ABBA, T2's blocked
// lock(A) races with T1's lock(A); reversing that race is what runs T2 first.
func (d *dfs) ending(e *Execution) {
	if !d.dpor {
		return
	}
	for _, t := range e.threads {
		op := &t.pending
		if t.finished || !t.started || op.Obj == 0 || op.Access == None {
			continue
		}
		clk := d.tclk[t.id]
		local := d.tlocal[t.id] + 1
		clk[t.id] = local
		d.races = d.races[:0]
		d.collectRaces(d.obj(op.Obj), op, &clk)
		if len(d.races) == 0 {
			continue
		}
		j := int32(len(d.evs))
		n := int32(len(e.threads))
		d.evs = append(d.evs, dev{acc: op.Access, tid: int32(t.id), local: local, clk: int32(len(d.arena)), clen: n})
		d.arena = append(d.arena, clk[:n]...)
		d.since = t.pendingSince
		for _, i := range d.races {
			d.race(e, i, j)
		}
		d.evs = d.evs[:j]
		d.arena = d.arena[:len(d.arena)-int(n)]
	}
}

func (d *dfs) finished(e *Execution, t *Thread) {
	if last := d.tlast[t.id]; last >= 0 {
		o := d.obj(t.obj)
		o.lastW = last // whoever joins t synchronises with its last step
	}
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
		alts := nd.backtrack &^ nd.done &^ nd.sleep
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

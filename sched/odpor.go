package sched

// odpor is Optimal-DPOR (Abdulla, Aronis, Jonsson, Sagonas, "Source Sets: A Foundation
// for Optimal Dynamic Partial Order Reduction", JACM 2017, Algorithm 2): depth-first
// search in which every node keeps a wakeup tree instead of a backtrack set. A race
// e < e' found in an execution E is reversed by inserting the sequence
// v = notdep(e, E).e' into the wakeup tree of the node before e, unless a thread asleep
// there is a weak initial of v; a node explores its wakeup tree's branches in order and
// hands each branch's subtree down to the node after it, so that the execution follows
// v and no execution ends sleep-set blocked.
//
// The race analysis (vector clocks, which races are reversible, the races of blocked
// operations at the end) is the one dfs uses. Events in wakeup trees and sleep sets are
// identified by their thread and the object and access of their step as it ran.
//
// Data choices (Execution.Choose) are explored depth-first as in dfs; every value of a
// data choice starts from the same wakeup tree (a copy taken when the choice was first
// made). When following a wakeup tree becomes impossible (its thread is not enabled or
// is asleep, or its step touched another object than recorded: the execution diverged
// after another data choice), the node falls back to exploring every enabled thread
// that is not asleep, which is sound; fallbacks counts how often that happens.
type odpor struct {
	nodes     []onode
	depth     int // next node to visit in the current execution
	replayTo  int // nodes[:replayTo] are the prefix this execution replays
	exhausted bool

	// Wakeup trees: nodes in a pool, children as linked lists.
	tree    []wnode
	free    []int32
	topRoot int32 // the wakeup tree of the initial state
	stk     []int32

	// fallbacks counts nodes where a wakeup tree could not be followed: its thread was
	// not enabled or asleep, or its step ran on another object or with another access
	// than recorded. Any makes the search's verdict doubtful (see cannotReduce).
	fallbacks int
	// uncovered is set once the program takes shared ownership (AcquireShared,
	// ReleaseShared) or waits on a guard that is not a lock's: the race analysis is
	// written for exclusive ownership, and a cold review's fuzzer showed both making
	// it miss interleavings. See cannotReduce.
	uncovered bool

	// Per-execution state.
	nextRoot int32 // the wakeup tree handed to the next thread node
	nextSl   []tev // the sleep set of the next thread node
	stepNew  bool  // the running step made a data choice not replayed
	evs      []oev
	arena    []uint32
	tclk     [][MaxThreads]uint32
	tlocal   []uint32
	tlast    []int32
	objs     []dobj
	stepNode []int32
	since    int
	ann      Access // the announced access of the running step
	races    []int32
	seq      []tev   // scratch: the sequence being inserted
	kids     []int32 // threads spawned by the running step
}

// tev identifies an event: a thread's step, by its object and the access it was
// announced with (ann); acc is how it touched the object when it ran (a failed trylock
// only reads), what dependence is judged by. The second step of a reversed race may
// run differently once reversed: it keeps acc = ann, which over-approximates.
type tev struct {
	tid int32
	obj ObjID
	acc Access
	ann Access
	fin ObjID // the thread's object, when the step ended the thread (joins wait for it)
}

// oev is what the race analysis remembers of one step.
type oev struct {
	tev
	local uint32
	clk   int32
	clen  int32
}

// dobj is the access history of one object in the current execution.
type dobj struct {
	lastW  int32   // last exclusive access, -1 for none
	rs     []int32 // shared accesses since lastW
	lastXA int32   // last exclusive acquire
	sa     []int32 // shared acquires since lastXA
}

type wnode struct {
	ev          tev
	known       bool // ev was recorded (a freely chosen step's event is not known)
	first, last int32
	next        int32
}

type onode struct {
	data    bool
	n, val  int
	enabled uint64
	sleep   uint64 // threads asleep: the ones in sl
	sl      []tev  // their next events
	root    int32  // wakeup tree: its children are this node's branches to explore
	cur     int32  // the branch being explored (detached from root); data node: the copy
	ev      tev    // the step run from here in the current execution
	chosen  int
	full    bool // fall back: explore every enabled thread not asleep
}

// reset makes d a fresh search, keeping its buffers (pooled across explorations).
func (d *odpor) reset() {
	d.nodes = d.nodes[:0]
	d.tree, d.free = d.tree[:0], d.free[:0]
	d.exhausted = false
	d.fallbacks, d.uncovered = 0, false
	d.topRoot = d.alloc(tev{}, false)
}

func tevOf(tid int, op *Op, ann Access) tev {
	return tev{tid: int32(tid), obj: op.Obj, acc: op.Access, ann: ann}
}

// blockingAcquire reports whether op, announced with access ann, is an acquire that
// waits for its lock: one whose own guard (not a wrapper's, such as ksync's CPU gate)
// says when the lock is free. Only such an acquire can skip its race with the release
// before it, since reversed it would wait for that release. A trylock, or the try that
// starts a slow-path lock, has no guard of its own: its outcome depends on whether the
// release came first, so it races with it. Judging by the wrapper made every acquire
// "blocking" whenever CPUs were fewer than tasks, and a failed trylock was never
// explored (issue 10's first miss).
func blockingAcquire(op *Op, ann Access) bool {
	if op.Guard == nil || ann != Acquire && ann != AcquireShared {
		return false
	}
	g := op.Guard
	if w, ok := g.(WrappingGuard); ok {
		g = w.Inner()
	}
	return g != nil
}

// tdep reports whether two events are dependent: same thread, or conflicting accesses
// to one object.
func tdep(a, b *tev) bool {
	if a.tid == b.tid || a.obj != 0 && a.obj == b.obj && conflicts(a.acc, b.acc) {
		return true
	}
	return a.fin != 0 && a.fin == b.obj && b.acc != None || b.fin != 0 && b.fin == a.obj && a.acc != None
}

// sameEv reports whether a and b are the same step of one thread, as announced.
func sameEv(a, b *tev) bool { return a.tid == b.tid && a.obj == b.obj && a.ann == b.ann }

// ---- wakeup tree pool ----

func (d *odpor) alloc(ev tev, known bool) int32 {
	w := wnode{ev: ev, known: known, first: -1, last: -1, next: -1}
	if n := len(d.free); n > 0 {
		i := d.free[n-1]
		d.free = d.free[:n-1]
		d.tree[i] = w
		return i
	}
	d.tree = append(d.tree, w)
	return int32(len(d.tree) - 1)
}

func (d *odpor) addChild(p, c int32) {
	if l := d.tree[p].last; l >= 0 {
		d.tree[l].next = c
	} else {
		d.tree[p].first = c
	}
	d.tree[p].last = c
}

// detachFirst removes and returns p's first child, or -1.
func (d *odpor) detachFirst(p int32) int32 {
	c := d.tree[p].first
	if c < 0 {
		return -1
	}
	d.tree[p].first = d.tree[c].next
	if d.tree[p].first < 0 {
		d.tree[p].last = -1
	}
	d.tree[c].next = -1
	return c
}

// freeChildren frees every descendant of p.
func (d *odpor) freeChildren(p int32) {
	stk := d.stk[:0]
	for c := d.tree[p].first; c >= 0; c = d.tree[c].next {
		stk = append(stk, c)
	}
	d.tree[p].first, d.tree[p].last = -1, -1
	for len(stk) > 0 {
		n := stk[len(stk)-1]
		stk = stk[:len(stk)-1]
		for c := d.tree[n].first; c >= 0; c = d.tree[c].next {
			stk = append(stk, c)
		}
		d.free = append(d.free, n)
	}
	d.stk = stk
}

func (d *odpor) freeTree(p int32) {
	if p < 0 {
		return
	}
	d.freeChildren(p)
	d.free = append(d.free, p)
}

// copyChildren appends copies of src's subtrees to dst's children.
func (d *odpor) copyChildren(dst, src int32) {
	stk := d.stk[:0]
	stk = append(stk, src, dst)
	for len(stk) > 0 {
		s, t := stk[len(stk)-2], stk[len(stk)-1]
		stk = stk[:len(stk)-2]
		for c := d.tree[s].first; c >= 0; c = d.tree[c].next {
			n := d.alloc(d.tree[c].ev, d.tree[c].known)
			d.addChild(t, n)
			stk = append(stk, c, n)
		}
	}
	d.stk = stk
}

// ---- weak initials and insertion ----

// weakInitial reports whether the thread whose next event is ev is a weak initial of w:
// its first event in w (which must be ev) has no dependent event before it in w, or it
// has no event in w and ev is independent of all of w. It returns the index of its
// event in w, or -1.
func weakInitial(ev *tev, w []tev) (bool, int) {
	for k := range w {
		if w[k].tid != ev.tid {
			continue
		}
		if !sameEv(&w[k], ev) {
			return false, k // another event than expected: not the same state
		}
		for m := 0; m < k; m++ {
			if tdep(&w[m], &w[k]) {
				return false, k
			}
		}
		return true, k
	}
	for m := range w {
		if tdep(ev, &w[m]) {
			return false, -1
		}
	}
	return true, -1
}

// insert adds w to the wakeup tree whose root is root, unless a branch already covers
// it: at each tree node it goes into the first child that is a weak initial of what is
// left of w (removing that child's event from w); reaching a leaf, or using all of w up,
// means w will be explored.
func (d *odpor) insert(root int32, w []tev) {
	n := root
	for {
		if len(w) == 0 || n != root && d.tree[n].first < 0 {
			return // covered
		}
		next := int32(-1)
		for c := d.tree[n].first; c >= 0; c = d.tree[c].next {
			if !d.tree[c].known {
				continue
			}
			if ok, k := weakInitial(&d.tree[c].ev, w); ok {
				if k >= 0 {
					w = append(w[:k], w[k+1:]...)
				}
				next = c
				break
			}
		}
		if next < 0 {
			for i := range w {
				c := d.alloc(w[i], true)
				d.addChild(n, c)
				n = c
			}
			return
		}
		n = next
	}
}

// ---- strategy ----

func (d *odpor) begin(e *Execution) bool {
	if d.exhausted {
		return false
	}
	d.depth = 0
	d.replayTo = len(d.nodes)
	d.nextRoot = d.topRoot
	d.nextSl = d.nextSl[:0]
	d.stepNew = false
	d.evs = d.evs[:0]
	d.arena = d.arena[:0]
	d.tclk = d.tclk[:0]
	d.tlocal = d.tlocal[:0]
	d.tlast = d.tlast[:0]
	d.stepNode = d.stepNode[:0]
	d.kids = d.kids[:0]
	for i := range d.objs {
		o := &d.objs[i]
		o.lastW, o.lastXA = -1, -1
		o.rs, o.sa = o.rs[:0], o.sa[:0]
	}
	return true
}

// push appends a node, reusing the sleep-set buffer of the one it replaces.
func (d *odpor) push() *onode {
	if len(d.nodes) < cap(d.nodes) {
		d.nodes = d.nodes[:len(d.nodes)+1]
		nd := &d.nodes[len(d.nodes)-1]
		sl := nd.sl[:0]
		*nd = onode{sl: sl}
		return nd
	}
	d.nodes = append(d.nodes, onode{})
	return &d.nodes[len(d.nodes)-1]
}

// nextBranch detaches the first usable branch of nd's wakeup tree and makes it the
// one explored; branches whose thread is not enabled or asleep are dropped, and the
// node falls back to full exploration. With no branch, a full node takes any enabled
// thread not asleep (pref if it can). It returns false when nothing is left.
func (d *odpor) nextBranch(nd *onode, pref int, any bool) bool {
	for {
		c := d.detachFirst(nd.root)
		if c < 0 {
			break
		}
		t := int(d.tree[c].ev.tid)
		if nd.enabled&bit(t) != 0 && nd.sleep&bit(t) == 0 {
			nd.cur, nd.chosen = c, t
			return true
		}
		d.fallbacks++
		nd.full = true
		d.freeTree(c)
	}
	if !any && !nd.full {
		return false
	}
	cand := nd.enabled &^ nd.sleep
	if cand == 0 {
		return false
	}
	t := lowest(cand)
	if pref >= 0 && cand&bit(pref) != 0 {
		t = pref
	}
	nd.cur, nd.chosen = d.alloc(tev{tid: int32(t)}, false), t
	return true
}

func (d *odpor) pick(e *Execution, en uint64, prev int) int {
	if d.depth < d.replayTo {
		nd := &d.nodes[d.depth]
		if nd.data || nd.enabled != en {
			nondeterministic(e, "found other threads enabled than before")
			return -1
		}
		d.depth++
		d.stepNode = append(d.stepNode, int32(d.depth-1))
		d.nextRoot = nd.cur
		return nd.chosen
	}
	nd := d.push()
	nd.enabled, nd.root, nd.cur = en, d.nextRoot, -1
	for _, s := range d.nextSl {
		nd.sleep |= bit(int(s.tid))
		nd.sl = append(nd.sl, s)
	}
	if !d.nextBranch(nd, prev, true) {
		d.nodes = d.nodes[:len(d.nodes)-1]
		return -1 // sleep-set blocked
	}
	d.depth++
	d.stepNode = append(d.stepNode, int32(d.depth-1))
	d.nextRoot = nd.cur
	return nd.chosen
}

func (d *odpor) data(e *Execution, n int) int {
	if d.depth < d.replayTo {
		nd := &d.nodes[d.depth]
		if !nd.data || nd.n != n {
			nondeterministic(e, "made another data choice than before")
			return 0
		}
		if d.depth == d.replayTo-1 {
			d.stepNew = true
		}
		d.depth++
		return nd.val
	}
	nd := d.push()
	nd.data, nd.n = true, n
	nd.root = d.nextRoot
	nd.cur = d.alloc(tev{}, false)
	d.copyChildren(nd.cur, nd.root) // every value starts from the same wakeup tree
	d.stepNew = true
	d.depth++
	return 0
}

func (d *odpor) spawned(e *Execution, parent, child *Thread) {
	for len(d.tclk) <= child.id {
		d.tclk = append(d.tclk, [MaxThreads]uint32{})
		d.tlocal = append(d.tlocal, 0)
		d.tlast = append(d.tlast, -1)
	}
	if parent != nil {
		// The child's clock is its parent's once the spawning step is closed (with the
		// objects it synchronised with): see stepped.
		d.kids = append(d.kids, int32(child.id))
	}
}

// outsideContract reports an operation the race analysis does not cover: a shared
// acquire or release, or a blocking operation other than a lock's exclusive Acquire
// (or a Join), such as a guard over a count or a flag. It looks at the operation as
// announced, before it runs (a wrapping guard's inner guard changes with the next one).
func outsideContract(op *Op) bool {
	switch {
	case op.Access == AcquireShared || op.Access == ReleaseShared:
		return true
	case op.Guard == nil || op.Access == Acquire:
		return false // most steps: decided without the interface assertion below
	}
	g := op.Guard
	if w, ok := g.(WrappingGuard); ok {
		g = w.Inner()
	}
	if g == nil || op.Access == Acquire {
		return false
	}
	_, join := g.(joinGuard)
	return !join
}

// cannotReduce says why this search's verdict cannot be trusted, or "": Explore then
// starts over with sleep sets only. A wakeup tree that could not be followed (a data
// choice changed what a thread does next) left the node exploring every thread, which
// is not enough when the missed order needed another choice at an earlier node; and
// operations outside the race analysis's contract (outsideContract) can make it miss
// interleavings. Both were found by a cold review's wider fuzzer.
func (d *odpor) cannotReduce() string {
	switch {
	case d.uncovered:
		return "the program takes shared (reader) locks or waits on a guard other than a lock's, which Optimal-DPOR's race analysis does not cover; explored with sleep sets only"
	case d.fallbacks > 0:
		return "a data choice changed what a thread does next, and Optimal-DPOR could not follow its wakeup trees; explored with sleep sets only"
	}
	return ""
}

func (d *odpor) stepping(e *Execution, tid int) {
	if !d.uncovered && outsideContract(&e.threads[tid].pending) {
		d.uncovered = true
	}
	d.tlocal[tid]++
	d.tclk[tid][tid] = d.tlocal[tid]
	d.since = e.threads[tid].pendingSince
	d.ann = e.threads[tid].pending.Access
	d.stepNew = false
}

func (d *odpor) obj(id ObjID) *dobj {
	for int(id) >= len(d.objs) {
		d.objs = append(d.objs, dobj{lastW: -1, lastXA: -1})
	}
	return &d.objs[id]
}

func (d *odpor) notBefore(i int32, clk *[MaxThreads]uint32) bool {
	ev := &d.evs[i]
	return clk[ev.tid] < ev.local
}

func (d *odpor) hb(a, b int32) bool {
	ea, eb := &d.evs[a], &d.evs[b]
	if ea.tid >= eb.clen {
		return false
	}
	return d.arena[eb.clk+ea.tid] >= ea.local
}

func (d *odpor) join(clk *[MaxThreads]uint32, i int32) {
	ev := &d.evs[i]
	for t, v := range d.arena[ev.clk : ev.clk+ev.clen] {
		if v > clk[t] {
			clk[t] = v
		}
	}
}

func (d *odpor) stepped(e *Execution, evi int) {
	ev := &e.events[evi]
	tid := ev.tid
	op := &ev.op
	clk := &d.tclk[tid]
	j := int32(evi)
	ni := int(d.stepNode[evi])
	analyze := ni >= d.replayTo-1 || d.stepNew
	d.races = d.races[:0]
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
	cur := tevOf(tid, op, d.ann)
	if th := e.threads[tid]; th.finished {
		// The step ended its thread: whoever joins it synchronises with this step.
		cur.fin = th.obj
		d.obj(th.obj).lastW = j
	}
	d.evs = append(d.evs, oev{tev: cur, local: d.tlocal[tid], clk: int32(len(d.arena)), clen: n})
	d.arena = append(d.arena, clk[:n]...)
	d.tlast[tid] = j
	for _, k := range d.kids {
		d.tclk[k] = *clk
	}
	d.kids = d.kids[:0]
	nd := &d.nodes[ni]
	nd.ev = cur
	if analyze {
		// Did the step run as the wakeup tree expected?
		if c := nd.cur; c >= 0 && d.tree[c].known && !sameEv(&d.tree[c].ev, &cur) {
			d.fallbacks++
			nd.full = true
			d.freeChildren(c)
		}
	}
	for _, i := range d.races {
		d.race(e, i, j)
	}
	nd = &d.nodes[ni]
	d.nextSl = d.nextSl[:0]
	for k := range nd.sl {
		s := &nd.sl[k]
		if int(s.tid) != tid && !tdep(s, &cur) {
			d.nextSl = append(d.nextSl, *s)
		}
	}
}

func (d *odpor) collectRaces(o *dobj, op *Op, clk *[MaxThreads]uint32) {
	blocking := op.blocking && (op.Access == Acquire || op.Access == AcquireShared)
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

// race reverses the race between steps i and j (i < j): v = notdep(i).j goes into the
// wakeup tree of the node before step i, unless a thread asleep there is a weak initial
// of v.
func (d *odpor) race(e *Execution, i, j int32) {
	nd := &d.nodes[d.stepNode[i]]
	q := int(d.evs[j].tid)
	if d.since <= int(i) && nd.enabled&bit(q) == 0 {
		return // step j was waiting for step i: the two were never both enabled
	}
	v := d.seq[:0]
	for k := i + 1; k < j; k++ {
		if !d.hb(i, k) {
			v = append(v, d.evs[k].tev)
		}
	}
	last := d.evs[j].tev
	last.acc = last.ann // reversed, step j may touch its object otherwise
	v = append(v, last)
	d.seq = v
	for k := range nd.sl {
		if ok, _ := weakInitial(&nd.sl[k], v); ok {
			return
		}
	}
	d.insert(nd.root, v)
}

// ending analyses the operations still pending when the execution ends: a deadlocked
// thread's blocked acquire races with the acquisition that took its lock first.
func (d *odpor) ending(e *Execution) {
	for _, t := range e.threads {
		op := &t.pending
		if t.finished || !t.started || op.Obj == 0 || op.Access == None {
			continue
		}
		if outsideContract(op) {
			d.uncovered = true
		}
		clk := &d.tclk[t.id]
		local := d.tlocal[t.id] + 1
		saved := clk[t.id]
		clk[t.id] = local
		d.races = d.races[:0]
		d.collectRaces(d.obj(op.Obj), op, clk)
		clk[t.id] = saved
		if len(d.races) == 0 {
			continue
		}
		j := int32(len(d.evs))
		n := int32(len(e.threads))
		d.evs = append(d.evs, oev{tev: tevOf(t.id, op, op.Access), local: local, clk: int32(len(d.arena)), clen: n})
		d.arena = append(d.arena, clk[:n]...)
		d.arena[len(d.arena)-int(n)+t.id] = local
		d.since = t.pendingSince
		for _, i := range d.races {
			d.race(e, i, j)
		}
		d.evs = d.evs[:j]
		d.arena = d.arena[:len(d.arena)-int(n)]
	}
}

// finished is called before the thread's last step is closed; stepped then makes that
// step the one a join synchronises with.
func (d *odpor) finished(e *Execution, t *Thread) {
	if last := d.tlast[t.id]; last >= 0 {
		o := d.obj(t.obj)
		o.lastW = last
	}
}

func (d *odpor) end(e *Execution) bool {
	for i := len(d.nodes) - 1; i >= 0; i-- {
		nd := &d.nodes[i]
		if nd.data {
			if nd.val+1 < nd.n {
				nd.val++
				d.freeChildren(nd.root)
				d.copyChildren(nd.root, nd.cur)
				d.nodes = d.nodes[:i+1]
				return true
			}
			d.freeTree(nd.cur)
			nd.cur = -1
			continue
		}
		// The branch explored from here is done: its thread goes to sleep here.
		if nd.cur >= 0 {
			d.freeTree(nd.cur)
			nd.cur = -1
			nd.sleep |= bit(int(nd.ev.tid))
			nd.sl = append(nd.sl, nd.ev)
		}
		if d.nextBranch(nd, -1, false) {
			d.nodes = d.nodes[:i+1]
			return true
		}
	}
	d.nodes = d.nodes[:0]
	d.exhausted = true
	return false
}

package lockdep

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// Kind is the sort of lock a class belongs to; it decides the wait types printed
// after the usage ("-{2:2}" for spinning locks, "-{3:3}" for sleeping ones).
type Kind uint8

// The lockdep-tracked lock kinds. Semaphores and completions are not tracked.
const (
	Spin   Kind = iota + 1 // spinlock_t
	RWLock                 // rwlock_t: read_lock is a recursive reader only in_interrupt() (Held.Recursive)
	Mutex                  // struct mutex
	RWSem                  // struct rw_semaphore: down_read is a non-recursive reader
	// LockMap is a struct lockdep_map of no lock, taken by lock_map_acquire: a
	// work's or workqueue's completion map, a timer's (LD_WAIT_INV: {0:0}).
	LockMap
)

var kindNames = [...]string{"invalid", "spinlock", "rwlock", "mutex", "rw_semaphore", "lock_map"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// WaitTypes is lockdep's "{outer:inner}" wait-type pair: {2:2} for spinlock_t and
// rwlock_t (LD_WAIT_CONFIG), {3:3} for mutexes and rw_semaphores (LD_WAIT_SLEEP).
func (k Kind) WaitTypes() string {
	switch k {
	case Spin, RWLock:
		return "{2:2}"
	case LockMap:
		return "{0:0}" // lockdep_init_map: LD_WAIT_INV
	}
	return "{3:3}"
}

// MaxSubclasses is MAX_LOCKDEP_SUBCLASSES: subclasses are 0..7.
const MaxSubclasses = 8

// SingleDepthNesting is SINGLE_DEPTH_NESTING, the usual subclass of a nested lock.
const SingleDepthNesting = 1

// Class is a lock class: the key names it — the variable of a statically defined lock
// (DEFINE_MUTEX(m) -> "m"), the init site "&expr" of a dynamically initialised one;
// for a lock whose struct lock_class_key is an address, the name Graph.KeyName gives
// that address ("&expr", or "&expr#2" for a second key of that name) — and the subclass (from mutex_lock_nested / spin_lock_nested) distinguishes nesting
// levels. Key and Subclass identify the class; Kind is recorded when the class is
// first seen.
type Class struct {
	Key      string
	Subclass int
	Kind     Kind
}

// Name is the class as lockdep prints it: the key, with "/n" for subclass n > 0.
func (c Class) Name() string {
	if c.Subclass != 0 {
		return fmt.Sprintf("%s/%d", c.Key, c.Subclass)
	}
	return c.Key
}

// Frame is one frame of a task's stack. A frame without File is a kernel function and
// prints bare ("mutex_lock"); one with a File prints decoded, "func (file:line)".
type Frame struct {
	Func string
	File string
	Line int
}

func (f Frame) String() string {
	switch {
	case f.File == "":
		return f.Func
	case f.Line == 0:
		return fmt.Sprintf("%s (%s)", f.Func, f.File)
	}
	return fmt.Sprintf("%s (%s:%d)", f.Func, f.File, f.Line)
}

// TaskInfo is what lockdep prints about the current task.
type TaskInfo struct {
	Comm    string // already truncated to TASK_COMM_LEN-1 (15) by the caller
	PID     int
	CPU     int
	Release string // "6.12.0-ksim #1" (the default when empty)
	Tainted string // "Not tainted" (the default when empty) or "Tainted: G        W         " (print_tainted)
	// TaintedVerbose is print_tainted_verbose(), "Tainted: [W]=WARN", which a stack
	// dump prints on a line of its own when the kernel is tainted; empty otherwise.
	TaintedVerbose string
	Stack          []Frame // the current call stack, innermost last: the acquisition's stack
	// StackFunc, when Stack is nil, gives the stack on demand: lockdep needs it only
	// for a report or a first-seen dependency or usage, not on every acquisition.
	StackFunc func() []Frame
	IRQ       IRQContext // the irq state, for the usage bits
	// IRQTrace is the task's irq-flag event history, printed by "inconsistent lock
	// state"; the zero value prints as the kernel prints a task with no event yet.
	IRQTrace IRQTrace

	// An interrupt context (a hardirq handler, softirqs run at an irq exit or on top
	// of a task) is, for lockdep, the task it interrupted: in the kernel, current in
	// a handler is that task, and the handler's acquisitions go on the same
	// current->held_locks, above the task's. Comm and PID are the task's then, and:
	//
	// OnIRQStack says the context runs on the irq stack: a stack backtrace prints
	// its frames (Stack) between <IRQ> and </IRQ>, above the task's <TASK> section.
	OnIRQStack bool
	// BelowHeld are the locks the contexts below this one hold (the interrupted
	// task's first), oldest first: every held-locks listing prints them before the
	// held locks passed, numbered on (HeldLocks). The checks do not look at them:
	// the held locks passed are those of the current irq context, as the kernel's
	// chains are (see Acquire).
	BelowHeld []Held
	// Below, if set, gives the frames a stack backtrace prints after Stack.
	Below Below
}

// Below gives, for a stack backtrace, the frames under the current context's own:
// those of the contexts it interrupted, or a kernel thread's base frames.
type Below interface {
	// BelowFrames returns, each innermost last: irq, more frames on the irq stack
	// (those of an interrupted softirq), printed after Stack before </IRQ>; task,
	// the frames of the task stack, printed between <TASK> and </TASK> (the
	// interrupted task's, or, for a context not on the irq stack, printed after
	// Stack: ksoftirqd's own); idle, when no task stack is printed at all (an
	// interrupt on an idle CPU).
	BelowFrames() (irq, task []Frame, idle bool)
}

// stack is the task's stack, from StackFunc the first time when Stack is nil.
func (t *TaskInfo) stack() []Frame {
	if t.Stack == nil && t.StackFunc != nil {
		t.Stack = t.StackFunc()
	}
	return t.Stack
}

// IRQTrace is the kernel's struct irqtrace_events: the number of irq-flag transitions
// of the task and the last of each kind, printed as "irq event stamp: <Events>" and
// "hardirqs last  enabled at (<Event>): [<addr>] <At>". ksim's callers may leave it
// zero: an event without a site prints "(0): [<0000000000000000>] 0x0", the kernel's
// output for a transition that never happened.
type IRQTrace struct {
	Events                        uint
	HardirqEnable, HardirqDisable IRQEvent
	SoftirqEnable, SoftirqDisable IRQEvent
}

// IRQEvent is one irq-flag transition: its number in the task's event sequence and its
// site ("local_irq_enable+0x1c/0x40", "_raw_spin_unlock_irqrestore+0x30/0x60").
type IRQEvent struct {
	Event uint
	At    string
}

// Held is one lock acquisition: an entry of a task's held-locks stack, or the lock
// being acquired or released.
type Held struct {
	Class Class
	// ID, if not zero, is Class's number in the graph as ClassID returned it: the
	// caller resolves a lock's class once, and the checks on every acquisition
	// compare numbers instead of looking keys up. Zero: look Class up.
	ID   int32
	Addr uint64 // the lock instance's address (identifies the instance)
	At   string // where it was taken (or released): "func+0x10/0x50"
	Read bool   // a read acquisition of an rwlock_t or rw_semaphore
	// Recursive marks a read acquisition of an rwlock_t as a recursive reader, the
	// kernel's held_lock.read == 2, which check_deadlock lets nest inside a read-held
	// lock of its class; otherwise a read acquisition is a plain reader (read == 1).
	// The caller decides, as the kernel's rwlock_acquire_read does with
	// read_lock_is_recursive() (kernel/locking/lockdep.c): with CONFIG_QUEUED_RWLOCKS
	// a read_lock is recursive only in_interrupt() (a hardirq, a softirq, or bottom
	// halves disabled), where queued_read_lock_slowpath does not queue behind a
	// waiting writer. lib/locking-selftest.c forces every read_lock recursive for its
	// families (force_read_lock_recursive). rw_semaphore readers are never recursive
	// (rwsem_acquire_read is lock_acquire_shared), whatever Recursive says.
	Recursive bool
	Trylock   bool // a successful trylock
}

// read modes, the kernel's held_lock.read.
const (
	modeWrite     = 0
	modeRead      = 1 // a non-recursive reader (down_read, read_lock in process context)
	modeRecursive = 2 // a recursive reader (read_lock in_interrupt())
)

func (h Held) mode() int {
	switch {
	case !h.Read:
		return modeWrite
	case h.Class.Kind == RWLock && h.Recursive:
		return modeRecursive
	case h.Class.Kind == RWLock || h.Class.Kind == RWSem:
		return modeRead
	}
	return modeWrite // Read on a spinlock or mutex means nothing
}

// dependency types (the kernel's DEP_*_BIT): S/E = the held lock was held shared /
// exclusive, R/N = the new lock was a recursive reader / anything else.
const (
	depSR uint8 = 1 << iota
	depER
	depSN
	depEN
)

func calcDep(prev, next int) uint8 {
	bit := 0
	if prev == modeWrite {
		bit++
	}
	if next != modeRecursive {
		bit += 2
	}
	return 1 << bit
}

type classKey struct {
	key string
	sub int
}

// edge is one entry of a class's dependency list: in after (the kernel's locks_after)
// to is the later class and dep the DEP_* bits; in before (locks_before) to is the
// earlier class and dep the transposed bits of calc_depb.
type edge struct {
	to    int32
	dep   uint8
	comm  string
	pid   int
	stack []Frame
}

type classNode struct {
	c      Class
	usage  Usage
	traces [numUsageBits][]Frame // the stack that first set each usage bit (usage_traces)
	after  []edge                // dependencies c -> after[i].to, in the order they were recorded
	before []edge                // dependencies before[i].to -> c, in the order they were recorded
	gen    uint32                // BFS visit mark (the kernel's dep_gen_id)
	addr   uint64                // the first instance seen, for the "key at:" stand-in
}

// Graph is lockdep's state: the lock classes with their usage, the dependencies
// between them, the lock chains already validated, and the problems already reported.
// A Graph lives across the executions of one exploration so that dependencies seen in
// one execution predict deadlocks in another. It is not safe for concurrent use.
type Graph struct {
	classes []*classNode
	index   map[classKey]int32
	chains  map[string]struct{} // validated held-lock chains (the kernel's chain cache)
	// shortChains are the validated chains of up to 4 locks over small class numbers,
	// packed into a number (see cached).
	shortChains map[uint64]struct{}
	settled     bool   // see Settled
	lastShort   uint64 // the chain cached last (see uncache)
	lastLong    string
	lastIsShort bool
	version     uint64              // see Version
	reported    map[string]struct{} // kind + "\x00" + Report.Key
	edges       int
	keyNames    map[uint64]string // KeyName's names, by key address
	nameCount   map[string]int    // the keys registered under each name
	gen         uint32
	scratch     []byte
	queue       []bfsEntry
}

// NewGraph is an empty graph.
func NewGraph() *Graph {
	return &Graph{
		index:       map[classKey]int32{},
		chains:      map[string]struct{}{},
		shortChains: map[uint64]struct{}{},
		reported:    map[string]struct{}{},
	}
}

func (g *Graph) class(c Class) int32 {
	k := classKey{c.Key, c.Subclass}
	if id, ok := g.index[k]; ok {
		return id
	}
	id := int32(len(g.classes))
	g.classes = append(g.classes, &classNode{c: c})
	g.version++
	g.index[k] = id
	return id
}

// ClassID is c's number in g (never zero), for Held.ID. A number is good for this
// graph only.
func (g *Graph) ClassID(c Class) int32 { return g.class(c) + 1 }

// heldClass is the class of h: its ID when the caller resolved it, else by key.
func (g *Graph) heldClass(h *Held) int32 {
	if h.ID > 0 {
		return h.ID - 1
	}
	return g.class(h.Class)
}

func (g *Graph) lookup(c Class) *classNode {
	if id, ok := g.index[classKey{c.Key, c.Subclass}]; ok {
		return g.classes[id]
	}
	return nil
}

// Classes is the number of lock classes seen.
func (g *Graph) Classes() int { return len(g.classes) }

// Edges is the number of distinct dependencies recorded.
func (g *Graph) Edges() int { return g.edges }

// Chains is the number of distinct held-lock chains validated so far.
func (g *Graph) Chains() int { return len(g.chains) + len(g.shortChains) }

// Dep is one recorded dependency From -> To: To was acquired while From was held.
type Dep struct {
	From, To string  // class names
	Comm     string  // the task that first recorded it
	PID      int     //
	Stack    []Frame // the stack of that acquisition of To, innermost last
}

// Deps lists the recorded dependencies, by class in first-seen order, then in the
// order they were recorded.
func (g *Graph) Deps() []Dep {
	var ds []Dep
	for _, n := range g.classes {
		for _, e := range n.after {
			ds = append(ds, g.dep(n, e))
		}
	}
	return ds
}

func (g *Graph) dep(from *classNode, e edge) Dep {
	return Dep{From: from.c.Name(), To: g.classes[e.to].c.Name(), Comm: e.comm, PID: e.pid, Stack: e.stack}
}

// MarkUsage records usage bits on a class (creating it if new) and returns the bits
// that were not set before. It validates nothing and saves no stack: Acquire and
// IRQsOn mark the bits of each acquisition themselves (see UsageOf) and run the
// kernel's checks on the new ones; MarkUsage is for seeding a graph in tests.
func (g *Graph) MarkUsage(c Class, bits Usage) Usage {
	n := g.classes[g.class(c)]
	added := bits &^ n.usage
	n.usage |= bits
	g.version++
	return added
}

// Usage is the class's four usage characters, "+.+." ("...." for an unknown class);
// reports print them in braces: (m){+.+.}-{3:3}.
func (g *Graph) Usage(c Class) string {
	if n := g.lookup(c); n != nil {
		return n.usage.Chars()
	}
	return Usage(0).Chars()
}

// ClassUsage is the class's usage bitset.
func (g *Graph) ClassUsage(c Class) Usage {
	if n := g.lookup(c); n != nil {
		return n.usage
	}
	return 0
}

// Acquire validates the acquisition of next by a task holding held (oldest first, not
// including next), as the kernel's __lock_acquire does, and returns the report lockdep
// prints, or nil. Call it for every acquisition of a tracked lock, successful trylocks
// included, before pushing next onto the task's held stack; push it whatever the
// result. task.IRQ is the irq state of the acquisition. In the kernel's order:
//
//  1. mark_usage: the class's new usage bits are marked one by one (USED_IN, ENABLED,
//     INITIAL USE; see UsageOf), each saving task.Stack as the place the bit was
//     registered; a new irq bit that conflicts with the class's own usage ->
//     "inconsistent lock state"; a new USED_IN bit on a class that already reaches
//     an irq-unsafe class in the graph, or a new ENABLED bit on a class an irq-safe
//     class reaches -> "possible irq lock inversion dependency detected". A trylock
//     stops after this step (it adds no dependencies and is never the new lock of a
//     report);
//  2. a chain of held classes already validated is not validated again;
//  3. a held lock of the same class (key and subclass) -> "possible recursive locking
//     detected", except a recursive reader (Held.Recursive: read_lock in an
//     interrupt) over a read-held lock, check_deadlock's "next->read == 2 &&
//     prev->read"; only
//     held is searched, not task.BelowHeld (see the comment in the code);
//  4. for the most recent held lock, and below it down to the first non-trylock one:
//     if the new class already reaches it in the graph -> "possible circular locking
//     dependency detected"; else if an irq-safe class reaches the held one and the
//     new one reaches an irq-unsafe class of the same irq -> "<IRQ>-safe ->
//     <IRQ>-unsafe lock order detected" (check_irq_usage); else the dependency
//     held -> next is recorded.
//
// A problem this graph reported before is reported again, with Report.Repeat set:
// the caller decides what a second finding means (for ksync, the first report of
// another boot). An acquisition that reports leaves the graph as it found it for an
// identical one: its chain is not cached, and the usage bit it reported is not kept.
func (g *Graph) Acquire(task *TaskInfo, held []Held, next Held) *Report {
	g.settled = false
	if next.Class.Subclass < 0 || next.Class.Subclass >= MaxSubclasses {
		return g.once(invalidSubclass(task, next))
	}
	nid := g.heldClass(&next)
	if r, bad := g.markUsage(task, held, next, nid); bad {
		return r // with usage bits left unmarked: an identical acquisition has work to do
	}
	// From here on the usage bits are marked and the chain is cached before any check
	// can report; a report takes the chain out of the cache again (validateChain).
	g.settled = true
	if next.Trylock {
		return nil
	}

	// The chain cache: the held classes with their read and trylock state, then next.
	if g.cached(held, nid, next) {
		return nil
	}
	if r := g.validateChain(task, held, next, nid); r != nil {
		g.uncache()
		g.settled = false
		return r
	}
	return nil
}

// validateChain is validate_chain's checks for a chain not in the cache:
// check_deadlock, then check_prevs_add.
func (g *Graph) validateChain(task *TaskInfo, held []Held, next Held, nid int32) *Report {
	// check_deadlock. The kernel walks all of current->held_locks, which in an
	// interrupt context include the interrupted task's locks (task.BelowHeld); ksim
	// looks at the current irq context's only, and this loses no report the kernel
	// makes. A lock held below an interrupt context was held with that irq enabled
	// (else the interrupt could not have come), so its class has the irq's ON usage
	// (taken with it enabled, or marked by IRQsOn when it was enabled); taking the
	// same class in the handler or softirq sets the IN usage, which mark_usage, run
	// before this, reports as "inconsistent lock state" (a trylock sets no IN usage
	// and is not checked for recursion, in the kernel either). The kernel then turns
	// lockdep off, so it never prints "possible recursive locking detected" for it
	// (nor does ksync, which stops calling the graph for the rest of the execution).
	nmode := next.mode()
	for _, h := range held {
		if g.heldClass(&h) != nid {
			continue
		}
		if nmode == modeRecursive && h.mode() != modeWrite {
			continue // read_lock(A) + read_lock(A), the second one in_interrupt()
		}
		return g.once(g.recursive(task, held, h, next))
	}

	// check_prevs_add
	var trace []Frame
	for i := len(held) - 1; i >= 0; i-- {
		prev := held[i]
		pid := g.heldClass(&prev)
		if pid != nid { // same class: a recursive read, no new dependency
			if path := g.search(nid, nmode == modeRecursive, pid, prev.mode()); path != nil {
				return g.once(g.circular(task, held, prev, next, path))
			}
			if r, bad := g.checkIRQUsage(task, held, prev, pid, next, nid); bad {
				return r
			}
			g.addEdge(pid, nid, calcDep(prev.mode(), nmode), calcDepb(prev.mode(), nmode), task, &trace)
		}
		if !prev.Trylock {
			break
		}
	}
	return nil
}

// cached looks the chain held+next up in the chain cache and adds it if new. Most
// chains are short, over few classes: those are packed exactly into a number, 16 bits
// a lock (chainID+1, so that no chain is a prefix of another), and looked up without
// hashing a string; the rest are keyed by their varint encoding.
func (g *Graph) cached(held []Held, nid int32, next Held) bool {
	if len(held) < 4 {
		key, ok := uint64(0), true
		for i := range held {
			c := chainID(g.heldClass(&held[i]), held[i])
			ok = ok && c < 0xffff
			key = key<<16 | (c + 1)
		}
		c := chainID(nid, next)
		if ok && c < 0xffff {
			key = key<<16 | (c + 1)
			if _, hit := g.shortChains[key]; hit {
				return true
			}
			g.shortChains[key] = struct{}{}
			g.lastShort, g.lastLong, g.lastIsShort = key, "", true
			return false
		}
	}
	buf := g.scratch[:0]
	for _, h := range held {
		buf = binary.AppendUvarint(buf, chainID(g.heldClass(&h), h))
	}
	buf = binary.AppendUvarint(buf, chainID(nid, next))
	g.scratch = buf
	if _, hit := g.chains[string(buf)]; hit {
		return true
	}
	g.chains[string(buf)] = struct{}{}
	g.lastLong, g.lastIsShort = string(buf), false
	return false
}

// uncache takes the chain cached last out of the cache: its validation reported.
func (g *Graph) uncache() {
	if g.lastIsShort {
		delete(g.shortChains, g.lastShort)
	} else {
		delete(g.chains, g.lastLong)
	}
}

// Version counts the changes to what reports print of the graph: classes, their
// usage bits and first instances, and dependencies. Two identical calls at the same
// version print the same report.
func (g *Graph) Version() uint64 { return g.version }

// Settled reports whether the last Acquire left nothing for an identical acquisition
// (same irq context, same held classes and modes, same next) to do: its usage bits are
// all marked and its chain is cached, whether or not it reported something. A caller
// may then skip the identical acquisition without changing any verdict. An Acquire
// that stopped at an irq-usage report is not settled: the bits after the reported one
// are still unmarked.
func (g *Graph) Settled() bool { return g.settled }

func chainID(id int32, h Held) uint64 {
	v := uint64(id)<<3 | uint64(h.mode())<<1
	if h.Trylock {
		v |= 1
	}
	return v
}

// calcDepb is calc_depb: the dependency bits as the backward list records them
// (bit 0: next is not a recursive reader; bit 1: prev was held exclusively).
func calcDepb(prev, next int) uint8 {
	bit := 0
	if next != modeRecursive {
		bit++
	}
	if prev == modeWrite {
		bit += 2
	}
	return 1 << bit
}

func (g *Graph) addEdge(from, to int32, dep, depb uint8, task *TaskInfo, trace *[]Frame) {
	n, m := g.classes[from], g.classes[to]
	for i := range n.after {
		if n.after[i].to == to {
			n.after[i].dep |= dep
			g.version++
			for j := range m.before {
				if m.before[j].to == from {
					m.before[j].dep |= depb
				}
			}
			return
		}
	}
	if *trace == nil {
		*trace = slices.Clip(slices.Clone(task.stack()))
	}
	n.after = append(n.after, edge{to: to, dep: dep, comm: task.Comm, pid: task.PID, stack: *trace})
	g.version++
	m.before = append(m.before, edge{to: from, dep: depb, comm: task.Comm, pid: task.PID, stack: *trace})
	g.edges++
}

// bfsEntry is the kernel's struct lock_list as the search uses it.
type bfsEntry struct {
	class  int32
	parent int32 // index in g.queue, -1 for the root
	edge   int32 // index of the dependency in the parent's after list
	onlyXR bool  // every strong path here ends with -(*R)->
}

// search is check_noncircular: a breadth-first search from the new lock's class for a
// strong dependency path to the held lock's class (lockdep's recursive-read rules: a
// path may not go -(*R)-> X -(S*)->, and the new dependency held -> new closes the
// cycle only if it is not -(S*)-> after a -(*R)-> arrival). It returns the path,
// root (new) first, or nil.
func (g *Graph) search(src int32, srcRecursive bool, target int32, targetMode int) []bfsEntry {
	tn := g.classes[target]
	return g.bfs(src, srcRecursive, false, func(n *classNode, onlyXR bool) bool {
		return n == tn && (targetMode == modeWrite || !onlyXR)
	})
}

// once returns r, marked Repeat if the graph already reported the same problem. An
// irq-order and an irq-inversion report about the same safe and unsafe classes and
// irq are the same problem.
func (g *Graph) once(r *Report) *Report {
	kind := r.Kind
	if kind == "irq-inversion" {
		kind = "irq-order"
	}
	k := kind + "\x00" + r.Key
	if _, ok := g.reported[k]; ok {
		r.Repeat = true
		return r
	}
	g.reported[k] = struct{}{}
	return r
}

// Release checks the release of lock (Addr identifies the instance; At is where it
// is released) by a task holding held, before the caller removes it: releasing a lock
// the task does not hold is "WARNING: bad unlock balance detected!". Release reports
// are about one execution and are never deduplicated.
func (g *Graph) Release(task *TaskInfo, held []Held, lock Held) *Report {
	for i := len(held) - 1; i >= 0; i-- {
		h := held[i]
		if h.Addr == lock.Addr && (lock.Addr != 0 || h.Class.Key == lock.Class.Key) {
			return nil
		}
	}
	return g.badUnlock(task, held, lock)
}

func sortedKey(names []string) string {
	s := slices.Clone(names)
	slices.Sort(s)
	s = slices.Compact(s)
	return strings.Join(s, " ")
}

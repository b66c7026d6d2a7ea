package sched

// ObjID names a shared object within one execution. Objects are numbered in creation
// order, so the same program creates the same IDs in every execution that runs the same
// prefix. The zero ObjID is "no object": an operation on it is independent of everything.
type ObjID int32

// Access says how an operation touches its object. Two operations on one object are
// dependent (their order can matter) unless both are shared accesses.
type Access uint8

const (
	// None touches no shared state: a pure scheduling point.
	None Access = iota
	// Read observes the object without changing it.
	Read
	// Write changes the object.
	Write
	// AcquireShared takes shared ownership (a read lock): it conflicts only with
	// exclusive accesses. Optimal-DPOR does not cover shared ownership: a program that
	// uses it is explored with sleep sets only.
	AcquireShared
	// Acquire takes exclusive ownership of a lock: from it to the owner's Release, no
	// other thread's Acquire of the object can run (its Guard says so). DPOR's race
	// analysis relies on that. A counting semaphore, a completion or any other guard
	// over a count or a flag is not a lock: model its wait as a guarded Write (or
	// Read), which Explore then explores with sleep sets only.
	Acquire
	// ReleaseShared gives shared ownership back (a read unlock).
	ReleaseShared
	// Release gives exclusive ownership back (an unlock, an up).
	Release
)

var accessNames = [...]string{"none", "read", "write", "acquire-shared", "acquire", "release-shared", "release"}

func (a Access) String() string {
	if int(a) < len(accessNames) {
		return accessNames[a]
	}
	return "access?"
}

// Changes reports whether a step that touched its object this way changed it: every
// access but None and Read (Execution.Version counts these).
func (a Access) Changes() bool { return a != None && a != Read }

// exclusive reports whether a conflicts with every other access to the same object.
func (a Access) exclusive() bool { return a == Write || a == Acquire || a == Release }

// conflicts reports whether two accesses to the same object are dependent. Reads
// commute with reads, and shared acquires and releases with each other; but a Read
// that observes a reader-writer lock (a failed write_trylock) sees its readers come
// and go, so it does not commute with a shared acquire or release. The differential
// test found the sleep-set search missing a write_trylock that fails under a
// read_lock because of that.
func conflicts(a, b Access) bool {
	if a == None || b == None {
		return false
	}
	return a.exclusive() || b.exclusive() || (a == Read) != (b == Read)
}

// A Guard decides whether a pending operation can proceed. The model implements it on
// its objects (a lock is enabled for acquire when it is free); the scheduler asks it
// before every step, so it must be cheap and must not change any state.
type Guard interface {
	Enabled(op *Op) bool
}

// A WrappingGuard adds a condition to another guard (ksync's CPU gate: a task needs a
// free CPU too). DPOR judges the operation by its Inner guard, so the wrapper's own
// condition must be one the model declares with RequireFullSearch once it can bite.
type WrappingGuard interface {
	Guard
	Inner() Guard
}

// Op is one visible operation, announced by a thread before it takes effect.
type Op struct {
	Name   string // what the trace shows, e.g. "mutex_lock"
	Obj    ObjID  // the object touched; 0 for none
	Access Access // how it is touched
	Guard  Guard  // nil: always enabled
	Arg    int    // free for the model and its Guard (a lock mode, a count)
	Pos    string // source position for traces, e.g. "abba.c:12"
	Where  string // where it runs, as the model names it (ksync: the CPU), for traces

	// blocking: an acquire that waits on its own guard, decided when the thread
	// announces it (see blockingAcquire): a wrapping guard's Inner changes with the
	// thread's next operation, so it cannot be asked once the step has run.
	blocking bool
}

// dependent reports whether two operations may not be reordered freely.
func dependent(a, b *Op) bool {
	return a.Obj != 0 && a.Obj == b.Obj && conflicts(a.Access, b.Access)
}

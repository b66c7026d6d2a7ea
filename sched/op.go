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
	// exclusive accesses.
	AcquireShared
	// Acquire takes exclusive ownership (a lock, a semaphore count).
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

// exclusive reports whether a conflicts with every other access to the same object.
func (a Access) exclusive() bool { return a == Write || a == Acquire || a == Release }

// conflicts reports whether two accesses to the same object are dependent.
func conflicts(a, b Access) bool {
	if a == None || b == None {
		return false
	}
	return a.exclusive() || b.exclusive()
}

// A Guard decides whether a pending operation can proceed. The model implements it on
// its objects (a lock is enabled for acquire when it is free); the scheduler asks it
// before every step, so it must be cheap and must not change any state.
type Guard interface {
	Enabled(op *Op) bool
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
}

// dependent reports whether two operations may not be reordered freely.
func dependent(a, b *Op) bool {
	return a.Obj != 0 && a.Obj == b.Obj && conflicts(a.Access, b.Access)
}

package sched

// Problem kinds the engine itself raises. Models add their own (ksync uses "bug",
// "warning", "lockup").
const (
	KindDeadlock = "deadlock" // no thread can proceed but some have not finished
	KindHang     = "hang"     // an execution exceeded the step limit: a livelock or an unbounded loop
	KindPanic    = "panic"    // a thread's Go code panicked
)

// Problem is something wrong found in one execution. Problems are deduplicated across
// an exploration by Kind and Site: the model chooses a Site that identifies the cause
// (the source positions involved), not the interleaving that exposed it.
type Problem struct {
	Kind   string // deadlock, hang, panic, or a model's kind
	Site   string // what makes two problems the same problem
	Title  string // one line, the report's headline
	Report string // the full report text (for ksync: what the kernel would print)
	Step   int    // the step during which it was reported (set by Report; 0: before any step)
}

// Found is a distinct problem with the evidence to reproduce it.
type Found struct {
	Problem
	Execution int     // 1-based index of the execution that first showed it
	Schedule  string  // replays exactly that execution
	Trace     []Event // every step of that execution
	Threads   []string
	Pending   []Pending // what each unfinished thread was waiting to do when the execution ended
	// Preemptions counts the switches away from a thread that could have gone on: the
	// fewer, the easier the trace is to follow (Bounded finds the fewest first).
	Preemptions int
	Count       int // how many executions showed it
	last        int // the execution that last counted towards Count
}

// Event is one step of an execution's trace.
type Event struct {
	Step   int    // 1-based
	Thread int    // the thread that ran
	Op     string // the operation's name
	Obj    string // the object's name, "" for none
	Pos    string // source position
	Where  string // where it ran (ksync: the CPU); "" when the model does not say
	Note   string // what happened, as the model tells it ("acquired", "sleeps")
	Data   []int  // data choices made during the step
}

// Pending is an operation a thread announced but never ran.
type Pending struct {
	Thread  int
	Op      string
	Obj     string
	Pos     string
	Enabled bool
}

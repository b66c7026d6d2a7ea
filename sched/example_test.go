package sched_test

import (
	"fmt"

	"github.com/ksim-dev/ksim/sched"
)

// lock is a minimal lock built on sched: the Guard keeps acquires disabled while held.
type lock struct {
	id   sched.ObjID
	held bool
}

func (l *lock) Enabled(*sched.Op) bool { return !l.held }

func (l *lock) acquire(t *sched.Thread, pos string) {
	t.Op(&sched.Op{Name: "lock", Obj: l.id, Access: sched.Acquire, Guard: l, Pos: pos})
	l.held = true
}

func (l *lock) release(t *sched.Thread, pos string) {
	t.Op(&sched.Op{Name: "unlock", Obj: l.id, Access: sched.Release, Pos: pos})
	l.held = false
}

// Two threads take two locks in opposite orders. DPOR explores the three distinct
// interleavings and finds the one that deadlocks.
func ExampleExplore() {
	res := sched.Explore(func(e *sched.Execution) {
		a := &lock{id: e.NewObject("A")}
		b := &lock{id: e.NewObject("B")}
		e.Spawn("T1", func(t *sched.Thread) {
			a.acquire(t, "t1.go:1")
			b.acquire(t, "t1.go:2")
			b.release(t, "t1.go:3")
			a.release(t, "t1.go:4")
		})
		e.Spawn("T2", func(t *sched.Thread) {
			b.acquire(t, "t2.go:1")
			a.acquire(t, "t2.go:2")
			a.release(t, "t2.go:3")
			b.release(t, "t2.go:4")
		})
	}, sched.Options{})
	fmt.Println(res.Verdict())
	fmt.Print(res.Problems[0].FormatTrace())
	// Output:
	// deadlock found in execution 2 of 3 (exploration complete)
	// step | T1                 | T2                 | at
	// ---- | ------------------ | ------------------ | --
	//    1 | lock(A)            |                    | t1.go:1
	//    2 |                    | lock(B)            | t2.go:1
	// >end | blocked in lock(B) | blocked in lock(A) | t1.go:2 t2.go:2
}

// A data choice: the exploration tries every alternative.
func ExampleExecution_Choose() {
	var seen []int
	sched.Explore(func(e *sched.Execution) {
		e.Spawn("T", func(t *sched.Thread) {
			v := t.Choose(3)
			t.Yield("use", "")
			seen = append(seen, v)
		})
	}, sched.Options{})
	fmt.Println(seen)
	// Output: [0 1 2]
}

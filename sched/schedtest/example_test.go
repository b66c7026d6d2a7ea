package schedtest_test

import (
	"fmt"
	"testing"

	"github.com/ksim-dev/ksim/sched"
	"github.com/ksim-dev/ksim/sched/schedtest"
)

// printTB stands in for the *testing.T of a real test, printing what it would log.
type printTB struct{ testing.TB }

func (printTB) Helper()                      {}
func (printTB) Name() string                 { return "TestCounter" }
func (printTB) Errorf(f string, args ...any) { fmt.Printf(f+"\n", args...) }
func (printTB) Fatalf(f string, args ...any) { fmt.Printf(f+"\n", args...) }
func (printTB) Logf(f string, args ...any)   { fmt.Printf(f+"\n", args...) }

// counter is a shared variable whose reads and writes are scheduling points.
type counter struct {
	id sched.ObjID
	v  int
}

func (c *counter) load(t *sched.Thread) int {
	t.Op(&sched.Op{Name: "load", Obj: c.id, Access: sched.Read, Pos: "counter.go:1"})
	return c.v
}

func (c *counter) store(t *sched.Thread, v int) {
	t.Op(&sched.Op{Name: "store", Obj: c.id, Access: sched.Write, Pos: "counter.go:2"})
	c.v = v
}

// In a real test, pass the test's t: Model explores every interleaving of the two
// increments and fails the test with the one that loses an update.
func ExampleModel() {
	var t testing.TB = printTB{} // func TestCounter(t *testing.T) { ... }
	schedtest.Model(t, func(e *sched.Execution) {
		c := &counter{id: e.NewObject("c")}
		inc := func(t *sched.Thread) { c.store(t, c.load(t)+1) }
		e.Spawn("A", inc)
		e.Spawn("B", inc)
		e.OnEnd(func(sched.Outcome) {
			if c.v != 2 {
				e.Report(sched.Problem{Kind: "bug", Site: "lost update", Title: fmt.Sprintf("lost update: c = %d", c.v)})
			}
		})
	})
	// Output:
	// ksim: lost update: c = 1 (1 preemption(s))
	//
	// step | A        | B        | at
	// ---- | -------- | -------- | --
	//    1 | load(c)  |          | counter.go:1
	//    2 |          | load(c)  | counter.go:1
	//    3 |          | store(c) | counter.go:2
	//    4 | store(c) |          | counter.go:2
	//
	// replay: go test -run '^TestCounter$' -ksim.replay='ksim1:011:itz9t' .
}

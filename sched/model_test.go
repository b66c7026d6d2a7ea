package sched

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv("KSIM_NO_GOLEAK") != "" {
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}

// tlock is the minimal lock the engine is tested with; the kernel's primitives come
// with package ksync.
type tlock struct {
	id    ObjID
	name  string
	owner *Thread
}

func newLock(e *Execution, name string) *tlock { return &tlock{id: e.NewObject(name), name: name} }

func (l *tlock) Enabled(*Op) bool { return l.owner == nil }

func (l *tlock) lock(t *Thread) {
	t.Op(&Op{Name: "lock", Obj: l.id, Access: Acquire, Guard: l, Pos: l.name})
	l.owner = t
	t.Note("acquired")
}

func (l *tlock) unlock(t *Thread) {
	t.Op(&Op{Name: "unlock", Obj: l.id, Access: Release, Pos: l.name})
	l.owner = nil
}

func (l *tlock) trylock(t *Thread) bool {
	t.Op(&Op{Name: "trylock", Obj: l.id, Access: Acquire, Pos: l.name})
	if l.owner != nil {
		t.SetAccess(Read)
		return false
	}
	l.owner = t
	return true
}

// tvar is a shared integer.
type tvar struct {
	id ObjID
	v  int
}

func newVar(e *Execution, name string) *tvar { return &tvar{id: e.NewObject(name)} }

func (v *tvar) read(t *Thread) int {
	t.Op(&Op{Name: "read", Obj: v.id, Access: Read})
	return v.v
}

func (v *tvar) write(t *Thread, x int) {
	t.Op(&Op{Name: "write", Obj: v.id, Access: Write})
	v.v = x
}

// abba is two threads taking two locks in opposite orders.
func abba(e *Execution) {
	a, b := newLock(e, "A"), newLock(e, "B")
	e.Spawn("T1", func(t *Thread) { a.lock(t); b.lock(t); b.unlock(t); a.unlock(t) })
	e.Spawn("T2", func(t *Thread) { b.lock(t); a.lock(t); a.unlock(t); b.unlock(t) })
}

// philosophers is n dining philosophers; ordered makes the last one take its forks in
// the other order, which breaks the cycle.
func philosophers(n int, ordered bool) Program {
	forkNames, philNames := make([]string, n), make([]string, n)
	for i := range n {
		forkNames[i], philNames[i] = fmt.Sprintf("fork%d", i), fmt.Sprintf("phil%d", i)
	}
	return func(e *Execution) {
		forks := make([]tlock, n) // one allocation for all the forks
		for i := range forks {
			forks[i] = tlock{id: e.NewObject(forkNames[i]), name: forkNames[i]}
		}
		for i := 0; i < n; i++ {
			l, r := &forks[i], &forks[(i+1)%n]
			if ordered && i == n-1 {
				l, r = r, l
			}
			e.Spawn(philNames[i], func(t *Thread) {
				l.lock(t)
				r.lock(t)
				r.unlock(t)
				l.unlock(t)
			})
		}
	}
}

// readers is one writer and n readers of one variable.
func readers(n int) Program {
	return func(e *Execution) {
		x := newVar(e, "x")
		e.Spawn("writer", func(t *Thread) { x.write(t, 1) })
		for i := 0; i < n; i++ {
			e.Spawn(fmt.Sprintf("reader%d", i), func(t *Thread) { x.read(t) })
		}
	}
}

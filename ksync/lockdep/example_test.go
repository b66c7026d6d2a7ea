package lockdep_test

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/ksync/lockdep"
)

// A kernel model keeps one Graph per exploration and each task's held-locks stack;
// it calls Acquire before pushing a lock and Release before popping it. Here two
// kernel threads take two mutexes in opposite orders, one after the other: no
// deadlock happens, but lockdep predicts it.
func Example() {
	g := lockdep.NewGraph()
	m1 := lockdep.Held{Class: lockdep.Class{Key: "m1", Kind: lockdep.Mutex}, Addr: 0xffffffffc0002000}
	m2 := lockdep.Held{Class: lockdep.Class{Key: "m2", Kind: lockdep.Mutex}, Addr: 0xffffffffc0002040}

	run := func(task lockdep.TaskInfo, first, second lockdep.Held) {
		var held []lockdep.Held
		for _, l := range []lockdep.Held{first, second} {
			l.At = task.Comm + "+0x0/0x40"
			if r := g.Acquire(&task, held, l); r != nil {
				fmt.Println(r.Title)
				fmt.Println("cycle:", r.Key, "repeat:", r.Repeat)
				fmt.Println(strings.Split(r.Text, "\n")[4])
			}
			held = append(held, l)
		}
		for len(held) > 0 {
			l := held[len(held)-1]
			if r := g.Release(&task, held, l); r != nil {
				fmt.Println(r.Title)
			}
			held = held[:len(held)-1]
		}
	}
	run(lockdep.TaskInfo{Comm: "bad_function", PID: 3}, m1, m2)
	run(lockdep.TaskInfo{Comm: "another_functio", PID: 4}, m2, m1)
	run(lockdep.TaskInfo{Comm: "another_functio", PID: 5}, m2, m1) // found again: a repeat
	fmt.Println(g.Deps()[0].From, "->", g.Deps()[0].To, "recorded by", g.Deps()[0].Comm)
	// Output:
	// WARNING: possible circular locking dependency detected
	// cycle: m1 m2 repeat: false
	// another_functio/4 is trying to acquire lock:
	// WARNING: possible circular locking dependency detected
	// cycle: m1 m2 repeat: true
	// another_functio/5 is trying to acquire lock:
	// m1 -> m2 recorded by bad_function
}

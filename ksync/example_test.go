package ksync_test

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// Seed 000 in Go: two kernel threads take two semaphores in opposite orders. The
// exhaustive exploration finds the interleaving that hangs both, and reports it the way
// the kernel's hung-task detector would.
func Example_abba() {
	prog := ksync.Program(ksync.Config{}, func(k *ksync.Kernel) {
		sem1, sem2 := k.DefineSemaphore("sem1", 1), k.DefineSemaphore("sem2", 1)
		k.KernelThread("bad_function", func(t *ksync.Task) {
			sem1.Down(t)
			sem2.Down(t)
			sem2.Up(t)
			sem1.Up(t)
		})
		k.KernelThread("another_function", func(t *ksync.Task) {
			sem2.Down(t)
			sem1.Down(t)
			sem1.Up(t)
			sem2.Up(t)
		})
	})
	res := sched.Explore(prog, sched.Options{})
	fmt.Println(res.Verdict())
	fmt.Println(strings.SplitN(res.Problems[0].Report, "\n", 2)[0])
	// Output:
	// deadlock found in execution 5 of 9 (exploration complete)
	// INFO: task bad_function:2 blocked for more than 120 seconds.
}

// Seed 001 in Go: kmalloc(GFP_KERNEL) with a spinlock held is a bug in every execution,
// even when the allocation does not sleep.
func Example_sleepingWhileAtomic() {
	prog := ksync.Program(ksync.Config{}, func(k *ksync.Kernel) {
		lock := k.DefineSpinlock("my_lock")
		k.KernelThread("faulty_function", func(t *ksync.Task) {
			lock.Lock(t)
			if buf := t.Kmalloc(1024, ksync.GFPKernel); buf != nil {
				t.Kfree(buf)
			}
			lock.Unlock(t)
		})
	})
	res := sched.Explore(prog, sched.Options{})
	p := res.Problems[0]
	fmt.Println(p.Kind, "in", p.Count, "of", res.Stats.Executions, "executions")
	fmt.Println(p.Title)
	// Output:
	// bug in 1 of 1 executions
	// BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321
}

// The GFP_ATOMIC fix under memory pressure: the allocation may fail, and the
// exploration covers both branches.
func ExampleTask_Kmalloc() {
	var nulls, ok int
	prog := ksync.Program(ksync.Config{MemoryPressure: true}, func(k *ksync.Kernel) {
		lock := k.DefineSpinlock("my_lock")
		k.KernelThread("fixed", func(t *ksync.Task) {
			lock.Lock(t)
			if buf := t.Kmalloc(1024, ksync.GFPAtomic|ksync.GFPNoWarn); buf != nil {
				ok++
				t.Kfree(buf)
			} else {
				nulls++
			}
			lock.Unlock(t)
		})
	})
	res := sched.Explore(prog, sched.Options{})
	fmt.Println(res.Verdict())
	fmt.Println("allocated:", ok, "NULL:", nulls)
	// Output:
	// ok: no problem in any of 2 interleavings (exploration complete)
	// allocated: 1 NULL: 1
}

// A reference count dropped with atomic_dec_return, and a flag published with
// WRITE_ONCE and read with READ_ONCE: in every interleaving exactly one task sees
// the count reach 0.
func ExampleAtomic_DecReturn() {
	seen := map[int]bool{} // how many tasks saw 0, over the executions
	prog := ksync.Program(ksync.Config{}, func(k *ksync.Kernel) {
		refs := k.NewAtomic("refs", 2)
		done := k.NewInt("done", 0)
		for _, name := range []string{"a", "b"} {
			k.KernelThread(name, func(t *ksync.Task) {
				if refs.DecReturn(t) == 0 {
					done.WriteOnce(t, done.ReadOnce(t)+1)
				}
			})
		}
		k.RunAfterAll("rmmod", func(t *ksync.Task) { seen[int(done.ReadOnce(t))] = true })
	})
	res := sched.Explore(prog, sched.Options{})
	fmt.Println("complete:", res.Complete, "problems:", len(res.Problems))
	fmt.Println("tasks that saw 0:", seen)
	// Output:
	// complete: true problems: 0
	// tasks that saw 0: map[1:true]
}

// A spin loop written against the Go API: LoopEnter and Iterated let the kernel model
// see an iteration that changed nothing, and block the task until another task writes
// what it read, instead of spinning to the step limit. Here nobody ever clears the
// flag: the soft-lockup watchdog's report, in a two-step execution. (The await's guard
// is not a lock's, so the search restarts with sleep sets only, and counts both.)
func ExampleTask_LoopEnter() {
	prog := ksync.Program(ksync.Config{}, func(k *ksync.Kernel) {
		flag := ksync.NewVar(k, "flag", 1)
		k.KernelThread("waiter", func(t *ksync.Task) {
			l := t.LoopEnter("waiter.go:1")
			defer t.LoopLeave(l)
			for flag.Load(t) != 0 {
				t.CPURelax("cpu_relax")
				l.Iterated(true, false) // no locals to change: true
			}
		})
	})
	res := sched.Explore(prog, sched.Options{})
	fmt.Println(res.Verdict())
	fmt.Println(res.Problems[0].Title)
	// Output:
	// lockup found in execution 1 of 2 (exploration complete)
	// watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [waiter:2]
}

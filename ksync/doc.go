// Package ksync is ksim's model of the Linux kernel's synchronization: tasks on CPUs
// with the kernel's preempt_count and irq state, and the primitives kernel code locks
// with — semaphores, mutexes, spinlocks, rwlocks, rw_semaphores, completions, atomics,
// kmalloc with GFP flags — with the kernel's semantics and return values. It runs on
// package sched, which explores the interleavings, and it reports what the kernel
// would print: "BUG: sleeping function called from invalid context", "BUG: scheduling
// while atomic", hung tasks, soft lockups, warnings, in the shapes of a real dmesg.
//
// A Kernel lives for one execution. Build a sched.Program with Program and explore it:
//
//	prog := ksync.Program(ksync.Config{}, func(k *ksync.Kernel) {
//		sem1, sem2 := k.DefineSemaphore("sem1", 1), k.DefineSemaphore("sem2", 1)
//		k.KernelThread("bad_function", func(t *ksync.Task) {
//			sem1.Down(t); sem2.Down(t); sem2.Up(t); sem1.Up(t)
//		})
//		...
//	})
//	res := sched.Explore(prog, sched.Options{})
//
// The task is always passed explicitly (sem.Down(t)): there is no goroutine-local
// "current". Report text printed by the kernel is reproduced as the kernel prints it;
// what ksim adds is on lines that start with "ksim:".
package ksync

// Package lockdep is ksim's model of the Linux kernel's lock validator
// (kernel/locking/lockdep.c): it watches every acquisition and release of the
// lockdep-tracked locks — spinlock_t, rwlock_t, struct mutex, struct rw_semaphore —
// builds the graph of lock-class dependencies ("B was taken while A was held") and
// reports, in the exact shapes the kernel prints them, what lockdep would report:
// "possible recursive locking detected", "possible circular locking dependency
// detected" (with the existing dependency chain, "Chain exists of:" and the
// unsafe-locking scenario), "bad unlock balance detected!", "held lock freed!" and
// "<comm>/<pid> still has locks held!". Reports are predictive, as in the kernel: a
// cycle is reported from one task's sequential history, or from dependencies recorded
// in earlier executions, without any actual deadlock.
//
// The package is a pure library: it does not know tasks, CPUs or the scheduler. The
// caller (package ksync) keeps each task's held-locks stack and passes it on every call:
//
//	g := lockdep.NewGraph()                      // one per exploration
//	r := g.Acquire(task, held, newLock)          // before pushing newLock on held
//	r = g.Release(task, held, lock)              // before removing lock from held
//
// Output is byte-for-byte deterministic: nothing is printed in map order, and the
// breadth-first search follows dependencies in the order they were recorded, as the
// kernel's list walk does.
//
// # Differences from the kernel
//
//   - The kernel reports only the first problem of a boot and then turns lockdep off
//     ("INFO: lockdep is turned off."). ksim never turns it off: a Graph reports every
//     distinct problem once — each cycle (by its set of classes) and each recursively
//     taken class — and stays silent when the same problem comes up again, in the same
//     or a later execution.
//   - Semaphores and completions are not tracked, as in the kernel (they have no
//     lockdep map): the caller simply does not call this package for them, so a
//     semaphore ABBA produces no lockdep report and shows up only as hung tasks.
//   - read_lock() of an rwlock_t is a recursive reader, as lib/locking-selftest.c
//     forces it (force_read_lock_recursive): read_lock(A) twice is fine, and the
//     kernel's strong-path rule ("-(xR)-> -(S*)->" does not make a deadlock) applies.
//     A kernel built with CONFIG_QUEUED_RWLOCKS treats process-context read_lock as a
//     non-recursive reader. down_read() is a non-recursive reader: down_read(A) twice
//     is reported, as in the kernel.
//   - When a report is produced (or suppressed as already reported) the acquisition
//     adds no dependency, like the kernel's check_prevs_add which stops at the first
//     failure; the graph therefore stays free of reported cycles.
//   - A release in the middle of the held stack does not re-validate the locks above
//     it (the kernel's reacquire_held_locks); the dependencies it would add are
//     already implied by the recorded ones.
//   - The irq-safety reports ("inconsistent lock state", "HARDIRQ-safe ->
//     HARDIRQ-unsafe lock order detected") are not implemented yet; the usage bits
//     they need are recorded (Usage, MarkUsage, IRQContext) and printed in every
//     {usage} field.
//   - Stack offsets do not exist in ksim: frames print decoded, "func (file:line)", as
//     scripts/decode_stacktrace.sh shows them; addresses are stable stand-ins.
package lockdep

// Package sched is ksim's engine: a deterministic scheduler that runs simulated threads
// one at a time and explores their interleavings, exhaustively when asked.
//
// A [Program] is a setup function. Every execution re-runs it on fresh state (stateless
// model checking), so all state a program touches must be created inside it. Threads are
// coroutines: a thread runs until it announces its next visible operation with
// [Thread.Op], then waits until the scheduler picks it; only then does the operation
// take effect. One goroutine, the caller of [Explore], drives everything, so no real
// concurrency ever happens inside an execution and every run is reproducible.
//
// Operations name the object they touch and how ([Access]); that is all the dynamic
// partial-order reduction (DPOR) needs to skip interleavings that only reorder
// independent operations. Whether an operation can proceed is the model's business: a
// [Guard] answers it (a lock acquire is disabled while the lock is held).
//
// The package knows nothing about kernels: package ksync builds the kernel model on it.
package sched

// Package sched is ksim's engine: a deterministic scheduler that runs simulated threads
// one at a time and explores their interleavings, exhaustively when asked.
//
// A [Program] is a setup function. Every execution re-runs it on fresh state (stateless
// model checking), so all state a program touches must be created inside it. Threads are
// coroutines: a thread runs until it announces its next visible operation with
// [Thread.Op], then waits until the scheduler picks it; only then does the operation
// take effect. Control passes between the caller of [Explore] and the threads'
// coroutines one at a time (the thread that ran a step chooses the next one itself, and
// goes on without a switch when it is chosen again), so no real concurrency ever
// happens inside an execution and every run is reproducible.
//
// Operations name the object they touch and how ([Access]); that is all the dynamic
// partial-order reduction needs to skip interleavings that only reorder independent
// operations. The default strategy is Optimal-DPOR with wakeup trees (Abdulla et al.,
// JACM 2017): one execution per Mazurkiewicz trace. Whether an operation can proceed
// is the model's business: a [Guard] answers it (a lock acquire is disabled while
// the lock is held).
//
// The package knows nothing about kernels: package ksync builds the kernel model on it.
package sched

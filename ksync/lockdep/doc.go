// Package lockdep is ksim's model of the Linux kernel's lock validator
// (kernel/locking/lockdep.c): it watches every acquisition and release of the
// lockdep-tracked locks — spinlock_t, rwlock_t, struct mutex, struct rw_semaphore —
// builds the graph of lock-class dependencies ("B was taken while A was held") and
// reports, in the exact shapes the kernel prints them, what lockdep would report:
// "possible recursive locking detected", "possible circular locking dependency
// detected" (with the existing dependency chain, "Chain exists of:" and the
// unsafe-locking scenario), the irq-safety reports "inconsistent lock state",
// "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected" (and SOFTIRQ) and "possible
// irq lock inversion dependency detected", "bad unlock balance detected!", "held lock
// freed!" and "<comm>/<pid> still has locks held!". Reports are predictive, as in the
// kernel: a cycle is reported from one task's sequential history, or from
// dependencies recorded in earlier executions, without any actual deadlock.
//
// The package is a pure library: it does not know tasks, CPUs or the scheduler. The
// caller (package ksync) keeps each task's held-locks stack and passes it on every call:
//
//	g := lockdep.NewGraph()                      // one per exploration
//	r := g.Acquire(task, held, newLock)          // before pushing newLock on held
//	r = g.Release(task, held, lock)              // before removing lock from held
//	r = g.IRQsOn(task, held)                     // after irqs or bottom halves are re-enabled
//
// # Irq contexts
//
// Lockdep learns from each acquisition's irq state (TaskInfo.IRQ) which classes are
// irq-safe (taken in a hardirq handler or a softirq: IN-HARDIRQ-W, IN-SOFTIRQ-R, ...)
// and which are irq-unsafe (taken with that irq enabled: HARDIRQ-ON-W, ...), and
// reports a class that is both ("inconsistent lock state"), and a dependency path
// from an irq-safe class to an irq-unsafe one of the same irq, found either when the
// dependency is added ("<IRQ>-safe -> <IRQ>-unsafe lock order detected") or when the
// last usage bit is marked on a class whose dependencies already form the path
// ("possible irq lock inversion dependency detected"). The caller passes on every
// Acquire: InHardirq in a hardirq handler, InSoftirq in a softirq, HardirqsOff with
// local irqs disabled (spin_lock_irq, _irqsave, local_irq_disable), SoftirqsOff with
// bottom halves disabled (spin_lock_bh, local_bh_disable), and may pass the
// preempt_count nesting levels (HardirqCount, SoftirqCount) and the irq-flag event
// history (TaskInfo.IRQTrace) that the reports print. It calls IRQsOn whenever it
// re-enables hardirqs or softirqs (local_irq_enable, spin_unlock_irq(restore),
// local_bh_enable, spin_unlock_bh), so that locks held across the enable become
// irq-unsafe (the kernel's mark_held_locks: the self-test "safe-A + irqs-on").
//
// Output is byte-for-byte deterministic: nothing is printed in map order, and the
// breadth-first search follows dependencies in the order they were recorded, as the
// kernel's list walk does.
//
// # Differences from the kernel
//
//   - The kernel reports only the first problem of a boot: every print_* function
//     starts with debug_locks_off_graph_unlock() (kernel/locking/lockdep.c), and with
//     debug_locks off lockdep does nothing more and prints "INFO: lockdep is turned
//     off." where it would list held locks. A Graph outlives a boot: it lives across
//     the executions of an exploration, and the caller (package ksync) plays the
//     boot, one per execution, calling nothing more once a report has turned lock
//     debugging off. A problem the graph found before — the same cycle (by its set
//     of classes), the same recursively taken class, the same irq conflict — is
//     reported again with Report.Repeat set: in another boot it is that boot's
//     report again. So that an identical acquisition finds it again, an acquisition
//     that reports leaves its chain out of the chain cache and does not keep the
//     usage bit it reported.
//   - Semaphores and completions are not tracked, as in the kernel (they have no
//     lockdep map): the caller simply does not call this package for them, so a
//     semaphore ABBA produces no lockdep report and shows up only as hung tasks.
//   - Whether a read_lock() of an rwlock_t is a recursive reader is the caller's to
//     say (Held.Recursive), as rwlock_acquire_read asks read_lock_is_recursive(): on
//     a kernel with CONFIG_QUEUED_RWLOCKS (x86 and most others) only a read_lock in
//     an interrupt (in_interrupt()) is, and read_lock(A) twice in process context is
//     "possible recursive locking detected", because a writer waiting in between
//     makes the second one queue (queued_read_lock_slowpath). A recursive reader
//     nests in a read-held lock of its class, and the strong-path rule ("-(xR)->
//     -(S*)->" does not make a deadlock) applies to it. down_read() is never a
//     recursive reader: down_read(A) twice is reported, as in the kernel.
//   - When a report is produced the acquisition adds no dependency, like the kernel's check_prevs_add which stops at the first
//     failure; the graph therefore stays free of reported cycles.
//   - A release in the middle of the held stack does not re-validate the locks above
//     it (the kernel's reacquire_held_locks); the dependencies it would add are
//     already implied by the recorded ones.
//   - The irq checks follow mark_lock / mark_lock_irq / valid_state,
//     check_usage_forwards / check_usage_backwards and check_irq_usage, with the
//     recursive-read rules of the strong-path search (usage_match,
//     usage_accumulate); a usage conflict is found before the dependency checks, as
//     mark_usage runs before validate_chain. The kernel stops at its first report;
//     ksim stops the acquisition there too (its remaining usage bits are not marked
//     and it adds no dependency, so an IN-HARDIRQ-W -> HARDIRQ-ON-W conflict prints
//     {?...}, SOFTIRQ-ON-W not being marked yet, exactly as the kernel does). An
//     irq-order and an irq-inversion report of the same irq-safe class, irq-unsafe
//     class and irq are one problem. A read-lock safe/unsafe pair is titled, as
//     state_name makes it, "HARDIRQ-READ-safe -> HARDIRQ-READ-unsafe".
//   - Only the HARDIRQ and SOFTIRQ states exist (lockdep_states.h). InHardirq implies
//     hardirqs disabled and InSoftirq softirqs disabled. The held stack passed is one
//     irq context: the kernel's separate_irq_context (no dependency between a lock
//     of the interrupted code and one taken by the handler on the same task) is left
//     to the caller, which runs a handler with its own held stack.
//   - "irq event stamp:" and the four "hardirqs/softirqs last enabled/disabled at"
//     lines print TaskInfo.IRQTrace (IRQTrace.String is print_irqtrace_events for
//     the caller's own reports); left zero they print "(0):
//     [<0000000000000000>] 0x0", the kernel's output for a transition that never
//     happened, and the site addresses are TextAddr stand-ins. The "... key at:"
//     line of a class prints a statically defined lock as its own key, at the first
//     instance's address ("dev_lock+0x0/0x20"), and a dynamically initialised one as
//     "__key.<class index>+0x0/0x40" at a stand-in address. The usage stacks
//     ("state was registered at:", "IN-HARDIRQ-W at:") are the stacks passed with
//     the acquisition (or IRQsOn call) that first set the bit, without the kernel's
//     lock_acquire / _raw_spin_lock frames. Report.Chain is nil for irq reports.
//   - Stack offsets do not exist in ksim: frames print decoded, "func (file:line)", as
//     scripts/decode_stacktrace.sh shows them; addresses are stable stand-ins.
package lockdep

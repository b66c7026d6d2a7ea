package ksync

import "github.com/ksim-dev/ksim/ksync/lockdep"

// The irq-flag history lockdep keeps for each task (struct irqtrace_events,
// CONFIG_TRACE_IRQFLAGS): every transition of hardirqs or softirqs between enabled
// and disabled gets the next number of the task's event count, and the last of each
// kind keeps its site. print_irqtrace_events prints it in __warn, in the soft-lockup
// report, in __might_resched and __schedule_bug when irqs are off, and in lockdep's
// "inconsistent lock state".
//
// The sites are what lockdep_hardirqs_on/off and lockdep_softirqs_on/off record:
// the caller of local_irq_disable or local_bh_disable (which are inline), the
// _raw_spin_*_irq* function of a spinlock call, and stand-ins for the entry code of
// an interrupt and of softirq processing. A task's history starts empty with the
// task, where a real kthread has been through fork and schedule already: until it
// has a transition of its own, a kind prints as the kernel prints one that never
// happened, "(0): [<0000000000000000>] 0x0".

// Sites of the kernel functions that switch irqs in the model's primitives, with
// stable stand-in offsets.
const (
	siteSpinLockIrq          = "_raw_spin_lock_irq+0x2e/0x50"
	siteSpinLockIrqsave      = "_raw_spin_lock_irqsave+0x46/0x60"
	siteSpinUnlockIrq        = "_raw_spin_unlock_irq+0x24/0x50"
	siteSpinUnlockIrqrestore = "_raw_spin_unlock_irqrestore+0x31/0x60"
	siteReadLockIrq          = "_raw_read_lock_irq+0x2e/0x50"
	siteWriteLockIrq         = "_raw_write_lock_irq+0x2e/0x50"
	siteReadUnlockIrq        = "_raw_read_unlock_irq+0x24/0x50"
	siteWriteUnlockIrq       = "_raw_write_unlock_irq+0x24/0x50"
	siteIRQEntry             = "common_interrupt+0x13/0xa0" // irqentry_enter's caller
	siteIRQExit              = "irqentry_exit+0x3b/0x90"
	siteSoftirqEntry         = "__do_softirq+0x10/0x18" // handle_softirqs' caller (_RET_IP_)
	siteSoftirqEntryD        = "run_ksoftirqd+0x36/0x60"
	siteSoftirqExit          = "handle_softirqs+0x4a5/0x5a0" // __local_bh_enable's _RET_IP_
	siteIRQEnterRCU          = "irq_enter_rcu+0x12/0x80"     // preempt_count_add(HARDIRQ_OFFSET) from 0
	siteHandleSoftirqs       = "handle_softirqs+0x6b/0x5a0"  // __local_bh_disable_ip(SOFTIRQ_OFFSET) from 0
)

// current is the task whose history an event goes to: in an interrupt context, the
// task it interrupted (current in the kernel), at the bottom of the contexts.
func (t *Task) current() *Task {
	for t.below != nil {
		t = t.below
	}
	return t
}

// setIrqsOff sets the task's hardirq flag; a change is a transition recorded at site.
func (t *Task) setIrqsOff(off bool, site string) {
	if t.irqsOff == off {
		return
	}
	t.irqsOff = off
	t.traceHardirqs(off, site)
}

// traceHardirqs records a transition of hardirqs (lockdep_hardirqs_on/off), while
// lockdep runs: once debug_locks is off the history stays as it was.
func (t *Task) traceHardirqs(off bool, site string) { t.traceIRQs(true, off, site) }

// traceSoftirqs records a transition of softirqs: off when the softirq count of
// preempt_count leaves 0, on when it comes back to 0.
func (t *Task) traceSoftirqs(off bool, site string) { t.traceIRQs(false, off, site) }

func (t *Task) traceIRQs(hard, off bool, site string) {
	if !t.k.lockdepOn() {
		return
	}
	tr := &t.current().irqtrace
	tr.Events++
	ev := lockdep.IRQEvent{Event: tr.Events, At: site}
	switch {
	case hard && off:
		tr.HardirqDisable = ev
	case hard:
		tr.HardirqEnable = ev
	case off:
		tr.SoftirqDisable = ev
	default:
		tr.SoftirqEnable = ev
	}
}

// irqTraceEvents is print_irqtrace_events(current), lockdep's: nothing in a kernel
// without it.
func (t *Task) irqTraceEvents() string {
	if t.k.dep == nil {
		return ""
	}
	return t.current().irqtrace.String()
}

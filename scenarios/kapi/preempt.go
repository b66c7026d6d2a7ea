package kapi

import (
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Preemption, local interrupts and bottom halves (include/linux/preempt.h,
// include/linux/irqflags.h, arch/x86/include/asm/irqflags.h,
// include/linux/bottom_half.h). local_irq_save and local_irq_restore are macros of
// the headers that call arch_local_irq_save and arch_local_irq_restore; the flags
// are x86's (X86_EFLAGS_IF set when interrupts were on).

const (
	hPreempt    = "linux/preempt.h"
	hIrqflags   = "linux/irqflags.h"
	hAsmIrq     = "asm/irqflags.h"
	hBottomHalf = "linux/bottom_half.h"
)

// preempt_count()'s parts (include/linux/preempt.h).
const (
	softirqMask = 0xff00
	hardirqMask = 0xf0000
	nmiMask     = 0xf00000
)

func init() {
	register(
		interp.Builtin{Name: "preempt_disable", Header: hPreempt, Decl: "void preempt_disable(void);",
			Impl: func(c *interp.Call) int64 { c.T.PreemptDisable(); return 0 }},
		interp.Builtin{Name: "preempt_enable", Header: hPreempt, Decl: "void preempt_enable(void);",
			Impl: func(c *interp.Call) int64 { c.T.PreemptEnable(); return 0 }},
		interp.Builtin{Name: "preempt_count", Header: hPreempt, Decl: "int preempt_count(void);",
			Impl: func(c *interp.Call) int64 { return int64(c.T.PreemptCount()) }},
		interp.Builtin{Name: "in_atomic", Header: hPreempt, Decl: "int in_atomic(void);",
			Impl: func(c *interp.Call) int64 { return b2i(c.T.InAtomic()) }},
		// in_interrupt() is irq_count(): NMI, hardirq or softirq count, where the
		// softirq count includes bottom halves disabled (SOFTIRQ_DISABLE_OFFSET).
		interp.Builtin{Name: "in_interrupt", Header: hPreempt, Decl: "int in_interrupt(void);",
			Impl: func(c *interp.Call) int64 { return b2i(c.T.PreemptCount()&(nmiMask|hardirqMask|softirqMask) != 0) }},
		interp.Builtin{Name: "irqs_disabled", Header: hIrqflags, Decl: "int irqs_disabled(void);",
			Impl: func(c *interp.Call) int64 { return b2i(c.T.IrqsDisabled()) }},
		interp.Builtin{Name: "local_irq_disable", Header: hIrqflags, Decl: "void local_irq_disable(void);",
			Impl: func(c *interp.Call) int64 { c.T.LocalIrqDisable(); return 0 }},
		interp.Builtin{Name: "local_irq_enable", Header: hIrqflags, Decl: "void local_irq_enable(void);",
			Impl: func(c *interp.Call) int64 { c.T.LocalIrqEnable(); return 0 }},
		interp.Builtin{Name: "arch_local_irq_save", Header: hAsmIrq, Decl: "unsigned long arch_local_irq_save(void);",
			Impl: func(c *interp.Call) int64 { return int64(c.T.LocalIrqSave()) }},
		interp.Builtin{Name: "arch_local_irq_restore", Header: hAsmIrq, Decl: "void arch_local_irq_restore(unsigned long flags);",
			Impl: func(c *interp.Call) int64 { c.T.LocalIrqRestore(int(c.Int(0))); return 0 }},
		interp.Builtin{Name: "local_bh_disable", Header: hBottomHalf, Decl: "void local_bh_disable(void);",
			Impl: func(c *interp.Call) int64 { c.T.LocalBHDisable(); return 0 }},
		interp.Builtin{Name: "local_bh_enable", Header: hBottomHalf, Decl: "void local_bh_enable(void);",
			Impl: func(c *interp.Call) int64 { c.T.LocalBHEnable(); return 0 }},
	)
}

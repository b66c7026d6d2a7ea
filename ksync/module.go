package ksync

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// Module unload (kernel/module/main.c, delete_module): once module_exit returns,
// free_module frees the module's text, data and read-only data. What the module
// left behind — a queued work item, an armed timer, a scheduled tasklet, a
// registered interrupt handler, a pending RCU callback — still points into that
// text, and the kernel calls it anyway: an instruction fetch from a page that is no
// longer mapped, the page-fault Oops that RunModuleCode prints.
//
// The unload is one step that writes the module object, and every deferred call of
// module code reads it first (ModuleCode): the two are dependent, so the search
// explores the callback running before the unload and after it.

// moduleObject is the sched object standing for the module's being loaded, made on
// first use (both sides of the race make it the same way).
func (k *Kernel) moduleObject() sched.ObjID {
	if k.modObj == 0 {
		k.modObj = k.e.NewObject("module")
	}
	return k.modObj
}

// UnloadModule is free_module after module_exit has returned: the module's
// globals, read-only data and functions are freed, a step per object as
// FreeModule frees them, and from now on the module's code is gone
// (ModuleGone).
// name is the module's name, for the "[last unloaded: name]" of later Oopses.
//
// When no other context is alive, nothing can race with the unload, and it costs
// no step: a context started later from this task's own steps (an interrupt) comes
// after it in program order and sees the module gone.
func (t *Task) UnloadModule(name string) {
	t.irqUnload()            // the managed irqs go with the device (irq_thread.go)
	defer t.irqAfterUnload() // a line left requested may fire after (irq_thread.go)
	t.k.modName = name
	if !t.k.othersAlive(t) {
		t.k.modGone = true
		for _, b := range t.k.mem.objs {
			if b.region == RegionStatic || b.region == RegionRodata || b.region == RegionText {
				b.freed = true
			}
		}
		return
	}
	t.op("free_module", t.k.moduleObject(), sched.Write, nil)
	t.k.modGone = true
	for _, b := range append([]*Buffer(nil), t.k.mem.objs...) {
		if (b.region == RegionStatic || b.region == RegionRodata || b.region == RegionText) && !b.freed {
			t.freeOp("free_module", b)
			b.freed = true
		}
	}
}

// ModuleGone reports whether the module has been unloaded.
func (k *Kernel) ModuleGone() bool { return k.modGone }

// ModuleCode is the check the kernel does not make, made visible: a deferred call
// of the module's function at addr (named fn) from kernel code (process_one_work,
// call_timer_fn, tasklet_action_common, __handle_irq_event_percpu, rcu_do_batch),
// as a step that reads whether the module is still loaded. When it is not, the call
// is the page-fault Oops of fetching instructions from freed module text, with a
// ksim: line naming what the module's exit should have called (missing, e.g.
// "cancel_work_sync(&my_work)"), and ModuleCode returns false: the task is dead.
// kernelFrames are the kernel's frames of the caller, innermost first, for the call
// trace.
func (t *Task) ModuleCode(addr uint64, fn, missing string, kernelFrames ...string) bool {
	t.op("call "+fn, t.k.moduleObject(), sched.Read, nil)
	if !t.k.modGone {
		return true
	}
	t.freedCodeOops(addr, fn, missing, kernelFrames)
	return false
}

// freedCodeOops is page_fault_oops (arch/x86/mm/fault.c) for an instruction fetch
// from an unmapped page: error code X86_PF_INSTR (0x10), not present; the RIP is
// the fetched address itself, which no longer has a symbol.
func (t *Task) freedCodeOops(addr uint64, fn, missing string, kernelFrames []string) {
	var b strings.Builder
	title := fmt.Sprintf("BUG: unable to handle page fault for address: %016x", addr)
	b.WriteString(title + "\n")
	b.WriteString("#PF: supervisor instruction fetch in kernel mode\n")
	b.WriteString("#PF: error_code(0x0010) - not-present page\n")
	b.WriteString(t.dieHeader("Oops", 0x10))
	b.WriteString(t.header())
	fmt.Fprintf(&b, "RIP: 0010:0x%x\n", addr)
	b.WriteString(t.callTrace(kernelFrames...))
	// print_modules: the list (empty: the module is gone), then last_unloaded_module.
	fmt.Fprintf(&b, "Modules linked in: [last unloaded: %s]\n", t.k.modName)
	fmt.Fprintf(&b, "CR2: %016x\n", addr)
	site := "freed module code " + fn
	t.reportStep("add_taint", t.k.locksOffBy)
	b.WriteString(t.addTaintUnreliable(taintDie, site))
	b.WriteString("---[ end trace 0000000000000000 ]---\n")
	fmt.Fprintf(&b, "RIP: 0010:0x%x\n", addr)
	fmt.Fprintf(&b, "ksim: %s is module code, called after module_exit returned and the module was freed:\n", fn)
	fmt.Fprintf(&b, "ksim: the module's exit must call %s before it returns.\n", missing)
	t.report("bug", site, title, b.String())
	t.exitChecks()
	t.exit()
	t.th.Exit()
}

// othersAlive reports whether a task or interrupt context other than self has not
// exited.
func (k *Kernel) othersAlive(self *Task) bool {
	if k.wq.expiries > 0 { // a timer may still fire (timer.go)
		return true
	}
	for _, ts := range [...][]*Task{k.tasks, k.handlers} {
		for _, o := range ts {
			if o != self && !o.exited && (o.th == nil || !o.th.Finished()) {
				return true
			}
		}
	}
	return false
}

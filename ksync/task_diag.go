package ksync

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// Diagnostics a module calls itself: WARN with a message, the once-per-site
// warnings, dump_stack and panic (include/asm-generic/bug.h, kernel/panic.c,
// lib/dump_stack.c). BUG and BUG_ON are BugOn, WARN_ON is WarnOn (misc.go).

// Warn is WARN(cond, fmt, ...) with msg the formatted message: when cond holds,
// __warn_printk prints the "cut here" line and the message, then report_bug's
// __warn the WARNING (include/asm-generic/bug.h, __WARN_printf; kernel/panic.c). It
// returns cond.
func (t *Task) Warn(cond bool, msg string) bool {
	if cond {
		t.warn(strings.TrimSuffix(msg, "\n"), t.where(), t.site(), "WARN at "+t.where())
	}
	return cond
}

// WarnOnOnce is WARN_ON_ONCE(cond) at the call site key: the kernel gives every
// expansion of the macro a static __already_done flag (DO_ONCE_LITE_IF in
// include/linux/once_lite.h), so the first time cond holds at that site in a boot it
// warns as WarnOn does; later it is silent. key identifies the site (the
// interpreter's call site). It returns cond.
func (t *Task) WarnOnOnce(cond bool, key any) bool {
	if cond {
		t.warnOnceAt(key, "", "WARN_ON at "+t.where())
	}
	return cond
}

// WarnOnce is WARN_ONCE(cond, fmt, ...) at the call site key, msg the formatted
// message: Warn, once per site and boot (see WarnOnOnce). It returns cond.
func (t *Task) WarnOnce(cond bool, key any, msg string) bool {
	if cond {
		t.warnOnceAt(key, strings.TrimSuffix(msg, "\n"), "WARN at "+t.where())
	}
	return cond
}

func (t *Task) warnOnceAt(key any, msg, site string) {
	a := &t.k.tmem
	if by, ok := a.once[key]; ok {
		t.silenced(by, site)
		return
	}
	if a.once == nil {
		a.once = map[any]reportedBy{}
	}
	a.once[key] = reportedBy{t.th, site, false}
	t.warn(msg, t.where(), t.site(), site)
}

// DumpStack is dump_stack() (lib/dump_stack.c): the task's header and call trace
// in the log, at KERN_DEFAULT; not a report.
func (t *Task) DumpStack() {
	t.k.printk(strings.TrimSuffix(t.header()+t.callTrace("dump_stack_lvl"), "\n"))
}

// Panic is panic(fmt, ...) with msg the formatted message (vpanic in
// kernel/panic.c): "Kernel panic - not syncing: msg" (a trailing newline of msg
// dropped, as vpanic drops it), the stack dump (CONFIG_DEBUG_BUGVERBOSE; not after
// an oops, TAINT_DIE), x86's "Kernel Offset" line and the end marker. The other
// CPUs are stopped and the machine halts (panic_timeout 0): the execution ends
// here.
func (t *Task) Panic(msg string) {
	t.op("panic", 0, sched.None, nil)
	msg = strings.TrimSuffix(msg, "\n")
	var b strings.Builder
	title := "Kernel panic - not syncing: " + msg
	b.WriteString(title + "\n")
	if t.k.taint&(1<<taintDie) == 0 {
		b.WriteString(t.header())
		b.WriteString(t.callTrace("dump_stack_lvl", "panic"))
	}
	b.WriteString("Kernel Offset: disabled\n")
	fmt.Fprintf(&b, "---[ end Kernel panic - not syncing: %s ]---\n", msg)
	t.report("bug", "panic at "+t.where(), "Kernel panic - not syncing", b.String())
	t.k.e.Abort()
	t.exit()
	t.th.Exit()
}

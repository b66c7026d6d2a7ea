package ksync

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// Helpers for the C interpreter (scenarios/interp): the address-space questions it
// asks on its hot path, answered from the region layout without a lookup.

// InStack reports whether addr lies in the region of tasks' stack objects: only such
// an address can point into a private object (see Task.NewStack).
func InStack(addr uint64) bool {
	return addr >= regionBase[RegionStack] && addr < regionBase[RegionVmalloc]
}

// InRodata reports whether addr lies in read-only data (string literals, const
// globals): memory that never changes once an execution is set up.
func InRodata(addr uint64) bool {
	return addr >= regionBase[RegionRodata] && addr < regionBase[RegionStatic]
}

// EscapeAt makes the private stack object holding addr shared, if there is one: its
// address is about to be stored where another task can find it, or handed to the
// kernel API. into is the object the address is stored into (nil for the kernel
// API): an object's address stored inside itself escapes nothing.
func (k *Kernel) EscapeAt(addr uint64, into *Buffer) {
	if !InStack(addr) {
		return
	}
	if b, _ := k.Find(addr); b != nil && b.owner != nil && b != into {
		b.owner = nil
	}
}

// FreeStack ends the life of a stack object: its frame returns. Nothing another task
// can see happens when a private object dies; an escaped one is written, word by
// word, so that an access racing with the return is ordered against it.
func (t *Task) FreeStack(b *Buffer) {
	if b.owner == nil {
		for w := 0; w < len(b.data); w += 8 {
			t.op("return", b.loc(t.k, w), sched.Write, nil)
		}
	}
	b.freed = true
	b.freePID = t.PID
}

// WriteReadOnly is the oops of a write to read-only data (a string literal, a const
// global): with CONFIG_STRICT_KERNEL_RWX the page is mapped read-only, and the
// write faults on a present page (arch/x86/mm/fault.c: show_fault_oops, error code
// X86_PF_WRITE|X86_PF_PROT). The task dies where it stands.
func (t *Task) WriteReadOnly(addr uint64) {
	t.op("write", 0, sched.None, nil)
	var b strings.Builder
	title := fmt.Sprintf("BUG: unable to handle page fault for address: %016x", addr)
	b.WriteString(title + "\n")
	b.WriteString("#PF: supervisor write access in kernel mode\n#PF: error_code(0x0003) - permissions violation\n")
	b.WriteString(t.dieHeader("Oops", 3))
	t.die(&b, "page fault at "+t.where(), "BUG: unable to handle page fault", int64(addr))
}

package ksync

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
// can see happens when a private object dies; an escaped one is freed location by
// location (freeOp), so that an access racing with the return is ordered against it.
func (t *Task) FreeStack(b *Buffer) {
	if b.owner == nil {
		t.freeOp("return", b)
	}
	b.freed = true
	b.freePID = t.PID
}

// WriteReadOnly is the oops of a write to read-only data (a string literal, a const
// global): see permFault.
func (t *Task) WriteReadOnly(addr uint64) { t.permFault(addr) }

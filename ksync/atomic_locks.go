package ksync

import "github.com/ksim-dev/ksim/sched"

// atomic_t, atomic64_t, atomic_long_t and the bitops live in a module's memory:
// their operations are accesses to the word at an address, named as the kernel
// names them, so that traces read "atomic_inc(cnt)" as they always have.

// AtomicLoadAt is a marked read of size bytes at addr named name (atomic_read,
// test_bit): LoadAt under the kernel function's name.
func (t *Task) AtomicLoadAt(name string, addr uint64, size int) uint64 {
	return t.loadAt(name, addr, size)
}

// AtomicStoreAt is a marked write of size bytes at addr named name (atomic_set):
// StoreAt under the kernel function's name.
func (t *Task) AtomicStoreAt(name string, addr uint64, size int, v uint64) {
	t.storeAt(name, addr, size, v)
}

// CmpxchgAt is atomic_cmpxchg() on size bytes at addr, in one step: it stores new
// if the memory holds old, and returns what it held. A cmpxchg that fails writes
// nothing: the step is then a read, as Atomic.Cmpxchg's is, so that DPOR does not
// order two failing ones.
func (t *Task) CmpxchgAt(name string, addr uint64, size int, old, new uint64) uint64 {
	b, off, ok := t.check(name, addr, size, sched.Write)
	if !ok {
		return 0
	}
	v := b.get(off, size)
	switch {
	case v == old:
		b.put(off, size, new)
	case b.owner != t: // a shared word: check made the step
		t.th.SetAccess(sched.Read)
	}
	return v
}

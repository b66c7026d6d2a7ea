package ksync

import "github.com/ksim-dev/ksim/sched"

// Memory as the kernel's string functions (lib/string.c) touch it: byte by byte,
// each byte checked by KASAN's instrumentation of the function itself, so that a
// report names it ("BUG: KASAN: slab-out-of-bounds in strlen") with an access of
// size 1. Each word touched is one step; read-only memory (a string literal) is
// none.

// word announces fn's access to the word holding addr and returns its object and
// the offset of addr in it; nil after an oops (a NULL or wild address, a write to
// read-only memory), which kills the task.
func (t *Task) word(fn string, addr uint64, acc sched.Access) (*Buffer, int) {
	b, off := t.k.Find(addr)
	if b == nil {
		t.op(fn, 0, sched.None, nil)
		t.nullDeref(acc == sched.Write, int(int64(addr)))
		return nil, 0
	}
	if acc == sched.Write && (b.region == RegionRodata || b.region == RegionText) {
		t.permFault(addr)
		return nil, 0
	}
	if b.region == RegionRodata || b.owner == t {
		return b, off // never changes, or private to t: no step
	}
	t.op(fn, b.loc(t.k, off&^7), acc, nil)
	return b, off
}

// byteAt checks and reads the byte at addr for fn: KASAN's report if it is
// poisoned; memory past the object reads 0, freed memory what it held.
func (t *Task) byteAt(fn string, b *Buffer, addr uint64) byte {
	if t.k.bad(addr) {
		t.KasanCheckByte(fn, addr, false)
	}
	off := int(addr - b.addr)
	if off >= 0 && off < len(b.data) {
		return b.data[off]
	}
	return 0
}

// ReadIn reads n bytes at addr as fn does (memcmp), stopping early when stop says
// so after a byte; ok is false if the task died.
func (t *Task) ReadIn(fn string, addr uint64, n int, stop func(c byte) bool) (out []byte, ok bool) {
	var b *Buffer
	for i := 0; i < n; i++ {
		a := addr + uint64(i)
		if i == 0 || a&7 == 0 {
			if b, _ = t.word(fn, a, sched.Read); b == nil {
				return out, false
			}
		}
		c := t.byteAt(fn, b, a)
		out = append(out, c)
		if stop != nil && stop(c) {
			break
		}
	}
	return out, true
}

// StringIn reads the NUL-terminated string at addr as fn does (strlen, strcpy's
// source), at most max bytes; the NUL is not included. ok is false if the task
// died.
func (t *Task) StringIn(fn string, addr uint64, max int) (s []byte, ok bool) {
	out, ok := t.ReadIn(fn, addr, max, func(c byte) bool { return c == 0 })
	if len(out) > 0 && out[len(out)-1] == 0 {
		out = out[:len(out)-1]
	}
	return out, ok
}

// WriteIn writes p at addr as fn does (strcpy's destination), byte by byte: a
// poisoned byte is KASAN's report, and a byte past the object is dropped. ok is
// false if the task died.
func (t *Task) WriteIn(fn string, addr uint64, p []byte) bool {
	var b *Buffer
	for i, c := range p {
		a := addr + uint64(i)
		if i == 0 || a&7 == 0 {
			if b, _ = t.word(fn, a, sched.Write); b == nil {
				return false
			}
		}
		if t.k.bad(a) {
			t.kasanAccess(a, 1, true, fn)
		}
		if off := int(a - b.addr); off >= 0 && off < len(b.data) {
			b.data[off] = c
		}
	}
	return true
}

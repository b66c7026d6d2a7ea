package ksync

import (
	"fmt"
	"sort"

	"github.com/ksim-dev/ksim/sched"
)

// The address space. An interpreted module points at things by address, as C does:
// every object it can point at — a global, a heap object, an addressable local, a
// string literal, a function — is a Buffer with an address range of its own, and a
// pointer is just an address. Addresses are handed out in order and never reused
// within an execution, so a dangling pointer always finds the object it pointed at
// (KASAN's quarantine, made perfect), and the same schedule gives the same addresses.
//
// Accesses are visible operations keyed by location, so DPOR sees two tasks touching
// different fields as independent. A location is an aligned 8-byte word of an
// object: accesses that overlap always share one (sound), at the price of making
// sub-word neighbours (two ints in one word) dependent. An access that spans words
// is one step per word.

// Region is the kind of memory an object lives in; it decides its addresses and how a
// bad access to it is reported.
type Region uint8

const (
	RegionHeap    Region = iota // kmalloc & co. (the direct map)
	RegionStatic                // a module's globals (.data/.bss)
	RegionStack                 // a task's addressable locals
	RegionRodata                // string literals and const globals
	RegionText                  // functions: a function pointer is an address here
	RegionVmalloc               // vmalloc'ed memory
	RegionUser                  // a user process's memory (userproc.go): below TASK_SIZE_MAX
)

// regionBase is where each region's objects start: in the ranges x86-64 gives them
// (Documentation/arch/x86/x86_64/mm.rst: the direct map, vmalloc space, the module
// area), and none 4 GiB-aligned, so that a pointer truncated to 32 bits is not
// zero, as it almost never is in a running kernel.
var regionBase = [...]uint64{
	RegionHeap:    0xffff888102a40000,
	RegionStatic:  0xffffffffc0a00000,
	RegionStack:   0xffffc90000a18000,
	RegionRodata:  0xffffffffc0800000,
	RegionText:    0xffffffffc0000000,
	RegionVmalloc: 0xffffc90040000000,
	RegionUser:    0x00007ffe3c400000,
}

// addrSpace is one execution's objects, in address order within each region.
type addrSpace struct {
	next  [len(regionBase)]uint64
	objs  []*Buffer // every object, sorted by address (regions are disjoint ranges)
	prims map[uint64]any
	last  *Buffer // the object the last lookup found
	// placed is, by sched object, where a lock living in memory lives (see
	// lockBase.Place), so that its operations are checked against a free of it;
	// indexed by ObjID (small and dense), not a map: it is looked at every step.
	placed []placement
}

// placement is where in memory a primitive lives.
type placement struct {
	b   *Buffer
	off int
}

func (a *addrSpace) reset() {
	for r := range a.next {
		a.next[r] = regionBase[r]
	}
	clear(a.objs)
	a.objs = a.objs[:0]
	clear(a.prims)
	a.last = nil
}

// place gives b an address in region r and records it. Objects are 16-byte aligned
// and a redzone of at least 16 bytes separates neighbours, so an access just past
// the end of one is out of bounds of it, not inside the next.
func (k *Kernel) place(b *Buffer, r Region) { k.placeAt(b, r, k.reserve(r, len(b.data), 16)) }

// reserve hands out n bytes of region r's addresses, aligned to align (a power of
// two), for objects placeAt puts there later: a slab of a kmem_cache, a vmalloc
// area. A redzone of 16 bytes follows.
func (k *Kernel) reserve(r Region, n int, align uint64) uint64 {
	a := &k.mem
	if a.next[r] == 0 {
		a.reset()
	}
	base := (a.next[r] + align - 1) &^ (align - 1)
	a.next[r] = base + (uint64(max(n, 1))+15)&^15 + 16
	return base
}

// placeAt records b at addr in region r, an address reserve handed out.
func (k *Kernel) placeAt(b *Buffer, r Region, addr uint64) {
	b.region, b.addr = r, addr
	k.insert(b)
}

// insert adds b to the address-ordered objects.
func (k *Kernel) insert(b *Buffer) {
	b.gr = 8
	for len(b.data) > 32*b.gr {
		b.gr *= 2
	}
	a := &k.mem
	i := sort.Search(len(a.objs), func(i int) bool { return a.objs[i].addr > b.addr })
	a.objs = append(a.objs, nil)
	copy(a.objs[i+1:], a.objs[i:])
	a.objs[i] = b
}

// NewObject creates an object of size bytes (zeroed) in region r, named for traces
// and reports ("dev", "kmalloc-64"). Globals, string literals and functions are
// created while an execution is set up; stack objects with Task.NewStack.
func (k *Kernel) NewObject(name string, size int, r Region) *Buffer {
	b := &Buffer{id: k.e.NewObject(name), name: name, data: make([]byte, size)}
	k.place(b, r)
	return b
}

// NewStack creates an addressable local of t: private to t (its accesses are not
// visible operations) until its address escapes (Buffer.Escape).
func (t *Task) NewStack(name string, size int) *Buffer {
	b := t.k.NewObject(name, size, RegionStack)
	b.owner, b.stackTask = t, t
	if fs := t.frames(); len(fs) > 0 {
		b.frameFn = fs[len(fs)-1].Func
	}
	return b
}

// Escape makes a private object shared: from now on every access is a visible
// operation. The interpreter calls it when the object's address is stored in memory
// or handed to the kernel API.
func (b *Buffer) Escape() { b.owner = nil }

// Addr is the object's first address.
func (b *Buffer) Addr() uint64 { return b.addr }

// Region is where the object lives.
func (b *Buffer) Region() Region { return b.region }

// Name is the object's name.
func (b *Buffer) Name() string { return b.name }

// Freed reports whether the object has been freed (kfree, or its frame returned).
func (b *Buffer) Freed() bool { return b.freed }

// Bytes is the object's memory, for setup (initialisers) and checks outside a task.
func (b *Buffer) Bytes() []byte { return b.data }

// Find returns the object whose range holds addr and the offset of addr in it. An
// address just past an object (within the redzone after it) finds that object with
// an offset past its end; an address in no object finds nil.
func (k *Kernel) Find(addr uint64) (*Buffer, int) {
	a := &k.mem
	if b := a.last; b != nil && addr >= b.addr && addr < b.addr+uint64(len(b.data)) {
		return b, int(addr - b.addr)
	}
	i := sort.Search(len(a.objs), func(i int) bool { return a.objs[i].addr > addr }) - 1
	if i < 0 {
		return nil, 0
	}
	b := a.objs[i]
	if addr >= b.addr+b.extent() {
		return nil, 0
	}
	a.last = b
	return b, int(addr - b.addr)
}

// extent is how many bytes from its start an object's addresses reach: its size
// rounded to 16 and the redzone place leaves; a slab object's whole slot (its
// cache's object size, or s->size for a kmem_cache); a vmalloc area's pages. An
// address there finds the object, as KASAN's metadata finds it.
func (b *Buffer) extent() uint64 {
	n := (uint64(max(len(b.data), 1))+15)&^15 + 16
	switch {
	case b.cache != nil && b.cache.slot > 0:
		n = max(n, uint64(b.cache.slot))
	case b.region == RegionHeap && !b.isLarge():
		n = max(n, uint64(b.ksize()))
	case b.region == RegionVmalloc:
		n = max(n, (uint64(len(b.data))+PageSize-1)&^(PageSize-1))
	}
	return n
}

// loc is the sched object of the word at off.
func (b *Buffer) loc(k *Kernel, off int) sched.ObjID { return b.locNamed(k, off, "") }

// locNamed is loc, naming a location it creates name rather than object+offset.
func (b *Buffer) locNamed(k *Kernel, off int, name string) sched.ObjID {
	w := off &^ (b.grain() - 1)
	if w == 0 && len(b.data) <= 8 {
		return b.id
	}
	id, ok := b.locs[w]
	if !ok {
		if b.freeing {
			// A location first touched after the object was freed: the access
			// is ordered against the free's first step (see freeOp).
			return b.id
		}
		if b.locs == nil {
			b.locs = map[int]sched.ObjID{}
		}
		if name == "" {
			name = fmt.Sprintf("%s+%#x", b.name, w)
		}
		id = k.e.NewObject(name)
		b.locs[w] = id
	}
	return id
}

// grain is the size of b's locations: an 8-byte word for an object of up to 256
// bytes (32 words), and for a larger one the power of two that cuts it into at most
// 32 to 64 locations, so that freeing it (a step per location, see freeOp) stays
// cheap. Coarser locations only make more accesses dependent: sound.
// It is fixed when the object is placed: krealloc may grow an object in place, and
// a location must stay the same bytes for the object's whole life.
func (b *Buffer) grain() int { return b.gr }

// freedAt reports whether the location holding off has been freed: a free takes a
// step per location (freeOp), and each location is freed at its own step; one no
// access had touched when the free began, at the free's first step.
func (b *Buffer) freedAt(off int) bool {
	if b.freed {
		return true
	}
	if !b.freeing {
		return false
	}
	w := off &^ (b.grain() - 1)
	if _, ok := b.locs[w]; ok {
		return b.freedLocs[w]
	}
	return true
}

// LoadAt reads size bytes (1, 2, 4 or 8) at addr, little-endian, as a visible
// operation (a plain read) unless the memory is private to t. A NULL or wild address
// oopses (the task dies, as in the kernel); an access out of bounds or after free is
// KASAN's report, and the task goes on.
func (t *Task) LoadAt(addr uint64, size int) uint64 { return t.loadAt("read", addr, size) }

// ReadOnceAt is READ_ONCE: LoadAt under the kernel's name.
func (t *Task) ReadOnceAt(addr uint64, size int) uint64 { return t.loadAt("READ_ONCE", addr, size) }

// StoreAt writes the low size bytes of v at addr (see LoadAt).
func (t *Task) StoreAt(addr uint64, size int, v uint64) { t.storeAt("write", addr, size, v) }

// WriteOnceAt is WRITE_ONCE: StoreAt under the kernel's name.
func (t *Task) WriteOnceAt(addr uint64, size int, v uint64) { t.storeAt("WRITE_ONCE", addr, size, v) }

func (t *Task) loadAt(name string, addr uint64, size int) uint64 {
	b, off, ok := t.check(name, addr, size, sched.Read)
	if !ok {
		return 0
	}
	return b.get(off, size)
}

func (t *Task) storeAt(name string, addr uint64, size int, v uint64) {
	b, off, ok := t.check(name, addr, size, sched.Write)
	if ok {
		b.put(off, size, v)
	}
}

// RMWAt is an atomic read-modify-write of size bytes at addr in one step (atomic_t's
// operations, test_and_set_bit): f gets the old value and returns the new one.
// It returns the old value.
func (t *Task) RMWAt(name string, addr uint64, size int, f func(old uint64) uint64) uint64 {
	b, off, ok := t.check(name, addr, size, sched.Write)
	if !ok {
		return 0
	}
	old := b.get(off, size)
	b.put(off, size, f(old))
	return old
}

// check announces an access of size bytes at addr and says whether the object holds
// them. Every word the access touches is a step of its own.
func (t *Task) check(name string, addr uint64, size int, acc sched.Access) (*Buffer, int, bool) {
	b, off := t.k.Find(addr)
	if b == nil {
		t.op(name, 0, sched.None, nil)
		t.nullDeref(acc == sched.Write, int(int64(addr)))
		return nil, 0, false
	}
	if b.owner == nil || b.owner != t {
		g := b.grain()
		for w := off &^ (g - 1); w < off+size; w += g {
			t.op(name, b.loc(t.k, w), acc, nil)
		}
	}
	inside := off >= 0 && off+size <= len(b.data)
	freed := b.freedAt(off)
	write := acc == sched.Write
	switch {
	case b.region == RegionUser:
		t.smapFault(addr, write) // fops (userproc.go): kernel code reaching user memory
		return nil, 0, false
	case write && (b.region == RegionRodata || b.region == RegionText):
		// .rodata and .text are mapped read-only: the store faults
		// (arch/x86/mm/fault.c), with KASAN silent (the shadow says valid).
		t.permFault(addr)
		return nil, 0, false
	case freed && b.region == RegionStack && inside:
		// A local of a frame that has returned. The compiler's stack
		// instrumentation unpoisons a frame when it returns and KASAN_GENERIC has
		// no use-after-return detection in the kernel: the access reaches the
		// stack below the stack pointer, silently, as in the kernel. ksim keeps
		// the local's last value there.
		t.th.Note("the local's frame has returned: KASAN cannot see it")
	case !inside || freed:
		t.kasanAccess(addr, size, write, "")
		if freed && (b.region == RegionVmalloc || b.region == RegionStatic || b.region == RegionRodata) {
			// vfree unmapped the area (remove_vm_area -> vunmap; a module whose init
			// failed has its memory vfree'd the same way): after KASAN's
			// report the access faults.
			t.nullDeref(write, int(int64(addr)))
			return nil, 0, false
		}
	}
	return b, off, inside
}

// Peek reads size bytes at addr without a step and without checks: for the kernel
// API's own bookkeeping (is this lock statically initialised?) and for checks
// outside any task. ok is false when no object holds them.
func (k *Kernel) Peek(addr uint64, size int) (v uint64, ok bool) {
	b, off := k.Find(addr)
	if b == nil || off < 0 || off+size > len(b.data) {
		return 0, false
	}
	return b.get(off, size), true
}

// Poke writes size bytes at addr without a step: for initialisers at setup.
func (k *Kernel) Poke(addr uint64, size int, v uint64) bool {
	b, off := k.Find(addr)
	if b == nil || off < 0 || off+size > len(b.data) {
		return false
	}
	b.put(off, size, v)
	return true
}

// PrimAt is the kernel object (a *Mutex, *Spinlock ...) that lives at addr, nil if
// none has been created there.
func (k *Kernel) PrimAt(addr uint64) any { return k.mem.prims[addr] }

// SetPrimAt records p as the kernel object living at addr.
func (k *Kernel) SetPrimAt(addr uint64, p any) {
	if k.mem.prims == nil {
		k.mem.prims = map[uint64]any{}
	}
	k.mem.prims[addr] = p
}

func (b *Buffer) get(off, size int) uint64 {
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(b.data[off+i])
	}
	return v
}

func (b *Buffer) put(off, size int, v uint64) {
	for i := range size {
		b.data[off+i] = byte(v)
		v >>= 8
	}
}

// LoadBytes reads n bytes at addr (memcpy's source, a string printk prints): one
// step per word, under name. Bytes past the object read as 0 after KASAN's report.
func (t *Task) LoadBytes(name string, addr uint64, n int) []byte {
	out := make([]byte, n)
	for i := 0; i < n; {
		w := min(8-int((addr+uint64(i))&7), n-i)
		b, off, _ := t.check(name, addr+uint64(i), w, sched.Read)
		if b == nil {
			return out
		}
		// The bytes the object has: past it (after KASAN's report), 0.
		if lo, hi := max(off, 0), min(off+w, len(b.data)); lo < hi {
			copy(out[i+lo-off:i+hi-off], b.data[lo:hi])
		}
		i += w
	}
	return out
}

// StoreBytes writes p at addr (memcpy's destination, memset, strcpy): one step per
// word, under name.
func (t *Task) StoreBytes(name string, addr uint64, p []byte) {
	for i := 0; i < len(p); {
		w := min(8-int((addr+uint64(i))&7), len(p)-i)
		b, off, _ := t.check(name, addr+uint64(i), w, sched.Write)
		if b == nil {
			return
		}
		// The bytes that land in the object; those past it are dropped.
		if lo, hi := max(off, 0), min(off+w, len(b.data)); lo < hi {
			copy(b.data[lo:hi], p[i+lo-off:i+hi-off])
		}
		i += w
	}
}

// CString reads the NUL-terminated string at addr, at most max bytes: one step per
// word, under name. A string in read-only memory (a literal) never changes, so
// reading it is no step at all.
func (t *Task) CString(name string, addr uint64, max int) string {
	var out []byte
	for len(out) < max {
		b, off := t.k.Find(addr)
		if b != nil && b.region == RegionRodata && off >= 0 && off < len(b.data) && !b.freed {
			for _, c := range b.data[off:] {
				if c == 0 || len(out) == max {
					return string(out)
				}
				out = append(out, c)
			}
			return string(out)
		}
		w := 8 - int(addr&7)
		chunk := t.LoadBytes(name, addr, w)
		if b == nil || off+w > len(b.data) {
			for _, c := range chunk {
				if c == 0 {
					return string(out)
				}
				out = append(out, c)
			}
			return string(out)
		}
		for _, c := range chunk {
			if c == 0 || len(out) == max {
				return string(out)
			}
			out = append(out, c)
		}
		addr += uint64(w)
	}
	return string(out)
}

// freeOp announces the end of b's life (kfree, vfree, kmem_cache_free) as a
// write that races with every access to the object, whichever field it touches:
// a step on the object itself, then one on each location an access has touched so
// far. Each location is freed at its own step (freedAt), so an access ordered after
// that step finds it freed and one ordered before does not; a location first
// touched after the free began is accessed through the object itself (loc), which
// orders it against the first step. No reordering DPOR takes for equivalent can
// change what an access finds. The caller marks the whole object freed afterwards.
func (t *Task) freeOp(name string, b *Buffer) {
	t.op(name, b.id, sched.Write, nil)
	b.freeing = true
	if len(b.locs) == 0 {
		return
	}
	words := make([]int, 0, len(b.locs))
	for w := range b.locs {
		words = append(words, w)
	}
	sort.Ints(words)
	if b.freedLocs == nil {
		b.freedLocs = make(map[int]bool, len(words))
	}
	for _, w := range words {
		t.op(name, b.locs[w], sched.Write, nil)
		b.freedLocs[w] = true
	}
}

// FreeModule is what do_init_module does when a module's init fails
// (kernel/module/main.c: fail_free_freeinit, free_module): the module's memory — its
// globals and read-only data — is freed, a step per object (freeOp), so a task the
// module started that touches it afterwards gets KASAN's report.
func (t *Task) FreeModule() {
	for _, b := range append([]*Buffer(nil), t.k.mem.objs...) {
		if (b.region == RegionStatic || b.region == RegionRodata) && !b.freed {
			t.freeOp("free_module", b)
			b.freed = true
		}
	}
}

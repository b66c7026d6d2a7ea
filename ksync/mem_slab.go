package ksync

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// The allocators by address, as an interpreted module calls them: the kmalloc
// family (mm/slub.c, mm/slab_common.c, mm/util.c), kmem_cache_* and vmalloc
// (mm/vmalloc.c), each with the kernel's checks and reports.

// ZeroSizePtr is ZERO_SIZE_PTR (include/linux/slab.h): what kmalloc(0) returns. It
// is in the first page, so dereferencing it is a NULL pointer dereference.
const ZeroSizePtr = 16

// PageSize is PAGE_SIZE on x86-64.
const PageSize = 4096

// allocReq is one allocation, as the allocating function describes it.
type allocReq struct {
	prim  string   // the operation's name in traces: "kmalloc", "kmem_cache_alloc"
	size  int      // bytes asked for
	gfp   GFP      // the flags, __GFP_ZERO included
	inner []string // kernel frames from might_alloc's __might_resched to fn, innermost first
	fn    string   // the allocator: KASAN's "Allocated by" frame, reclaim's wait
	outer []string // kernel frames between fn and the module, innermost first
	// kasanHook is KASAN's allocation hook: __kasan_kmalloc, __kasan_slab_alloc.
	kasanHook string
	cache     *KmemCache // a kmem_cache object's cache, nil for kmalloc
}

// frames is every kernel frame of the allocation, innermost first.
func (r *allocReq) frames() []string {
	fs := append(append(append([]string{}, r.inner...), r.fn), r.outer...)
	return fs
}

// alloc is the kmalloc of the Buffer API (Kmalloc, KmallocVar...).
func (t *Task) alloc(prim string, size int, gfp GFP, constSize bool) *Buffer {
	frames := kmallocFrames(size, constSize)
	return t.allocate(allocReq{prim: prim, size: size, gfp: gfp, inner: frames[:len(frames)-1], fn: frames[len(frames)-1]})
}

// allocate is the path every slab and page allocation takes: might_alloc (in
// slab_pre_alloc_hook, or prepare_alloc_pages for a large kmalloc) and its
// might_sleep BUG in atomic context, the size limit, memory pressure's choices (a
// blocking allocation may sleep in direct reclaim, a non-blocking one may fail),
// and the model's memory limit.
func (t *Task) allocate(r allocReq) *Buffer {
	prim, size, gfp := r.prim, r.size, r.gfp
	tooLarge := size < 0 || size > KmallocMaxSize
	// might_alloc (include/linux/sched/mm.h) in slab_pre_alloc_hook, or in
	// prepare_alloc_pages for a large one; kmalloc(0) returns ZERO_SIZE_PTR before,
	// and a size past MAX_PAGE_ORDER is refused before. In atomic context its check
	// is a step of its own, before the allocation's (mightResched).
	if gfp&GFPDirectReclaim != 0 && size != 0 && !tooLarge {
		t.mightResched("include/linux/sched/mm.h:321", r.frames()...)
	}
	t.op(prim, 0, sched.None, nil)
	if tooLarge {
		// A negative int is a huge size_t. __alloc_pages_noprof refuses an order
		// above MAX_PAGE_ORDER (WARN_ON_ONCE_GFP) whatever the memory pressure.
		t.note("size too large: returns NULL")
		if gfp&GFPNoWarn == 0 {
			t.warnOnce("mm/page_alloc.c:4835", "__alloc_pages_noprof+0x31e/0x350", prim+" of more than KMALLOC_MAX_SIZE at "+t.where())
		}
		return nil
	}
	if !t.mayAllocate(size, gfp, r.fn) {
		t.allocFailure(size, gfp, r.fn)
		return nil
	}
	t.k.kmem += size
	b := &Buffer{id: t.k.e.NewObject(prim), name: prim, data: make([]byte, size),
		allocPID: t.PID, allocStack: t.stackLines(), allocFn: r.fn, allocOuter: r.outer,
		kasanAlloc: r.kasanHook, cache: r.cache}
	if r.cache != nil {
		r.cache.place(t.k, b)
	} else {
		t.k.place(b, RegionHeap)
	}
	t.note("returns %d bytes", size)
	return b
}

// mayAllocate is memory pressure's choice and the model's memory limit: false when
// the allocation fails (the caller reports it). A blocking allocation may sleep in
// direct reclaim first.
func (t *Task) mayAllocate(size int, gfp GFP, fn string) bool {
	prim := fn
	if t.k.cfg.MemoryPressure {
		if gfp&GFPDirectReclaim != 0 {
			if t.th.Choose(2) == 1 {
				t.note("memory is low: sleeps in direct reclaim")
				t.sleep(Uninterruptible, waiting{kind: "reclaim", pos: t.pos, prim: fn})
				t.op(prim+" (reclaim done)", 0, sched.None, nil)
				t.wake()
			}
		} else if t.th.Choose(2) == 1 {
			t.note("memory is low: fails, returns NULL")
			if gfp&GFPNoFail != 0 {
				// __alloc_pages_slowpath: __GFP_NOFAIL without direct reclaim is not
				// supported, and such a request still fails.
				t.warnOnce("mm/page_alloc.c:4317", "__alloc_pages_slowpath.constprop.0+0x9a5/0xd80", "__GFP_NOFAIL without direct reclaim at "+t.where())
			}
			return false
		}
	}
	if t.k.kmem+size > SimulatedMemory {
		if gfp&GFPNoFail != 0 && gfp&GFPDirectReclaim != 0 {
			// __GFP_NOFAIL: the page allocator retries, and reclaims, for ever.
			t.note("out of memory, __GFP_NOFAIL: retries for ever")
			t.sleep(Uninterruptible, waiting{kind: "reclaim", pos: t.pos, prim: fn})
			t.op(prim+" (reclaim)", 0, sched.None, never{})
		}
		// A scenario that leaks in a loop would otherwise exhaust the simulator's
		// own memory. ksim does not model the OOM killer: the allocation fails.
		t.note("out of memory: fails, returns NULL")
		return false
	}
	return true
}

// KmallocCall is one call of the kmalloc family by a module.
type KmallocCall struct {
	Fn    string // the C function: kmalloc, kzalloc, kcalloc, kmalloc_array, kstrdup, kmemdup, krealloc, kvmalloc, kvzalloc
	Size  int    // the bytes it asks the allocator for (n * size for kcalloc)
	GFP   GFP    // the caller's flags (kzalloc's __GFP_ZERO is added here)
	Const bool   // the size is a compile-time constant (__builtin_constant_p)
}

// KmallocAt allocates as c.Fn does and returns the object's address: 0 when the
// allocation fails, ZeroSizePtr for a size of 0 (__do_kmalloc_node, before any
// check). kmalloc_noprof (include/linux/slab.h) calls __kmalloc_cache_noprof for a
// constant size, __kmalloc_noprof otherwise; kmalloc_array_noprof does the same
// for constant operands; kstrdup, kmemdup and krealloc allocate with
// __kmalloc_node_track_caller_noprof; kvmalloc with __kmalloc_node_noprof from
// __kvmalloc_node_noprof, which falls back to vmalloc for a size above a page.
func (t *Task) KmallocAt(c KmallocCall) uint64 {
	gfp := c.GFP
	if c.Fn == "kzalloc" || c.Fn == "kcalloc" || c.Fn == "kvzalloc" {
		gfp |= GFPZero
	}
	if c.Size == 0 {
		t.op(c.Fn, 0, sched.None, nil)
		t.note("size 0: returns ZERO_SIZE_PTR")
		return ZeroSizePtr
	}
	r := allocReq{prim: c.Fn, size: c.Size, gfp: gfp}
	var frames []string
	switch c.Fn {
	case "kstrdup", "kmemdup", "krealloc":
		frames = trackCallerFrames(c.Size)
		r.outer = []string{c.Fn + "_noprof"}
	case "kvmalloc", "kvzalloc":
		if c.Size > KmallocMaxSize {
			t.op(c.Fn, 0, sched.None, nil) // kmalloc refuses it, silently (__GFP_NOWARN)
			return t.kvmallocFallback(c.Fn, c.Size, gfp)
		}
		if c.Size > PageSize {
			// kmalloc_gfp_adjust: do not warn, and do not retry hard, before the
			// vmalloc fallback.
			r.gfp |= GFPNoWarn
			if gfp&GFPRetryMayfail == 0 {
				r.gfp |= GFPNoRetry
			}
		}
		frames = []string{"__kmalloc_node_noprof"}
		if c.Size > KmallocMaxCacheSize {
			frames = []string{"__alloc_pages_noprof", "alloc_pages_mpol_noprof", "alloc_pages_noprof", "___kmalloc_large_node", "__kmalloc_large_node_noprof", "__kmalloc_node_noprof"}
		}
		r.outer = []string{"__kvmalloc_node_noprof"}
	default:
		frames = kmallocFrames(c.Size, c.Const)
	}
	r.inner, r.fn = frames[:len(frames)-1], frames[len(frames)-1]
	b := t.allocate(r)
	if b == nil && (c.Fn == "kvmalloc" || c.Fn == "kvzalloc") && c.Size > PageSize {
		return t.kvmallocFallback(c.Fn, c.Size, gfp)
	}
	if b == nil {
		return 0
	}
	return b.addr
}

// kvmallocFallback is __kvmalloc_node_noprof (mm/util.c) after kmalloc failed for
// a size above a page: vmalloc, unless the caller may not sleep (vmalloc does not
// support non-blocking allocations): then NULL.
func (t *Task) kvmallocFallback(fn string, size int, gfp GFP) uint64 {
	if gfp&GFPDirectReclaim == 0 {
		t.note("not blocking: no vmalloc fallback, returns NULL")
		return 0
	}
	return t.VmallocAt(fn, size, gfp)
}

// trackCallerFrames are __kmalloc_node_track_caller_noprof's frames for a size.
func trackCallerFrames(size int) []string {
	if size > KmallocMaxCacheSize {
		return []string{"__alloc_pages_noprof", "alloc_pages_mpol_noprof", "alloc_pages_noprof", "___kmalloc_large_node", "__kmalloc_large_node_noprof", "__kmalloc_node_track_caller_noprof"}
	}
	return []string{"__kmalloc_node_track_caller_noprof"}
}

// Ksize is ksize(p) (mm/slab_common.c __ksize): the bytes usable at p — the kmalloc
// cache's object size, a kmem_cache's object_size, a large kmalloc's pages — after
// kasan_check_byte, which reports a freed object and makes it 0. ksize(NULL) and of
// ZERO_SIZE_PTR is 0.
func (t *Task) Ksize(addr uint64) int {
	t.op("ksize", 0, sched.None, nil)
	if addr <= ZeroSizePtr {
		return 0
	}
	b, off := t.k.Find(addr)
	if b == nil || b.region != RegionHeap || off < 0 || off >= len(b.data) {
		return 0
	}
	if b.freed {
		t.kasanAccess(addr, 1, false, "")
		return 0
	}
	return b.ksize()
}

// ksize is the usable size of a heap object.
func (b *Buffer) ksize() int {
	switch {
	case b.cache != nil:
		return b.cache.size
	case b.isLarge():
		return (len(b.data) + PageSize - 1) &^ (PageSize - 1)
	}
	size, _ := kmallocCache(max(len(b.data), 1))
	return size
}

// KreallocAt is krealloc(p, size, gfp) (mm/slab_common.c krealloc_noprof,
// __do_krealloc): a size of 0 frees p and returns ZERO_SIZE_PTR; a freed p is
// kasan_check_byte's report and NULL; a size that fits ksize(p) keeps the object
// (its bytes past the new size zeroed, as init_on_alloc does); a larger one
// allocates, copies ksize(p) bytes and frees p. On failure p is left as it was.
func (t *Task) KreallocAt(addr uint64, size int, gfp GFP) uint64 {
	if size == 0 {
		t.KfreeAt(addr)
		return ZeroSizePtr
	}
	var old *Buffer
	ks := 0
	if addr > ZeroSizePtr {
		b, off := t.k.Find(addr)
		t.op("krealloc", 0, sched.None, nil)
		switch {
		case b != nil && b.freed && b.region == RegionHeap:
			// kasan_check_byte: the report, and NULL.
			t.kasanAccess(addr, 1, false, "")
			return 0
		case b == nil || b.region != RegionHeap:
			// __ksize of memory no allocator returned: not a slab folio, and a
			// small one: WARN_ON, and a size of 0 (mm/slab_common.c). The new
			// object gets nothing copied; kfree(p) then complains of its own.
			t.warn("", "mm/slab_common.c:1046", "__ksize+0x95/0xb0", "krealloc of memory kmalloc did not return at "+t.where())
		case off != 0:
			// A pointer inside an object: ksize is its cache's, the copy starts at
			// p, and kfree(p) is KASAN's invalid-free.
			ks = b.ksize() - off
		default:
			old, ks = b, b.ksize()
		}
	}
	if old != nil && ks >= size {
		// kasan_krealloc: the object is now size bytes.
		if size <= len(old.data) {
			clear(old.data[size:])
			old.data = old.data[:size]
		} else {
			old.data = append(old.data, make([]byte, size-len(old.data))...)
		}
		t.note("fits: keeps the object, now %d bytes", size)
		return addr
	}
	n := t.KmallocAt(KmallocCall{Fn: "krealloc", Size: size, GFP: gfp})
	if n == 0 || addr <= ZeroSizePtr {
		return n
	}
	nb, _ := t.k.Find(n)
	if src, off := t.k.Find(addr); src != nil && ks > 0 {
		// memcpy(ret, p, ks) with KASAN off: the bytes there, redzone included.
		end := min(off+ks, len(src.data))
		if off < end {
			copy(nb.data, src.data[off:end])
		}
	}
	t.KfreeAt(addr)
	return n
}

// freeBuffer frees b as fn (kfree, kmem_cache_free): KASAN's double-free report
// when it was freed already (kasan_slab_pre_free), then the free.
func (t *Task) freeBuffer(addr uint64, b *Buffer, fn string) {
	if t.kasanFree(addr, b, fn, "check_slab_allocation", "__kasan_slab_pre_free") {
		return
	}
	b.freed = true
	b.freeFn = fn
	b.freePID, b.freeStack = t.PID, t.stackLines()
	t.k.kmem -= len(b.data)
	if b.cache != nil {
		b.cache.live--
	}
}

// KfreeAt is kfree(p) on an address (mm/slub.c kfree): NULL and ZERO_SIZE_PTR do
// nothing. A slab object is freed by slab_free, whose KASAN hook reports a pointer
// inside an object (invalid-free) or an object freed already (double-free) and
// then leaves it alone. A pointer that is not a slab's (a large kmalloc's pages,
// or memory kmalloc did not return) goes to free_large_kmalloc: a large object is
// freed after check_page_allocation's checks; anything else is a page of order 0
// there, WARN_ON_ONCE's warning and "object pointer" line, then KASAN's
// invalid-free (ksim stops there: the kernel goes on to folio_put a page it does
// not own).
func (t *Task) KfreeAt(addr uint64) {
	if addr <= ZeroSizePtr {
		t.op("kfree", 0, sched.None, nil)
		return
	}
	b, off := t.k.Find(addr)
	switch {
	case b != nil && b.region == RegionHeap && !b.isLarge():
		t.freeOp("kfree", b)
		if off != 0 {
			t.kasanFree(addr, b, "kfree", "check_slab_allocation", "__kasan_slab_pre_free")
			return
		}
		t.freeBuffer(addr, b, "kfree")
	case b != nil && b.region == RegionHeap && off >= 0 && off < len(b.data):
		t.freeOp("kfree", b)
		if off&(PageSize-1) == 0 && b.freed {
			// A freed large object's pages are order-0 free pages now.
			t.freeLargeWarn(addr)
		}
		if t.kasanFree(addr, b, "kfree", "check_page_allocation", "__kasan_kfree_large", "free_large_kmalloc") {
			return
		}
		b.freed, b.freeFn = true, "kfree"
		b.freePID, b.freeStack = t.PID, t.stackLines()
		t.k.kmem -= len(b.data)
	default:
		t.op("kfree", 0, sched.None, nil)
		t.freeLargeWarn(addr)
		t.kasanFree(addr, nil, "kfree", "check_page_allocation", "__kasan_kfree_large", "free_large_kmalloc")
	}
}

// freeLargeWarn is free_large_kmalloc's WARN_ON_ONCE(order == 0) and its
// pr_warn_once("object pointer: 0x%p").
func (t *Task) freeLargeWarn(addr uint64) {
	for _, o := range t.k.warnedOnce {
		if o.file == "mm/slub.c:4799" {
			t.silenced(o.by, "kfree of a page at "+t.where())
			return
		}
	}
	t.warnOnce("mm/slub.c:4799", "free_large_kmalloc+0x7b/0xb0", "kfree of a page at "+t.where())
	t.k.printk(fmt.Sprintf("object pointer: 0x%016x", HashPointer(addr)))
}

// HashPointer is what %p prints for a non-NULL address (lib/vsprintf.c ptr_to_id):
// the hash a kernel booted with debug_boot_weak_hash computes, hash_long(ptr, 32)
// (include/linux/hash.h hash_64_generic: ptr * GOLDEN_RATIO_64 >> 32). A kernel
// without that option hashes with siphash under a key drawn at boot, different on
// every boot; this one is the kernel's own stable choice, the same on every replay.
func HashPointer(p uint64) uint64 { return p * 0x61C8864680B583EB >> 32 }

// The slab_flags_t bits of include/linux/slab.h (6.12, enum _slab_flag_bits) for a
// kernel configured as Debian's with KASAN: CONFIG_DEBUG_OBJECTS and
// CONFIG_FAILSLAB off, CONFIG_MEMCG, CONFIG_KASAN_GENERIC and CONFIG_KFENCE on.
const (
	SlabConsistencyChecks uint32 = 1 << 0
	SlabRedZone           uint32 = 1 << 1
	SlabPoison            uint32 = 1 << 2
	SlabKmalloc           uint32 = 1 << 3
	SlabHWCacheAlign      uint32 = 1 << 4
	SlabCacheDMA          uint32 = 1 << 5
	SlabCacheDMA32        uint32 = 1 << 6
	SlabStoreUser         uint32 = 1 << 7
	SlabPanic             uint32 = 1 << 8
	SlabTypesafeByRCU     uint32 = 1 << 9
	SlabTrace             uint32 = 1 << 10
	SlabNoLeakTrace       uint32 = 1 << 11
	SlabNoMerge           uint32 = 1 << 12
	SlabAccount           uint32 = 1 << 13
	SlabKasan             uint32 = 1 << 14
	SlabNoUserFlags       uint32 = 1 << 15
	SlabSkipKfence        uint32 = 1 << 16
	SlabReclaimAccount    uint32 = 1 << 17
	slabFlagsLast                = 20 // _SLAB_FLAGS_LAST_BIT: the bits above are no flags
)

// KmemCache is a struct kmem_cache of kmem_cache_create: objects of one size, in
// slabs of their own.
type KmemCache struct {
	name  string
	size  int    // object_size
	align int    // calculate_alignment's
	slot  int    // s->size: an object, KASAN's metadata and redzone, aligned
	flags uint32 // the creator's flags
	order int    // each slab is PAGE_SIZE << order bytes
	per   int    // objects per slab
	slabs []*cacheSlab
	live  int     // objects allocated and not freed
	buf   *Buffer // the struct kmem_cache itself, an object of the kmem_cache cache
	ctor  func(t *Task, addr uint64)
}

// SetCtor gives the cache its constructor. SLUB runs it on every object of a new
// slab (setup_object); ksim never reuses an object, so it runs it on each object
// when kmem_cache_alloc hands it out, before returning it: the same state, where
// the caller can see it. With a constructor, init_on_alloc (on in Debian's
// kernels) leaves the object unzeroed, __GFP_ZERO or not (slab_want_init_on_alloc).
func (c *KmemCache) SetCtor(f func(t *Task, addr uint64)) { c.ctor = f }

// cacheSlab is one slab of a cache: its base address and its objects by slot (nil
// for a slot never used; ksim never reuses one, as KASAN's quarantine delays reuse).
type cacheSlab struct {
	base uint64
	objs []*Buffer
}

// Name is the cache's name.
func (c *KmemCache) Name() string { return c.name }

// Size is the cache's object size.
func (c *KmemCache) Size() int { return c.size }

// Addr is the address of the struct kmem_cache, as kmem_cache_create returns it.
func (c *KmemCache) Addr() uint64 { return c.buf.addr }

// kmemCacheCache is the cache struct kmem_cache objects come from (the kmem_cache
// cache of mm/slub.c kmem_cache_init); its objects are sizeof(struct kmem_cache)
// plus one node pointer.
var kmemCacheCache = &KmemCache{name: "kmem_cache", size: 256}

// optimalRedzone is mm/kasan/generic.c optimal_redzone.
func optimalRedzone(size int) int {
	switch {
	case size <= 64-16:
		return 16
	case size <= 128-32:
		return 32
	case size <= 512-64:
		return 64
	case size <= 4096-128:
		return 128
	case size <= 1<<14-256:
		return 256
	case size <= 1<<15-512:
		return 512
	case size <= 1<<16-1024:
		return 1024
	}
	return 2048
}

// newCacheLayout sets a cache's alignment, slot size and slab order as
// calculate_alignment (mm/slab_common.c), kasan_cache_create (24 bytes of
// kasan_alloc_meta, then the optimal redzone) and calculate_order (mm/slub.c: at
// least 4 * (fls(nr_cpu_ids) + 1) objects a slab, up to order 3) do.
func (c *KmemCache) layout(cpus int) {
	align := c.align
	if c.flags&SlabHWCacheAlign != 0 {
		ralign := 64 // cache_line_size()
		for c.size <= ralign/2 {
			ralign /= 2
		}
		align = max(align, ralign)
	}
	align = max(align, 8)
	align = (align + 7) &^ 7
	c.align = align
	up := func(n, a int) int { return (n + a - 1) / a * a }
	slot := max(up(c.size, 8)+24, c.size+optimalRedzone(c.size))
	c.slot = max(up(slot, align), (max(c.size, 1)+15)&^15+16)
	minObjects := 4 * (bits.Len(uint(cpus)) + 1)
	c.order = 3
	for o := 0; o <= 3; o++ {
		if PageSize<<o/c.slot >= minObjects {
			c.order = o
			break
		}
	}
	c.per = max(PageSize<<c.order/c.slot, 1)
}

// place puts a new object of c in the first free slot of its last slab, or in a
// new slab.
func (c *KmemCache) place(k *Kernel, b *Buffer) {
	var s *cacheSlab
	if n := len(c.slabs); n > 0 && len(c.slabs[n-1].objs) < c.per {
		s = c.slabs[n-1]
	} else {
		s = &cacheSlab{base: k.reserve(RegionHeap, c.per*c.slot, PageSize<<c.order)}
		c.slabs = append(c.slabs, s)
	}
	k.placeAt(b, RegionHeap, s.base+uint64(len(s.objs)*c.slot))
	s.objs = append(s.objs, b)
	c.live++
}

// KmemCacheCreate is kmem_cache_create(name, size, align, flags, ctor) (6.12's
// __kmem_cache_create_args; ksim does not merge caches, and the constructor is the
// caller's to run on each new object): it takes slab_mutex (might_sleep), refuses
// flags no SLAB_* bit names (-EINVAL) and a NULL name (kstrdup_const fails:
// -ENOMEM), each with its "failed with error" warning and a stack dump, and returns
// nil then. nameOK is false for a NULL name.
func (t *Task) KmemCacheCreate(name string, nameOK bool, size, align int, flags uint32) *KmemCache {
	if t.k.dep != nil {
		t.mightResched("kernel/locking/mutex.c:586", "__mutex_lock", "mutex_lock_nested", "__kmem_cache_create_args")
	} else {
		t.mightResched("kernel/locking/mutex.c:283", "mutex_lock", "__kmem_cache_create_args")
	}
	t.op("kmem_cache_create", 0, sched.None, nil)
	err := 0
	switch {
	case flags>>slabFlagsLast != 0 || flags&(SlabKmalloc|SlabKasan) != 0:
		err = -EINVAL // flags & ~SLAB_FLAGS_PERMITTED
	case !nameOK:
		err = -ENOMEM // kstrdup_const(NULL)
	}
	if err != 0 {
		shown := name
		if !nameOK {
			shown = "(null)"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "__kmem_cache_create_args(%s) failed with error %d\n", shown, err)
		b.WriteString(t.header())
		b.WriteString(t.callTrace("dump_stack_lvl", "__kmem_cache_create_args"))
		t.k.printk(b.String())
		t.note("fails: returns NULL")
		return nil
	}
	c := &KmemCache{name: name, size: size, align: align, flags: flags}
	c.layout(t.k.cfg.CPUs)
	c.buf = &Buffer{id: t.k.e.NewObject("kmem_cache " + name), name: "kmem_cache", data: make([]byte, kmemCacheCache.size),
		allocPID: t.PID, allocStack: t.stackLines(), allocFn: "kmem_cache_alloc_noprof",
		allocOuter: []string{"__kmem_cache_create_args"}, kasanAlloc: "__kasan_slab_alloc", cache: kmemCacheCache}
	t.k.place(c.buf, RegionHeap)
	t.k.memx.caches = append(t.k.memx.caches, c)
	t.k.SetPrimAt(c.buf.addr, c)
	t.note("creates cache %s of %d-byte objects", name, size)
	return c
}

// KmemCacheAt is the cache whose struct kmem_cache is at addr, nil if none.
func (k *Kernel) KmemCacheAt(addr uint64) *KmemCache {
	c, _ := k.PrimAt(addr).(*KmemCache)
	return c
}

// KmemCacheAlloc is kmem_cache_alloc(c, gfp) (mm/slub.c kmem_cache_alloc_noprof):
// an object of c, its address, or 0 when the allocation fails. A destroyed cache's
// struct is freed memory: reading it is KASAN's use-after-free, then NULL.
func (t *Task) KmemCacheAlloc(c *KmemCache, gfp GFP) uint64 {
	if c.buf.freed {
		t.op("kmem_cache_alloc", 0, sched.None, nil)
		t.kasanAccess(c.buf.addr, 8, false, "")
		return 0
	}
	b := t.allocate(allocReq{prim: "kmem_cache_alloc", size: c.size, gfp: gfp, fn: "kmem_cache_alloc_noprof",
		kasanHook: "__kasan_slab_alloc", cache: c})
	if b == nil {
		return 0
	}
	b.name = c.name
	if c.ctor != nil {
		c.ctor(t, b.addr)
	}
	return b.addr
}

// KmemCacheFree is kmem_cache_free(c, p) (mm/slub.c): cache_from_obj with
// CONFIG_SLAB_FREELIST_HARDENED finds p's own cache: a pointer not in a slab is
// virt_to_cache's WARN_ONCE and nothing is freed; an object of another cache is
// the "Wrong slab cache" warning, and it is freed to its own cache; then slab_free,
// with KASAN's double-free and invalid-free checks.
func (t *Task) KmemCacheFree(c *KmemCache, addr uint64) {
	b, off := t.k.Find(addr)
	if b == nil || b.region != RegionHeap || b.isLarge() || off < 0 {
		t.op("kmem_cache_free", 0, sched.None, nil)
		site := "kmem_cache_free of memory no slab holds at " + t.where()
		const file = "mm/slub.c:4756"
		for _, o := range t.k.warnedOnce {
			if o.file == file {
				t.silenced(o.by, site)
				return
			}
		}
		t.k.warnedOnce = append(t.k.warnedOnce, onceSite{file, reportedBy{t.th, site, false}})
		t.warn("virt_to_cache: Object is not a Slab page!", file, "kmem_cache_free+0x3d5/0x4e0", site)
		return
	}
	t.freeOp("kmem_cache_free", b)
	own, _ := b.objectCache()
	if c != nil && b.cache != c {
		site := "kmem_cache_free to the wrong cache at " + t.where()
		t.warn(fmt.Sprintf("kmem_cache_free: Wrong slab cache. %s but object is from %s", c.name, own),
			"mm/slub.c:4770", "kmem_cache_free+0x3f4/0x4e0", site)
	}
	if off != 0 {
		t.kasanFree(addr, b, "kmem_cache_free", "check_slab_allocation", "__kasan_slab_pre_free")
		return
	}
	t.freeBuffer(addr, b, "kmem_cache_free")
}

// KmemCacheDestroy is kmem_cache_destroy(c) (mm/slab_common.c): kasan_check_byte
// on the struct first (a destroyed cache is a use-after-free report, and nothing
// more); cpus_read_lock and slab_mutex may sleep. __kmem_cache_shutdown
// (mm/slub.c) frees the empty slabs; each slab with objects still allocated is
// list_slab_objects' "Objects remaining" report (slab_bug, one "Object" line per
// object, print_slab_info, taint B, WARN_ON), and kmem_cache_destroy then warns
// "Slab cache still has objects" and leaves the cache as it is. An empty cache is
// released: its struct is freed.
func (t *Task) KmemCacheDestroy(c *KmemCache) {
	if c.buf.freed {
		t.op("kmem_cache_destroy", 0, sched.None, nil)
		t.kasanAccess(c.buf.addr, 1, false, "")
		return
	}
	// cpus_read_lock -> percpu_down_read: might_sleep (include/linux/percpu-rwsem.h).
	t.mightResched("include/linux/percpu-rwsem.h:49", "cpus_read_lock", "kmem_cache_destroy")
	t.op("kmem_cache_destroy", c.buf.id, sched.Write, nil)
	err := false
	for _, s := range c.slabs {
		used := 0
		for _, o := range s.objs {
			if !o.freed {
				used++
			}
		}
		if used == 0 {
			continue
		}
		err = true
		if used == c.per {
			continue // a full slab is on no list without slub_debug: not listed
		}
		t.objectsRemaining(c, s, used)
	}
	if err {
		site := "kmem_cache_destroy of a cache with objects at " + t.where()
		t.warn(fmt.Sprintf("kmem_cache_destroy %s: Slab cache still has objects when called from %s", c.name, t.site()),
			"mm/slab_common.c:548", "kmem_cache_destroy+0x13f/0x160", site)
		return
	}
	c.buf.freed, c.buf.freeFn = true, "kmem_cache_free"
	c.buf.freePID, c.buf.freeStack = t.PID, t.stackLines()
	c.buf.allocOuter = nil
	t.note("destroys cache %s", c.name)
}

// objectsRemaining is list_slab_objects (mm/slub.c) for one slab.
func (t *Task) objectsRemaining(c *KmemCache, s *cacheSlab, used int) {
	k := t.k
	var b strings.Builder
	b.WriteString(strings.Repeat("=", 77) + "\n")
	title := fmt.Sprintf("BUG %s (%s): Objects remaining on __kmem_cache_shutdown()", c.name, k.tainted())
	b.WriteString(title + "\n")
	b.WriteString(strings.Repeat("-", 77) + "\n\n")
	fp := uint64(0)
	for i := range c.per {
		addr := s.base + uint64(i*c.slot)
		if i < len(s.objs) && !s.objs[i].freed {
			fmt.Fprintf(&b, "Object 0x%016x @offset=%d\n", HashPointer(addr), i*c.slot)
		} else if fp == 0 {
			fp = addr
		}
	}
	// print_slab_info: the struct slab is the page's struct page in vmemmap.
	pfn := (s.base - 0xffff888000000000) >> 12
	slab := 0xffffea0000000000 + pfn*64
	fpText := "0000000000000000"
	if fp != 0 {
		fpText = fmt.Sprintf("%016x", HashPointer(fp))
	}
	flags := "0x200000000000000(node=0|zone=2)"
	if c.order > 0 {
		flags = "0x200000000000040(head|node=0|zone=2)"
	}
	fmt.Fprintf(&b, "Slab 0x%016x objects=%d used=%d fp=0x%s flags=%s\n", HashPointer(slab), c.per, used, fpText, flags)
	site := "objects remaining in " + c.name + " at " + t.where()
	t.reportStep("add_taint", k.locksOffBy)
	b.WriteString(t.addTaintUnreliable(taintBadPage, site))
	t.report("bug", site, "BUG "+c.name+": Objects remaining on __kmem_cache_shutdown()", b.String())
	// __slab_err's WARN_ON(1).
	t.warn("", "mm/slub.c:1152", "__slab_err+0x20/0x30", site)
}

// VmallocAt is vmalloc(size) and its kin (mm/vmalloc.c __vmalloc_node_range_noprof)
// as fn calls it with gfp: a size of 0 is WARN_ON_ONCE and NULL; alloc_vmap_area's
// might_sleep() makes any call in atomic context the might_sleep BUG; a size past
// the model's memory is warn_alloc's "vmalloc error" and NULL. The area is whole
// pages in the vmalloc range, its first byte page-aligned, with a guard page after.
func (t *Task) VmallocAt(fn string, size int, gfp GFP) uint64 {
	if fn == "vzalloc" {
		gfp |= GFPZero
	}
	if size <= 0 {
		t.op(fn, 0, sched.None, nil)
		t.warnOnce("mm/vmalloc.c:3838", "__vmalloc_node_range_noprof+0x7d5/0x8a0", "vmalloc of 0 bytes at "+t.where())
		return 0
	}
	frames := []string{"alloc_vmap_area", "__get_vm_area_node", "__vmalloc_node_range_noprof", "__vmalloc_node_noprof"}
	switch fn {
	case "kvmalloc", "kvzalloc":
		frames = append(frames, "__kvmalloc_node_noprof")
	default:
		frames = append(frames, fn+"_noprof")
	}
	t.mightResched("mm/vmalloc.c:2030", frames...)
	t.op(fn, 0, sched.None, nil)
	if !t.mayAllocate(size, gfp, "__vmalloc_node_range_noprof") {
		if gfp&GFPNoWarn == 0 {
			var b strings.Builder
			fmt.Fprintf(&b, "%s: vmalloc error: size %d, exceeds total pages, mode:%s, nodemask=(null),cpuset=/,mems_allowed=0\n", t.Comm, size, gfp&^GFPZero)
			b.WriteString(t.header())
			b.WriteString(t.callTrace(append([]string{"dump_stack_lvl", "warn_alloc"}, frames[2:]...)...))
			t.k.printk(b.String())
		}
		return 0
	}
	t.k.kmem += size
	pages := (size + PageSize - 1) / PageSize
	b := &Buffer{id: t.k.e.NewObject(fn), name: fn, data: make([]byte, size),
		allocPID: t.PID, allocStack: t.stackLines(), allocFn: "__vmalloc_node_range_noprof", caller: t.site()}
	t.k.placeAt(b, RegionVmalloc, t.k.reserve(RegionVmalloc, (pages+1)*PageSize, PageSize))
	t.note("returns %d bytes of vmalloc space", size)
	return b.addr
}

// Vfree is vfree(p) (mm/vmalloc.c): in an interrupt it is vfree_atomic (deferred;
// ksim frees at once); otherwise might_sleep(); NULL does nothing; an address that
// starts no vmalloc area (twice freed, or not vmalloc'ed) is the warning "Trying to
// vfree() nonexistent vm area".
func (t *Task) Vfree(addr uint64) {
	if !t.inIRQ {
		t.mightResched("mm/vmalloc.c:3419", "vfree")
	}
	if addr == 0 {
		t.op("vfree", 0, sched.None, nil)
		return
	}
	b, off := t.k.Find(addr)
	if b == nil || b.region != RegionVmalloc || off != 0 || b.freed {
		t.op("vfree", 0, sched.None, nil)
		site := "vfree of a nonexistent vm area at " + t.where()
		t.warn(fmt.Sprintf("Trying to vfree() nonexistent vm area (%016x)", HashPointer(addr)), "mm/vmalloc.c:3426", "vfree+0x3a1/0x4d0", site)
		return
	}
	t.freeOp("vfree", b)
	b.freed, b.freeFn = true, "vfree"
	b.freePID, b.freeStack = t.PID, t.stackLines()
	t.k.kmem -= len(b.data)
}

// KvfreeAt is kvfree(p) (mm/util.c): vfree for a vmalloc address, kfree otherwise.
func (t *Task) KvfreeAt(addr uint64) {
	if r, ok := regionOf(addr); ok && r == RegionVmalloc && addr < regionBase[RegionVmalloc]+1<<40 {
		t.Vfree(addr)
		return
	}
	t.KfreeAt(addr)
}

// permFault is the oops of a store to read-only memory (a string literal, .rodata,
// .text): page_fault_oops for a present page written in kernel mode.
func (t *Task) permFault(addr uint64) {
	t.op("write", 0, sched.None, nil)
	var b strings.Builder
	title := fmt.Sprintf("BUG: unable to handle page fault for address: %016x", addr)
	b.WriteString(title + "\n")
	b.WriteString("#PF: supervisor write access in kernel mode\n#PF: error_code(0x0003) - permissions violation\n")
	// dump_pagetable: the entries down to the present, read-only PTE.
	b.WriteString("PGD 3a0e067 P4D 3a0e067 PUD 3a0f063 PMD 1049d2063 PTE 8000000104a3a161\n")
	b.WriteString(t.dieHeader("Oops", 3))
	t.die(&b, "write to read-only memory at "+t.where(), "BUG: unable to handle page fault", int64(addr))
}

// KasanCheckRange is kasan_check_range (mm/kasan/generic.c) of n bytes at addr,
// as memcpy, memset and memmove check their ranges before touching them
// (mm/kasan/shadow.c): a bad range is reported (KASAN's first report of the boot),
// and then the function returns without its copy. It returns false when it
// reported; after the boot's first report, KASAN is silent and the copy goes on.
func (t *Task) KasanCheckRange(addr uint64, n int, write bool) bool {
	if n == 0 {
		return true
	}
	return !t.kasanAccess(addr, n, write, "")
}

// KasanCheckByte is KASAN's check of one byte accessed by the instrumented kernel
// function fn ("strlen"): a poisoned byte is reported with fn in the title, once a
// boot. It returns false when it reported.
func (t *Task) KasanCheckByte(fn string, addr uint64, write bool) bool {
	return !t.kasanAccess(addr, 1, write, fn)
}

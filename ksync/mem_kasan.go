package ksync

import (
	"fmt"
	"strings"
)

// Generic KASAN (mm/kasan/ of 6.12, CONFIG_KASAN_GENERIC with stack and global
// instrumentation, as a debug kernel builds it): every region an interpreted module
// puts objects in has shadow memory, and a bad access is reported once per boot
// with the bug type the shadow byte of its first bad address gives
// (report_generic.c get_shadow_bug_type): slab-out-of-bounds, slab-use-after-free,
// use-after-free (a large kmalloc's pages), global-out-of-bounds,
// stack-out-of-bounds, vmalloc-out-of-bounds; an address without shadow is a
// null-ptr-deref, user-memory-access or wild-memory-access (get_wild_bug_type).

// Shadow byte values (mm/kasan/kasan.h, generic mode).
const (
	shadowPageFree     = 0xFF // KASAN_PAGE_FREE: freed pages
	shadowPageRedzone  = 0xFE // KASAN_PAGE_REDZONE: the rest of a large kmalloc's pages
	shadowSlabRedzone  = 0xFC // KASAN_SLAB_REDZONE
	shadowSlabFree     = 0xFB // KASAN_SLAB_FREE
	shadowSlabFreeMeta = 0xFA // KASAN_SLAB_FREE_META: the first granule of a freed object
	shadowGlobal       = 0xF9 // KASAN_GLOBAL_REDZONE
	shadowVmalloc      = 0xF8 // KASAN_VMALLOC_INVALID
	shadowStackLeft    = 0xF1 // KASAN_STACK_LEFT
	shadowStackMid     = 0xF2 // KASAN_STACK_MID
	shadowStackRight   = 0xF3 // KASAN_STACK_RIGHT
)

// regionOf is the region whose addresses hold a (regions are disjoint ranges above
// their bases), and whether a is in one at all.
func regionOf(a uint64) (Region, bool) {
	best, ok := Region(0), false
	for r, base := range regionBase {
		if a >= base && (!ok || base > regionBase[best]) {
			best, ok = Region(r), true
		}
	}
	return best, ok
}

// isLarge reports whether a heap object came from the page allocator (a kmalloc
// past KMALLOC_MAX_CACHE_SIZE), not from a slab.
func (b *Buffer) isLarge() bool {
	return b.region == RegionHeap && b.cache == nil && len(b.data) > KmallocMaxCacheSize
}

// shadow is the shadow byte of the 8-byte granule at a, as KASAN poisons it: an
// object's granules are 0 (all valid) or the count of valid bytes of a partial last
// one; past its end, the redzone of its region; freed memory, its free marker. An
// address in no object is redzone. A stack object whose frame has returned is
// valid memory again (the instrumented epilogue unpoisons the frame).
func (k *Kernel) shadow(a uint64) byte {
	a &^= 7
	b, off := k.Find(a)
	if b == nil {
		r, _ := regionOf(a)
		return redzoneOf(r, nil)
	}
	if b.freed && b.region == RegionHeap && !b.isLarge() && off < (b.objectSize()+7)&^7 {
		// poison_slab_object: the cache's whole object_size is freed memory.
		if off < 8 {
			return shadowSlabFreeMeta
		}
		return shadowSlabFree
	}
	switch {
	case off >= len(b.data):
		return redzoneOf(b.region, b)
	case b.freed && b.region == RegionHeap && b.isLarge():
		return shadowPageFree
	case b.freed && b.region == RegionHeap && off < 8:
		return shadowSlabFreeMeta
	case b.freed && b.region == RegionHeap:
		return shadowSlabFree
	case b.freed && (b.region == RegionVmalloc || b.region == RegionStatic || b.region == RegionRodata):
		// A module's data lives in vmalloc'ed memory (execmem_alloc), which
		// free_module returns with vfree: the same poison.
		return shadowVmalloc
	case off+8 <= len(b.data):
		return 0
	}
	return byte(len(b.data) - off)
}

// redzoneOf is the shadow byte of the redzone after an object of region r.
func redzoneOf(r Region, b *Buffer) byte {
	switch r {
	case RegionHeap:
		if b != nil && b.isLarge() {
			return shadowPageRedzone
		}
		return shadowSlabRedzone
	case RegionStatic, RegionRodata, RegionText:
		return shadowGlobal
	case RegionStack:
		return shadowStackRight
	case RegionVmalloc:
		return shadowVmalloc
	}
	return shadowSlabRedzone
}

// bad reports whether byte a is poisoned.
func (k *Kernel) bad(a uint64) bool {
	s := k.shadow(a)
	return s >= 0x80 || s != 0 && int(a&7) >= int(s)
}

// firstBad is kasan_find_first_bad_addr: the first poisoned byte of [a, a+n), or
// a itself when none is.
func (k *Kernel) firstBad(a uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		if k.bad(a + uint64(i)) {
			return a + uint64(i)
		}
	}
	return a
}

// bugType is get_shadow_bug_type at the first bad address.
func (k *Kernel) bugType(first uint64) string {
	s := k.shadow(first)
	if s > 0 && s < 8 {
		s = k.shadow(first + 8)
	}
	switch s {
	case shadowPageRedzone, shadowSlabRedzone:
		return "slab-out-of-bounds"
	case shadowGlobal:
		return "global-out-of-bounds"
	case shadowStackLeft, shadowStackMid, shadowStackRight, 0xF4:
		return "stack-out-of-bounds"
	case shadowPageFree:
		return "use-after-free"
	case shadowSlabFree, shadowSlabFreeMeta:
		return "slab-use-after-free"
	case shadowVmalloc:
		return "vmalloc-out-of-bounds"
	}
	if s < 8 {
		return "out-of-bounds"
	}
	return "unknown-crash"
}

// wildBugType is get_wild_bug_type, for an address without shadow memory.
func wildBugType(a uint64) string {
	switch {
	case a < 4096:
		return "null-ptr-deref"
	case a < 0x00007ffffffff000: // TASK_SIZE (4-level paging)
		return "user-memory-access"
	}
	return "wild-memory-access"
}

// kasanReport is one report of mm/kasan/report.c.
type kasanReport struct {
	addr  uint64 // info->access_addr
	size  int    // access_size (0 prints no size)
	write bool
	// free is set for kasan_report_invalid_free: kind is then "double-free" or
	// "invalid-free".
	free bool
	kind string
	// fn is the kernel function that made the access (an instrumented strlen, or
	// a kfree), as the title's %pS and the stack name it; "" for the module's own
	// code. frames are the kernel's frames between print_report's callers and the
	// task's own, innermost first.
	fn     string
	frames []string
}

// kasanAccess is KASAN's check of an access of size bytes at a by t (the
// compiler's __asan_load/store, or kasan_check_range): when a byte of it is
// poisoned it reports, and it returns whether it reported (kasan_report's result:
// false once a report has been printed this boot, since later ones are suppressed).
func (t *Task) kasanAccess(a uint64, size int, write bool, fn string, frames ...string) bool {
	k := t.k
	if _, ok := regionOf(a); !ok || a+uint64(size) < a {
		kind := wildBugType(a)
		if a+uint64(size) < a {
			kind = "out-of-bounds"
		}
		return t.kasan(kasanReport{addr: a, size: size, write: write, kind: kind, fn: fn, frames: frames})
	}
	first := k.firstBad(a, size)
	if !k.bad(first) {
		return false
	}
	return t.kasan(kasanReport{addr: a, size: size, write: write, kind: k.bugType(first), fn: fn, frames: frames})
}

// kasanFunc is the %pS of the kernel functions the model names in a KASAN title: the
// instrumented string functions of lib/string.c and the frees.
var kasanFunc = map[string]string{
	"strlen": "strlen+0x72/0x80", "strnlen": "strnlen+0x6e/0x80", "strcpy": "strcpy+0x2c/0x70",
	"strncpy": "strncpy+0x34/0x80", "strscpy": "sized_strscpy+0x8c/0x2a0", "strcat": "strcat+0x4a/0x80",
	"strncat": "strncat+0x5e/0xa0", "strcmp": "strcmp+0x3c/0x80", "strncmp": "strncmp+0x49/0xa0",
	"strchr": "strchr+0x30/0x60", "strrchr": "strrchr+0x2e/0x60", "strstr": "strstr+0x5b/0x110",
	"memcmp": "memcmp+0x3c/0xb0", "kfree": "kfree+0x126/0x4c0",
	"kmem_cache_free": "kmem_cache_free+0x127/0x4e0", "vfree": "vfree+0x9d/0x4d0",
	"vsnprintf": "vsnprintf+0x6f6/0x1e80", "kstrdup_const": "kstrdup_const+0x2a/0x40",
	"kstrtoull": "_parse_integer_limit+0x1a4/0x1e0", "memchr": "memchr+0x2c/0x60",
	"string_nocheck": "string_nocheck+0x1a6/0x2a0", "format_decode": "format_decode+0x1c8/0xa90",
}

// kasan prints KASAN's report (print_report) unless one has been printed this boot
// (report_enabled, without kasan_multi_shot), and returns whether it printed.
// end_report taints B with LOCKDEP_NOW_UNRELIABLE, which turns lock debugging off.
// The task goes on: KASAN is a report, not an oops.
func (t *Task) kasan(r kasanReport) bool {
	k := t.k
	where := t.site()
	if r.fn != "" && !r.free {
		where = kasanFunc[r.fn]
		if where == "" {
			where = r.fn
		}
	}
	site := r.kind + " at " + t.where()
	t.reportStep("kasan_report", k.kasanBy)
	if k.kasanBy.th != nil {
		t.th.Note("KASAN reported already: silent")
		return false
	}
	k.kasanBy = reportedBy{t.th, site, true}
	t.th.Note("reports, turns lock debugging off")
	var b strings.Builder
	b.WriteString(strings.Repeat("=", 66) + "\n")
	// print_error_description
	fmt.Fprintf(&b, "BUG: KASAN: %s in %s\n", r.kind, where)
	kernel := []string{"dump_stack_lvl", "print_report"}
	switch {
	case r.free:
		fmt.Fprintf(&b, "Free of addr %016x by task %s/%d\n", r.addr, t.Comm, t.PID)
		kernel = append(kernel, "kasan_report_invalid_free")
	case r.size > 0:
		fmt.Fprintf(&b, "%s of size %d at addr %016x by task %s/%d\n", readWrite(r.write), r.size, r.addr, t.Comm, t.PID)
		kernel = append(kernel, "kasan_report")
	default:
		fmt.Fprintf(&b, "%s at addr %016x by task %s/%d\n", readWrite(r.write), r.addr, t.Comm, t.PID)
		kernel = append(kernel, "kasan_report")
	}
	b.WriteString("\n")
	kernel = append(kernel, r.frames...)
	if r.fn != "" && (len(r.frames) == 0 || r.frames[len(r.frames)-1] != r.fn) {
		kernel = append(kernel, r.fn)
	}
	b.WriteString(t.header())
	b.WriteString(t.callTrace(kernel...))
	if _, ok := regionOf(r.addr); ok && r.addr+uint64(r.size) >= r.addr {
		b.WriteString("\n")
		t.describeAddress(&b, r)
		b.WriteString(k.shadowRows(k.firstBad(r.addr, max(r.size, 1))))
	}
	b.WriteString(strings.Repeat("=", 66) + "\n")
	b.WriteString(t.addTaintUnreliable(taintBadPage, site))
	t.report("bug", site, "BUG: KASAN: "+r.kind, b.String())
	return true
}

func readWrite(write bool) string {
	if write {
		return "Write"
	}
	return "Read"
}

// describeAddress is print_address_description after the stack: the object (a slab
// object's tracks and place), the global variable, the stack, the vmalloc region,
// and the physical page, as each applies to the address.
func (t *Task) describeAddress(b *strings.Builder, r kasanReport) {
	k := t.k
	buf, _ := k.Find(r.addr)
	if buf == nil {
		return
	}
	switch buf.region {
	case RegionHeap:
		if !buf.isLarge() {
			describeObject(b, buf, r)
			b.WriteString("\n")
		}
		dumpPage(b, buf.addr, !buf.isLarge())
	case RegionStatic, RegionRodata, RegionText:
		// kernel_or_module_addr: "The buggy address belongs to the variable:" %pS.
		// A module's globals are in the module mapping: no struct page to dump.
		off := r.addr - buf.addr
		fmt.Fprintf(b, "The buggy address belongs to the variable:\n %s+%#x/%#x\n\n", buf.name, off, buf.SymbolSize())
	case RegionStack:
		// kasan_print_address_stack_frame: frame information only for the current
		// task's stack; ksim does not lay frames out as gcc does (its frame
		// description), so get_address_stack_frame_info finds none. Stacks are
		// vmalloc'ed (CONFIG_VMAP_STACK): THREAD_SIZE is 32 KiB under KASAN.
		if buf.stackTask == t {
			fmt.Fprintf(b, "The buggy address belongs to stack of task %s/%d\n\n", t.Comm, t.PID)
		}
		base := buf.addr &^ (32<<10 - 1)
		fmt.Fprintf(b, "The buggy address belongs to a 8-page vmalloc region starting at %#x allocated at copy_process+0x5d1/0x3d70\n", base)
		dumpPage(b, base, false)
	case RegionVmalloc:
		// vmalloc_dump_obj, then the page vmalloc_to_page finds.
		pages := (len(buf.data) + 4095) / 4096
		fmt.Fprintf(b, "The buggy address belongs to a %d-page vmalloc region starting at %#x allocated at %s\n", max(pages, 1), buf.addr, buf.caller)
		dumpPage(b, buf.addr, false)
	}
}

// describeObject is describe_object: the allocation and free tracks (print_track),
// then describe_object_addr.
func describeObject(b *strings.Builder, buf *Buffer, r kasanReport) {
	kasanAlloc := buf.kasanAlloc
	if kasanAlloc == "" {
		kasanAlloc = "__kasan_kmalloc"
	}
	fmt.Fprintf(b, "Allocated by task %d:\n kasan_save_stack\n kasan_save_track\n %s\n %s\n", buf.allocPID, kasanAlloc, buf.allocFn)
	for _, f := range buf.allocOuter {
		b.WriteString(" " + f + "\n")
	}
	b.WriteString(buf.allocStack + "\n")
	if buf.freed {
		freeFn := buf.freeFn
		if freeFn == "" {
			freeFn = "kfree"
		}
		fmt.Fprintf(b, "Freed by task %d:\n kasan_save_stack\n kasan_save_track\n kasan_save_free_info\n __kasan_slab_free\n %s\n%s\n",
			buf.freePID, freeFn, buf.freeStack)
	}
	describeObjectAddr(b, buf, r)
}

// objectSize is the object_size of a slab object's cache.
func (b *Buffer) objectSize() int {
	_, n := b.objectCache()
	return n
}

// objectCache is the cache a slab object belongs to and its object_size.
func (b *Buffer) objectCache() (string, int) {
	if b.cache != nil {
		return b.cache.name, b.cache.size
	}
	size, name := kmallocCache(max(len(b.data), 1))
	return name, size
}

// describeObjectAddr is describe_object_addr: where the access is, relative to the
// object's allocated region.
func describeObjectAddr(b *strings.Builder, buf *Buffer, r kasanReport) {
	cache, objSize := buf.objectCache()
	fmt.Fprintf(b, "The buggy address belongs to the object at %016x\n which belongs to the cache %s of size %d\n", buf.addr, cache, objSize)
	access, n := r.addr, uint64(len(buf.data))
	rel, relType := access-buf.addr, "inside"
	switch {
	case access < buf.addr:
		rel, relType = buf.addr-access, "to the left"
	case access >= buf.addr+n:
		rel, relType = access-(buf.addr+n), "to the right"
	}
	state := map[string]string{"slab-out-of-bounds": "allocated ", "slab-use-after-free": "freed "}[r.kind]
	fmt.Fprintf(b, "The buggy address is located %d bytes %s of\n %s%d-byte region [%016x, %016x)\n",
		rel, relType, state, n, buf.addr, buf.addr+n)
}

// dumpPage is dump_page's stand-in for the page holding addr: a slab page (page_type
// slab) or a plain one (a large kmalloc, vmalloc, a stack).
func dumpPage(b *strings.Builder, addr uint64, slab bool) {
	pfn := (addr - 0xffff888000000000) >> 12
	if r, _ := regionOf(addr); r != RegionHeap {
		pfn = 0x100000 + (addr-regionBase[r])>>12&0xfffff
	}
	b.WriteString("The buggy address belongs to the physical page:\n")
	fmt.Fprintf(b, "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:%#x\n", pfn)
	b.WriteString("flags: 0x200000000000000(node=0|zone=2)\n")
	if slab {
		b.WriteString("page_type: f5(slab)\n") // PGTY_slab
		b.WriteString("raw: 0200000000000000 ffff888100041280 dead000000000122 0000000000000000\n")
		b.WriteString("raw: 0000000000000000 0000000080800080 00000001f5000000 0000000000000000\n")
	} else {
		b.WriteString("raw: 0200000000000000 0000000000000000 dead000000000122 0000000000000000\n")
		b.WriteString("raw: 0000000000000000 0000000000000000 00000001ffffffff 0000000000000000\n")
	}
	b.WriteString("page dumped because: kasan: bad access detected\n\n")
}

// shadowRows is print_memory_metadata: five rows of 16 shadow bytes, one per
// 8-byte granule, around the first bad address, with a caret under its granule.
func (k *Kernel) shadowRows(bad uint64) string {
	const row = 128
	var b strings.Builder
	b.WriteString("Memory state around the buggy address:\n")
	start := bad&^(row-1) - 2*row
	for r := uint64(0); r < 5; r++ {
		base := start + r*row
		mark := byte(' ')
		if r == 2 {
			mark = '>'
		}
		fmt.Fprintf(&b, "%c%016x:", mark, base)
		for g := uint64(0); g < row/8; g++ {
			fmt.Fprintf(&b, " %02x", k.shadow(base+g*8))
		}
		b.WriteString("\n")
		if r == 2 {
			// meta_pointer_offset: "%*c" puts the caret under the granule's byte.
			b.WriteString(strings.Repeat(" ", 3+16+int(bad-base)/8*3) + "^\n")
		}
	}
	return b.String()
}

// kasanFree is KASAN's check of a free (check_slab_allocation for a slab object,
// check_page_allocation for a large one): a pointer that is not an object's start is
// an invalid-free, one already freed a double-free. It reports (once per boot) and
// returns true when the free must not go on. fn is the freeing function.
func (t *Task) kasanFree(addr uint64, buf *Buffer, fn string, frames ...string) bool {
	kind := ""
	switch {
	case buf == nil || addr != buf.addr:
		kind = "invalid-free"
	case buf.freed:
		kind = "double-free"
	default:
		return false
	}
	// The title's %pS is kfree's caller (_RET_IP_); the stack shows the free.
	t.kasan(kasanReport{addr: addr, free: true, kind: kind, fn: fn, frames: frames})
	return true
}

// SymbolSize is the size kallsyms gives the object's symbol, as %pS prints it: a
// function's size; for a global, its size with the redzone gcc's KASAN
// instrumentation appends to it (asan_red_zone_size: up to the next multiple of 32
// bytes past at least 32 more), which the symbol covers.
func (b *Buffer) SymbolSize() int {
	n := max(len(b.data), 1)
	if b.region == RegionStatic || b.region == RegionRodata {
		if c := n & 31; c != 0 {
			return n + 64 - c
		}
		return n + 32
	}
	return n
}

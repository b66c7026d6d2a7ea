package ksync

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// GFP is an allocation's gfp_t mask, with the kernel's bit values
// (include/linux/gfp_types.h of 6.12).
type GFP uint32

const (
	GFPHigh          GFP = 0x20
	GFPIO            GFP = 0x40
	GFPFS            GFP = 0x80
	GFPZero          GFP = 0x100 // __GFP_ZERO: kzalloc's; the memory is zeroed
	GFPDirectReclaim GFP = 0x400
	GFPKswapdReclaim GFP = 0x800
	GFPNoWarn        GFP = 0x2000
	GFPRetryMayfail  GFP = 0x4000
	GFPNoFail        GFP = 0x8000 // __GFP_NOFAIL: retry for ever (with direct reclaim)
	GFPNoRetry       GFP = 0x10000
	GFPComp          GFP = 0x40000

	GFPReclaim GFP = GFPDirectReclaim | GFPKswapdReclaim // __GFP_RECLAIM

	GFPKernel GFP = GFPReclaim | GFPIO | GFPFS   // 0xcc0: may sleep
	GFPNoFS   GFP = GFPReclaim | GFPIO           // 0xc40: may sleep, no filesystem reclaim
	GFPNoIO   GFP = GFPReclaim                   // 0xc00: may sleep, no I/O
	GFPAtomic GFP = GFPHigh | GFPKswapdReclaim   // 0x820: never sleeps, may fail
	GFPNoWait GFP = GFPKswapdReclaim | GFPNoWarn // 0x2800 in 6.12: never sleeps, fails easily, silently
)

// gfpNames is the part of __def_gfpflag_names (include/trace/events/mmflags.h) for
// the flags the model knows, in its order: %pGg prints the first name whose bits
// are all set, takes them off, and goes on, then any bits left in hex.
var gfpNames = []struct {
	mask GFP
	name string
}{
	{GFPKernel, "GFP_KERNEL"}, {GFPNoFS, "GFP_NOFS"}, {GFPAtomic, "GFP_ATOMIC"},
	{GFPNoIO, "GFP_NOIO"}, {GFPNoWait, "GFP_NOWAIT"}, {GFPHigh, "__GFP_HIGH"},
	{GFPIO, "__GFP_IO"}, {GFPFS, "__GFP_FS"}, {GFPNoWarn, "__GFP_NOWARN"},
	{GFPRetryMayfail, "__GFP_RETRY_MAYFAIL"}, {GFPNoFail, "__GFP_NOFAIL"},
	{GFPNoRetry, "__GFP_NORETRY"}, {GFPComp, "__GFP_COMP"}, {GFPZero, "__GFP_ZERO"},
	{GFPReclaim, "__GFP_RECLAIM"}, {GFPDirectReclaim, "__GFP_DIRECT_RECLAIM"},
	{GFPKswapdReclaim, "__GFP_KSWAPD_RECLAIM"},
}

// String is the mode as the kernel's page-allocation-failure line prints it,
// "%#x(%pGg)": "0x820(GFP_ATOMIC)", "0xcc0(GFP_KERNEL|__GFP_NOFAIL)"... (lib/vsprintf.c
// format_flags).
func (g GFP) String() string {
	var names []string
	left := g
	for _, n := range gfpNames {
		if left != 0 && left&n.mask == n.mask {
			names = append(names, n.name)
			left &^= n.mask
		}
	}
	if left != 0 {
		names = append(names, fmt.Sprintf("%#x", uint32(left)))
	}
	return fmt.Sprintf("%#x(%s)", uint32(g), strings.Join(names, "|"))
}

// Buffer is memory from kmalloc. Go code and scenarios read and write it through
// the task, so a NULL or freed buffer is caught the way the kernel catches it.
type Buffer struct {
	id     sched.ObjID
	addr   uint64
	data   []byte
	freed  bool
	name   string
	region Region
	owner  *Task               // a private stack object's task (see NewStack)
	locs   map[int]sched.ObjID // the sched object of each location (see loc)
	// freeing: a free has begun (freeOp); freedLocs: the locations it has freed.
	freeing   bool
	freedLocs map[int]bool
	gr        int // the size of its locations (grain)
	// For KASAN's report: where it was allocated and freed (kasan_save_track), by
	// which task, and the kmalloc function that allocated it.
	allocPID, freePID     int
	allocStack, freeStack string // the task's frames, innermost first, one per line
	allocFn               string
	// The rest is what the memory model's reports say of the object (mem_*.go):
	// the kernel functions of its allocation under allocFn, outermost last
	// ("kstrdup_noprof"), KASAN's hook (__kasan_kmalloc, __kasan_slab_alloc), the
	// function that freed it ("kfree", "kmem_cache_free"), its kmem_cache, where a
	// vmalloc was called (%pS), the task and function whose frame a stack object
	// is in.
	allocOuter []string
	kasanAlloc string
	freeFn     string
	cache      *KmemCache
	caller     string
	stackTask  *Task
	frameFn    string
}

// Size is the buffer's size in bytes.
func (b *Buffer) Size() int { return len(b.data) }

// KmallocMaxSize is KMALLOC_MAX_SIZE on x86-64 (4 MiB, MAX_PAGE_ORDER 10): kmalloc
// of more returns NULL, with a warning unless __GFP_NOWARN.
const KmallocMaxSize = 4 << 20

// KmallocMaxCacheSize is KMALLOC_MAX_CACHE_SIZE with SLUB (two pages): kmalloc of
// more bypasses the slab caches and takes pages from the page allocator.
const KmallocMaxCacheSize = 8 << 10

// SimulatedMemory is how much kmalloc'd memory one execution may hold at once. Past
// it, allocations fail (return NULL with the page allocator's warning) whatever
// their flags: ksim does not model the OOM killer, and a scenario leaking in a loop
// must not exhaust the memory of the machine running the simulator.
const SimulatedMemory = 64 << 20

// Kmalloc is kmalloc(size, gfp) with a size the compiler knows (sizeof(*p), a
// constant), as most kernel code calls it: kmalloc_noprof (include/linux/slab.h)
// then calls __kmalloc_cache_noprof, or __kmalloc_large_noprof past
// KMALLOC_MAX_CACHE_SIZE. Under memory pressure an allocation that may block may
// sleep in direct reclaim, and one that may not may fail and return nil; both are
// explored choices. A GFP_KERNEL allocation in atomic context is the might_sleep
// BUG whether or not it sleeps this time.
func (t *Task) Kmalloc(size int, gfp GFP) *Buffer { return t.alloc("kmalloc", size, gfp, true) }

// Kzalloc is kzalloc(size, gfp): kmalloc(size, gfp | __GFP_ZERO), with a constant size.
func (t *Task) Kzalloc(size int, gfp GFP) *Buffer {
	return t.alloc("kzalloc", size, gfp|GFPZero, true)
}

// KmallocVar is kmalloc(size, gfp) with a size known only at run time: the kernel
// then calls __kmalloc_noprof.
func (t *Task) KmallocVar(size int, gfp GFP) *Buffer { return t.alloc("kmalloc", size, gfp, false) }

// KzallocVar is kzalloc with a size known only at run time.
func (t *Task) KzallocVar(size int, gfp GFP) *Buffer {
	return t.alloc("kzalloc", size, gfp|GFPZero, false)
}

// kmallocFrames are the kernel functions between the caller and the page or slab
// allocator's might_alloc, innermost first (mm/slub.c, mm/page_alloc.c): the
// constant-size kmalloc calls __kmalloc_cache_noprof, or __kmalloc_large_noprof
// past KMALLOC_MAX_CACHE_SIZE; the variable-size one __kmalloc_noprof, which takes
// large sizes to __kmalloc_large_node_noprof. Large allocations reach
// __alloc_pages_noprof (prepare_alloc_pages is inline) through alloc_pages.
func kmallocFrames(size int, constSize bool) []string {
	large := []string{"__alloc_pages_noprof", "alloc_pages_mpol_noprof", "alloc_pages_noprof", "___kmalloc_large_node"}
	switch {
	case constSize && size > KmallocMaxCacheSize:
		return append(large, "__kmalloc_large_noprof")
	case constSize && size > 0:
		return []string{"__kmalloc_cache_noprof"}
	case size > KmallocMaxCacheSize || size < 0:
		return append(large, "__kmalloc_large_node_noprof", "__kmalloc_noprof")
	}
	return []string{"__kmalloc_noprof"}
}

// never is a guard that never lets its operation run.
type never struct{}

func (never) Enabled(*sched.Op) bool { return false }

// stackLines is the task's own frames as a stack dump prints them, innermost first.
func (t *Task) stackLines() string {
	var b strings.Builder
	t.writeFrames(&b)
	return b.String()
}

// allocFailure is warn_alloc's "page allocation failure", unless __GFP_NOWARN. The
// slab asks the page allocator for a new slab with the caller's reclaim and
// constraint flags (new_slab), so the mode has no __GFP_ZERO.
func (t *Task) allocFailure(size int, gfp GFP, fn string) {
	if gfp&GFPNoWarn != 0 {
		return
	}
	order := 0
	if pages := (size + 4095) / 4096; pages > 1 {
		order = bits.Len(uint(pages - 1))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: page allocation failure: order:%d, mode:%s, nodemask=(null),cpuset=/,mems_allowed=0\n", t.Comm, order, gfp&^GFPZero)
	b.WriteString(t.header())
	b.WriteString(t.callTrace("dump_stack_lvl", "warn_alloc", "__alloc_pages_slowpath.constprop.0", "__alloc_pages_noprof", fn))
	t.k.printk(b.String())
}

// Kfree is kfree(p). kfree(NULL) does nothing; freeing twice is KASAN's
// double-free, after which kfree returns without freeing (kasan_slab_free
// reports the object as bad).
func (t *Task) Kfree(b *Buffer) {
	if b == nil {
		t.op("kfree", 0, sched.None, nil)
		return
	}
	t.freeOp("kfree", b)
	t.freeBuffer(b.addr, b, "kfree")
}

// Store writes v at b[i] (buf[i] = v in a scenario). A bad access is KASAN's report,
// and the task goes on, as in the kernel: a write to freed memory lands in the
// freed object; one out of bounds is dropped.
func (t *Task) Store(b *Buffer, i int, v byte) {
	if t.access(b, i, "store", sched.Write) {
		b.data[i] = v
	}
}

// Load reads b[i]. Freed memory still holds what it held; a read out of bounds
// gives 0.
func (t *Task) Load(b *Buffer, i int) byte {
	if t.access(b, i, "load", sched.Read) {
		return b.data[i]
	}
	return 0
}

// access checks an access to b[i] and reports whether b's storage has byte i.
func (t *Task) access(b *Buffer, i int, prim string, acc sched.Access) bool {
	if b == nil {
		t.op(prim, 0, sched.None, nil)
		t.nullDeref(acc == sched.Write, i)
		return false
	}
	t.op(prim, b.id, acc, nil)
	inside := i >= 0 && i < len(b.data)
	if !inside || b.freed {
		t.kasanAccess(b.addr+uint64(int64(i)), 1, acc == sched.Write, "")
	}
	return inside
}

// nullDeref is the oops of a NULL pointer dereference (arch/x86/mm/fault.c:
// show_fault_oops, page_fault_oops): the task dies where it stands, holding its
// locks, and the kernel goes on. An address in the first page is a "NULL pointer
// dereference"; further out, an unhandled page fault.
func (t *Task) nullDeref(write bool, off int) {
	access, code := "read", 0
	if write {
		access, code = "write", 2
	}
	var b strings.Builder
	addr := uint64(int64(off))
	title := fmt.Sprintf("BUG: kernel NULL pointer dereference, address: %016x", addr)
	short := "BUG: kernel NULL pointer dereference"
	if addr >= 4096 {
		title = fmt.Sprintf("BUG: unable to handle page fault for address: %016x", addr)
		short = "BUG: unable to handle page fault"
	}
	b.WriteString(title + "\n")
	fmt.Fprintf(&b, "#PF: supervisor %s access in kernel mode\n#PF: error_code(0x%04x) - not-present page\n", access, code)
	b.WriteString("PGD 0 P4D 0 \n")          // dump_pagetable: "PGD %lx ", "P4D %lx ", then pr_cont("\n")
	b.WriteString(t.dieHeader("Oops", code)) // page_fault_oops: __die("Oops", regs, error_code)
	t.die(&b, "NULL pointer dereference at "+t.where(), short, int64(addr))
}

// kmallocCaches are the generic kmalloc caches' object sizes (kmalloc_info).
var kmallocCaches = []int{8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192}

// kmallocCache is the kmalloc cache a size comes from, and its name.
func kmallocCache(size int) (int, string) {
	for _, c := range kmallocCaches {
		if size <= c {
			if c >= 1024 {
				return c, fmt.Sprintf("kmalloc-%dk", c/1024)
			}
			return c, fmt.Sprintf("kmalloc-%d", c)
		}
	}
	return 0, ""
}

package ksync

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// GFP is an allocation's gfp_t mask, with the kernel's bit values
// (include/linux/gfp_types.h).
type GFP uint32

const (
	GFPHigh          GFP = 0x20
	GFPIO            GFP = 0x40
	GFPFS            GFP = 0x80
	GFPDirectReclaim GFP = 0x400
	GFPKswapdReclaim GFP = 0x800
	GFPNoWarn        GFP = 0x2000

	GFPKernel GFP = GFPDirectReclaim | GFPKswapdReclaim | GFPIO | GFPFS // 0xcc0: may sleep
	GFPAtomic GFP = GFPHigh | GFPKswapdReclaim                          // 0x820: never sleeps, may fail
	GFPNoWait GFP = GFPKswapdReclaim                                    // 0x800: never sleeps, fails easily
)

// String is the mode as the kernel's page-allocation-failure line prints it.
func (g GFP) String() string {
	switch g &^ GFPNoWarn {
	case GFPKernel:
		return fmt.Sprintf("%#x(GFP_KERNEL)", uint32(g))
	case GFPAtomic:
		return fmt.Sprintf("%#x(GFP_ATOMIC)", uint32(g))
	case GFPNoWait:
		return fmt.Sprintf("%#x(GFP_NOWAIT)", uint32(g))
	}
	return fmt.Sprintf("%#x", uint32(g))
}

// Buffer is memory from kmalloc. Go code and scenarios read and write it through
// the task, so a NULL or freed buffer is caught the way the kernel catches it.
type Buffer struct {
	id    sched.ObjID
	addr  uint64
	data  []byte
	freed bool
}

// Size is the buffer's size in bytes.
func (b *Buffer) Size() int { return len(b.data) }

// KmallocMaxSize is KMALLOC_MAX_SIZE on x86-64 (4 MiB, MAX_PAGE_ORDER 10): kmalloc
// of more returns NULL, with a warning unless __GFP_NOWARN.
const KmallocMaxSize = 4 << 20

// SimulatedMemory is how much kmalloc'd memory one execution may hold at once. Past
// it, allocations fail (return NULL with the page allocator's warning) whatever
// their flags: ksim does not model the OOM killer, and a scenario leaking in a loop
// must not exhaust the memory of the machine running the simulator.
const SimulatedMemory = 64 << 20

// Kmalloc is kmalloc(size, gfp). Under memory pressure an allocation that may block
// may sleep in direct reclaim, and one that may not may fail and return nil; both are
// explored choices. A GFP_KERNEL allocation in atomic context is the might_sleep BUG
// whether or not it sleeps this time.
func (t *Task) Kmalloc(size int, gfp GFP) *Buffer { return t.alloc("kmalloc", size, gfp) }

// Kzalloc is kzalloc(size, gfp).
func (t *Task) Kzalloc(size int, gfp GFP) *Buffer { return t.alloc("kzalloc", size, gfp) }

func (t *Task) alloc(prim string, size int, gfp GFP) *Buffer {
	t.op(prim, 0, sched.None, nil)
	if gfp&GFPDirectReclaim != 0 {
		t.mightSleep("include/linux/sched/mm.h:321", "__kmalloc_noprof")
	}
	if size < 0 || size > KmallocMaxSize {
		// A negative int is a huge size_t. The page allocator refuses an order
		// above MAX_PAGE_ORDER whatever the memory pressure.
		t.note("size too large: returns NULL")
		if gfp&GFPNoWarn == 0 {
			t.warn("", "mm/page_alloc.c:4776", "__alloc_pages_noprof+0x31e/0x350", prim+" of more than KMALLOC_MAX_SIZE at "+t.where())
		}
		return nil
	}
	if t.k.cfg.MemoryPressure {
		if gfp&GFPDirectReclaim != 0 {
			if t.th.Choose(2) == 1 {
				t.note("memory is low: sleeps in direct reclaim")
				t.sleep(Uninterruptible, waiting{kind: "reclaim", pos: t.pos})
				t.op(prim+" (reclaim done)", 0, sched.None, nil)
				t.wake()
			}
		} else if t.th.Choose(2) == 1 {
			t.note("memory is low: fails, returns NULL")
			t.allocFailure(size, gfp)
			return nil
		}
	}
	if t.k.kmem+size > SimulatedMemory {
		// A scenario that leaks in a loop would otherwise exhaust the simulator's
		// own memory. ksim does not model the OOM killer: the allocation fails.
		t.note("out of memory: fails, returns NULL")
		t.allocFailure(size, gfp)
		return nil
	}
	t.k.kmem += size
	b := &Buffer{id: t.k.e.NewObject(prim), addr: 0xffff888000100000 + uint64(t.k.addr()&0xffff)<<4, data: make([]byte, size)}
	t.note("returns %d bytes", size)
	return b
}

// allocFailure logs the page allocator's failure warning, unless __GFP_NOWARN.
func (t *Task) allocFailure(size int, gfp GFP) {
	if gfp&GFPNoWarn != 0 {
		return
	}
	order := 0
	if pages := (size + 4095) / 4096; pages > 1 {
		order = bits.Len(uint(pages - 1))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: page allocation failure: order:%d, mode:%s, nodemask=(null),cpuset=/,mems_allowed=0\n", t.Comm, order, gfp)
	b.WriteString(t.header())
	b.WriteString(t.callTrace("dump_stack_lvl", "warn_alloc", "__alloc_pages_slowpath.constprop.0", "__alloc_pages_noprof", "__kmalloc_noprof"))
	t.k.printk(b.String())
}

// Kfree is kfree(p). kfree(NULL) does nothing; freeing twice is a bug.
func (t *Task) Kfree(b *Buffer) {
	if b == nil {
		t.op("kfree", 0, sched.None, nil)
		return
	}
	t.op("kfree", b.id, sched.Write, nil)
	if b.freed {
		t.kasan("double-free", b, 0, "kfree")
		return
	}
	b.freed = true
	t.k.kmem -= len(b.data)
}

// Store writes v at b[i] (buf[i] = v in a scenario).
func (t *Task) Store(b *Buffer, i int, v byte) {
	t.access(b, i, "store", sched.Write)
	b.data[i] = v
}

// Load reads b[i].
func (t *Task) Load(b *Buffer, i int) byte {
	t.access(b, i, "load", sched.Read)
	return b.data[i]
}

func (t *Task) access(b *Buffer, i int, prim string, acc sched.Access) {
	if b == nil {
		t.op(prim, 0, sched.None, nil)
		t.nullDeref(acc == sched.Write, i)
		return
	}
	t.op(prim, b.id, acc, nil)
	switch {
	case b.freed:
		t.kasan("slab-use-after-free", b, i, prim)
	case i < 0 || i >= len(b.data):
		t.kasan("slab-out-of-bounds", b, i, prim)
	}
}

// nullDeref is the oops of a NULL pointer dereference: the task dies where it stands,
// holding its locks, and the kernel goes on.
func (t *Task) nullDeref(write bool, off int) {
	access, code := "read", 0
	if write {
		access, code = "write", 2
	}
	var b strings.Builder
	title := fmt.Sprintf("BUG: kernel NULL pointer dereference, address: %016x", off)
	b.WriteString(title + "\n")
	fmt.Fprintf(&b, "#PF: supervisor %s access in kernel mode\n#PF: error_code(0x%04x) - not-present page\nPGD 0 P4D 0\n", access, code)
	fmt.Fprintf(&b, "Oops: %04x [#1] PREEMPT SMP NOPTI\n", code)
	t.die(&b, "NULL pointer dereference at "+t.where(), "BUG: kernel NULL pointer dereference")
}

// kasan is KASAN's report of a bad access to a slab object; ksim then kills the task,
// as an oops would, so that what follows is what a broken task leaves behind.
func (t *Task) kasan(kind string, buf *Buffer, i int, prim string) {
	var b strings.Builder
	b.WriteString(strings.Repeat("=", 66) + "\n")
	title := fmt.Sprintf("BUG: KASAN: %s in %s", kind, t.site())
	b.WriteString(title + "\n")
	op := "Read"
	if prim != "load" {
		op = "Write"
	}
	if kind == "double-free" {
		fmt.Fprintf(&b, "Free of addr %016x by task %s/%d\n\n", buf.addr, t.Comm, t.PID)
	} else {
		fmt.Fprintf(&b, "%s of size 1 at addr %016x by task %s/%d\n\n", op, buf.addr+uint64(i), t.Comm, t.PID)
	}
	t.die(&b, kind+" at "+t.where(), "BUG: KASAN: "+kind)
}

package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// The current CPU (include/linux/smp.h, lib/smp_processor_id.c): with
// CONFIG_DEBUG_PREEMPT smp_processor_id() is debug_smp_processor_id(), which checks
// that the caller cannot migrate; raw_smp_processor_id() does not check.

const hSMP = "linux/smp.h"

func init() {
	register(
		interp.Builtin{Name: "debug_smp_processor_id", Header: hSMP, Decl: "unsigned int debug_smp_processor_id(void);",
			Impl: func(c *interp.Call) int64 { return int64(c.T.SmpProcessorID("smp_processor_id", "")) }},
		interp.Builtin{Name: "raw_smp_processor_id", Header: hSMP, Decl: "unsigned int raw_smp_processor_id(void);",
			Impl: func(c *interp.Call) int64 { return int64(c.T.CPU()) }},
		interp.Builtin{Name: "__this_cpu_preempt_check", Header: hSMP, Decl: "void __this_cpu_preempt_check(const char *op);",
			Impl: func(c *interp.Call) int64 {
				c.T.SmpProcessorID("__this_cpu_", c.T.CString("op", c.Addr(0), 64))
				return 0
			}},
	)
}

// Per-CPU variables (include/linux/percpu-defs.h, asm-generic/percpu.h). A
// DEFINE_PER_CPU global is the template; each CPU's copy is made from it on first
// use (ksync.Kernel.PerCPUCopy), and per_cpu_ptr maps an address in the template
// to the same place in a CPU's copy, as SHIFT_PERCPU_PTR does with the CPU's
// offset. this_cpu_* operations are one step on the current CPU's copy, as x86's
// single %gs-relative instructions are (preempt- and irq-safe on that CPU).

func init() {
	register(
		interp.Builtin{Name: "__ksim_per_cpu_ptr", Header: "linux/percpu.h",
			Decl: "void *__ksim_per_cpu_ptr(const void *ptr, int cpu);",
			Impl: func(c *interp.Call) int64 { return int64(perCPUAddr(c, c.Addr(0), int(c.Int(1)))) }},
		interp.Builtin{Name: "__ksim_this_cpu_read", Header: "linux/percpu.h",
			Decl: "unsigned long __ksim_this_cpu_read(const void *ptr, int size);",
			Impl: func(c *interp.Call) int64 {
				a := perCPUAddr(c, c.Addr(0), c.T.CPU())
				return int64(c.T.AtomicLoadAt("this_cpu_read", a, int(c.Int(1))))
			}},
		interp.Builtin{Name: "__ksim_this_cpu_write", Header: "linux/percpu.h",
			Decl: "void __ksim_this_cpu_write(void *ptr, int size, unsigned long v);",
			Impl: func(c *interp.Call) int64 {
				a := perCPUAddr(c, c.Addr(0), c.T.CPU())
				c.T.AtomicStoreAt("this_cpu_write", a, int(c.Int(1)), uint64(c.Int(2))&mask(int(c.Int(1))))
				return 0
			}},
		interp.Builtin{Name: "__ksim_this_cpu_add_return", Header: "linux/percpu.h",
			Decl: "unsigned long __ksim_this_cpu_add_return(void *ptr, int size, long v);",
			Impl: func(c *interp.Call) int64 {
				size := int(c.Int(1))
				a := perCPUAddr(c, c.Addr(0), c.T.CPU())
				old := c.T.RMWAt("this_cpu_add", a, size, func(w uint64) uint64 { return (w + uint64(c.Int(2))) & mask(size) })
				return int64((old + uint64(c.Int(2))) & mask(size))
			}},
		interp.Builtin{Name: "num_possible_cpus", Header: "linux/cpumask.h", Decl: "unsigned int num_possible_cpus(void);",
			Impl: func(c *interp.Call) int64 { return int64(c.K().Config().CPUs) }},
		interp.Builtin{Name: "num_online_cpus", Header: "linux/cpumask.h", Decl: "unsigned int num_online_cpus(void);",
			Impl: func(c *interp.Call) int64 { return int64(c.K().Config().CPUs) }},
	)
}

// perCPUAddr is per_cpu_ptr(addr, cpu): the same offset in cpu's copy of the
// per-CPU variable holding addr. An address in no variable, or a CPU that does not
// exist, is the access the kernel would make there: the fault, or KASAN's report.
func perCPUAddr(c *interp.Call, addr uint64, cpu int) uint64 {
	k := c.K()
	b, off := k.Find(addr)
	if b == nil || b.Region() != ksync.RegionStatic || off < 0 || off >= len(b.Bytes()) || cpu < 0 || cpu >= k.Config().CPUs {
		return addr
	}
	return k.PerCPUCopy(b, cpu).Addr() + uint64(off)
}

// local_lock_t (include/linux/local_lock.h): the header's macros disable
// preemption or irqs and call local_lock_acquire on this CPU's copy
// (this_cpu_ptr), as 6.12's do.
func init() {
	register(
		interp.Builtin{Name: "local_lock_acquire", Header: "linux/local_lock.h", Decl: "void local_lock_acquire(local_lock_t *l);",
			Impl: func(c *interp.Call) int64 {
				if l := localLockAt(c); l != nil {
					l.Acquire(c.T)
				}
				return 0
			}},
		interp.Builtin{Name: "local_lock_release", Header: "linux/local_lock.h", Decl: "void local_lock_release(local_lock_t *l);",
			Impl: func(c *interp.Call) int64 {
				if l := localLockAt(c); l != nil {
					l.Release(c.T)
				}
				return 0
			}},
	)
}

// localLockAt is the local lock at argument 0, made on first use and named by its
// static initialiser (INIT_LOCAL_LOCK), or by its memory.
func localLockAt(c *interp.Call) *ksync.LocalLock {
	k := c.K()
	addr := c.Addr(0)
	if p, ok := k.PrimAt(addr).(*ksync.LocalLock); ok {
		return p
	}
	b, off, ok := lockMemory(c, addr)
	if !ok {
		return nil
	}
	name := peekString(k, addr+offDepName)
	if name == "" {
		name = memName(b, off)
	}
	l := k.NewLocalLock(name, addr)
	k.SetPrimAt(addr, l)
	return l
}

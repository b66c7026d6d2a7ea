/* ksim: per-CPU variables (include/linux/percpu-defs.h, asm-generic/percpu.h).
 * DEFINE_PER_CPU defines the template; each CPU's copy is made from it on first
 * use, and per_cpu_ptr() maps the template's addresses to a CPU's copy (the
 * kernel API's __ksim_per_cpu_ptr, standing for SHIFT_PERCPU_PTR). this_cpu_*
 * are one step on the current CPU's copy, as on x86; __this_cpu_* check that the
 * caller cannot migrate (CONFIG_DEBUG_PREEMPT); this_cpu_ptr() goes through
 * smp_processor_id(), which checks too. Only the accessors reach the copies. */
#include <linux/types.h>
#include <linux/smp.h>
#include <linux/cpumask.h>

#define DEFINE_PER_CPU(type, name) type name
#define DECLARE_PER_CPU(type, name) extern type name
#define DEFINE_PER_CPU_ALIGNED(type, name) DEFINE_PER_CPU(type, name)
#define DEFINE_PER_CPU_SHARED_ALIGNED(type, name) DEFINE_PER_CPU(type, name)

#define per_cpu_ptr(ptr, cpu) ((typeof(ptr))__ksim_per_cpu_ptr((const void *)(ptr), (cpu)))
#define raw_cpu_ptr(ptr) per_cpu_ptr(ptr, raw_smp_processor_id())
#define this_cpu_ptr(ptr) per_cpu_ptr(ptr, smp_processor_id())
#define per_cpu(var, cpu) (*per_cpu_ptr(&(var), cpu))
#define get_cpu_var(var) (*({ preempt_disable(); this_cpu_ptr(&(var)); }))
#define put_cpu_var(var) do { (void)&(var); preempt_enable(); } while (0)
#define get_cpu_ptr(var) ({ preempt_disable(); this_cpu_ptr(var); })
#define put_cpu_ptr(var) do { (void)(var); preempt_enable(); } while (0)

#define this_cpu_read(pcp) ((typeof(pcp))__ksim_this_cpu_read(&(pcp), sizeof(pcp)))
#define this_cpu_write(pcp, val) __ksim_this_cpu_write(&(pcp), sizeof(pcp), (unsigned long)(val))
#define this_cpu_add_return(pcp, val) ((typeof(pcp))__ksim_this_cpu_add_return(&(pcp), sizeof(pcp), (long)(val)))
#define this_cpu_add(pcp, val) ((void)this_cpu_add_return(pcp, val))
#define this_cpu_sub(pcp, val) this_cpu_add(pcp, -(long)(val))
#define this_cpu_inc(pcp) this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp) this_cpu_sub(pcp, 1)
#define this_cpu_sub_return(pcp, val) this_cpu_add_return(pcp, -(long)(val))
#define this_cpu_inc_return(pcp) this_cpu_add_return(pcp, 1)
#define this_cpu_dec_return(pcp) this_cpu_add_return(pcp, -1)

#define raw_cpu_read(pcp) this_cpu_read(pcp)
#define raw_cpu_write(pcp, val) this_cpu_write(pcp, val)
#define raw_cpu_add(pcp, val) this_cpu_add(pcp, val)
#define raw_cpu_inc(pcp) this_cpu_inc(pcp)
#define raw_cpu_dec(pcp) this_cpu_dec(pcp)

#define __this_cpu_read(pcp) ({ __this_cpu_preempt_check("read"); raw_cpu_read(pcp); })
#define __this_cpu_write(pcp, val) do { __this_cpu_preempt_check("write"); raw_cpu_write(pcp, val); } while (0)
#define __this_cpu_add(pcp, val) do { __this_cpu_preempt_check("add"); raw_cpu_add(pcp, val); } while (0)
#define __this_cpu_sub(pcp, val) __this_cpu_add(pcp, -(long)(val))
#define __this_cpu_inc(pcp) __this_cpu_add(pcp, 1)
#define __this_cpu_dec(pcp) __this_cpu_sub(pcp, 1)

package kapi

import (
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

package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Interrupt lines (include/linux/interrupt.h, kernel/irq/manage.c): request_irq
// installs a C handler that ksync fires at the explored moments (ksync/irq.go);
// the handler runs in hardirq context, called with (irq, dev_id) as
// handle_irq_event_percpu calls action->handler.

// irqfShared is IRQF_SHARED (include/linux/interrupt.h).
const irqfShared = 0x00000080

func init() {
	register(
		interp.Builtin{Name: "request_irq", Header: "linux/interrupt.h",
			Decl: "int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name, void *dev);",
			Impl: requestIRQ},
		interp.Builtin{Name: "free_irq", Header: "linux/interrupt.h",
			Decl: "const void *free_irq(unsigned int irq, void *dev_id);",
			Impl: func(c *interp.Call) int64 {
				c.T.FreeIRQ(int(uint32(c.Args[0])))
				// free_irq returns the freed action's devname; ksim keeps the name
				// as a string, not its address, and returns NULL.
				return 0
			}},
		interp.Builtin{Name: "disable_irq", Header: "linux/interrupt.h",
			Decl: "void disable_irq(unsigned int irq);",
			Impl: func(c *interp.Call) int64 { c.T.DisableIRQ(int(uint32(c.Args[0]))); return 0 }},
		interp.Builtin{Name: "disable_irq_nosync", Header: "linux/interrupt.h",
			Decl: "void disable_irq_nosync(unsigned int irq);",
			Impl: func(c *interp.Call) int64 { c.T.DisableIRQNosync(int(uint32(c.Args[0]))); return 0 }},
		interp.Builtin{Name: "enable_irq", Header: "linux/interrupt.h",
			Decl: "void enable_irq(unsigned int irq);",
			Impl: func(c *interp.Call) int64 { c.T.EnableIRQ(int(uint32(c.Args[0]))); return 0 }},
	)
	define(
		Define{Header: "linux/interrupt.h", Name: "IRQF_SHARED", Value: irqfShared},
	)
}

// requestIRQ is request_irq(irq, handler, flags, name, dev): request_threaded_irq
// with no thread function. As there, a NULL handler, or IRQF_SHARED without a
// dev_id to tell the sharers apart, is -EINVAL; a line already taken is -EBUSY.
func requestIRQ(c *interp.Call) int64 {
	irq := int64(uint32(c.Args[0]))
	dev := c.Args[4]
	if c.Addr(1) == 0 || c.Args[2]&irqfShared != 0 && dev == 0 {
		return -ksync.EINVAL
	}
	run := runFunc(worldOf(c), c.Addr(1), irq, dev)
	name := ""
	if a := c.Addr(3); a != 0 {
		name = c.T.CString("request_irq", a, 64)
	}
	return int64(c.T.RequestIRQ(int(irq), name, func(h *ksync.Task) ksync.IRQReturn {
		return ksync.IRQReturn(int32(run(h)))
	}))
}

package kapi

import (
	"fmt"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Interrupt lines (include/linux/interrupt.h, kernel/irq/manage.c, kernel/irq/
// devres.c): request_irq and request_threaded_irq install C handlers that ksync
// fires at the explored moments (ksync/irq.go, ksync/irq_thread.go); the primary
// handler runs in hardirq context, the thread function in the line's irq thread,
// both called with (irq, dev_id) as __handle_irq_event_percpu and irq_thread_fn
// call them.

// irqfShared is IRQF_SHARED (include/linux/interrupt.h).
const irqfShared = 0x00000080

func init() {
	register(
		interp.Builtin{Name: "request_irq", Header: "linux/interrupt.h",
			Decl: "int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name, void *dev);",
			Impl: func(c *interp.Call) int64 { return requestIRQ(c, "request_irq", 0, 1, -1, 2, 3, 4) }},
		interp.Builtin{Name: "request_threaded_irq", Header: "linux/interrupt.h",
			Decl: "int request_threaded_irq(unsigned int irq, irq_handler_t handler, irq_handler_t thread_fn, unsigned long flags, const char *name, void *dev);",
			Impl: func(c *interp.Call) int64 { return requestIRQ(c, "request_threaded_irq", 0, 1, 2, 3, 4, 5) }},
		interp.Builtin{Name: "devm_request_irq", Header: "linux/interrupt.h",
			Decl: "int devm_request_irq(struct device *dev, unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name, void *dev_id);",
			Impl: func(c *interp.Call) int64 { return devmRequestIRQ(c, "devm_request_irq", -1) }},
		interp.Builtin{Name: "devm_request_threaded_irq", Header: "linux/interrupt.h",
			Decl: "int devm_request_threaded_irq(struct device *dev, unsigned int irq, irq_handler_t handler, irq_handler_t thread_fn, unsigned long flags, const char *name, void *dev_id);",
			Impl: func(c *interp.Call) int64 { return devmRequestIRQ(c, "devm_request_threaded_irq", 3) }},
		interp.Builtin{Name: "free_irq", Header: "linux/interrupt.h",
			Decl: "const void *free_irq(unsigned int irq, void *dev_id);",
			Impl: func(c *interp.Call) int64 {
				c.T.FreeIRQ(int(uint32(c.Args[0])))
				// free_irq returns the freed action's devname; ksim keeps the name
				// as a string, not its address, and returns NULL.
				return 0
			}},
		interp.Builtin{Name: "devm_free_irq", Header: "linux/interrupt.h",
			Decl: "void devm_free_irq(struct device *dev, unsigned int irq, void *dev_id);",
			Impl: func(c *interp.Call) int64 {
				if c.Addr(0) == 0 {
					c.T.NullDeref(false) // devres_destroy: spin_lock_irqsave(&dev->devres_lock)
					return 0
				}
				c.T.DevmFreeIRQ(int(uint32(c.Args[1])))
				return 0
			}},
		interp.Builtin{Name: "synchronize_irq", Header: "linux/interrupt.h",
			Decl: "void synchronize_irq(unsigned int irq);",
			Impl: func(c *interp.Call) int64 { c.T.SynchronizeIRQ(int(uint32(c.Args[0]))); return 0 }},
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

// irqHandler is the C function at addr as a handler of irq, called (irq, dev).
// A pointer to no function is left to fail when called (callOops), with no unload
// check: it is not module code.
func irqHandler(c *interp.Call, addr uint64, irq, dev int64) ksync.IRQHandler {
	w := worldOf(c)
	run := runFunc(w, addr, irq, dev)
	h := ksync.IRQHandler{Fn: func(t *ksync.Task) ksync.IRQReturn { return ksync.IRQReturn(int32(run(t))) }}
	if f := w.FuncAt(addr); f != nil {
		h.Addr, h.Name = addr, f.Name()
	}
	return h
}

// argText is argument i as the call wrote it, def when the call site is unknown.
func argText(c *interp.Call, i int, def string) string {
	if c.Site != nil && i < len(c.Site.ArgText) {
		return c.Site.ArgText[i]
	}
	return def
}

// requestIRQ is request_threaded_irq(irq, handler, thread_fn, flags, name, dev) and
// request_irq (no thread_fn: thread < 0), the arguments at those indexes. As
// there, IRQF_SHARED without a dev_id to tell the sharers apart is -EINVAL, and so
// are no handler and no thread function; a line already taken is -EBUSY.
func requestIRQ(c *interp.Call, prim string, irqI, handlerI, threadI, flagsI, nameI, devI int) int64 {
	return requestIRQAt(c, ksync.IRQRequest{Prim: prim}, irqI, handlerI, threadI, flagsI, nameI, devI)
}

func requestIRQAt(c *interp.Call, r ksync.IRQRequest, irqI, handlerI, threadI, flagsI, nameI, devI int) int64 {
	irq := int64(uint32(c.Args[irqI]))
	dev := c.Args[devI]
	flags := uint64(c.Args[flagsI])
	handler := c.Addr(handlerI)
	var thread uint64
	if threadI >= 0 {
		thread = c.Addr(threadI)
	}
	if flags&irqfShared != 0 && dev == 0 {
		return -ksync.EINVAL
	}
	if r.Prim == "request_irq" && handler == 0 {
		return -ksync.EINVAL // request_threaded_irq: no handler and no thread_fn
	}
	r.Flags = flags
	if handler != 0 {
		r.Handler = irqHandler(c, handler, irq, dev)
	}
	if thread != 0 {
		r.Thread = irqHandler(c, thread, irq, dev)
	}
	if a := c.Addr(nameI); a != 0 {
		r.Name = c.T.CString(r.Prim, a, 64)
	}
	if r.Missing == "" {
		r.Missing = fmt.Sprintf("free_irq(%s, %s)", argText(c, irqI, fmt.Sprint(irq)), argText(c, devI, "dev_id"))
	}
	return int64(c.T.RequestThreadedIRQ(int(irq), r))
}

// devmRequestIRQ is devm_request_threaded_irq(dev, irq, handler, thread_fn, flags,
// name, dev_id) and devm_request_irq (no thread_fn: thread < 0): request_threaded_irq,
// the irq freed when the device goes (module unload). A NULL device is the oops of
// devres_add's spin_lock on it.
func devmRequestIRQ(c *interp.Call, prim string, thread int) int64 {
	if c.Addr(0) == 0 {
		c.T.NullDeref(false)
		return 0
	}
	r := ksync.IRQRequest{Prim: prim, Devm: true, Missing: "devm_free_irq"}
	if thread < 0 {
		return requestIRQAt(c, r, 1, 2, -1, 3, 4, 5)
	}
	return requestIRQAt(c, r, 1, 2, 3, 4, 5, 6)
}

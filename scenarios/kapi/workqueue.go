package kapi

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Workqueues (include/linux/workqueue.h, kernel/workqueue.c). A struct work_struct
// (or struct delayed_work, whose work comes first) lives in the module's memory
// with 6.12's fields; its queueing state is a ksync.Work at its address, made on
// the first call that names it (k.PrimAt). When a kworker runs it, it reads
// work->func then, as process_one_work does (worker->current_func = work->func),
// and the call is module code (ksync's ModuleCode: after the module is gone, the
// page-fault Oops naming the missing cancel). A struct workqueue_struct is the
// kernel's: alloc_workqueue returns a kernel object whose address maps to a
// ksync.Workqueue; system_wq & co. are the kernel's own.

const hWorkqueue = "linux/workqueue.h"

// workLayout is where struct work_struct keeps what ksim reads.
type workLayout struct {
	fn      int // func
	depName int // lockdep_map.name
	size    int
}

func workFields(c *interp.Call, w taskWorld) *workLayout {
	fn, ok1 := w.Offsetof("work_struct", "func")
	dm, ok2 := w.Offsetof("work_struct", "lockdep_map")
	nm, ok3 := w.Offsetof("lockdep_map", "name")
	size, ok4 := w.Sizeof("work_struct")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		c.T.Oops("ksim: struct work_struct lacks func or lockdep_map")
		return nil
	}
	return &workLayout{fn: fn, depName: dm + nm, size: size}
}

func init() {
	wqArg := func(c *interp.Call, i int) *ksync.Workqueue { return wqAt(c, i) }
	register(
		interp.Builtin{Name: "INIT_WORK", Header: hWorkqueue,
			Decl: "void INIT_WORK(struct work_struct *work, work_func_t func);",
			Impl: func(c *interp.Call) int64 { initWork(c, false); return 0 }},
		interp.Builtin{Name: "INIT_DELAYED_WORK", Header: hWorkqueue,
			Decl: "void INIT_DELAYED_WORK(struct delayed_work *dwork, work_func_t func);",
			Impl: func(c *interp.Call) int64 { initWork(c, true); return 0 }},
		interp.Builtin{Name: "__ksim_system_wq", Header: hWorkqueue,
			Decl: "struct workqueue_struct *__ksim_system_wq(int which);",
			Impl: func(c *interp.Call) int64 { return int64(systemWQ(c, int(c.Int(0)))) }},
		interp.Builtin{Name: "alloc_workqueue", Header: hWorkqueue,
			Decl: "struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags, int max_active, ...);",
			Impl: func(c *interp.Call) int64 {
				return allocWQ(c, 0, 3, int(c.Int(1)), int(c.Int(2)))
			}},
		interp.Builtin{Name: "alloc_ordered_workqueue", Header: hWorkqueue,
			Decl: "struct workqueue_struct *alloc_ordered_workqueue(const char *fmt, unsigned int flags, ...);",
			// WQ_UNBOUND | __WQ_ORDERED | flags, max_active 1
			Impl: func(c *interp.Call) int64 {
				return allocWQ(c, 0, 2, int(c.Int(1))|ksync.WQUnbound|ksync.WQOrdered, 1)
			}},
		interp.Builtin{Name: "create_workqueue", Header: hWorkqueue,
			Decl: "struct workqueue_struct *create_workqueue(const char *name);",
			// alloc_workqueue("%s", __WQ_LEGACY | WQ_MEM_RECLAIM, 1, (name))
			Impl: func(c *interp.Call) int64 { return allocWQ(c, 0, 1, ksync.WQLegacy|ksync.WQMemReclaim, 1) }},
		interp.Builtin{Name: "create_singlethread_workqueue", Header: hWorkqueue,
			Decl: "struct workqueue_struct *create_singlethread_workqueue(const char *name);",
			// alloc_ordered_workqueue("%s", __WQ_LEGACY | WQ_MEM_RECLAIM, name)
			Impl: func(c *interp.Call) int64 {
				return allocWQ(c, 0, 1, ksync.WQLegacy|ksync.WQMemReclaim|ksync.WQUnbound|ksync.WQOrdered, 1)
			}},
		interp.Builtin{Name: "destroy_workqueue", Header: hWorkqueue,
			Decl: "void destroy_workqueue(struct workqueue_struct *wq);",
			Impl: func(c *interp.Call) int64 {
				if q := wqArg(c, 0); q != nil {
					c.T.DestroyWorkqueue(q)
				}
				return 0
			}},
		interp.Builtin{Name: "flush_workqueue", Header: hWorkqueue,
			Decl: "void flush_workqueue(struct workqueue_struct *wq);",
			Impl: func(c *interp.Call) int64 {
				if q := wqArg(c, 0); q != nil {
					c.T.FlushWorkqueue(q)
				}
				return 0
			}},
		interp.Builtin{Name: "schedule_work", Header: hWorkqueue,
			Decl: "_Bool schedule_work(struct work_struct *work);",
			Impl: func(c *interp.Call) int64 {
				return workCall(c, 0, false, func(w *ksync.Work) bool {
					return c.T.QueueWork(c.K().SystemWorkqueue(ksync.SystemWQ), w)
				})
			}},
		interp.Builtin{Name: "queue_work", Header: hWorkqueue,
			Decl: "_Bool queue_work(struct workqueue_struct *wq, struct work_struct *work);",
			Impl: func(c *interp.Call) int64 {
				q := wqArg(c, 0)
				if q == nil {
					return 0
				}
				return workCall(c, 1, false, func(w *ksync.Work) bool { return c.T.QueueWork(q, w) })
			}},
		interp.Builtin{Name: "schedule_delayed_work", Header: hWorkqueue,
			Decl: "_Bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay);",
			Impl: func(c *interp.Call) int64 {
				return workCall(c, 0, true, func(w *ksync.Work) bool {
					return c.T.QueueDelayedWork(c.K().SystemWorkqueue(ksync.SystemWQ), w, c.Addr(1))
				})
			}},
		interp.Builtin{Name: "queue_delayed_work", Header: hWorkqueue,
			Decl: "_Bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork, unsigned long delay);",
			Impl: func(c *interp.Call) int64 {
				q := wqArg(c, 0)
				if q == nil {
					return 0
				}
				return workCall(c, 1, true, func(w *ksync.Work) bool { return c.T.QueueDelayedWork(q, w, c.Addr(2)) })
			}},
		interp.Builtin{Name: "mod_delayed_work", Header: hWorkqueue,
			Decl: "_Bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork, unsigned long delay);",
			Impl: func(c *interp.Call) int64 {
				q := wqArg(c, 0)
				if q == nil {
					return 0
				}
				return workCall(c, 1, true, func(w *ksync.Work) bool { return c.T.ModDelayedWork(q, w, c.Addr(2)) })
			}},
		interp.Builtin{Name: "flush_work", Header: hWorkqueue,
			Decl: "_Bool flush_work(struct work_struct *work);",
			Impl: func(c *interp.Call) int64 {
				return workCall(c, 0, false, c.T.FlushWork)
			}},
		interp.Builtin{Name: "flush_delayed_work", Header: hWorkqueue,
			Decl: "_Bool flush_delayed_work(struct delayed_work *dwork);",
			Impl: func(c *interp.Call) int64 {
				return workCall(c, 0, true, c.T.FlushDelayedWork)
			}},
		interp.Builtin{Name: "cancel_work", Header: hWorkqueue,
			Decl: "_Bool cancel_work(struct work_struct *work);",
			Impl: func(c *interp.Call) int64 { return workCall(c, 0, false, c.T.CancelWork) }},
		interp.Builtin{Name: "cancel_work_sync", Header: hWorkqueue,
			Decl: "_Bool cancel_work_sync(struct work_struct *work);",
			Impl: func(c *interp.Call) int64 { return workCall(c, 0, false, c.T.CancelWorkSync) }},
		interp.Builtin{Name: "cancel_delayed_work", Header: hWorkqueue,
			Decl: "_Bool cancel_delayed_work(struct delayed_work *dwork);",
			Impl: func(c *interp.Call) int64 { return workCall(c, 0, true, c.T.CancelWork) }},
		interp.Builtin{Name: "cancel_delayed_work_sync", Header: hWorkqueue,
			Decl: "_Bool cancel_delayed_work_sync(struct delayed_work *dwork);",
			Impl: func(c *interp.Call) int64 { return workCall(c, 0, true, c.T.CancelWorkSync) }},
		interp.Builtin{Name: "work_pending", Header: hWorkqueue,
			Decl: "_Bool work_pending(struct work_struct *work);",
			Impl: func(c *interp.Call) int64 { return workCall(c, 0, false, c.T.WorkPending) }},
		interp.Builtin{Name: "delayed_work_pending", Header: hWorkqueue,
			Decl: "_Bool delayed_work_pending(struct delayed_work *dwork);",
			Impl: func(c *interp.Call) int64 { return workCall(c, 0, true, c.T.WorkPending) }},
	)
}

// workCall runs op on the work argument i points at (a delayed work's when
// delayed), returning op's bool as C's.
func workCall(c *interp.Call, i int, delayed bool, op func(*ksync.Work) bool) int64 {
	w := workAt(c, i, delayed)
	if w == nil {
		return 0
	}
	return taskFlag(op(w))
}

// workAt is the ksync work of the struct work_struct (or struct delayed_work)
// argument i points at, made on first use as its memory says: DECLARE_WORK's
// static initialiser set its lockdep_map's name; memory nobody initialised has a
// NULL func, which the kworker calls (the kernel's NULL pointer dereference). Nil
// after the oops or KASAN report of a pointer to no work.
func workAt(c *interp.Call, i int, delayed bool) *ksync.Work {
	w := worldOf(c)
	l := workFields(c, w)
	if l == nil {
		return nil
	}
	addr := c.Addr(i)
	k := c.K()
	if p, ok := k.PrimAt(addr).(*ksync.Work); ok {
		if delayed {
			p.SetDelayed()
		}
		return p
	}
	b, off := k.Find(addr)
	if b == nil || b.Freed() || off < 0 || off+l.size > len(b.Bytes()) {
		c.T.LoadAt(addr, 8) // the oops or KASAN report of touching work->data
		return nil
	}
	name := wqObjName(c, i, b, off)
	depName := "(work_completion)(&" + name + ")"
	if delayed {
		depName = "(work_completion)(&(&" + name + ")->work)"
	}
	if p, _ := k.Peek(addr+uint64(l.depName), 8); p != 0 {
		depName = c.T.CString("lockdep_init_map", p, 128) // DECLARE_WORK: STATIC_LOCKDEP_MAP_INIT(#n)
	}
	wk := k.NewWork(name, depName, workRun(w, addr, l, name, delayed))
	if off, ok := w.Offsetof("work_struct", "lockdep_map"); ok {
		wk.SetMapAddr(addr + uint64(off))
	}
	if delayed {
		wk.SetDelayed()
	}
	k.SetPrimAt(addr, wk)
	return wk
}

// initWork is INIT_WORK(w, f) / INIT_DELAYED_WORK(dw, f): func set, the work idle,
// its lockdep_map named as __INIT_WORK_KEY names it, "(work_completion)" and the
// macro's argument as written: INIT_WORK passes (_work) on, so "(&w)"; for a
// delayed work INIT_WORK(&(_work)->work), so "(&(&dw)->work)".
func initWork(c *interp.Call, delayed bool) {
	wk := workAt(c, 0, delayed)
	if wk == nil {
		return
	}
	arg := "?"
	if c.Site != nil && len(c.Site.ArgText) > 0 {
		arg = c.Site.ArgText[0]
	}
	depName := "(work_completion)(" + arg + ")"
	if delayed {
		depName = "(work_completion)(&(" + arg + ")->work)"
	}
	w := worldOf(c)
	l := workFields(c, w)
	addr := c.Addr(0)
	wk.Init(c.T, depName, workRun(w, addr, l, wk.Name(), delayed))
	c.K().Poke(addr+uint64(l.fn), 8, c.Addr(1))
}

// workRun is process_one_work's call of the work at addr: worker->current_func
// is work->func as it is when the kworker takes the work.
func workRun(w taskWorld, addr uint64, l *workLayout, name string, delayed bool) func(*ksync.Task) {
	missing := "cancel_work_sync(&" + name + ")"
	if delayed {
		missing = "cancel_delayed_work_sync(&" + name + ")"
	}
	return func(ct *ksync.Task) {
		k := ct.Kernel()
		fn, _ := k.Peek(addr+uint64(l.fn), 8)
		f := w.FuncAt(fn)
		fname := fmt.Sprintf("%#x", fn)
		if f != nil {
			fname = f.Name()
		}
		if fn >= 4096 && !ct.ModuleCode(fn, fname, missing, "process_one_work", "worker_thread", "kthread", "ret_from_fork") {
			return
		}
		if f == nil {
			callOops(ct, fn)
			return
		}
		w.Run(ct, f, int64(addr))
	}
}

// wqObjName names a work (or timer) for traces and messages: a global by its name,
// anything else as the call wrote its address ("&dev->work" is "dev->work").
func wqObjName(c *interp.Call, i int, b *ksync.Buffer, off int) string {
	if b != nil && off == 0 && b.Region() == ksync.RegionStatic {
		return b.Name()
	}
	if c.Site != nil && len(c.Site.ArgText) > i {
		return strings.TrimPrefix(c.Site.ArgText[i], "&")
	}
	if b != nil {
		return fmt.Sprintf("%s+%#x", b.Name(), off)
	}
	return fmt.Sprintf("work@%#x", c.Addr(i))
}

// wqStructSize is the size ksim gives a struct workqueue_struct: the module sees
// only a pointer to it.
const wqStructSize = 64

// allocWQ is alloc_workqueue and the macros around it: the name formatted from
// the format at argument fmtArg with the arguments from argStart on.
func allocWQ(c *interp.Call, fmtArg, argStart, flags, maxActive int) int64 {
	cc := *c
	cc.Args = append([]int64{c.Args[fmtArg]}, c.Args[min(argStart, len(c.Args)):]...)
	name := diagFormat(&cc, 0)
	q := c.T.AllocWorkqueue(name, flags, maxActive)
	b := c.K().NewObject("workqueue_struct", wqStructSize, ksync.RegionHeap)
	c.K().SetPrimAt(b.Addr(), q)
	q.SetAddr(b.Addr())
	return int64(b.Addr())
}

// systemWQ is the address of system_wq (0), system_highpri_wq (1), system_long_wq
// (2) or system_unbound_wq (3).
func systemWQ(c *interp.Call, which int) uint64 {
	if which < 0 || which > ksync.SystemUnboundWQ {
		which = 0
	}
	k := c.K()
	q := k.SystemWorkqueue(which)
	// One kernel object per system workqueue and execution.
	if a := q.Addr(); a != 0 {
		return a
	}
	b := k.NewObject("workqueue_struct", wqStructSize, ksync.RegionHeap)
	k.SetPrimAt(b.Addr(), q)
	q.SetAddr(b.Addr())
	return b.Addr()
}

// wqAt is the workqueue argument i points at; nil, after the oops or KASAN report
// of the access, when it points at none (a NULL wq: alloc failed unchecked).
func wqAt(c *interp.Call, i int) *ksync.Workqueue {
	addr := c.Addr(i)
	if q, ok := c.K().PrimAt(addr).(*ksync.Workqueue); ok {
		return q
	}
	c.T.LoadAt(addr, 8) // the kernel reads wq->flags first
	return nil
}

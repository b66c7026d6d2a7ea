package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// RCU (include/linux/rcupdate.h, kernel/rcu/tree.c): the read-side markers, grace
// periods and callbacks, on ksync's model (ksync/rcu.go). rcu_dereference and
// rcu_assign_pointer are the header's marked load and store; kfree_rcu is its
// macro around kvfree_call_rcu, as in 6.12.

const hRCU = "linux/rcupdate.h"

func init() {
	register(
		interp.Builtin{Name: "rcu_read_lock", Header: hRCU, Decl: "void rcu_read_lock(void);",
			Impl: func(c *interp.Call) int64 { c.T.RCUReadLock(); return 0 }},
		interp.Builtin{Name: "rcu_read_unlock", Header: hRCU, Decl: "void rcu_read_unlock(void);",
			Impl: func(c *interp.Call) int64 { c.T.RCUReadUnlock(); return 0 }},
		interp.Builtin{Name: "rcu_read_lock_bh", Header: hRCU, Decl: "void rcu_read_lock_bh(void);",
			Impl: func(c *interp.Call) int64 { c.T.RCUReadLockBH(); return 0 }},
		interp.Builtin{Name: "rcu_read_unlock_bh", Header: hRCU, Decl: "void rcu_read_unlock_bh(void);",
			Impl: func(c *interp.Call) int64 { c.T.RCUReadUnlockBH(); return 0 }},
		interp.Builtin{Name: "rcu_read_lock_held", Header: hRCU, Decl: "int rcu_read_lock_held(void);",
			Impl: func(c *interp.Call) int64 { return b2i(c.T.RCUReadLockHeld()) }},
		interp.Builtin{Name: "synchronize_rcu", Header: hRCU, Decl: "void synchronize_rcu(void);",
			Impl: func(c *interp.Call) int64 { c.T.SynchronizeRCU(); return 0 }},
		interp.Builtin{Name: "rcu_barrier", Header: hRCU, Decl: "void rcu_barrier(void);",
			Impl: func(c *interp.Call) int64 { c.T.RCUBarrier(); return 0 }},
		interp.Builtin{Name: "call_rcu", Header: hRCU, Decl: "void call_rcu(struct callback_head *head, rcu_callback_t func);",
			Impl: callRCU},
		interp.Builtin{Name: "kvfree_call_rcu", Header: hRCU, Decl: "void kvfree_call_rcu(struct callback_head *head, void *ptr);",
			Impl: kvfreeCallRCU},
	)
}

// callRCU is call_rcu(head, func): __call_rcu_common stores func in head->func
// (a write to the caller's memory: a freed head is KASAN's), and the callback runs
// after a grace period, in softirq context, with head as its argument. It is the
// module's code: run after the module is gone, it is the Oops of a missing
// rcu_barrier() in module_exit.
func callRCU(c *interp.Call) int64 {
	head, fn := c.Addr(0), c.Addr(1)
	c.T.StoreAt(head+8, 8, fn) // head->func = func (struct callback_head: next, func)
	w := worldOf(c)
	f := w.FuncAt(fn)
	name := "rcu callback"
	if f != nil {
		name = f.Name()
	}
	c.T.CallRCU(name, func(ct *ksync.Task) {
		if !ct.ModuleCode(fn, name, "rcu_barrier()", ksync.RCUCallbackFrames...) {
			return
		}
		if f == nil {
			callOops(ct, fn)
			return
		}
		w.Run(ct, f, int64(head))
	})
	return 0
}

// kvfreeCallRCU is kvfree_call_rcu(head, ptr), what kfree_rcu(ptr, rhf) expands to:
// ptr is freed after a grace period (kvfree), by the kernel's own code.
func kvfreeCallRCU(c *interp.Call) int64 {
	ptr := c.Addr(1)
	if ptr == 0 {
		return 0
	}
	c.T.CallRCU("kfree_rcu", func(ct *ksync.Task) { ct.KvfreeAt(ptr) })
	return 0
}

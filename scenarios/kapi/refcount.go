package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// refcount_t (include/linux/refcount.h, lib/refcount.c): each operation is the one
// atomic step 6.12's inline function makes on r->refs (the add_not_zero
// try_cmpxchg loop as the one step its successful iteration is), then its check,
// which saturates the counter and warns (ksync.RefcountWarnSaturate). struct kref
// is the header's inline functions over these.

const hRefcount = "linux/refcount.h"

func init() {
	rc := func(name, decl string, impl func(c *interp.Call) int64) interp.Builtin {
		return interp.Builtin{Name: name, Header: hRefcount, Decl: decl, Impl: impl}
	}
	register(
		rc("refcount_set", "void refcount_set(refcount_t *r, int n);", func(c *interp.Call) int64 {
			c.T.AtomicStoreAt("refcount_set", c.Addr(0), 4, uint64(uint32(c.Int(1))))
			return 0
		}),
		rc("refcount_read", "unsigned int refcount_read(const refcount_t *r);", func(c *interp.Call) int64 {
			return int64(uint32(c.T.AtomicLoadAt("refcount_read", c.Addr(0), 4)))
		}),
		rc("refcount_add", "void refcount_add(int i, refcount_t *r);", func(c *interp.Call) int64 {
			refcountAdd(c, "refcount_add", int32(c.Int(0)), c.Addr(1))
			return 0
		}),
		rc("refcount_inc", "void refcount_inc(refcount_t *r);", func(c *interp.Call) int64 {
			refcountAdd(c, "refcount_inc", 1, c.Addr(0))
			return 0
		}),
		rc("refcount_add_not_zero", "bool refcount_add_not_zero(int i, refcount_t *r);", func(c *interp.Call) int64 {
			return refcountAddNotZero(c, "refcount_add_not_zero", int32(c.Int(0)), c.Addr(1))
		}),
		rc("refcount_inc_not_zero", "bool refcount_inc_not_zero(refcount_t *r);", func(c *interp.Call) int64 {
			return refcountAddNotZero(c, "refcount_inc_not_zero", 1, c.Addr(0))
		}),
		rc("refcount_sub_and_test", "bool refcount_sub_and_test(int i, refcount_t *r);", func(c *interp.Call) int64 {
			return refcountSubAndTest(c, "refcount_sub_and_test", int32(c.Int(0)), c.Addr(1))
		}),
		rc("refcount_dec_and_test", "bool refcount_dec_and_test(refcount_t *r);", func(c *interp.Call) int64 {
			return refcountSubAndTest(c, "refcount_dec_and_test", 1, c.Addr(0))
		}),
		rc("refcount_dec", "void refcount_dec(refcount_t *r);", func(c *interp.Call) int64 {
			old := refcountRMW(c, "refcount_dec", c.Addr(0), func(o int32) int32 { return o - 1 })
			if old <= 1 {
				c.T.RefcountWarnSaturate(c.Addr(0), ksync.RefcountDecLeak)
			}
			return 0
		}),
		// refcount_dec_if_one (lib/refcount.c): atomic_try_cmpxchg_release(1 -> 0).
		rc("refcount_dec_if_one", "bool refcount_dec_if_one(refcount_t *r);", func(c *interp.Call) int64 {
			return b2i(c.T.CmpxchgAt("refcount_dec_if_one", c.Addr(0), 4, 1, 0) == 1)
		}),
	)
}

// refcountRMW is one atomic step on the counter at addr; it returns the old value.
func refcountRMW(c *interp.Call, name string, addr uint64, f func(old int32) int32) int32 {
	var old int32
	c.T.RMWAt(name, addr, 4, func(w uint64) uint64 {
		old = int32(w)
		return uint64(uint32(f(old)))
	})
	return old
}

// refcountAdd is __refcount_add: atomic_fetch_add_relaxed, then the checks.
func refcountAdd(c *interp.Call, name string, i int32, addr uint64) {
	old := refcountRMW(c, name, addr, func(o int32) int32 { return o + i })
	switch {
	case old == 0:
		c.T.RefcountWarnSaturate(addr, ksync.RefcountAddUAF)
	case old < 0 || old+i < 0:
		c.T.RefcountWarnSaturate(addr, ksync.RefcountAddOvf)
	}
}

// refcountAddNotZero is __refcount_add_not_zero: no change at 0.
func refcountAddNotZero(c *interp.Call, name string, i int32, addr uint64) int64 {
	old := refcountRMW(c, name, addr, func(o int32) int32 {
		if o == 0 {
			return o
		}
		return o + i
	})
	if old < 0 || old+i < 0 {
		c.T.RefcountWarnSaturate(addr, ksync.RefcountAddNotZeroOvf)
	}
	return b2i(old != 0)
}

// refcountSubAndTest is __refcount_sub_and_test: atomic_fetch_sub_release; true
// when it took the counter to 0, a warning when below.
func refcountSubAndTest(c *interp.Call, name string, i int32, addr uint64) int64 {
	old := refcountRMW(c, name, addr, func(o int32) int32 { return o - i })
	if old > 0 && old == i {
		return 1
	}
	if old <= 0 || old-i < 0 {
		c.T.RefcountWarnSaturate(addr, ksync.RefcountSubUAF)
	}
	return 0
}

package kapi

import (
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// atomic_t, atomic64_t and atomic_long_t (include/linux/atomic.h and its generated
// include/linux/atomic/atomic-instrumented.h): each operation is one step on the
// counter's word in memory, named as the kernel function, except the *_and_test
// forms, which traces have always shown as the operation they do (atomic_dec).

const hAtomic = "linux/atomic.h"

// atomicType is one of the three families: its prefix, C types and counter size.
type atomicType struct {
	prefix string // "atomic", "atomic64", "atomic_long"
	typ    string // "atomic_t"
	val    string // the counter's C type: "int", "s64", "long"
	size   int
}

var atomicTypes = []atomicType{
	{"atomic", "atomic_t", "int", 4},
	{"atomic64", "atomic64_t", "s64", 8},
	{"atomic_long", "atomic_long_t", "long", 8},
}

// value is the counter's C value of the size-byte word w (sign-extended).
func (a atomicType) value(w uint64) int64 {
	if a.size == 4 {
		return int64(int32(w))
	}
	return int64(w)
}

// rmw is one atomic step on the counter at argument vi: f gets the old value and
// returns the new one; rmw returns the old and the new value.
func (a atomicType) rmw(c *interp.Call, name string, vi int, f func(old int64) int64) (old, new int64) {
	c.T.RMWAt(name, c.Addr(vi), a.size, func(w uint64) uint64 {
		old = a.value(w)
		new = a.value(uint64(f(old)))
		return uint64(new)
	})
	return old, new
}

func init() {
	for _, a := range atomicTypes {
		registerAtomic(a)
	}
}

func registerAtomic(a atomicType) {
	p, T, V := a.prefix, a.typ, a.val
	decl := func(ret, name, params string) string { return ret + " " + p + "_" + name + "(" + params + ");" }
	ent := func(name, d string, impl func(c *interp.Call) int64) interp.Builtin {
		return interp.Builtin{Name: p + "_" + name, Header: hAtomic, Decl: d, Impl: impl}
	}
	// binary operations of (i, v): op gives the new value from the old and i.
	type binop struct {
		name string
		op   func(old, i int64) int64
	}
	ops := []binop{
		{"add", func(o, i int64) int64 { return o + i }},
		{"sub", func(o, i int64) int64 { return o - i }},
		{"and", func(o, i int64) int64 { return o & i }},
		{"or", func(o, i int64) int64 { return o | i }},
		{"xor", func(o, i int64) int64 { return o ^ i }},
	}
	var bs []interp.Builtin
	for _, o := range ops {
		o := o
		name := p + "_" + o.name
		bs = append(bs,
			ent(o.name, decl("void", o.name, V+" i, "+T+" *v"), func(c *interp.Call) int64 {
				i := a.value(uint64(c.Int(0)))
				a.rmw(c, name, 1, func(old int64) int64 { return o.op(old, i) })
				return 0
			}),
			ent("fetch_"+o.name, decl(V, "fetch_"+o.name, V+" i, "+T+" *v"), func(c *interp.Call) int64 {
				i := a.value(uint64(c.Int(0)))
				old, _ := a.rmw(c, p+"_fetch_"+o.name, 1, func(old int64) int64 { return o.op(old, i) })
				return old
			}))
		if o.name == "add" || o.name == "sub" {
			bs = append(bs, ent(o.name+"_return", decl(V, o.name+"_return", V+" i, "+T+" *v"), func(c *interp.Call) int64 {
				i := a.value(uint64(c.Int(0)))
				_, new := a.rmw(c, name+"_return", 1, func(old int64) int64 { return o.op(old, i) })
				return new
			}))
		}
	}
	// unary operations of (v).
	for _, u := range []struct {
		name string
		d    int64
	}{{"inc", 1}, {"dec", -1}} {
		u := u
		name := p + "_" + u.name
		bs = append(bs,
			ent(u.name, decl("void", u.name, T+" *v"), func(c *interp.Call) int64 {
				a.rmw(c, name, 0, func(old int64) int64 { return old + u.d })
				return 0
			}),
			ent(u.name+"_return", decl(V, u.name+"_return", T+" *v"), func(c *interp.Call) int64 {
				_, new := a.rmw(c, name+"_return", 0, func(old int64) int64 { return old + u.d })
				return new
			}),
			ent("fetch_"+u.name, decl(V, "fetch_"+u.name, T+" *v"), func(c *interp.Call) int64 {
				old, _ := a.rmw(c, p+"_fetch_"+u.name, 0, func(old int64) int64 { return old + u.d })
				return old
			}),
			ent(u.name+"_and_test", decl("bool", u.name+"_and_test", T+" *v"), func(c *interp.Call) int64 {
				_, new := a.rmw(c, name, 0, func(old int64) int64 { return old + u.d })
				return b2i(new == 0)
			}))
	}
	bs = append(bs,
		ent("read", decl(V, "read", "const "+T+" *v"), func(c *interp.Call) int64 {
			return a.value(c.T.AtomicLoadAt(p+"_read", c.Addr(0), a.size))
		}),
		ent("set", decl("void", "set", T+" *v, "+V+" i"), func(c *interp.Call) int64 {
			c.T.AtomicStoreAt(p+"_set", c.Addr(0), a.size, uint64(c.Int(1)))
			return 0
		}),
		ent("sub_and_test", decl("bool", "sub_and_test", V+" i, "+T+" *v"), func(c *interp.Call) int64 {
			i := a.value(uint64(c.Int(0)))
			_, new := a.rmw(c, p+"_sub", 1, func(old int64) int64 { return old - i })
			return b2i(new == 0)
		}),
		ent("add_negative", decl("bool", "add_negative", V+" i, "+T+" *v"), func(c *interp.Call) int64 {
			i := a.value(uint64(c.Int(0)))
			_, new := a.rmw(c, p+"_add", 1, func(old int64) int64 { return old + i })
			return b2i(new < 0)
		}),
		ent("xchg", decl(V, "xchg", T+" *v, "+V+" new"), func(c *interp.Call) int64 {
			n := a.value(uint64(c.Int(1)))
			old, _ := a.rmw(c, p+"_xchg", 0, func(int64) int64 { return n })
			return old
		}),
		ent("cmpxchg", decl(V, "cmpxchg", T+" *v, "+V+" old, "+V+" new"), func(c *interp.Call) int64 {
			return a.value(c.T.CmpxchgAt(p+"_cmpxchg", c.Addr(0), a.size, uint64(a.value(uint64(c.Int(1))))&mask(a.size), uint64(c.Int(2))))
		}),
		// try_cmpxchg: on failure, *old gets the value found (a store to the
		// caller's variable, usually a private local).
		ent("try_cmpxchg", decl("bool", "try_cmpxchg", T+" *v, "+V+" *old, "+V+" new"), func(c *interp.Call) int64 {
			want := c.T.LoadAt(c.Addr(1), a.size)
			got := c.T.CmpxchgAt(p+"_try_cmpxchg", c.Addr(0), a.size, want, uint64(c.Int(2)))
			if got != want {
				c.T.StoreAt(c.Addr(1), a.size, got)
				return 0
			}
			return 1
		}),
		// add_unless and inc_not_zero: the kernel's try_cmpxchg loop, as the one
		// atomic step its successful iteration is.
		ent("add_unless", decl("bool", "add_unless", T+" *v, "+V+" a, "+V+" u"), func(c *interp.Call) int64 {
			return a.addUnless(c, p+"_add_unless", a.value(uint64(c.Int(1))), a.value(uint64(c.Int(2))))
		}),
		ent("inc_not_zero", decl("bool", "inc_not_zero", T+" *v"), func(c *interp.Call) int64 {
			return a.addUnless(c, p+"_inc_not_zero", 1, 0)
		}),
	)
	register(bs...)
}

// addUnless adds d to the counter at argument 0 unless it is u, and reports
// whether it did.
func (a atomicType) addUnless(c *interp.Call, name string, d, u int64) int64 {
	old, _ := a.rmw(c, name, 0, func(old int64) int64 {
		if old == u {
			return old
		}
		return old + d
	})
	return b2i(old != u)
}

// mask is the bits of a size-byte word.
func mask(size int) uint64 {
	if size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*size) - 1
}

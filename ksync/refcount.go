package ksync

// refcount_t's saturation (lib/refcount.c): an operation that finds the counter
// where it must not be (an increment from 0, a decrement below 0, an overflow)
// sets it to REFCOUNT_SATURATED, where it stays, and warns once per kind.

// RefcountSaturated is REFCOUNT_SATURATED, INT_MIN / 2.
const RefcountSaturated = 0xc0000000

// The saturation events of enum refcount_saturation_type.
const (
	RefcountAddNotZeroOvf = iota // REFCOUNT_ADD_NOT_ZERO_OVF
	RefcountAddOvf               // REFCOUNT_ADD_OVF
	RefcountAddUAF               // REFCOUNT_ADD_UAF
	RefcountSubUAF               // REFCOUNT_SUB_UAF
	RefcountDecLeak              // REFCOUNT_DEC_LEAK
)

// refcountWarnings are REFCOUNT_WARN's messages and lines in lib/refcount.c, by
// event.
var refcountWarnings = [...]struct{ msg, file string }{
	RefcountAddNotZeroOvf: {"saturated; leaking memory", "lib/refcount.c:19"},
	RefcountAddOvf:        {"saturated; leaking memory", "lib/refcount.c:22"},
	RefcountAddUAF:        {"addition on 0; use-after-free", "lib/refcount.c:25"},
	RefcountSubUAF:        {"underflow; use-after-free", "lib/refcount.c:28"},
	RefcountDecLeak:       {"decrement hit 0; leaking memory", "lib/refcount.c:31"},
}

// RefcountWarnSaturate is refcount_warn_saturate(r, event) for the refcount_t at
// addr: refcount_set(r, REFCOUNT_SATURATED), then REFCOUNT_WARN, a WARN_ONCE with
// "refcount_t: <what>.".
func (t *Task) RefcountWarnSaturate(addr uint64, event int) {
	t.AtomicStoreAt("refcount_warn_saturate", addr, 4, RefcountSaturated)
	w := refcountWarnings[event]
	t.warnOnceMsg("refcount_t: "+w.msg+".", w.file, "refcount_warn_saturate+0x13a/0x210",
		"refcount_t "+w.msg+" at "+t.where())
}

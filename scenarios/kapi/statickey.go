package kapi

import (
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Static keys (include/linux/jump_label.h, kernel/jump_label.c). ksim runs the
// kernel's !CONFIG_JUMP_LABEL definitions: a branch reads key->enabled
// (static_key_count), which is what the patched code's behaviour amounts to; the
// slow paths take cpus_read_lock and jump_label_mutex and may sleep, as 6.12's do.
// struct static_key starts with its atomic_t enabled (linux/jump_label.h).

const hJumpLabel = "linux/jump_label.h"

func init() {
	register(
		interp.Builtin{Name: "static_key_count", Header: hJumpLabel, Decl: "int static_key_count(struct static_key *key);",
			Impl: func(c *interp.Call) int64 {
				return int64(int32(c.T.AtomicLoadAt("static_key_count", c.Addr(0), 4)))
			}},
		interp.Builtin{Name: "static_key_enable", Header: hJumpLabel, Decl: "void static_key_enable(struct static_key *key);",
			Impl: func(c *interp.Call) int64 { staticKeyEnable(c); return 0 }},
		interp.Builtin{Name: "static_key_disable", Header: hJumpLabel, Decl: "void static_key_disable(struct static_key *key);",
			Impl: func(c *interp.Call) int64 { staticKeyDisable(c); return 0 }},
		interp.Builtin{Name: "static_key_slow_inc", Header: hJumpLabel, Decl: "bool static_key_slow_inc(struct static_key *key);",
			Impl: staticKeySlowInc},
		interp.Builtin{Name: "static_key_slow_dec", Header: hJumpLabel, Decl: "void static_key_slow_dec(struct static_key *key);",
			Impl: func(c *interp.Call) int64 { staticKeySlowDec(c); return 0 }},
	)
}

// keyRead is atomic_read(&key->enabled).
func keyRead(c *interp.Call, fn string) int32 {
	return int32(c.T.AtomicLoadAt(fn, c.Addr(0), 4))
}

// staticKeyEnable is static_key_enable: cpus_read_lock, then
// static_key_enable_cpuslocked: an enabled key stays so (WARN_ON_ONCE unless it is
// 1); otherwise under jump_label_mutex 0 becomes -1, the code is patched, then 1.
func staticKeyEnable(c *interp.Call) {
	t, key := c.T, c.Addr(0)
	t.CPUsReadLock("static_key_enable")
	defer t.CPUsReadUnlock()
	if v := keyRead(c, "static_key_enable"); v > 0 {
		t.WarnOnceAt(v != 1, "kernel/jump_label.c:203", "static_key_enable_cpuslocked+0x9a/0xb0")
		return
	}
	t.JumpLabelLock()
	if keyRead(c, "static_key_enable") == 0 {
		t.AtomicStoreAt("atomic_set", key, 4, uint64(0xffffffff))
		t.AtomicStoreAt("atomic_set_release", key, 4, 1) // after jump_label_update
	}
	t.JumpLabelUnlock()
}

// staticKeyDisable is static_key_disable: a key that is not 1 stays as it is
// (WARN_ON_ONCE unless 0); otherwise under jump_label_mutex cmpxchg 1 -> 0.
func staticKeyDisable(c *interp.Call) {
	t, key := c.T, c.Addr(0)
	t.CPUsReadLock("static_key_disable")
	defer t.CPUsReadUnlock()
	if v := keyRead(c, "static_key_disable"); v != 1 {
		t.WarnOnceAt(v != 0, "kernel/jump_label.c:234", "static_key_disable_cpuslocked+0x8c/0xa0")
		return
	}
	t.JumpLabelLock()
	t.CmpxchgAt("atomic_cmpxchg", key, 4, 1, 0)
	t.JumpLabelUnlock()
}

// staticKeySlowInc is static_key_slow_inc: static_key_fast_inc_not_disabled (an
// increment of a positive count), else under jump_label_mutex 0 -> -1 -> 1.
func staticKeySlowInc(c *interp.Call) int64 {
	t, key := c.T, c.Addr(0)
	t.CPUsReadLock("static_key_slow_inc")
	defer t.CPUsReadUnlock()
	if fastIncNotDisabled(c) {
		return 1
	}
	t.JumpLabelLock()
	defer t.JumpLabelUnlock()
	if t.CmpxchgAt("atomic_cmpxchg", key, 4, 0, 0xffffffff) == 0 {
		t.AtomicStoreAt("atomic_set_release", key, 4, 1)
		return 1
	}
	if t.WarnOnceAt(!fastIncNotDisabled(c), "kernel/jump_label.c:180", "static_key_slow_inc_cpuslocked+0xd2/0xf0") {
		return 0
	}
	return 1
}

// fastIncNotDisabled is static_key_fast_inc_not_disabled: +1 unless the count is
// 0 or less (a WARN_ON_ONCE at INT_MAX is not modelled: no module counts that far).
func fastIncNotDisabled(c *interp.Call) bool {
	ok := false
	c.T.RMWAt("static_key_fast_inc_not_disabled", c.Addr(0), 4, func(w uint64) uint64 {
		if v := int32(w); v > 0 {
			ok = true
			return uint64(uint32(v + 1))
		}
		return w
	})
	return ok
}

// staticKeySlowDec is static_key_slow_dec: static_key_dec_not_one (a decrement of a
// count above 1; WARN_ON_ONCE at 0, an underflow), else under jump_label_mutex the
// last decrement.
func staticKeySlowDec(c *interp.Call) {
	t, key := c.T, c.Addr(0)
	t.CPUsReadLock("static_key_slow_dec")
	defer t.CPUsReadUnlock()
	warn0 := false
	done := false
	t.RMWAt("static_key_dec_not_one", key, 4, func(w uint64) uint64 {
		v := int32(w)
		switch {
		case v == 0:
			warn0, done = true, true
		case v > 1:
			done = true
			return uint64(uint32(v - 1))
		}
		return w
	})
	if warn0 {
		t.WarnOnceAt(true, "kernel/jump_label.c:282", "static_key_dec_not_one+0x7b/0x90")
	}
	if done {
		return
	}
	t.JumpLabelLock()
	defer t.JumpLabelUnlock()
	t.RMWAt("atomic_dec_and_test", key, 4, func(w uint64) uint64 {
		if int32(w) <= 0 {
			return w
		}
		return uint64(uint32(int32(w) - 1))
	})
}

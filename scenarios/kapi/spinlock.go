package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// spinlock_t and raw_spinlock_t (include/linux/spinlock.h, kernel/locking/
// spinlock.c). spin_lock_init, raw_spin_lock_init, spin_lock_irqsave and
// raw_spin_lock_irqsave are macros of the headers that call __raw_spin_lock_init and
// _raw_spin_lock_irqsave on the raw_spinlock_t (spinlock_check), as 6.12's do; the
// rest are functions of their own name. Without PREEMPT_RT a spinlock_t is a
// raw_spinlock_t: one model (ksync.Spinlock), whose trace names a raw one's calls
// raw_spin_*.

const hSpinlock = "linux/spinlock.h"

func init() {
	l := func(f func(c *interp.Call, l *ksync.Spinlock) int64) func(*interp.Call) int64 {
		return on(spinlockAt, f)
	}
	register(
		interp.Builtin{Name: "__raw_spin_lock_init", Header: hSpinlock,
			Decl: "void __raw_spin_lock_init(raw_spinlock_t *lock, const char *name, struct lock_class_key *key, short inner);",
			Impl: func(c *interp.Call) int64 {
				if p, _ := initPrim(c, 0, kindSpinlock, c.Addr(2), initName(c, 1)).(*ksync.Spinlock); p != nil {
					p.Init(c.T)
				}
				return 0
			}},
		interp.Builtin{Name: "spin_lock", Header: hSpinlock, Decl: "void spin_lock(spinlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { l.Lock(c.T); return 0 })},
		interp.Builtin{Name: "spin_lock_nested", Header: hSpinlock, Decl: "void spin_lock_nested(spinlock_t *lock, int subclass);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { l.LockNested(c.T, int(c.Int(1))); return 0 })},
		interp.Builtin{Name: "spin_unlock", Header: hSpinlock, Decl: "void spin_unlock(spinlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { l.Unlock(c.T); return 0 })},
		interp.Builtin{Name: "spin_trylock", Header: hSpinlock, Decl: "int spin_trylock(spinlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { return int64(l.Trylock(c.T)) })},
		interp.Builtin{Name: "_raw_spin_lock_irqsave", Header: hSpinlock, Decl: "unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { return int64(l.LockIrqsave(c.T)) })},
		interp.Builtin{Name: "spin_unlock_irqrestore", Header: hSpinlock, Decl: "void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { l.UnlockIrqrestore(c.T, int(c.Int(1))); return 0 })},
		interp.Builtin{Name: "spin_lock_irq", Header: hSpinlock, Decl: "void spin_lock_irq(spinlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { l.LockIRQ(c.T); return 0 })},
		interp.Builtin{Name: "spin_unlock_irq", Header: hSpinlock, Decl: "void spin_unlock_irq(spinlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { l.UnlockIRQ(c.T); return 0 })},
		interp.Builtin{Name: "spin_lock_bh", Header: hSpinlock, Decl: "void spin_lock_bh(spinlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { l.LockBH(c.T); return 0 })},
		interp.Builtin{Name: "spin_unlock_bh", Header: hSpinlock, Decl: "void spin_unlock_bh(spinlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.Spinlock) int64 { l.UnlockBH(c.T); return 0 })},
	)
	raw := func(f func(c *interp.Call, l *ksync.Spinlock) int64) func(*interp.Call) int64 {
		return on(spinlockAt, func(c *interp.Call, l *ksync.Spinlock) int64 { l.SetRaw(); return f(c, l) })
	}
	const r = "(raw_spinlock_t *lock"
	register(
		interp.Builtin{Name: "raw_spin_lock", Header: hSpinlock, Decl: "void raw_spin_lock" + r + ");",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { l.Lock(c.T); return 0 })},
		interp.Builtin{Name: "raw_spin_lock_nested", Header: hSpinlock, Decl: "void raw_spin_lock_nested" + r + ", int subclass);",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { l.LockNested(c.T, int(c.Int(1))); return 0 })},
		interp.Builtin{Name: "raw_spin_unlock", Header: hSpinlock, Decl: "void raw_spin_unlock" + r + ");",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { l.Unlock(c.T); return 0 })},
		interp.Builtin{Name: "raw_spin_trylock", Header: hSpinlock, Decl: "int raw_spin_trylock" + r + ");",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { return int64(l.Trylock(c.T)) })},
		interp.Builtin{Name: "raw_spin_unlock_irqrestore", Header: hSpinlock, Decl: "void raw_spin_unlock_irqrestore" + r + ", unsigned long flags);",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { l.UnlockIrqrestore(c.T, int(c.Int(1))); return 0 })},
		interp.Builtin{Name: "raw_spin_lock_irq", Header: hSpinlock, Decl: "void raw_spin_lock_irq" + r + ");",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { l.LockIRQ(c.T); return 0 })},
		interp.Builtin{Name: "raw_spin_unlock_irq", Header: hSpinlock, Decl: "void raw_spin_unlock_irq" + r + ");",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { l.UnlockIRQ(c.T); return 0 })},
		interp.Builtin{Name: "raw_spin_lock_bh", Header: hSpinlock, Decl: "void raw_spin_lock_bh" + r + ");",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { l.LockBH(c.T); return 0 })},
		interp.Builtin{Name: "raw_spin_unlock_bh", Header: hSpinlock, Decl: "void raw_spin_unlock_bh" + r + ");",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { l.UnlockBH(c.T); return 0 })},
		interp.Builtin{Name: "raw_spin_is_locked", Header: hSpinlock, Decl: "int raw_spin_is_locked" + r + ");",
			Impl: raw(func(c *interp.Call, l *ksync.Spinlock) int64 { return int64(l.IsLocked(c.T)) })},
		interp.Builtin{Name: "spin_is_locked", Header: hSpinlock, Decl: "int spin_is_locked(spinlock_t *lock);",
			Impl: on(spinlockAt, func(c *interp.Call, l *ksync.Spinlock) int64 { return int64(l.IsLocked(c.T)) })},
	)
}

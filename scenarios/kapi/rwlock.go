package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// rwlock_t (include/linux/rwlock.h, kernel/locking/spinlock.c): rwlock_init,
// read_lock_irqsave and write_lock_irqsave are macros of the headers that call
// __rwlock_init, _raw_read_lock_irqsave and _raw_write_lock_irqsave, as 6.12's do.

const hRWLock = "linux/rwlock.h"

func init() {
	l := func(f func(c *interp.Call, l *ksync.RWLock) int64) func(*interp.Call) int64 { return on(rwlockAt, f) }
	register(
		interp.Builtin{Name: "__rwlock_init", Header: hRWLock,
			Decl: "void __rwlock_init(rwlock_t *lock, const char *name, struct lock_class_key *key);",
			Impl: func(c *interp.Call) int64 {
				if p, _ := initPrim(c, 0, kindRWLock, c.Addr(2), initName(c, 1)).(*ksync.RWLock); p != nil {
					p.Init(c.T)
				}
				return 0
			}},
		interp.Builtin{Name: "read_lock", Header: hRWLock, Decl: "void read_lock(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.ReadLock(c.T); return 0 })},
		interp.Builtin{Name: "read_unlock", Header: hRWLock, Decl: "void read_unlock(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.ReadUnlock(c.T); return 0 })},
		interp.Builtin{Name: "write_lock", Header: hRWLock, Decl: "void write_lock(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.WriteLock(c.T); return 0 })},
		interp.Builtin{Name: "write_unlock", Header: hRWLock, Decl: "void write_unlock(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.WriteUnlock(c.T); return 0 })},
		interp.Builtin{Name: "_raw_read_lock_irqsave", Header: hRWLock, Decl: "unsigned long _raw_read_lock_irqsave(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { return int64(l.ReadLockIrqsave(c.T)) })},
		interp.Builtin{Name: "_raw_write_lock_irqsave", Header: hRWLock, Decl: "unsigned long _raw_write_lock_irqsave(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { return int64(l.WriteLockIrqsave(c.T)) })},
		interp.Builtin{Name: "read_unlock_irqrestore", Header: hRWLock, Decl: "void read_unlock_irqrestore(rwlock_t *lock, unsigned long flags);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.ReadUnlockIrqrestore(c.T, int(c.Int(1))); return 0 })},
		interp.Builtin{Name: "write_unlock_irqrestore", Header: hRWLock, Decl: "void write_unlock_irqrestore(rwlock_t *lock, unsigned long flags);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.WriteUnlockIrqrestore(c.T, int(c.Int(1))); return 0 })},
		interp.Builtin{Name: "read_lock_irq", Header: hRWLock, Decl: "void read_lock_irq(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.ReadLockIRQ(c.T); return 0 })},
		interp.Builtin{Name: "read_unlock_irq", Header: hRWLock, Decl: "void read_unlock_irq(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.ReadUnlockIRQ(c.T); return 0 })},
		interp.Builtin{Name: "write_lock_irq", Header: hRWLock, Decl: "void write_lock_irq(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.WriteLockIRQ(c.T); return 0 })},
		interp.Builtin{Name: "write_unlock_irq", Header: hRWLock, Decl: "void write_unlock_irq(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.WriteUnlockIRQ(c.T); return 0 })},
		interp.Builtin{Name: "read_lock_bh", Header: hRWLock, Decl: "void read_lock_bh(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.ReadLockBH(c.T); return 0 })},
		interp.Builtin{Name: "read_unlock_bh", Header: hRWLock, Decl: "void read_unlock_bh(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.ReadUnlockBH(c.T); return 0 })},
		interp.Builtin{Name: "write_lock_bh", Header: hRWLock, Decl: "void write_lock_bh(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.WriteLockBH(c.T); return 0 })},
		interp.Builtin{Name: "write_unlock_bh", Header: hRWLock, Decl: "void write_unlock_bh(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { l.WriteUnlockBH(c.T); return 0 })},
		interp.Builtin{Name: "read_trylock", Header: hRWLock, Decl: "int read_trylock(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { return int64(l.ReadTrylock(c.T)) })},
		interp.Builtin{Name: "write_trylock", Header: hRWLock, Decl: "int write_trylock(rwlock_t *lock);",
			Impl: l(func(c *interp.Call, l *ksync.RWLock) int64 { return int64(l.WriteTrylock(c.T)) })},
	)
}

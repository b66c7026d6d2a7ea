package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// struct mutex (include/linux/mutex.h, kernel/locking/mutex.c).

const hMutex = "linux/mutex.h"

func init() {
	m := func(f func(c *interp.Call, m *ksync.Mutex) int64) func(*interp.Call) int64 { return on(mutexAt, f) }
	register(
		interp.Builtin{Name: "__mutex_init", Header: hMutex,
			Decl: "void __mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key);",
			// mutex_init(m): one static lock_class_key per call site (the macro's
			// __key), so every mutex initialised there shares a class.
			Impl: func(c *interp.Call) int64 {
				if p, _ := initPrim(c, 0, kindMutex, c.Addr(2), initName(c, 1)).(*ksync.Mutex); p != nil {
					p.Init(c.T)
				}
				return 0
			}},
		interp.Builtin{Name: "mutex_lock", Header: hMutex, Decl: "void mutex_lock(struct mutex *lock);",
			Impl: m(func(c *interp.Call, m *ksync.Mutex) int64 { m.Lock(c.T); return 0 })},
		interp.Builtin{Name: "mutex_lock_nested", Header: hMutex, Decl: "void mutex_lock_nested(struct mutex *lock, unsigned int subclass);",
			Impl: m(func(c *interp.Call, m *ksync.Mutex) int64 { m.LockNested(c.T, int(c.Int(1))); return 0 })},
		interp.Builtin{Name: "mutex_lock_interruptible", Header: hMutex, Decl: "int mutex_lock_interruptible(struct mutex *lock);",
			Impl: m(func(c *interp.Call, m *ksync.Mutex) int64 { return int64(m.LockInterruptible(c.T)) })},
		interp.Builtin{Name: "mutex_lock_killable", Header: hMutex, Decl: "int mutex_lock_killable(struct mutex *lock);",
			Impl: m(func(c *interp.Call, m *ksync.Mutex) int64 { return int64(m.LockKillable(c.T)) })},
		interp.Builtin{Name: "mutex_trylock", Header: hMutex, Decl: "int mutex_trylock(struct mutex *lock);",
			Impl: m(func(c *interp.Call, m *ksync.Mutex) int64 { return int64(m.Trylock(c.T)) })},
		interp.Builtin{Name: "mutex_unlock", Header: hMutex, Decl: "void mutex_unlock(struct mutex *lock);",
			Impl: m(func(c *interp.Call, m *ksync.Mutex) int64 { m.Unlock(c.T); return 0 })},
		interp.Builtin{Name: "mutex_is_locked", Header: hMutex, Decl: "bool mutex_is_locked(struct mutex *lock);",
			Impl: m(func(c *interp.Call, m *ksync.Mutex) int64 { return int64(m.IsLocked(c.T)) })},
	)
}

package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// struct rw_semaphore (include/linux/rwsem.h, kernel/locking/rwsem.c): init_rwsem is
// a macro of the header that calls __init_rwsem, as 6.12's does.

const hRWSem = "linux/rwsem.h"

func init() {
	s := func(f func(c *interp.Call, s *ksync.RWSem) int64) func(*interp.Call) int64 { return on(rwsemAt, f) }
	register(
		interp.Builtin{Name: "__init_rwsem", Header: hRWSem,
			Decl: "void __init_rwsem(struct rw_semaphore *sem, const char *name, struct lock_class_key *key);",
			Impl: func(c *interp.Call) int64 {
				if p, _ := initPrim(c, 0, kindRWSem, c.Addr(2), initName(c, 1)).(*ksync.RWSem); p != nil {
					p.Init(c.T)
				}
				return 0
			}},
		interp.Builtin{Name: "down_read", Header: hRWSem, Decl: "void down_read(struct rw_semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.RWSem) int64 { s.DownRead(c.T); return 0 })},
		interp.Builtin{Name: "up_read", Header: hRWSem, Decl: "void up_read(struct rw_semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.RWSem) int64 { s.UpRead(c.T); return 0 })},
		interp.Builtin{Name: "down_write", Header: hRWSem, Decl: "void down_write(struct rw_semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.RWSem) int64 { s.DownWrite(c.T); return 0 })},
		interp.Builtin{Name: "up_write", Header: hRWSem, Decl: "void up_write(struct rw_semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.RWSem) int64 { s.UpWrite(c.T); return 0 })},
		interp.Builtin{Name: "down_read_trylock", Header: hRWSem, Decl: "int down_read_trylock(struct rw_semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.RWSem) int64 { return int64(s.DownReadTrylock(c.T)) })},
		interp.Builtin{Name: "down_read_killable", Header: hRWSem, Decl: "int down_read_killable(struct rw_semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.RWSem) int64 { return int64(s.DownReadKillable(c.T)) })},
		interp.Builtin{Name: "downgrade_write", Header: hRWSem, Decl: "void downgrade_write(struct rw_semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.RWSem) int64 { s.DowngradeWrite(c.T); return 0 })},
		interp.Builtin{Name: "down_write_trylock", Header: hRWSem, Decl: "int down_write_trylock(struct rw_semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.RWSem) int64 { return int64(s.DownWriteTrylock(c.T)) })},
	)
}

package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// struct semaphore (include/linux/semaphore.h, kernel/locking/semaphore.c).

const hSemaphore = "linux/semaphore.h"

func init() {
	s := func(f func(c *interp.Call, s *ksync.Semaphore) int64) func(*interp.Call) int64 {
		return on(semaphoreAt, f)
	}
	register(
		interp.Builtin{Name: "sema_init", Header: hSemaphore, Decl: "void sema_init(struct semaphore *sem, int val);",
			Impl: func(c *interp.Call) int64 {
				if p, _ := initPrim(c, 0, kindSemaphore, 0, "").(*ksync.Semaphore); p != nil {
					p.Init(c.T, int(int32(c.Int(1))))
				}
				return 0
			}},
		interp.Builtin{Name: "down", Header: hSemaphore, Decl: "void down(struct semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.Semaphore) int64 { s.Down(c.T); return 0 })},
		interp.Builtin{Name: "down_interruptible", Header: hSemaphore, Decl: "int down_interruptible(struct semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.Semaphore) int64 { return int64(s.DownInterruptible(c.T)) })},
		interp.Builtin{Name: "down_killable", Header: hSemaphore, Decl: "int down_killable(struct semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.Semaphore) int64 { return int64(s.DownKillable(c.T)) })},
		interp.Builtin{Name: "down_trylock", Header: hSemaphore, Decl: "int down_trylock(struct semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.Semaphore) int64 { return int64(s.DownTrylock(c.T)) })},
		interp.Builtin{Name: "down_timeout", Header: hSemaphore, Decl: "int down_timeout(struct semaphore *sem, long jiffies);",
			Impl: s(func(c *interp.Call, s *ksync.Semaphore) int64 { return int64(s.DownTimeout(c.T, int(c.Int(1)))) })},
		interp.Builtin{Name: "up", Header: hSemaphore, Decl: "void up(struct semaphore *sem);",
			Impl: s(func(c *interp.Call, s *ksync.Semaphore) int64 { s.Up(c.T); return 0 })},
	)
}

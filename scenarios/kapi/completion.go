package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// struct completion (include/linux/completion.h, kernel/sched/completion.c).

const hCompletion = "linux/completion.h"

func init() {
	x := func(f func(c *interp.Call, x *ksync.Completion) int64) func(*interp.Call) int64 {
		return on(completionAt, f)
	}
	register(
		interp.Builtin{Name: "init_completion", Header: hCompletion, Decl: "void init_completion(struct completion *x);",
			Impl: func(c *interp.Call) int64 {
				if p, _ := initPrim(c, 0, kindCompletion, 0, "").(*ksync.Completion); p != nil {
					p.Init(c.T)
				}
				return 0
			}},
		interp.Builtin{Name: "reinit_completion", Header: hCompletion, Decl: "void reinit_completion(struct completion *x);",
			Impl: x(func(c *interp.Call, x *ksync.Completion) int64 { x.Reinit(c.T); return 0 })},
		interp.Builtin{Name: "wait_for_completion", Header: hCompletion, Decl: "void wait_for_completion(struct completion *x);",
			Impl: x(func(c *interp.Call, x *ksync.Completion) int64 { x.Wait(c.T); return 0 })},
		interp.Builtin{Name: "wait_for_completion_timeout", Header: hCompletion,
			Decl: "unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout);",
			Impl: x(func(c *interp.Call, x *ksync.Completion) int64 { return int64(x.WaitTimeout(c.T, int(c.Int(1)))) })},
		interp.Builtin{Name: "wait_for_completion_interruptible", Header: hCompletion,
			Decl: "int wait_for_completion_interruptible(struct completion *x);",
			Impl: x(func(c *interp.Call, x *ksync.Completion) int64 { return int64(x.WaitInterruptible(c.T)) })},
		interp.Builtin{Name: "complete", Header: hCompletion, Decl: "void complete(struct completion *x);",
			Impl: x(func(c *interp.Call, x *ksync.Completion) int64 { x.Complete(c.T); return 0 })},
		interp.Builtin{Name: "complete_all", Header: hCompletion, Decl: "void complete_all(struct completion *x);",
			Impl: x(func(c *interp.Call, x *ksync.Completion) int64 { x.CompleteAll(c.T); return 0 })},
	)
}

package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Lockdep's annotations (include/linux/lockdep.h).

const hLockdep = "linux/lockdep.h"

func init() {
	register(
		// lockdep_assert_held(l): the kernel's macro reads &(l)->dep_map; ksim's
		// takes the lock's address, whatever its kind.
		interp.Builtin{Name: "lockdep_assert_held", Header: hLockdep, Decl: "void lockdep_assert_held(void *l);",
			Impl: func(c *interp.Call) int64 {
				l, ok := c.K().PrimAt(c.Addr(0)).(ksync.Lock)
				if !ok {
					// No lock was ever made there, so none is held: lockdep_is_held
					// finds no held lock with that dep_map. The check needs a lock
					// to name; a mutex at that address, made as its first use would.
					m := mutexAt(c)
					if m == nil {
						return 0
					}
					l = m
				}
				c.T.LockdepAssertHeld(l)
				return 0
			}},
	)
}

package ksync

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReportShapes pins the text of every kind of report against golden files
// (regenerate with go test ./ksync -update, then read the diff before committing).
func TestReportShapes(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		setup func(k *Kernel)
	}{
		{"scheduling-while-atomic", Config{}, func(k *Kernel) {
			l := k.DefineSpinlock("l")
			k.KernelThread("sleeper", func(t *Task) { t.At("x.c:5"); l.Lock(t); t.At("x.c:6"); t.Msleep(10); l.Unlock(t) })
		}},
		// lockdep's lock_release finds the thief not holding m: bad unlock balance;
		// then MUTEX_WARN_ON's DEBUG_LOCKS_WARN_ON, silent (lock debugging is off).
		{"mutex-non-owner-unlock", Config{}, func(k *Kernel) {
			m := k.DefineMutex("m")
			c, d := k.DeclareCompletion("c"), k.DeclareCompletion("d")
			k.KernelThread("owner", func(t *Task) { m.Lock(t); c.Complete(t); d.Wait(t) })
			k.KernelThread("thief", func(t *Task) { c.Wait(t); t.At("x.c:9"); m.Unlock(t); d.Complete(t) })
		}},
		{"mutex-non-owner-unlock-nolockdep", Config{NoLockdep: true}, func(k *Kernel) {
			m := k.DefineMutex("m")
			c, d := k.DeclareCompletion("c"), k.DeclareCompletion("d")
			k.KernelThread("owner", func(t *Task) { m.Lock(t); c.Complete(t); d.Wait(t) })
			k.KernelThread("thief", func(t *Task) { c.Wait(t); t.At("x.c:9"); m.Unlock(t); d.Complete(t) })
		}},
		// lockdep's recursive-locking report turns it off: the hung-task report that
		// follows prints "INFO: lockdep is turned off." instead of the held locks.
		{"lockdep-off-hung-task", Config{}, func(k *Kernel) {
			m := k.DefineMutex("m")
			k.KernelThread("worker", func(t *Task) { t.At("x.c:2"); m.Lock(t); t.At("x.c:3"); m.Lock(t) })
		}},
		// An oops taints D and turns lock debugging off (add_taint,
		// LOCKDEP_NOW_UNRELIABLE); do_exit's "still has locks held!" is silent.
		{"oops-holding-lock", Config{}, func(k *Kernel) {
			l := k.DefineSpinlock("l")
			k.KernelThread("checker", func(t *Task) { t.At("x.c:4"); l.Lock(t); t.At("x.c:5"); t.BugOn(true) })
		}},
		// A task that slept holding a spinlock left its CPU to one that now takes it:
		// debug_spin_lock_before's "cpu recursion" (after the might_sleep BUG and
		// "scheduling while atomic", which leave lock debugging on).
		{"spinlock-cpu-recursion", Config{CPUs: 1}, func(k *Kernel) {
			l := k.DefineSpinlock("l")
			k.KernelThread("sleeper", func(t *Task) {
				t.At("x.c:1")
				l.Lock(t)
				t.At("x.c:2")
				t.Msleep(1)
				t.At("x.c:3")
				l.Unlock(t)
			})
			k.KernelThread("taker", func(t *Task) { t.At("x.c:7"); l.Lock(t); t.At("x.c:8"); l.Unlock(t) })
		}},
		{"bad-unlock-balance", Config{}, func(k *Kernel) {
			m := k.DefineMutex("m")
			k.KernelThread("twice", func(t *Task) { m.Lock(t); m.Unlock(t); t.At("x.c:4"); m.Unlock(t) })
		}},
		{"null-deref", Config{}, func(k *Kernel) {
			k.KernelThread("careless", func(t *Task) { t.At("x.c:7"); t.Store(nil, 0, 1) })
		}},
		{"bug-on", Config{}, func(k *Kernel) {
			k.KernelThread("checker", func(t *Task) { t.At("x.c:12"); t.BugOn(true) })
		}},
		{"warn-on", Config{}, func(k *Kernel) {
			k.KernelThread("checker", func(t *Task) { t.At("x.c:13"); t.WarnOn(true) })
		}},
		{"spinlock-recursion", Config{}, func(k *Kernel) {
			l := k.DefineSpinlock("l")
			k.KernelThread("again", func(t *Task) { t.At("x.c:3"); l.Lock(t); t.At("x.c:4"); l.Lock(t) })
		}},
		// "Preemption disabled at:" names where preempt_count last left 0, by
		// preempt_disable or by local_bh_disable (spin_lock_bh), not an older site.
		{"might-sleep-spin-lock-bh", Config{}, func(k *Kernel) {
			l := k.DefineSpinlock("l")
			k.KernelThread("bh", func(t *Task) {
				t.At("x.c:1")
				l.Lock(t)
				t.At("x.c:2")
				l.Unlock(t)
				t.At("x.c:3")
				l.LockBH(t)
				t.At("x.c:4")
				t.Kfree(t.Kmalloc(8, GFPKernel))
				t.At("x.c:5")
				l.UnlockBH(t)
			})
		}},
		{"might-sleep-local-bh-disable", Config{}, func(k *Kernel) {
			k.KernelThread("bh", func(t *Task) {
				t.At("x.c:1")
				t.PreemptDisable()
				t.At("x.c:2")
				t.PreemptEnable()
				t.At("x.c:3")
				t.LocalBHDisable()
				t.At("x.c:4")
				t.Kfree(t.Kmalloc(8, GFPKernel))
				t.At("x.c:5")
				t.LocalBHEnable()
			})
		}},
		// lockdep's lock_release (spin_release) complains before do_raw_spin_unlock's
		// debug check, whose spin_bug is then silent: lock debugging is off.
		{"spin-unlock-not-held", Config{}, func(k *Kernel) {
			l := k.DefineSpinlock("l")
			k.KernelThread("x", func(t *Task) {
				t.At("x.c:1")
				l.Lock(t)
				t.At("x.c:2")
				l.Unlock(t)
				t.At("x.c:3")
				l.Unlock(t)
			})
		}},
		{"spin-unlock-not-held-nolockdep", Config{NoLockdep: true}, func(k *Kernel) {
			l := k.DefineSpinlock("l")
			k.KernelThread("x", func(t *Task) { t.At("x.c:3"); l.Unlock(t) })
		}},
		{"double-free", Config{}, func(k *Kernel) {
			k.KernelThread("freer", func(t *Task) {
				t.At("x.c:10")
				b := t.Kmalloc(20, GFPKernel)
				t.At("x.c:11")
				t.Kfree(b)
				t.At("x.c:12")
				t.Kfree(b)
			})
		}},
		{"out-of-bounds", Config{}, func(k *Kernel) {
			k.KernelThread("reader", func(t *Task) {
				t.At("x.c:30")
				b := t.KmallocVar(5, GFPAtomic)
				t.At("x.c:31")
				t.Load(b, 5)
			})
		}},
		{"use-after-free", Config{}, func(k *Kernel) {
			k.KernelThread("user", func(t *Task) {
				b := t.Kmalloc(8, GFPKernel)
				t.Kfree(b)
				t.At("x.c:20")
				t.Store(b, 0, 1)
			})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := explore(t, c.cfg, c.setup)
			require.NotEmpty(t, res.Problems)
			var all string
			for _, p := range res.Problems {
				all += "=== " + p.Kind + ": " + p.Title + "\n" + p.Report
			}
			golden(t, "report-"+c.name, all)
		})
	}
}

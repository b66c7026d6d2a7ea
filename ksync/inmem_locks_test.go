package ksync

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// inMemory makes a lock of a module's memory: an object of region r holding it at
// offset 8, uninitialised, or keyed by key (the lock itself for a static one).
func inMemory[L interface {
	Place(uint64)
	SetKey(uint64, string)
	SetUninitialised(bool)
}](k *Kernel, l L, r Region, init bool) L {
	b := k.NewObject("dev", 64, r)
	addr := b.Addr() + 8
	l.Place(addr)
	switch {
	case init:
		l.SetKey(addr, "dev")
	case r == RegionStatic:
		l.SetKey(addr, "dev")
		l.SetUninitialised(true)
	default:
		l.SetUninitialised(false)
	}
	return l
}

// TestInMemoryLockReports pins the reports of locks nobody initialised, as 6.12's
// debug checks make them (regenerate with go test ./ksync -update).
func TestInMemoryLockReports(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		setup func(k *Kernel)
	}{
		// assign_lock_key: lockdep's report turns lock debugging off, and spin_bug's
		// "bad magic" that follows in do_raw_spin_lock is silent.
		{"nonstatic-key-spinlock", Config{}, func(k *Kernel) {
			l := inMemory(k, k.DefineSpinlock("dev->lock"), RegionHeap, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); l.Lock(t); t.At("x.c:4"); l.Unlock(t) })
		}},
		// Without lockdep, CONFIG_DEBUG_SPINLOCK's check reports it.
		{"nonstatic-key-spinlock-nolockdep", Config{NoLockdep: true}, func(k *Kernel) {
			l := inMemory(k, k.DefineSpinlock("dev->lock"), RegionHeap, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); l.Lock(t); t.At("x.c:4"); l.Unlock(t) })
		}},
		{"nonstatic-key-rwsem", Config{}, func(k *Kernel) {
			s := inMemory(k, k.DeclareRWSem("dev->sem"), RegionHeap, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); s.DownRead(t); t.At("x.c:4"); s.UpRead(t) })
		}},
		// A static rw_semaphore is keyed by itself: down_read is content, up_read's
		// DEBUG_RWSEMS_WARN_ON warns once.
		{"rwsem-bad-magic", Config{}, func(k *Kernel) {
			s := inMemory(k, k.DeclareRWSem("dev"), RegionStatic, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); s.DownRead(t); t.At("x.c:4"); s.UpRead(t) })
		}},
		// The raw spinlock inside a semaphore nobody initialised: lockdep's report
		// in the heap, the bad magic in static memory.
		{"nonstatic-key-semaphore", Config{}, func(k *Kernel) {
			s := inMemory(k, k.DefineSemaphore("sem", 0), RegionHeap, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); s.Up(t); t.At("x.c:4"); s.Down(t) })
		}},
		{"semaphore-bad-magic", Config{}, func(k *Kernel) {
			s := inMemory(k, k.DefineSemaphore("sem", 0), RegionStatic, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); s.Up(t); t.At("x.c:4"); s.Down(t) })
		}},
		// A static lock is keyed by itself: lockdep is content, and
		// debug_spin_lock_before's SPIN_BUG_ON reports the bad magic.
		{"spinlock-bad-magic", Config{}, func(k *Kernel) {
			l := inMemory(k, k.DefineSpinlock("dev"), RegionStatic, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); l.Lock(t); t.At("x.c:4"); l.Unlock(t) })
		}},
		{"rwlock-bad-magic", Config{}, func(k *Kernel) {
			l := inMemory(k, k.DefineRWLock("dev"), RegionStatic, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); l.WriteLock(t); t.At("x.c:4"); l.WriteUnlock(t) })
		}},
		// MUTEX_WARN_ON(lock->magic != lock) comes before lockdep hears of the
		// mutex: a DEBUG_LOCKS_WARN_ON warning, in static and heap memory alike.
		{"mutex-bad-magic", Config{}, func(k *Kernel) {
			m := inMemory(k, k.DefineMutex("dev->lock"), RegionHeap, false)
			k.KernelThread("user", func(t *Task) { t.At("x.c:3"); m.Lock(t); t.At("x.c:4"); m.Unlock(t) })
		}},
		// Two init sites whose text reads the same are two classes: the second is
		// printed "&dev->lock#2".
		{"class-by-key", Config{}, func(k *Kernel) {
			a, b := k.DefineMutex("a"), k.DefineMutex("b")
			a.SetKey(0xffffffffc0a00100, "&dev->lock")
			b.SetKey(0xffffffffc0a00200, "&dev->lock")
			k.KernelThread("ab", func(t *Task) {
				t.At("x.c:3")
				a.Lock(t)
				t.At("x.c:4")
				b.Lock(t)
				b.Unlock(t)
				a.Unlock(t)
			})
			k.KernelThread("ba", func(t *Task) {
				t.At("x.c:8")
				b.Lock(t)
				t.At("x.c:9")
				a.Lock(t)
				a.Unlock(t)
				b.Unlock(t)
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

// TestInitialisedInMemoryLockIsQuiet: SetKey (an *_init call, a static initialiser)
// leaves nothing to report.
func TestInitialisedInMemoryLockIsQuiet(t *testing.T) {
	for _, r := range []Region{RegionHeap, RegionStatic} {
		res := explore(t, Config{}, func(k *Kernel) {
			l := inMemory(k, k.DefineSpinlock("l"), r, true)
			m := inMemory(k, k.DefineMutex("m"), r, true)
			k.KernelThread("user", func(t *Task) { l.Lock(t); l.Unlock(t); m.Lock(t); m.Unlock(t) })
		})
		require.Empty(t, res.Problems, "region %d", r)
	}
}

// TestRWLockIRQAndBH: read_lock_irq and read_lock_bh turn irqs or bottom halves off
// around the lock and back on after it; a reader with bottom halves off is an
// in_interrupt() reader, which gets past a waiting writer.
func TestRWLockIRQAndBH(t *testing.T) {
	var got [][3]bool
	explore(t, Config{}, func(k *Kernel) {
		l := k.DefineRWLock("l")
		got = got[:0]
		k.KernelThread("x", func(t *Task) {
			state := func() { got = append(got, [3]bool{t.IrqsDisabled(), t.InAtomic(), t.InInterrupt()}) }
			l.ReadLockIRQ(t)
			state()
			l.ReadUnlockIRQ(t)
			l.WriteLockIRQ(t)
			l.WriteUnlockIRQ(t)
			state()
			l.ReadLockBH(t)
			state()
			l.ReadUnlockBH(t)
			l.WriteLockBH(t)
			l.WriteUnlockBH(t)
			state()
		})
	})
	require.Equal(t, [][3]bool{{true, true, false}, {false, false, false}, {false, true, false}, {false, false, false}}, got)
}

package ksync

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// The lock-validator families of lib/locking-selftest.c, run the way the kernel runs
// them: one task, the model's own primitives, lockdep on. package lockdep's tests run
// the same families on the graph alone; these check that every primitive feeds it.

// selftestLock is one lock type of the self-test's columns.
type selftestLock struct {
	name   string
	define func(k *Kernel, name string) (lock, try, unlock func(t *Task), class func(string))
	fail   bool // the deadlock families must be reported (not for recursive readers)
}

// lib/locking-selftest.c runs its families with force_read_lock_recursive = 1, every
// read_lock a recursive reader. ksync has no such switch: it takes read_lock as a
// kernel with CONFIG_QUEUED_RWLOCKS does (read_lock_is_recursive()), a plain reader
// in process context, whose families fail like the write locks', and a recursive
// one in_interrupt(), which bottom halves disabled make it: rlock-bh, read_lock_bh.

var selftestLocks = []selftestLock{
	{"spin", func(k *Kernel, n string) (func(*Task), func(*Task), func(*Task), func(string)) {
		l := k.DefineSpinlock(n)
		return l.Lock, func(t *Task) { l.Trylock(t) }, l.Unlock, l.SetClass
	}, true},
	{"wlock", func(k *Kernel, n string) (func(*Task), func(*Task), func(*Task), func(string)) {
		l := k.DefineRWLock(n)
		return l.WriteLock, func(t *Task) { l.WriteTrylock(t) }, l.WriteUnlock, l.SetClass
	}, true},
	{"rlock", func(k *Kernel, n string) (func(*Task), func(*Task), func(*Task), func(string)) {
		l := k.DefineRWLock(n)
		return l.ReadLock, func(t *Task) { l.ReadTrylock(t) }, l.ReadUnlock, l.SetClass
	}, true},
	{"rlock-bh", func(k *Kernel, n string) (func(*Task), func(*Task), func(*Task), func(string)) {
		l := k.DefineRWLock(n)
		return func(t *Task) { t.LocalBHDisable(); l.ReadLock(t) },
			func(t *Task) {
				t.LocalBHDisable()
				if l.ReadTrylock(t) == 0 {
					t.LocalBHEnable()
				}
			},
			func(t *Task) { l.ReadUnlock(t); t.LocalBHEnable() }, l.SetClass
	}, false},
	{"mutex", func(k *Kernel, n string) (func(*Task), func(*Task), func(*Task), func(string)) {
		m := k.DefineMutex(n)
		return m.Lock, func(t *Task) { m.Trylock(t) }, m.Unlock, m.SetClass
	}, true},
	{"wsem", func(k *Kernel, n string) (func(*Task), func(*Task), func(*Task), func(string)) {
		s := k.DeclareRWSem(n)
		return s.DownWrite, func(t *Task) { s.DownWriteTrylock(t) }, s.UpWrite, s.SetClass
	}, true},
	{"rsem", func(k *Kernel, n string) (func(*Task), func(*Task), func(*Task), func(string)) {
		s := k.DeclareRWSem(n)
		return s.DownRead, func(t *Task) { s.DownReadTrylock(t) }, s.UpRead, s.SetClass
	}, true},
}

// The deadlock families, as LOCK_UNLOCK_2 pairs.
var selftestFamilies = []struct {
	name  string
	pairs [][2]string
}{
	{"A-B-B-A", [][2]string{{"A", "B"}, {"B", "A"}}},
	{"A-B-B-C-C-A", [][2]string{{"A", "B"}, {"B", "C"}, {"C", "A"}}},
	{"A-B-C-A-B-C", [][2]string{{"A", "B"}, {"C", "A"}, {"B", "C"}}},
	{"A-B-B-C-C-D-D-A", [][2]string{{"A", "B"}, {"B", "C"}, {"C", "D"}, {"D", "A"}}},
	{"A-B-C-D-B-D-D-A", [][2]string{{"A", "B"}, {"C", "D"}, {"B", "D"}, {"D", "A"}}},
	{"A-B-C-D-B-C-D-A", [][2]string{{"A", "B"}, {"C", "D"}, {"B", "C"}, {"D", "A"}}},
}

// selftest runs body in one task with the named locks of one type and returns the
// titles of the problems found. Locks named X<n> share the class X, as the
// self-test's instances of one init site do.
func selftest(t *testing.T, lt selftestLock, names []string, body func(t *Task, lock, try, unlock map[string]func(*Task))) []string {
	t.Helper()
	res := sched.Explore(Program(Config{CPUs: 1}, func(k *Kernel) {
		lock, try, unlock := map[string]func(*Task){}, map[string]func(*Task){}, map[string]func(*Task){}
		for _, n := range names {
			var class func(string)
			lock[n], try[n], unlock[n], class = lt.define(k, n)
			if n[0] == 'X' {
				class("X")
			}
		}
		k.KernelThread("selftest", func(t *Task) { body(t, lock, try, unlock) })
	}), sched.Options{})
	require.NoError(t, res.Err)
	require.True(t, res.Complete)
	var titles []string
	for _, p := range res.Problems {
		titles = append(titles, p.Title)
	}
	return titles
}

const circular = "WARNING: possible circular locking dependency detected"

func TestLockingSelftestFamilies(t *testing.T) {
	for _, lt := range selftestLocks {
		for _, f := range selftestFamilies {
			run := func(t *testing.T, lastTry bool) []string {
				return selftest(t, lt, []string{"A", "B", "C", "D"}, func(tk *Task, lock, try, unlock map[string]func(*Task)) {
					for i, p := range f.pairs {
						lock[p[0]](tk)
						if lastTry && i == len(f.pairs)-1 {
							try[p[1]](tk)
						} else {
							lock[p[1]](tk)
						}
						unlock[p[1]](tk)
						unlock[p[0]](tk)
					}
				})
			}
			t.Run(lt.name+"/"+f.name, func(t *testing.T) {
				if lt.fail {
					assert.Equal(t, []string{circular}, run(t, false))
				} else {
					assert.Empty(t, run(t, false), "recursive readers cannot deadlock")
				}
			})
			t.Run(lt.name+"/"+f.name+"/trylock", func(t *testing.T) {
				assert.Empty(t, run(t, true), "a trylock adds no dependency")
			})
		}
	}
}

func TestLockingSelftestAAAndDoubleUnlock(t *testing.T) {
	for _, lt := range selftestLocks {
		// Two instances of one class (one init site in the kernel's self-test).
		aa := func(t *testing.T, second func(t *Task, lock, try map[string]func(*Task))) []string {
			return selftest(t, lt, []string{"X1", "X2"}, func(tk *Task, lock, try, unlock map[string]func(*Task)) {
				lock["X1"](tk)
				second(tk, lock, try)
				unlock["X2"](tk)
				unlock["X1"](tk)
			})
		}
		t.Run(lt.name+"/A-A", func(t *testing.T) {
			got := aa(t, func(tk *Task, lock, _ map[string]func(*Task)) { lock["X2"](tk) })
			if lt.fail {
				assert.Equal(t, []string{"WARNING: possible recursive locking detected"}, got)
			} else {
				assert.Empty(t, got, "read_lock with bottom halves off is recursive")
			}
		})
		t.Run(lt.name+"/A-A/trylock", func(t *testing.T) {
			assert.Empty(t, aa(t, func(tk *Task, _, try map[string]func(*Task)) { try["X2"](tk) }))
		})
		t.Run(lt.name+"/double-unlock", func(t *testing.T) {
			got := selftest(t, lt, []string{"A"}, func(tk *Task, lock, _, unlock map[string]func(*Task)) {
				lock["A"](tk)
				unlock["A"](tk)
				unlock["A"](tk)
			})
			require.NotEmpty(t, got)
			assert.Equal(t, "WARNING: bad unlock balance detected!", got[0])
		})
	}
}

func TestLockingSelftestNesting(t *testing.T) {
	for name, nested := range map[string]func(k *Kernel) (func(*Task), func(*Task), func(*Task)){
		"spin": func(k *Kernel) (func(*Task), func(*Task), func(*Task)) {
			a, b := k.DefineSpinlock("X1"), k.DefineSpinlock("X2")
			b.SetClass("X1")
			return a.Lock, func(t *Task) { b.LockNested(t, SingleDepthNesting); b.Unlock(t) }, a.Unlock
		},
		"mutex": func(k *Kernel) (func(*Task), func(*Task), func(*Task)) {
			a, b := k.DefineMutex("X1"), k.DefineMutex("X2")
			b.SetClass("X1")
			return a.Lock, func(t *Task) { b.LockNested(t, SingleDepthNesting); b.Unlock(t) }, a.Unlock
		},
	} {
		t.Run(name, func(t *testing.T) {
			res := sched.Explore(Program(Config{CPUs: 1}, func(k *Kernel) {
				lock, inner, unlock := nested(k)
				k.KernelThread("selftest", func(t *Task) { lock(t); inner(t); unlock(t) })
			}), sched.Options{})
			require.NoError(t, res.Err)
			assert.Empty(t, res.Problems, "A-A with the nesting annotation is fine")
		})
	}
}

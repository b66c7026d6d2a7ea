package ksync

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// rw is one reader-writer lock type, behind a common face for the tests.
type rw struct {
	name                           string
	rlock, runlock, wlock, wunlock func(t *Task)
	rtry, wtry                     func(t *Task) int
	define                         func(k *Kernel) rw
	spinning                       bool
}

func rwTypes() []rw {
	return []rw{
		{name: "rwlock_t", spinning: true, define: func(k *Kernel) rw {
			l := k.DefineRWLock("l")
			return rw{rlock: l.ReadLock, runlock: l.ReadUnlock, wlock: l.WriteLock, wunlock: l.WriteUnlock,
				rtry: l.ReadTrylock, wtry: l.WriteTrylock}
		}},
		{name: "rw_semaphore", define: func(k *Kernel) rw {
			s := k.DeclareRWSem("l")
			return rw{rlock: s.DownRead, runlock: s.UpRead, wlock: s.DownWrite, wunlock: s.UpWrite,
				rtry: s.DownReadTrylock, wtry: s.DownWriteTrylock}
		}},
	}
}

// A writer excludes readers: a reader never sees the writer's half-done update
// (x = 1 then x = 2 under the write lock), in any execution.
func TestRWWriterExcludesReaders(t *testing.T) {
	for _, typ := range rwTypes() {
		t.Run(typ.name, func(t *testing.T) {
			var seen [][2]int64
			res := explore(t, Config{}, func(k *Kernel) {
				l := typ.define(k)
				x := k.NewInt("x", 0)
				k.KernelThread("writer", func(t *Task) {
					l.wlock(t)
					x.Store(t, 1)
					x.Store(t, 2)
					l.wunlock(t)
				})
				k.KernelThread("reader", func(t *Task) {
					l.rlock(t)
					a, b := x.Load(t), x.Load(t)
					l.runlock(t)
					seen = append(seen, [2]int64{a, b})
				})
			})
			assert.True(t, res.Complete)
			assert.Empty(t, res.Problems)
			assert.ElementsMatch(t, [][2]int64{{0, 0}, {2, 2}}, dedupe(seen))
		})
	}
}

// A writer excludes writers: two increments under the write lock never lose one.
func TestRWWriterExcludesWriters(t *testing.T) {
	for _, typ := range rwTypes() {
		t.Run(typ.name, func(t *testing.T) {
			var finals []int64
			res := explore(t, Config{}, func(k *Kernel) {
				l := typ.define(k)
				x := k.NewInt("x", 0)
				for range 2 {
					k.KernelThread("writer", func(t *Task) {
						l.wlock(t)
						x.Store(t, x.Load(t)+1)
						l.wunlock(t)
					})
				}
				k.RunAfterAll("check", func(t *Task) { finals = append(finals, x.Load(t)) })
			})
			assert.True(t, res.Complete)
			assert.Empty(t, res.Problems)
			assert.Equal(t, []int64{2}, dedupe(finals))
		})
	}
}

// Readers share: each reader waits, inside its read section, for something the other
// does inside its own. With exclusive readers some execution would hang; shared, none
// does. (A spinning rwlock_t reader waits by spinning on a spinlock the other reader
// holds; an rw_semaphore reader sleeps on a completion.) Lockdep still warns about
// the rwlock_t: read_lock in process context is not a recursive reader
// (read_lock_is_recursive()), so l -> g and g -> l is a cycle, and a real one as soon
// as a writer queues on l between the two readers (see TestQueuedRWLock).
func TestRWReadersShare(t *testing.T) {
	for _, typ := range rwTypes() {
		t.Run(typ.name, func(t *testing.T) {
			res := explore(t, Config{}, func(k *Kernel) {
				l := typ.define(k)
				if typ.spinning {
					g := k.DefineSpinlock("g")
					k.KernelThread("a", func(t *Task) { l.rlock(t); g.Lock(t); g.Unlock(t); l.runlock(t) })
					k.KernelThread("b", func(t *Task) { g.Lock(t); l.rlock(t); l.runlock(t); g.Unlock(t) })
					return
				}
				c := k.DeclareCompletion("c")
				k.KernelThread("a", func(t *Task) { l.rlock(t); c.Wait(t); l.runlock(t) })
				k.KernelThread("b", func(t *Task) { l.rlock(t); c.Complete(t); l.runlock(t) })
			})
			assert.True(t, res.Complete)
			if typ.spinning {
				assert.Equal(t, []string{circular}, titles(res))
				return
			}
			assert.Empty(t, res.Problems)
		})
	}
}

// The trylocks say the same: with a reader in, a read trylock succeeds and a write
// trylock fails; with a writer in, both fail.
func TestRWTrylocks(t *testing.T) {
	for _, typ := range rwTypes() {
		for _, tc := range []struct {
			holder     string
			read, writ int
		}{{"reader", 1, 0}, {"writer", 0, 0}, {"nobody", 1, 1}} {
			t.Run(typ.name+"/"+tc.holder, func(t *testing.T) {
				var got [][2]int
				res := explore(t, Config{}, func(k *Kernel) {
					l := typ.define(k)
					k.KernelThread("t", func(t *Task) {
						switch tc.holder {
						case "reader":
							l.rlock(t)
						case "writer":
							l.wlock(t)
						}
						r := l.rtry(t)
						if r == 1 {
							l.runlock(t)
						}
						w := l.wtry(t)
						if w == 1 {
							l.wunlock(t)
						}
						switch tc.holder {
						case "reader":
							l.runlock(t)
						case "writer":
							l.wunlock(t)
						}
						got = append(got, [2]int{r, w})
					})
				})
				assert.True(t, res.Complete)
				assert.Equal(t, [][2]int{{tc.read, tc.writ}}, dedupe(got))
			})
		}
	}
}

func dedupe[T comparable](xs []T) []T {
	var out []T
	seen := map[T]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

const recursive = "WARNING: possible recursive locking detected"

// lockupsOf lists the "[comm:pid]" of every soft lockup res found, sorted, and
// whether there was a hard LOCKUP.
func lockupsOf(res *sched.Result) (soft []string, hard bool) {
	for _, p := range res.Problems {
		switch {
		case strings.HasPrefix(p.Title, "watchdog: BUG: soft lockup - CPU#"):
			soft = append(soft, p.Title[strings.LastIndex(p.Title, "["):])
		case strings.Contains(p.Title, "Watchdog detected hard LOCKUP"):
			hard = true
		}
	}
	sort.Strings(soft)
	return soft, hard
}

// TestQueuedRWLock: rwlock_t is a queued rwlock (kernel/locking/qrwlock.c). A writer
// that finds readers in sets _QW_WAITING and waits; a reader in process context then
// queues behind it (queued_read_lock_slowpath), so read_lock twice in one task with a
// writer arriving in between spins forever, and so does the writer: two soft lockups,
// and lockdep, for which that read_lock is not a recursive reader
// (read_lock_is_recursive()), says "possible recursive locking detected" first. In
// interrupt context (in_interrupt(): a handler, a tasklet, bottom halves off) a reader
// takes the lock past a waiting writer while readers hold it, and lockdep lets it nest.
func TestQueuedRWLock(t *testing.T) {
	// twice read-locks l twice in t, inside on / off (bottom halves, say).
	twice := func(t *Task, l *RWLock) {
		t.At("r.c:1")
		l.ReadLock(t)
		t.At("r.c:2")
		l.ReadLock(t)
		t.At("r.c:3")
		l.ReadUnlock(t)
		l.ReadUnlock(t)
	}
	// writer write-locks l; bh or irqs disable them around it (write_lock_bh,
	// write_lock_irqsave), as a writer must when readers run in that context.
	writer := func(k *Kernel, l *RWLock, bh, irqs bool) {
		k.KernelThread("writer", func(t *Task) {
			t.At("w.c:1")
			switch {
			case irqs:
				f := l.WriteLockIrqsave(t)
				t.At("w.c:2")
				l.WriteUnlockIrqrestore(t, f)
			case bh:
				t.LocalBHDisable()
				l.WriteLock(t)
				t.At("w.c:2")
				l.WriteUnlock(t)
				t.LocalBHEnable()
			default:
				l.WriteLock(t)
				t.At("w.c:2")
				l.WriteUnlock(t)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		cfg     Config
		setup   func(k *Kernel, l *RWLock)
		warning string   // lockdep's report, "" for none
		soft    []string // the tasks in a soft lockup
		hard    bool     // a hard LOCKUP
	}{
		{"process context, a writer in between", Config{}, func(k *Kernel, l *RWLock) {
			k.KernelThread("reader", func(t *Task) { twice(t, l) })
			writer(k, l, false, false)
		}, recursive, []string{"[reader:2]", "[writer:3]"}, false},
		{"process context, no writer", Config{}, func(k *Kernel, l *RWLock) {
			k.KernelThread("reader", func(t *Task) { twice(t, l) })
			k.KernelThread("other", func(t *Task) { l.ReadLock(t); l.ReadUnlock(t) })
		}, recursive, nil, false},
		{"bottom halves off (read_lock_bh)", Config{}, func(k *Kernel, l *RWLock) {
			k.KernelThread("reader", func(t *Task) { t.LocalBHDisable(); twice(t, l); t.LocalBHEnable() })
			writer(k, l, true, false)
		}, "", nil, false},
		{"in a tasklet", Config{}, func(k *Kernel, l *RWLock) {
			tl := k.DeclareTasklet("rx", func(t *Task) { twice(t, l) })
			k.KernelThread("insmod", func(t *Task) { t.TaskletSchedule(tl) })
			writer(k, l, true, false)
		}, "", nil, false},
		// The idiom the in_interrupt() branch exists for: a handler read-locks what
		// the task it interrupted read-holds, while a writer waits on another CPU.
		// Queued behind the writer, the handler would never return: a hard LOCKUP.
		{"in a hardirq handler over a reader", Config{}, func(k *Kernel, l *RWLock) {
			k.KernelThread("reader", func(t *Task) {
				t.RequestIRQ(5, "dev", func(h *Task) IRQReturn {
					h.At("irq.c:1")
					l.ReadLock(h)
					l.ReadUnlock(h)
					return IRQHandled
				})
				t.At("r.c:1")
				l.ReadLock(t)
				t.At("r.c:2")
				l.ReadUnlock(t)
				t.FreeIRQ(5)
			})
			writer(k, l, false, true)
		}, "", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := explore(t, tc.cfg, func(k *Kernel) { tc.setup(k, k.DefineRWLock("rw")) })
			require.True(t, res.Complete)
			var warnings []string
			for _, p := range res.Problems {
				if p.Kind == "warning" {
					warnings = append(warnings, p.Title)
				}
			}
			if tc.warning == "" {
				assert.Empty(t, warnings)
			} else {
				assert.Equal(t, []string{tc.warning}, warnings)
			}
			soft, hard := lockupsOf(res)
			assert.Equal(t, tc.soft, soft)
			assert.Equal(t, tc.hard, hard)
			assert.Subset(t, []string{"warning", "lockup"}, kinds(res))
		})
	}
}

// TestRWSemReaderBehindQueuedWriter: a down_write that finds readers in queues and
// sets RWSEM_FLAG_WAITERS (rwsem_down_write_slowpath); a down_read then fails its
// fast path (RWSEM_READ_FAILED_MASK) and, the semaphore being read-held, queues
// behind the writer (rwsem_down_read_slowpath). down_read twice in one task with a
// down_write queued in between is a real deadlock: both tasks are hung tasks, and
// lockdep, for which down_read is never a recursive reader, warns first.
func TestRWSemReaderBehindQueuedWriter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		writer  bool
		warning []string
		hung    []string // the tasks of the hung-task report
	}{
		{"a writer in between", true, []string{recursive}, []string{"reader:2", "writer:3"}},
		{"no writer", false, []string{recursive}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := explore(t, Config{}, func(k *Kernel) {
				s := k.DeclareRWSem("sem")
				k.KernelThread("reader", func(t *Task) {
					t.At("r.c:1")
					s.DownRead(t)
					t.At("r.c:2")
					s.DownRead(t)
					t.At("r.c:3")
					s.UpRead(t)
					s.UpRead(t)
				})
				if tc.writer {
					k.KernelThread("writer", func(t *Task) {
						t.At("w.c:1")
						s.DownWrite(t)
						t.At("w.c:2")
						s.UpWrite(t)
					})
				} else {
					k.KernelThread("other", func(t *Task) { s.DownRead(t); s.UpRead(t) })
				}
			})
			require.True(t, res.Complete)
			var warnings []string
			for _, p := range res.Problems {
				if p.Kind == "warning" {
					warnings = append(warnings, p.Title)
				}
			}
			assert.Equal(t, tc.warning, warnings)
			p := find(res, "deadlock")
			if tc.hung == nil {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Equal(t, "INFO: task "+tc.hung[0]+" blocked for more than 120 seconds.", p.Title)
			for _, h := range tc.hung {
				assert.Contains(t, p.Report, "INFO: task "+h+" blocked for more than 120 seconds.\n")
			}
			assert.Contains(t, p.Report, " schedule_preempt_disabled\n rwsem_down_read_slowpath\n down_read\n")
			assert.Contains(t, p.Report, " schedule_preempt_disabled\n rwsem_down_write_slowpath\n down_write\n")
			assert.Equal(t, []string{"warning", "deadlock"}, kinds(res))
		})
	}
}

// A queued writer makes the read trylocks fail too: queued_read_trylock on any
// _QW_WMASK bit, __down_read_trylock on RWSEM_FLAG_WAITERS. With the reader holding
// the lock no writer can hold it, so a failed read trylock here is the queued writer's
// doing; without one the read trylock always succeeds.
func TestRWReadTrylockFailsBehindQueuedWriter(t *testing.T) {
	for _, typ := range rwTypes() {
		for _, withWriter := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/writer=%v", typ.name, withWriter), func(t *testing.T) {
				var got []int
				res := explore(t, Config{}, func(k *Kernel) {
					l := typ.define(k)
					k.KernelThread("reader", func(t *Task) {
						l.rlock(t)
						r := l.rtry(t)
						if r == 1 {
							l.runlock(t)
						}
						l.runlock(t)
						got = append(got, r)
					})
					if withWriter {
						k.KernelThread("writer", func(t *Task) { l.wlock(t); l.wunlock(t) })
					}
				})
				require.True(t, res.Complete)
				assert.Empty(t, res.Problems)
				want := []int{1}
				if withWriter {
					want = []int{0, 1}
				}
				got = dedupe(got)
				sort.Ints(got)
				assert.Equal(t, want, got)
			})
		}
	}
}

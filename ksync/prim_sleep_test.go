package ksync

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// collect explores a kernel program exhaustively; setup returns the body of the task
// under test, which returns what it observed. collect gives the distinct results,
// sorted, over all executions, and the exploration's result.
func collect(t *testing.T, cfg Config, setup func(k *Kernel) func(*Task) int) ([]int, *sched.Result) {
	t.Helper()
	seen := map[int]bool{}
	res := explore(t, cfg, func(k *Kernel) {
		body := setup(k)
		k.KernelThread("tested", func(t *Task) { seen[body(t)] = true })
	})
	var out []int
	for v := range seen {
		out = append(out, v)
	}
	sort.Ints(out)
	return out, res
}

// onlySilentHang reports whether every problem is ksim's note for a sleeper the kernel
// does not report (interruptible or killable).
func onlySilentHang(res *sched.Result) bool {
	for _, p := range res.Problems {
		if p.Kind != "deadlock" || !strings.Contains(p.Report, "the kernel prints nothing for this") {
			return false
		}
	}
	return len(res.Problems) > 0
}

// down_timeout: 0 when it gets the semaphore, -ETIME when the timeout expires first;
// a waiter that timed out does not swallow a later up.
func TestDownTimeout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		count int
		upper bool
		want  []int
	}{
		{"available", 1, false, []int{0}},
		{"never upped", 0, false, []int{-ETIME}},
		{"upped by another task", 0, true, []int{-ETIME, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, res := collect(t, Config{}, func(k *Kernel) func(*Task) int {
				s := k.DefineSemaphore("s", tc.count)
				if tc.upper {
					k.KernelThread("upper", func(t *Task) { s.Up(t) })
				}
				k.RunAfterAll("check", func(t *Task) {
					// The count is back to what nobody took: 0 after a success, the
					// up's 1 after a timeout (or the initial one, never taken).
					t.BugOn(s.Count() < 0 || s.Count() > 1)
				})
				return func(t *Task) int {
					r := s.DownTimeout(t, 100)
					if r == 0 {
						t.BugOn(s.Count() != 0)
					}
					return r
				}
			})
			assert.True(t, res.Complete)
			assert.Empty(t, res.Problems, "a timed-out down_timeout does not hang")
			assert.Equal(t, tc.want, got)
		})
	}
}

// An up that comes while a down_timeout waits is never lost: either the waiter gets
// it (0) or it times out and the count keeps it.
func TestDownTimeoutDoesNotLoseAnUp(t *testing.T) {
	type end struct{ ret, count int }
	var ends []end
	res := sched.Explore(func(e *sched.Execution) {
		k := New(e, Config{})
		s := k.DefineSemaphore("s", 0)
		ret := 1
		k.KernelThread("waiter", func(t *Task) { ret = s.DownTimeout(t, 10) })
		k.KernelThread("upper", func(t *Task) { s.Up(t) })
		e.OnEnd(func(sched.Outcome) { ends = append(ends, end{ret, s.Count()}) })
	}, sched.Options{})
	require.NoError(t, res.Err)
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems)
	for _, x := range ends {
		assert.Contains(t, []end{{0, 0}, {-ETIME, 1}}, x)
	}
	assert.Contains(t, ends, end{0, 0})
	assert.Contains(t, ends, end{-ETIME, 1})
}

// Interruptible and killable sleeps: 0 when the lock comes, -EINTR under a signal
// (Config.Signals), and without signals a sleeper that never gets it hangs without a
// kernel report (the hung-task detector skips S and killable D sleepers). A plain
// down or mutex_lock in the same place is a hung task.
func TestInterruptibleAndKillableSleeps(t *testing.T) {
	type prim struct {
		name string
		call func(t *Task, s *Semaphore, m *Mutex) int
	}
	prims := []prim{
		{"down_interruptible", func(t *Task, s *Semaphore, _ *Mutex) int { return s.DownInterruptible(t) }},
		{"down_killable", func(t *Task, s *Semaphore, _ *Mutex) int { return s.DownKillable(t) }},
		{"mutex_lock_interruptible", func(t *Task, _ *Semaphore, m *Mutex) int { return m.LockInterruptible(t) }},
		{"mutex_lock_killable", func(t *Task, _ *Semaphore, m *Mutex) int { return m.LockKillable(t) }},
		{"down", func(t *Task, s *Semaphore, _ *Mutex) int { s.Down(t); return 0 }},
		{"mutex_lock", func(t *Task, _ *Semaphore, m *Mutex) int { m.Lock(t); return 0 }},
	}
	for _, p := range prims {
		plain := p.name == "down" || p.name == "mutex_lock"
		for _, tc := range []struct {
			name    string
			signals bool
			free    bool // the lock is free: the sleep never starts
			want    []int
		}{
			{"free", false, true, []int{0}},
			{"free, signals", true, true, []int{0}},
			{"held forever, signals", true, false, []int{-EINTR}},
			{"held forever", false, false, nil},
		} {
			if plain && tc.signals && !tc.free {
				continue // a plain sleep ignores signals: the same as without
			}
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				got, res := collect(t, Config{Signals: tc.signals}, func(k *Kernel) func(*Task) int {
					count := 0
					if tc.free {
						count = 1
					}
					s := k.DefineSemaphore("s", count)
					m := k.DefineMutex("m")
					locked := k.DeclareCompletion("locked")
					// Held forever: s at 0, and m taken by a holder that exits
					// holding it (lockdep's "still has locks held!", filtered out).
					k.KernelThread("holder", func(t *Task) {
						if !tc.free {
							m.Lock(t)
						}
						locked.Complete(t)
					})
					return func(t *Task) int {
						locked.Wait(t)
						r := p.call(t, s, m)
						if r == 0 && strings.HasPrefix(p.name, "mutex") {
							m.Unlock(t)
						}
						return r
					}
				})
				assert.True(t, res.Complete)
				assert.Equal(t, tc.want, got)
				res.Problems = slices.DeleteFunc(res.Problems, func(p *sched.Found) bool {
					return p.Title == "WARNING: holder/2 still has locks held!"
				})
				switch {
				case tc.want != nil:
					assert.Empty(t, res.Problems)
				case plain:
					require.Equal(t, []string{"deadlock"}, kinds(res))
					assert.Contains(t, res.Problems[0].Report, "INFO: task tested:")
				default:
					assert.True(t, onlySilentHang(res), "no kernel report: %v", kinds(res))
				}
			})
		}
	}
}

// mutex_lock_nested: two mutexes of one lockdep class taken nested are "possible
// recursive locking" unless the inner one names a subclass.
func TestMutexLockNested(t *testing.T) {
	for _, tc := range []struct {
		name     string
		subclass int // for the inner lock; -1: plain mutex_lock
		want     []string
	}{
		{"mutex_lock twice", -1, []string{"warning"}},
		{"mutex_lock_nested(SINGLE_DEPTH_NESTING)", SingleDepthNesting, nil},
		{"mutex_lock_nested(0)", 0, []string{"warning"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := explore(t, Config{}, func(k *Kernel) {
				parent, child := k.DefineMutex("parent"), k.DefineMutex("child")
				parent.SetClass("&node->lock")
				child.SetClass("&node->lock")
				k.KernelThread("walker", func(t *Task) {
					parent.Lock(t)
					if tc.subclass < 0 {
						child.Lock(t)
					} else {
						child.LockNested(t, tc.subclass)
					}
					child.Unlock(t)
					parent.Unlock(t)
				})
			})
			assert.True(t, res.Complete)
			assert.Equal(t, tc.want, kinds(res))
			if tc.want != nil {
				assert.Equal(t, "WARNING: possible recursive locking detected", res.Problems[0].Title)
			}
		})
	}
}

// mutex_is_locked says whether anyone holds the mutex, seen from any task.
func TestMutexIsLocked(t *testing.T) {
	var own, other [][]int
	res := explore(t, Config{}, func(k *Kernel) {
		m := k.DefineMutex("m")
		locked, checked := k.DeclareCompletion("locked"), k.DeclareCompletion("checked")
		k.KernelThread("owner", func(t *Task) {
			seen := []int{m.IsLocked(t)}
			m.Lock(t)
			seen = append(seen, m.IsLocked(t))
			locked.Complete(t)
			checked.Wait(t)
			m.Unlock(t)
			seen = append(seen, m.IsLocked(t))
			own = append(own, seen)
		})
		k.KernelThread("observer", func(t *Task) {
			locked.Wait(t)
			other = append(other, []int{m.IsLocked(t)})
			checked.Complete(t)
		})
	})
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems)
	require.NotEmpty(t, own)
	for _, s := range own {
		assert.Equal(t, []int{0, 1, 0}, s)
	}
	for _, s := range other {
		assert.Equal(t, []int{1}, s)
	}
}

// wait_for_completion_timeout returns 0 on timeout, else the jiffies left (at least
// 1); wait_for_completion_interruptible returns -ERESTARTSYS under a signal.
func TestCompletionWaitVariants(t *testing.T) {
	for _, tc := range []struct {
		name     string
		signals  bool
		complete string // "before": done before the wait; "other": by another task; "": never
		wait     func(t *Task, c *Completion) int
		want     []int
	}{
		{"timeout, never completed", false, "", func(t *Task, c *Completion) int { return c.WaitTimeout(t, 100) }, []int{0}},
		{"timeout, completed", false, "before", func(t *Task, c *Completion) int { return c.WaitTimeout(t, 100) }, []int{100}},
		{"timeout 0, completed", false, "before", func(t *Task, c *Completion) int { return c.WaitTimeout(t, 0) }, []int{1}},
		{"timeout, completed by another task", false, "other", func(t *Task, c *Completion) int { return c.WaitTimeout(t, 100) }, []int{0, 100}},
		{"interruptible, signal", true, "", func(t *Task, c *Completion) int { return c.WaitInterruptible(t) }, []int{-ERESTARTSYS}},
		{"interruptible, completed", true, "before", func(t *Task, c *Completion) int { return c.WaitInterruptible(t) }, []int{0}},
		{"interruptible, completed by another task", true, "other", func(t *Task, c *Completion) int { return c.WaitInterruptible(t) }, []int{-ERESTARTSYS, 0}},
		{"interruptible, completed, no signals", false, "other", func(t *Task, c *Completion) int { return c.WaitInterruptible(t) }, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, res := collect(t, Config{Signals: tc.signals}, func(k *Kernel) func(*Task) int {
				c := k.DeclareCompletion("c")
				if tc.complete == "other" {
					k.KernelThread("completer", func(t *Task) { c.Complete(t) })
				}
				return func(t *Task) int {
					if tc.complete == "before" {
						c.Complete(t)
					}
					return tc.wait(t, c)
				}
			})
			assert.True(t, res.Complete)
			assert.Empty(t, res.Problems)
			assert.Equal(t, tc.want, got)
		})
	}
}

// complete_all releases every waiter, present and future; complete releases one.
func TestCompleteAllReleasesEveryWaiter(t *testing.T) {
	for _, tc := range []struct {
		name string
		all  bool
		want []string // kinds
	}{
		{"complete_all", true, nil},
		{"complete", false, []string{"deadlock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var released []int
			res := sched.Explore(func(e *sched.Execution) {
				k := New(e, Config{})
				c := k.DeclareCompletion("c")
				n := 0
				for range 3 {
					k.KernelThread("waiter", func(t *Task) { c.Wait(t); n++ })
				}
				k.KernelThread("completer", func(t *Task) {
					if tc.all {
						c.CompleteAll(t)
					} else {
						c.Complete(t)
					}
				})
				e.OnEnd(func(sched.Outcome) { released = append(released, n) })
			}, sched.Options{})
			require.NoError(t, res.Err)
			assert.True(t, res.Complete)
			assert.Equal(t, tc.want, kinds(res))
			want := 1
			if tc.all {
				want = 3
			}
			for _, n := range released {
				assert.Equal(t, want, n)
			}
			if !tc.all {
				assert.Equal(t, 2, strings.Count(res.Problems[0].Report, "blocked for more than 120 seconds"),
					"the two waiters complete() did not release hang")
			}
			assert.True(t, slices.Contains(released, want))
		})
	}
}

package ksync

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// invalidWaitContext is the text of res's "[ BUG: Invalid wait context ]" report.
func invalidWaitContext(t *testing.T, res *sched.Result) string {
	t.Helper()
	for _, p := range res.Problems {
		if p.Title == "[ BUG: Invalid wait context ]" {
			return p.Report
		}
	}
	require.Fail(t, "no invalid wait context report", res.Verdict())
	return ""
}

// The lock line of "[ BUG: Invalid wait context ]" prints the class's usage as it is
// when check_wait_context runs, before the acquisition marks its own bits (it comes
// first in __lock_acquire): "{....}" for a class never taken before, ".+.+" for an
// rw_semaphore read-locked before with irqs on. It printed "{+.+.}" whatever the
// class.
func TestInvalidWaitContextPrintsTheClassUsage(t *testing.T) {
	for _, c := range []struct {
		name   string
		before bool
		line   string
	}{
		{"first use", false, "ffffffffc0002040 (sem){....}-{3:3}, at: "},
		{"read-locked before", true, "ffffffffc0002040 (sem){.+.+}-{3:3}, at: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := explore(t, Config{}, func(k *Kernel) {
				l, s := k.DefineSpinlock("l"), k.DeclareRWSem("sem")
				k.KernelThread("reader", func(t *Task) {
					if c.before {
						s.DownRead(t)
						s.UpRead(t)
					}
					l.Lock(t)
					s.DownRead(t)
					s.UpRead(t)
					l.Unlock(t)
				})
			})
			r := invalidWaitContext(t, res)
			assert.Contains(t, r, "\nreader/2 is trying to lock:\n"+c.line)
		})
	}
}

// A sleeping lock taken in hardirq or softirq context is an invalid wait context even
// with no spinlock held: task_wait_context makes the context itself {2:2}
// (LD_WAIT_SPIN in a hardirq handler, LD_WAIT_CONFIG, 2 as well without
// PROVE_RAW_LOCK_NESTING, in a softirq), and a mutex is {3:3}. might_sleep's BUG comes
// first. The report lists the interrupted task's locks and prints the irq stack.
func TestSleepingLockInInterruptIsAnInvalidWaitContext(t *testing.T) {
	cases := []struct {
		name  string
		setup func(k *Kernel)
		sleep string // might_sleep's title
	}{
		{"lockdep-irq-invalid-wait-context", func(k *Kernel) {
			m, hm := k.DefineMutex("cfg_mutex"), k.DefineMutex("hw_mutex")
			x := k.NewInt("x", 0)
			k.KernelThread("insmod", func(t *Task) {
				t.SetStack(depFrame("drv_init", 21, 18, 28))
				m.Lock(t)
				t.SetStack(depFrame("drv_init", 22, 18, 28))
				t.RequestIRQ(5, "drv", func(h *Task) IRQReturn {
					h.SetStack(depFrame("drv_interrupt", 10, 8, 14))
					hm.Lock(h)
					hm.Unlock(h)
					return IRQHandled
				})
				t.SetStack(depFrame("drv_init", 23, 18, 28))
				x.Store(t, 1) // the interrupt comes here, or at the unlock
				m.Unlock(t)
			})
		}, "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:586"},
		{"lockdep-softirq-invalid-wait-context", func(k *Kernel) {
			m, s := k.DefineMutex("cfg_mutex"), k.DeclareRWSem("table_sem")
			tl := k.DeclareTasklet("rx_tasklet", func(c *Task) {
				c.SetStack(depFrame("rx_work", 40, 38, 48))
				s.DownRead(c)
				s.UpRead(c)
			})
			k.KernelThread("insmod", func(t *Task) {
				t.SetStack(depFrame("drv_init", 21, 18, 28))
				m.Lock(t)
				t.SetStack(depFrame("drv_init", 22, 18, 28))
				t.TaskletSchedule(tl)
				t.LocalBHDisable()
				t.SetStack(depFrame("drv_init", 23, 18, 28))
				t.LocalBHEnable() // the tasklet runs here, on top of insmod
				m.Unlock(t)
			})
		}, "BUG: sleeping function called from invalid context at kernel/locking/rwsem.c:1523"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := explore(t, Config{CPUs: 1}, c.setup)
			require.True(t, res.Complete)
			ts := titles(res)
			require.GreaterOrEqual(t, len(ts), 2, res.Verdict())
			assert.Equal(t, []string{c.sleep, "[ BUG: Invalid wait context ]"}, ts[:2], "might_sleep first")
			r := invalidWaitContext(t, res)
			assert.Contains(t, r, "\nother info that might help us debug this:\ncontext-{2:2}\n1 lock held by insmod/2:\n #0: ffffffffc0002000 (cfg_mutex)")
			assert.Contains(t, r, "Call Trace:\n <IRQ>\n dump_stack_lvl\n __lock_acquire\n lock_acquire\n")
			golden(t, c.name, r)
		})
	}
}

// In process context the context is LD_WAIT_MAX, {4:4}, whatever is held (the held
// spinlock is what makes the mutex invalid, not the context); and a trylock is never
// checked (check_wait_context returns at once for one): mutex_trylock under a
// spinlock does not sleep.
func TestInvalidWaitContextInProcessContextAndTrylocks(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		l, m := k.DefineSpinlock("l"), k.DefineMutex("m")
		k.KernelThread("worker", func(t *Task) {
			l.Lock(t)
			m.Lock(t)
			m.Unlock(t)
			l.Unlock(t)
		})
	})
	assert.Contains(t, invalidWaitContext(t, res), "\nother info that might help us debug this:\ncontext-{4:4}\n1 lock held by worker/2:\n")

	res = explore(t, Config{}, func(k *Kernel) {
		l, m, s := k.DefineSpinlock("l"), k.DefineMutex("m"), k.DeclareRWSem("s")
		k.KernelThread("worker", func(t *Task) {
			l.Lock(t)
			if m.Trylock(t) == 1 {
				m.Unlock(t)
			}
			if s.DownReadTrylock(t) == 1 {
				s.UpRead(t)
			}
			l.Unlock(t)
		})
		k.KernelThread("irq", func(t *Task) {
			t.RequestIRQ(5, "drv", func(h *Task) IRQReturn {
				if m.Trylock(h) == 1 {
					m.Unlock(h)
				}
				return IRQHandled
			})
			t.FreeIRQ(5)
		})
	})
	assert.NotContains(t, titles(res), "[ BUG: Invalid wait context ]")
}

package ksync

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Lockdep's reports made in an interrupt context. In the kernel, current in a hardirq
// handler or a softirq is the interrupted task, and the handler's acquisitions go on
// the same current->held_locks: a report lists the interrupted task's held locks
// first, then the handler's, numbered on, and its stack backtrace has the handler's
// frames between <IRQ> and </IRQ>, then the task's between <TASK> and </TASK>.

// depFrame is a stack of one frame of drv.c: fn at line, in a function spanning
// lines from..to.
func depFrame(fn string, line, from, to int) func() []Frame {
	return func() []Frame { return []Frame{{Func: fn, File: "drv.c", Line: line, FuncLine: from, FuncEnd: to}} }
}

// TestLockdepReportsFromInterruptContexts pins lockdep's reports made in interrupt
// contexts against golden files (regenerate with go test ./ksync -update, then read
// the diff before committing). In each, insmod holds cfg_mutex whenever the
// interrupt can come; stats_lock, which insmod took with irqs on, is then taken in
// hardirq context: "inconsistent lock state".
func TestLockdepReportsFromInterruptContexts(t *testing.T) {
	cases := []struct {
		name  string
		setup func(k *Kernel)
		// the held-locks listing and the call trace the report must show
		held, trace string
	}{
		// The handler interrupts insmod, takes dev_lock, then stats_lock.
		{"lockdep-irq-inconsistent", func(k *Kernel) {
			m, dev, stats := k.DefineMutex("cfg_mutex"), k.DefineSpinlock("dev_lock"), k.DefineSpinlock("stats_lock")
			x := k.NewInt("x", 0)
			k.KernelThread("insmod", func(t *Task) {
				t.SetStack(depFrame("drv_init", 20, 18, 28))
				stats.Lock(t)
				stats.Unlock(t)
				t.SetStack(depFrame("drv_init", 21, 18, 28))
				m.Lock(t)
				t.SetStack(depFrame("drv_init", 22, 18, 28))
				t.RequestIRQ(5, "drv", func(h *Task) IRQReturn {
					h.SetStack(depFrame("drv_interrupt", 10, 8, 14))
					dev.Lock(h)
					h.SetStack(depFrame("drv_interrupt", 11, 8, 14))
					stats.Lock(h)
					stats.Unlock(h)
					dev.Unlock(h)
					return IRQHandled
				})
				t.SetStack(depFrame("drv_init", 23, 18, 28))
				x.Store(t, 1) // the interrupt comes here, or at the unlock
				m.Unlock(t)
			})
		}, "2 locks held by insmod/2:\n" +
			" #0: ffffffffc0002000 (cfg_mutex){+.+.}-{3:3}, at: drv_init+0x30/0xb0\n" +
			" #1: ffffffffc0002040 (dev_lock){-...}-{2:2}, at: drv_interrupt+0x20/0x70\n",
			" <IRQ>\n dump_stack_lvl\n print_usage_bug\n valid_state\n mark_lock_irq\n mark_lock\n mark_usage\n __lock_acquire\n lock_acquire\n" +
				" drv_interrupt (drv.c:11)\n </IRQ>\n <TASK>\n drv_init (drv.c:23)\n </TASK>\n"},
		// A hardirq interrupts a tasklet that runs on top of insmod (at its
		// local_bh_enable) holding rx_lock: the listing is insmod's, the
		// tasklet's, the handler's; the irq stack has the handler's frames, then
		// the tasklet's. current->softirq_context is still set in the handler:
		// SC1[1].
		{"lockdep-irq-on-softirq-inconsistent", func(k *Kernel) {
			m, dev, stats := k.DefineMutex("cfg_mutex"), k.DefineSpinlock("dev_lock"), k.DefineSpinlock("stats_lock")
			rx := k.DefineSpinlock("rx_lock")
			x := k.NewInt("x", 0)
			tl := k.DeclareTasklet("rx_tasklet", func(c *Task) {
				c.SetStack(depFrame("rx_work", 40, 38, 48))
				rx.Lock(c)
				c.SetStack(depFrame("rx_work", 41, 38, 48))
				c.RequestIRQ(5, "drv", func(h *Task) IRQReturn {
					if h.below == nil || !h.below.softirq {
						return IRQHandled // the case shown is the tasklet's interruption
					}
					h.SetStack(depFrame("drv_interrupt", 10, 8, 14))
					dev.Lock(h)
					h.SetStack(depFrame("drv_interrupt", 11, 8, 14))
					stats.Lock(h)
					stats.Unlock(h)
					dev.Unlock(h)
					return IRQHandled
				})
				c.SetStack(depFrame("rx_work", 42, 38, 48))
				x.Store(c, 1) // the interrupt comes here, or at the next store
				x.Store(c, 2)
				rx.Unlock(c)
			})
			k.KernelThread("insmod", func(t *Task) {
				t.SetStack(depFrame("drv_init", 20, 18, 28))
				stats.Lock(t)
				stats.Unlock(t)
				t.SetStack(depFrame("drv_init", 21, 18, 28))
				m.Lock(t)
				t.SetStack(depFrame("drv_init", 22, 18, 28))
				t.TaskletSchedule(tl)
				t.LocalBHDisable()
				t.SetStack(depFrame("drv_init", 23, 18, 28))
				t.LocalBHEnable() // the tasklet runs here, on top of insmod
				m.Unlock(t)
			})
		}, "3 locks held by insmod/2:\n" +
			" #0: ffffffffc0002000 (cfg_mutex){+.+.}-{3:3}, at: drv_init+0x30/0xb0\n" +
			" #1: ffffffffc00020c0 (rx_lock){+.-.}-{2:2}, at: rx_work+0x20/0xb0\n" +
			" #2: ffffffffc0002040 (dev_lock){-.-.}-{2:2}, at: drv_interrupt+0x20/0x70\n",
			" <IRQ>\n dump_stack_lvl\n print_usage_bug\n valid_state\n mark_lock_irq\n mark_lock\n mark_usage\n __lock_acquire\n lock_acquire\n" +
				" drv_interrupt (drv.c:11)\n rx_work (drv.c:42)\n </IRQ>\n <TASK>\n drv_init (drv.c:23)\n </TASK>\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := explore(t, Config{CPUs: 1}, c.setup)
			require.True(t, res.Complete)
			// (Another execution, where stats_lock was first taken in the handler,
			// reports dev_lock -> stats_lock as HARDIRQ-safe -> HARDIRQ-unsafe.)
			require.NotEmpty(t, res.Problems)
			require.Equal(t, "WARNING: inconsistent lock state", res.Problems[0].Title, res.Verdict())
			r := res.Problems[0].Report
			assert.Contains(t, r, "\n"+c.held+"\n")
			assert.Contains(t, r, "Call Trace:\n"+c.trace)
			golden(t, c.name, r)
		})
	}
}

// A tasklet that ksoftirqd runs prints ksoftirqd's frames below its own, as the
// kernel's other reports already do (callTrace); an interrupt on an idle CPU has no
// task below it: "no locks held by swapper/1/0.", and the irq stack only.
func TestLockdepReportsFromKsoftirqdAndIdleCPU(t *testing.T) {
	res := explore(t, Config{CPUs: 1}, func(k *Kernel) {
		l := k.DefineSpinlock("rx_lock")
		tl := k.DeclareTasklet("rx_tasklet", func(c *Task) {
			if !c.softirqd { // run by ksoftirqd only (not at one of insmod's steps)
				return
			}
			c.SetStack(depFrame("rx_work", 40, 38, 48))
			l.Lock(c)
			l.Unlock(c)
		})
		k.KernelThread("insmod", func(t *Task) {
			t.SetStack(depFrame("drv_init", 20, 18, 28))
			l.Lock(t)
			l.Unlock(t)
			t.TaskletSchedule(tl)
		})
	})
	require.Equal(t, []string{"WARNING: inconsistent lock state"}, titles(res), res.Verdict())
	r := res.Problems[0].Report
	assert.Contains(t, r, "\nno locks held by ksoftirqd/0/15.\n")
	assert.Contains(t, r, "lock_acquire\n rx_work (drv.c:40)\n tasklet_action_common\n handle_softirqs\n run_ksoftirqd\n"+
		" smpboot_thread_fn\n kthread\n ret_from_fork\n </TASK>\n")

	res = explore(t, Config{CPUs: 2, IRQs: map[int]IRQSetting{5: {Times: 1, CPU: 1}}}, func(k *Kernel) {
		l := k.DefineSpinlock("dev_lock")
		x := k.NewInt("x", 0)
		k.KernelThread("insmod", func(t *Task) {
			t.SetStack(depFrame("drv_init", 20, 18, 28))
			l.Lock(t)
			l.Unlock(t)
			t.RequestIRQ(5, "drv", func(h *Task) IRQReturn {
				h.SetStack(depFrame("drv_interrupt", 10, 8, 14))
				l.Lock(h)
				l.Unlock(h)
				return IRQHandled
			})
			x.Store(t, 1) // the interrupt fires on the idle CPU1
			t.FreeIRQ(5)
		})
	})
	require.Equal(t, []string{"WARNING: inconsistent lock state"}, titles(res), res.Verdict())
	r = res.Problems[0].Report
	assert.Contains(t, r, "\nno locks held by swapper/1/0.\n")
	assert.True(t, strings.HasSuffix(r, "lock_acquire\n drv_interrupt (drv.c:10)\n </IRQ>\n"), r)
}

// A handler taking a lock of a class that the task it interrupted holds: the kernel
// walks all of current->held_locks for recursion, but mark_usage comes first and
// reports the irq-unsafe class as "inconsistent lock state" (then lockdep is off).
// ksim, which goes on, must not add "possible recursive locking detected" for the
// same bug when the interrupt comes again, in this execution or a later one.
func TestHandlerTakingAClassTheTaskHoldsReportsOnlyTheUsage(t *testing.T) {
	res := explore(t, Config{CPUs: 1, IRQs: map[int]IRQSetting{5: {Times: 2, CPU: -1}}}, func(k *Kernel) {
		a, b := k.DefineSpinlock("a"), k.DefineSpinlock("b")
		a.SetClass("&dev->lock")
		b.SetClass("&dev->lock") // one init site: one class, two instances
		x := k.NewInt("x", 0)
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(5, "drv", func(h *Task) IRQReturn {
				b.Lock(h)
				b.Unlock(h)
				return IRQHandled
			})
			a.Lock(t)
			x.Store(t, 1)
			x.Store(t, 2)
			a.Unlock(t)
			t.FreeIRQ(5)
		})
	})
	require.True(t, res.Complete)
	assert.Equal(t, []string{"WARNING: inconsistent lock state"}, titles(res))
}

// Describing the current context to lockdep allocates nothing, interrupted or not:
// the interrupted contexts' locks go in the kernel's scratch buffer, and their frames
// are computed only for a report.
func TestDepCurrentDoesNotAllocate(t *testing.T) {
	var plain, handler float64 = -1, -1
	explore(t, Config{CPUs: 1}, func(k *Kernel) {
		m, l := k.DefineMutex("m"), k.DefineSpinlock("l")
		x := k.NewInt("x", 0)
		k.KernelThread("insmod", func(t *Task) {
			t.RequestIRQ(5, "drv", func(h *Task) IRQReturn {
				l.Lock(h)
				handler = testing.AllocsPerRun(100, func() { h.depCurrent() })
				l.Unlock(h)
				return IRQHandled
			})
			m.Lock(t)
			plain = testing.AllocsPerRun(100, func() { t.depCurrent() })
			x.Store(t, 1)
			m.Unlock(t)
		})
	})
	assert.Zero(t, plain)
	assert.Zero(t, handler)
}

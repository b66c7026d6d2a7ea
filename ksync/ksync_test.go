package ksync

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ksim-dev/ksim/sched"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var update = flag.Bool("update", false, "rewrite the golden report files in testdata")

// golden compares got with testdata/name.golden; -update rewrites the file.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./ksync -update")
	assert.Equal(t, string(want), got, "report differs from %s (regenerate with -update after checking)", path)
}

// explore runs a kernel program exhaustively.
func explore(t *testing.T, cfg Config, setup func(k *Kernel)) *sched.Result {
	t.Helper()
	res := sched.Explore(Program(cfg, setup), sched.Options{})
	require.NoError(t, res.Err)
	return res
}

func kinds(res *sched.Result) []string {
	var ks []string
	seen := map[string]bool{}
	for _, p := range res.Problems {
		if !seen[p.Kind] {
			seen[p.Kind] = true
			ks = append(ks, p.Kind)
		}
	}
	return ks
}

func find(res *sched.Result, kind string) *sched.Found {
	for _, p := range res.Problems {
		if p.Kind == kind {
			return p
		}
	}
	return nil
}

// seed000 is the ABBA module of the first seed document: module_init starts two
// kernel threads taking sem1 and sem2. variant: "bug" as published, "fixed" with both
// taking sem1 first, "article" with the article's printed fix (fixed_function, which
// is bad_function again, while another_function keeps the reversed order).
func seed000(variant string) func(k *Kernel) {
	return func(k *Kernel) {
		sem1, sem2 := k.DefineSemaphore("sem1", 1), k.DefineSemaphore("sem2", 1)
		inOrder := func(first, second *Semaphore, line int) func(t *Task) {
			return func(t *Task) {
				t.At(pos(line))
				first.Down(t)
				t.At(pos(line + 1))
				second.Down(t)
				t.At(pos(line + 3))
				second.Up(t)
				t.At(pos(line + 4))
				first.Up(t)
			}
		}
		k.KernelThread("insmod", func(t *Task) {
			t.At(pos(27))
			switch variant {
			case "bug":
				t.KthreadRun("bad_function", inOrder(sem1, sem2, 10))
				t.KthreadRun("another_function", inOrder(sem2, sem1, 18))
			case "fixed":
				t.KthreadRun("bad_function", inOrder(sem1, sem2, 10))
				t.KthreadRun("another_function", inOrder(sem1, sem2, 18))
			case "article":
				t.KthreadRun("fixed_function", inOrder(sem1, sem2, 10))
				t.KthreadRun("another_function", inOrder(sem2, sem1, 18))
			}
		})
	}
}

func pos(line int) string { return "abba.c:" + itoa(line) }

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestSeed000ABBADeadlocks(t *testing.T) {
	res := explore(t, Config{}, seed000("bug"))
	assert.True(t, res.Complete)
	assert.Equal(t, []string{"deadlock"}, kinds(res))
	p := find(res, "deadlock")
	assert.Contains(t, p.Report, "INFO: task bad_function:3 blocked for more than 120 seconds.")
	assert.Contains(t, p.Report, "INFO: task another_functio:4 blocked for more than 120 seconds.")
	assert.NotContains(t, p.Report, "INFO: task bad_function:3 blocked on a semaphore") // not in 6.12
	assert.Contains(t, p.Report, "ksim: bad_function/3 waits for sem2 (last taken by another_functio/4)")
	assert.Contains(t, p.Report, "lockdep does not track semaphores")
	golden(t, "seed000-hung-task", p.Report)
}

func TestSeed000RealFixIsClean(t *testing.T) {
	res := explore(t, Config{}, seed000("fixed"))
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems)
	assert.Contains(t, res.Verdict(), "ok: no problem in any of")
}

func TestSeed000ArticleFixStillDeadlocks(t *testing.T) {
	// The article's "fixed_function" takes the locks in the same order as the
	// function it replaces; another_function still takes them the other way round.
	res := explore(t, Config{}, seed000("article"))
	assert.True(t, res.Complete)
	assert.Equal(t, []string{"deadlock"}, kinds(res))
}

// faulty is seed 001's function; fix selects the published fixes.
func faulty(l *Spinlock, fix string) func(t *Task) {
	return func(t *Task) {
		t.At("sleep-atomic.c:3")
		l.Lock(t)
		t.At("sleep-atomic.c:4")
		gfp := GFPKernel
		if fix == "atomic" {
			gfp = GFPAtomic
		}
		if fix == "relock" {
			t.At("sleep-atomic.c:4")
			l.Unlock(t)
			t.At("sleep-atomic.c:5")
		}
		buf := t.Kmalloc(1024, gfp)
		if fix == "relock" {
			t.At("sleep-atomic.c:6")
			l.Lock(t)
		}
		if buf != nil {
			t.At("sleep-atomic.c:7")
			t.Store(buf, 0, 1)
			t.At("sleep-atomic.c:8")
			t.Kfree(buf)
		}
		t.At("sleep-atomic.c:10")
		l.Unlock(t)
	}
}

func TestSeed001SleepingWhileAtomicEveryExecution(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		l := k.DefineSpinlock("my_lock")
		k.KernelThread("faulty_function", faulty(l, ""))
	})
	assert.True(t, res.Complete)
	require.Equal(t, []string{"bug"}, kinds(res))
	p := res.Problems[0]
	assert.EqualValues(t, res.Stats.Executions, p.Count, "the BUG shows in every execution")
	assert.Contains(t, p.Report, "BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321")
	assert.Contains(t, p.Report, "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 2, name: faulty_function")
	assert.Contains(t, p.Report, "preempt_count: 1, expected: 0")
	assert.Contains(t, p.Report, "1 lock held by faulty_function/2:\n #0: ")
	assert.Contains(t, p.Report, "(my_lock){+.+.}-{2:2}")
	golden(t, "seed001-might-sleep", p.Report)
}

func TestSeed001UnderPressureOnOneCPULocksUp(t *testing.T) {
	res := explore(t, Config{CPUs: 1, MemoryPressure: true}, func(k *Kernel) {
		l := k.DefineSpinlock("my_lock")
		k.KernelThread("faulty_function", faulty(l, ""))
		k.KernelThread("faulty_function", faulty(l, ""))
	})
	assert.True(t, res.Complete)
	assert.NotEmpty(t, res.FullSearch, "two tasks on one CPU couple every step")
	assert.ElementsMatch(t, []string{"bug", "lockup"}, kinds(res))
	lock := find(res, "lockup")
	assert.Contains(t, lock.Report, "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [faulty_function:")
	assert.Contains(t, lock.Report, "is now runnable\nksim: but has no CPU")
	golden(t, "seed001-soft-lockup", lock.Report)
	var swa bool
	for _, p := range res.Problems {
		if strings.HasPrefix(p.Title, "BUG: scheduling while atomic") {
			swa = true
			assert.Contains(t, p.Report, "BUG: scheduling while atomic: faulty_function/")
			assert.Contains(t, p.Report, "/0x00000002")
		}
	}
	assert.True(t, swa, "the sleeper is caught scheduling while atomic")
}

func TestSeed001GFPAtomicFixIsCleanUnderPressure(t *testing.T) {
	nulls := 0
	res := sched.Explore(func(e *sched.Execution) {
		k := New(e, Config{CPUs: 1, MemoryPressure: true})
		l := k.DefineSpinlock("my_lock")
		k.KernelThread("faulty_function", faulty(l, "atomic"))
		k.KernelThread("faulty_function", faulty(l, "atomic"))
		e.OnEnd(func(sched.Outcome) {
			if strings.Contains(k.Dmesg(), "page allocation failure: order:0, mode:0x820(GFP_ATOMIC)") {
				nulls++
			}
		})
	}, sched.Options{})
	require.NoError(t, res.Err)
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems)
	assert.Positive(t, nulls, "the NULL branch was explored (and logged, as the kernel does)")
}

func TestSeed001UnlockAllocRelockIsClean(t *testing.T) {
	res := explore(t, Config{CPUs: 1, MemoryPressure: true}, func(k *Kernel) {
		l := k.DefineSpinlock("my_lock")
		k.KernelThread("faulty_function", faulty(l, "relock"))
		k.KernelThread("faulty_function", faulty(l, "relock"))
	})
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems)
}

func TestMutexRecursionSelfDeadlocks(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		m := k.DefineMutex("m")
		k.KernelThread("worker", func(t *Task) { m.Lock(t); m.Lock(t) })
	})
	require.ElementsMatch(t, []string{"deadlock", "warning"}, kinds(res))
	// 6.12 names no owner in the hung-task report (debug_show_blocker came later):
	// ksim's note does; and lockdep's report turned it off, which the listing says.
	assert.Contains(t, find(res, "deadlock").Report, "ksim: worker/2 waits for m (held by worker/2)")
	assert.Contains(t, find(res, "deadlock").Report, "INFO: lockdep is turned off.\n")
	assert.NotContains(t, find(res, "deadlock").Report, "likely owned")
	assert.Equal(t, "WARNING: possible recursive locking detected", find(res, "warning").Title,
		"lockdep reports the recursion before the task blocks on itself")
}

// mutex_unlock by a task that does not hold the mutex: __mutex_unlock_slowpath's
// mutex_release is lockdep's "bad unlock balance", which turns lock debugging off,
// so that the DEBUG_LOCKS_WARN_ON after it is silent. Without lockdep,
// CONFIG_DEBUG_MUTEXES' DEBUG_LOCKS_WARN_ON is the report.
func TestMutexUnlockByNonOwnerWarns(t *testing.T) {
	prog := func(k *Kernel) {
		m := k.DefineMutex("m")
		c, d := k.DeclareCompletion("locked"), k.DeclareCompletion("unlocked")
		k.KernelThread("owner", func(t *Task) { m.Lock(t); c.Complete(t); d.Wait(t) })
		k.KernelThread("thief", func(t *Task) { c.Wait(t); m.Unlock(t); d.Complete(t) })
	}
	res := explore(t, Config{}, prog)
	require.Len(t, res.Problems, 1)
	assert.Equal(t, "WARNING: bad unlock balance detected!", res.Problems[0].Title)
	assert.Contains(t, res.Problems[0].Report, "thief/3 is trying to release lock (m) at:\n")
	assert.NotContains(t, res.Problems[0].Report, "DEBUG_LOCKS_WARN_ON")

	res = explore(t, Config{NoLockdep: true}, prog)
	require.Len(t, res.Problems, 1)
	warn := res.Problems[0]
	assert.Contains(t, warn.Report, "DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)\nWARNING: CPU: ")
	assert.Contains(t, warn.Title, "WARNING: CPU: ")
	assert.Contains(t, warn.Title, "kernel/locking/mutex.c:930 __mutex_unlock_slowpath")
}

func TestSemaphoreReturnValues(t *testing.T) {
	var got []int
	res := explore(t, Config{}, func(k *Kernel) {
		s := k.DefineSemaphore("s", 1)
		k.KernelThread("t", func(t *Task) {
			got = append(got, s.DownTrylock(t)) // 0: acquired
			got = append(got, s.DownTrylock(t)) // 1: not
			s.Up(t)
		})
	})
	assert.Empty(t, res.Problems)
	assert.Equal(t, []int{0, 1}, got)
}

func TestDownInterruptibleSignalReturnsEINTR(t *testing.T) {
	var rets []int
	res := explore(t, Config{Signals: true}, func(k *Kernel) {
		s := k.DefineSemaphore("s", 0) // never upped: only a signal ends the wait
		k.KernelThread("waiter", func(t *Task) { rets = append(rets, s.DownInterruptible(t)) })
	})
	assert.True(t, res.Complete)
	assert.Empty(t, res.Problems, "the task does not hang")
	assert.Equal(t, []int{-EINTR}, rets)
}

func TestInterruptibleSleepWithoutSignalsHangsSilently(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		s := k.DefineSemaphore("s", 0)
		k.KernelThread("waiter", func(t *Task) { s.DownInterruptible(t) })
	})
	require.Equal(t, []string{"deadlock"}, kinds(res))
	assert.Contains(t, res.Problems[0].Report, "the kernel prints nothing for this")
}

// up() hands the count to the task that queued first: in every explored execution,
// the order in which queued waiters are handed the semaphore is the order in which
// they blocked (read from the trace: "blocks" and "wakes X" notes).
func TestSemaphoreFIFOHandOff(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprint(n, " waiters"), func(t *testing.T) {
			var queuedTwo, execs int
			res := sched.Explore(func(e *sched.Execution) {
				k := New(e, Config{CPUs: n + 1})
				s := k.DefineSemaphore("s", 0)
				for i := range n {
					k.KernelThread(string(rune('a'+i)), func(t *Task) { s.Down(t) })
				}
				k.KernelThread("upper", func(t *Task) {
					for range n {
						s.Up(t)
					}
				})
				e.OnEnd(func(sched.Outcome) {
					execs++
					var queue []string
					most := 0
					for _, ev := range e.Trace() {
						who := e.Threads()[ev.Thread].Name()
						switch {
						case ev.Op == "down" && strings.HasPrefix(ev.Note, "blocks"):
							queue = append(queue, who)
							most = max(most, len(queue))
						case ev.Op == "up" && strings.HasPrefix(ev.Note, "wakes "):
							woken := strings.TrimPrefix(ev.Note, "wakes ")
							if assert.NotEmpty(t, queue, "up woke %s with nobody queued", woken) {
								assert.Equal(t, queue[0], woken, "up hands off to the first waiter queued, of %v", queue)
								queue = queue[1:]
							}
						case ev.Op == "down" && ev.Note == "acquired (handed over by up)":
							assert.NotContains(t, queue, who, "%s runs on before up woke it", who)
						}
					}
					if most >= 2 {
						queuedTwo++
					}
				})
			}, sched.Options{})
			require.NoError(t, res.Err)
			assert.True(t, res.Complete)
			assert.Empty(t, res.Problems)
			assert.Positive(t, queuedTwo, "some execution has two waiters queued at once (of %d)", execs)
		})
	}
}

func TestNullDereferenceOopsesAndTheTaskDiesHoldingItsLocks(t *testing.T) {
	res := explore(t, Config{MemoryPressure: true}, func(k *Kernel) {
		m := k.DefineMutex("m")
		k.KernelThread("careless", func(t *Task) {
			m.Lock(t)
			buf := t.Kmalloc(16, GFPAtomic) // may fail under pressure
			t.Store(buf, 0, 1)              // not checked for NULL
			t.Kfree(buf)
			m.Unlock(t)
		})
		k.KernelThread("next", func(t *Task) { m.Lock(t); m.Unlock(t) })
	})
	assert.Contains(t, kinds(res), "bug")
	p := find(res, "bug")
	assert.Contains(t, p.Report, "BUG: kernel NULL pointer dereference, address: 0000000000000000")
	assert.Contains(t, kinds(res), "deadlock", "the dead task still holds m")
}

func TestDoubleFreeAndUseAfterFree(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		k.KernelThread("a", func(t *Task) {
			b := t.Kmalloc(8, GFPKernel)
			t.Kfree(b)
			t.Kfree(b)
		})
		k.KernelThread("b", func(t *Task) {
			b := t.Kmalloc(8, GFPKernel)
			t.Kfree(b)
			t.Store(b, 0, 1)
		})
	})
	var titles []string
	for _, p := range res.Problems {
		titles = append(titles, p.Title)
	}
	assert.ElementsMatch(t, []string{"BUG: KASAN: double-free", "BUG: KASAN: slab-use-after-free"}, titles)
}

func TestBugOnAndWarnOn(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		k.KernelThread("w", func(t *Task) { t.At("x.c:3"); t.WarnOn(true) })
		k.KernelThread("b", func(t *Task) { t.At("x.c:9"); t.BugOn(true) })
	})
	assert.ElementsMatch(t, []string{"warning", "bug"}, kinds(res))
	assert.Equal(t, "kernel BUG at x.c:9!", find(res, "bug").Title)
}

func TestLostUpdateOnSharedCounter(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		counter := k.NewInt("counter", 0)
		done := k.NewAtomic("done", 0)
		for _, name := range []string{"inc1", "inc2"} {
			k.KernelThread(name, func(t *Task) {
				counter.Store(t, counter.Load(t)+1)
				if done.Inc(t) == 2 {
					t.BugOn(counter.Load(t) != 2)
				}
			})
		}
	})
	assert.Equal(t, []string{"bug"}, kinds(res))
}

func TestModuleExitRunsAfterEveryTask(t *testing.T) {
	var order []string
	res := explore(t, Config{}, func(k *Kernel) {
		k.KernelThread("insmod", func(t *Task) {
			t.KthreadRun("worker", func(t *Task) { t.Msleep(10); order = append(order, "worker") })
			order = append(order, "init")
		})
		k.RunAfterAll("rmmod", func(t *Task) { order = append(order, "exit") })
	})
	assert.Empty(t, res.Problems)
	for i := 0; i+2 < len(order); i += 3 {
		assert.Equal(t, "exit", order[i+2], "module_exit runs last: %v", order)
	}
}

func TestSpinlockSleepInAtomicMsleep(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		l := k.DefineSpinlock("l")
		k.KernelThread("s", func(t *Task) { l.Lock(t); t.Msleep(1); l.Unlock(t) })
	})
	require.Len(t, res.Problems, 1)
	assert.True(t, strings.HasPrefix(res.Problems[0].Title, "BUG: scheduling while atomic"),
		"msleep has no might_sleep of its own: %s", res.Problems[0].Title)
}

func TestReplayReproducesKernelReportsByteForByte(t *testing.T) {
	setups := map[string]func(*Kernel){
		"abba": seed000("bug"),
		"pressure": func(k *Kernel) {
			l := k.DefineSpinlock("my_lock")
			k.KernelThread("faulty_function", faulty(l, ""))
			k.KernelThread("faulty_function", faulty(l, ""))
		},
	}
	for name, setup := range setups {
		cfg := Config{CPUs: 1, MemoryPressure: true}
		res := sched.Explore(Program(cfg, setup), sched.Options{})
		require.NotEmpty(t, res.Problems, name)
		for _, p := range res.Problems {
			r := sched.Explore(Program(cfg, setup), sched.Options{Strategy: sched.Replay, Schedule: p.Schedule})
			require.NoError(t, r.Err)
			var same *sched.Found
			for _, q := range r.Problems {
				if q.Kind == p.Kind && q.Site == p.Site {
					same = q
				}
			}
			require.NotNil(t, same, "%s: replay shows %s", name, p.Title)
			assert.Equal(t, p.Report, same.Report)
			assert.Equal(t, p.FormatTrace(), same.FormatTrace())
		}
	}
}

// The kernel's lock self-test "initialize held": re-initialising a lock the task holds.
func TestInitializeHeldLock(t *testing.T) {
	for _, kind := range []string{"mutex", "spinlock"} {
		res := explore(t, Config{}, func(k *Kernel) {
			m, l := k.DefineMutex("m"), k.DefineSpinlock("l")
			k.KernelThread("reinit", func(t *Task) {
				if kind == "mutex" {
					m.Lock(t)
					m.Init(t)
				} else {
					l.Lock(t)
					l.Init(t)
				}
			})
		})
		require.Equal(t, []string{"warning"}, kinds(res), kind)
		assert.Equal(t, "WARNING: held lock freed!", res.Problems[0].Title, kind)
	}
}

// A kernel is recycled by the next execution of its exploration (to spare the garbage
// collector a 4 KiB struct per execution): every execution must still start from a
// clean kernel, and the last one must stay readable after Explore returns.
func TestKernelRecycledCleanAndLastOneKept(t *testing.T) {
	var kernels []*Kernel
	var logs []string
	res := sched.Explore(Program(Config{}, func(k *Kernel) {
		assert.Empty(t, k.Tasks(), "a recycled kernel starts without tasks")
		assert.Empty(t, k.Dmesg(), "a recycled kernel starts with an empty log")
		kernels = append(kernels, k)
		m := k.DefineMutex("m")
		for _, name := range []string{"a", "b"} {
			k.KernelThread(name, func(t *Task) {
				m.Lock(t)
				t.Printk(name + " in")
				m.Unlock(t)
			})
		}
		e := k.Execution()
		e.OnEnd(func(sched.Outcome) { logs = append(logs, k.Dmesg()) })
	}), sched.Options{})
	require.True(t, res.Complete)
	require.Len(t, kernels, 2)
	assert.Same(t, kernels[0], kernels[1], "the second execution recycles the first one's kernel")
	for _, l := range logs {
		assert.Equal(t, 2, strings.Count(l, " in\n"), "each log has its own execution's lines only:\n%s", l)
	}
	assert.NotEqual(t, logs[0], logs[1], "the two executions run a and b in different orders")
	assert.Equal(t, logs[1], kernels[1].Dmesg(), "the last kernel is intact after Explore")
	assert.Len(t, kernels[1].Tasks(), 2)
}

// The kernel's log is a ring of log_buf_len bytes: dmesg shows its last 128 KiB, whole
// lines, and a ksim: line says how many lines went before. However much an execution
// prints, the log it keeps stays within twice that.
func TestDmesgKeepsTheLastLogBufLen(t *testing.T) {
	pad := strings.Repeat("x", 900)
	for _, n := range []int{10, 141, 142, 1000, 20000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var dmesg string
			var kept int
			res := sched.Explore(Program(Config{}, func(k *Kernel) {
				k.KernelThread("printer", func(t *Task) {
					for i := 0; i < n; i++ {
						t.Printk(fmt.Sprintf("line %d %s", i, pad))
						kept = max(kept, cap(k.log))
					}
				})
				k.Execution().OnEnd(func(sched.Outcome) { dmesg = k.Dmesg() })
			}), sched.Options{})
			require.True(t, res.Complete)
			assert.LessOrEqual(t, kept, 3*LogBufLen, "the log is trimmed as it grows (to 2*LogBufLen, and append rounds up)")
			lines := strings.Split(strings.TrimSuffix(dmesg, "\n"), "\n")
			assert.True(t, strings.HasPrefix(lines[len(lines)-1], "[    5.000000] line "+fmt.Sprint(n-1)+" x"), "the last line is kept: %.40s", lines[len(lines)-1])
			total := 0
			for i := 0; i < n; i++ {
				total += len(fmt.Sprintf("[    5.000000] line %d %s\n", i, pad))
			}
			if total <= LogBufLen {
				assert.Len(t, lines, n, "nothing dropped")
				assert.True(t, strings.HasPrefix(dmesg, "[    5.000000] line 0 x"))
				return
			}
			var lost int
			_, err := fmt.Sscanf(lines[0], "ksim: %d earlier lines dropped:", &lost)
			require.NoError(t, err, lines[0])
			assert.Equal(t, "ksim: "+fmt.Sprint(lost)+" earlier lines dropped: the kernel's log buffer keeps the last 128 KiB (log_buf_len, CONFIG_LOG_BUF_SHIFT=17)", lines[0])
			assert.Equal(t, n, lost+len(lines)-1, "every line is kept or counted as dropped")
			assert.True(t, strings.HasPrefix(lines[1], fmt.Sprintf("[    5.000000] line %d x", lost)), "whole lines are kept: %.40s", lines[1])
			body := len(dmesg) - len(lines[0]) - 1
			assert.LessOrEqual(t, body, LogBufLen)
			assert.Greater(t, body, LogBufLen-len(lines[1])-1, "as many lines as fit")
		})
	}
}

func TestReportPaddingHelpersMatchPrintf(t *testing.T) {
	for _, tc := range []struct {
		s string
		n int
	}{{"", 0}, {"a", 7}, {"fifteen-chars!!", 123456}, {"sixteen-chars!!!", -42}} {
		assert.Equal(t, fmt.Sprintf("%-15.15s", tc.s), string(appendPadded(nil, tc.s, 15)))
		assert.Equal(t, fmt.Sprintf("%-5d", tc.n), string(appendNum(nil, tc.n, 5)))
	}
}

// kmalloc of more than KMALLOC_MAX_SIZE (or of a negative int, a huge size_t) returns
// NULL with the page allocator's warning, silently under __GFP_NOWARN; it must not
// try to allocate it (the simulator would run out of memory where the kernel says no).
func TestKmallocTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		gfp  GFP
		warn bool
	}{
		{"largest", KmallocMaxSize, GFPKernel, false},
		{"one more", KmallocMaxSize + 1, GFPKernel, true},
		{"terabyte", 1 << 40, GFPAtomic, true},
		{"negative", -1, GFPKernel, true},
		{"nowarn", 1 << 40, GFPKernel | GFPNoWarn, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *Buffer
			res := explore(t, Config{}, func(k *Kernel) {
				k.KernelThread("alloc", func(t *Task) { got = t.Kmalloc(tc.size, tc.gfp) })
			})
			assert.True(t, res.Complete)
			if tc.size >= 0 && tc.size <= KmallocMaxSize {
				require.NotNil(t, got)
				assert.Equal(t, tc.size, got.Size())
			} else {
				assert.Nil(t, got)
			}
			if !tc.warn {
				assert.Empty(t, res.Problems)
				return
			}
			require.Len(t, res.Problems, 1)
			assert.Equal(t, "warning", res.Problems[0].Kind)
			assert.Contains(t, res.Problems[0].Title, "WARNING: CPU: ")
			assert.Contains(t, res.Problems[0].Title, "at mm/page_alloc.c:")
			assert.Contains(t, res.Problems[0].Report, "RIP: 0010:__alloc_pages_noprof")
		})
	}
}

// A task that leaks in a loop runs out of the simulated machine's memory, not the
// simulator's: past SimulatedMemory allocations fail with the page allocator's
// warning, and what kfree returns can be allocated again.
func TestSimulatedMemoryRunsOut(t *testing.T) {
	const chunk = KmallocMaxSize
	var got, afterFree int
	var k *Kernel
	res := sched.Explore(Program(Config{}, func(kk *Kernel) {
		k = kk
		kk.KernelThread("leak", func(t *Task) {
			var last *Buffer
			for range SimulatedMemory/chunk + 3 {
				if b := t.Kmalloc(chunk, GFPKernel); b != nil {
					got++
					last = b
				}
			}
			t.Kfree(last)
			if t.Kmalloc(chunk, GFPKernel) != nil {
				afterFree++
			}
		})
	}), sched.Options{})
	require.NoError(t, res.Err)
	assert.True(t, res.Complete)
	assert.Equal(t, SimulatedMemory/chunk, got)
	assert.Equal(t, 1, afterFree)
	assert.Equal(t, 3, strings.Count(k.Dmesg(), "leak: page allocation failure: order:10, mode:0xcc0(GFP_KERNEL)"))
}

// The kernel records where preemption was disabled whenever preempt_count leaves 0,
// by preempt_disable (preempt_latency_start) or local_bh_disable
// (__local_bh_disable_ip): spin_lock_bh and local_bh_disable record their own site.
func TestPreemptionDisabledAtFollowsBHDisable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		count string
		off   func(t *Task, l *Spinlock)
		on    func(t *Task, l *Spinlock)
	}{
		{"spin_lock_bh", "201", func(t *Task, l *Spinlock) { l.LockBH(t) }, func(t *Task, l *Spinlock) { l.UnlockBH(t) }},
		{"local_bh_disable", "200", func(t *Task, _ *Spinlock) { t.LocalBHDisable() }, func(t *Task, _ *Spinlock) { t.LocalBHEnable() }},
		{"spin_lock", "1", func(t *Task, l *Spinlock) { l.Lock(t) }, func(t *Task, l *Spinlock) { l.Unlock(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := explore(t, Config{}, func(k *Kernel) {
				l, old := k.DefineSpinlock("l"), k.DefineSpinlock("old")
				k.KernelThread("bh", func(t *Task) {
					t.At("x.c:1")
					old.Lock(t)
					t.At("x.c:2")
					old.Unlock(t)
					t.At("x.c:3")
					tc.off(t, l)
					t.At("x.c:4")
					t.Kfree(t.Kmalloc(8, GFPKernel))
					t.At("x.c:5")
					tc.on(t, l)
				})
			})
			require.Len(t, res.Problems, 1)
			r := res.Problems[0].Report
			assert.Contains(t, r, "preempt_count: "+tc.count+", expected: 0\n")
			assert.Regexp(t, `Preemption disabled at:\n\[<[0-9a-f]{16}>\] x\.c:3\n`, r)
		})
	}
}

// The kernel keeps 15 bytes of a task's name (TASK_COMM_LEN - 1), however the task was
// started: every report line and the trace's column say the same cut name.
func TestCommCutTo15BytesForEveryWayOfStartingATask(t *testing.T) {
	for _, how := range []string{"KernelThread", "KthreadRun", "RunAfterAll"} {
		t.Run(how, func(t *testing.T) {
			res := explore(t, Config{}, func(k *Kernel) {
				s := k.DefineSemaphore("s", 0)
				body := func(t *Task) { s.Down(t) }
				switch how {
				case "KernelThread":
					k.KernelThread("another_function", body)
				case "KthreadRun":
					k.KernelThread("insmod", func(t *Task) { t.KthreadRun("another_function", body) })
				case "RunAfterAll":
					k.RunAfterAll("another_function", body)
				}
			})
			require.Equal(t, []string{"deadlock"}, kinds(res))
			p := res.Problems[0]
			assert.Contains(t, p.Report, "INFO: task another_functio:")
			assert.Contains(t, p.Report, "task:another_functio state:D")
			assert.NotContains(t, p.Report, "another_function")
			assert.Contains(t, p.Threads, "another_functio")
			assert.NotContains(t, p.Threads, "another_function")
		})
	}
}

// spin_unlock of a lock the task does not hold: lockdep's "bad unlock balance"
// (spin_release runs before do_raw_spin_unlock), which turns lock debugging off, so
// that the spinlock debug BUG is silent; with lockdep off, the BUG alone, titled as
// spin_dump prints it, with .owner_cpu -1 for an unlocked lock.
func TestSpinUnlockNotHeld(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		thief  bool // another task holds the lock
		titles []string
		owner  string
	}{
		{"unlocked", Config{}, false,
			[]string{"WARNING: bad unlock balance detected!"}, ""},
		{"unlocked, no lockdep", Config{NoLockdep: true}, false,
			[]string{"BUG: spinlock already unlocked on CPU#0, x/2"},
			".owner: <none>/-1, .owner_cpu: -1\n"},
		{"wrong owner", Config{}, true,
			[]string{"WARNING: bad unlock balance detected!"}, ""},
		{"wrong owner, no lockdep", Config{NoLockdep: true}, true,
			[]string{"BUG: spinlock wrong owner on CPU#0, x/2"},
			".owner: holder/3, .owner_cpu: 1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := explore(t, tc.cfg, func(k *Kernel) {
				l := k.DefineSpinlock("l")
				c := k.DeclareCompletion("c")
				k.KernelThread("x", func(t *Task) {
					if tc.thief {
						c.Wait(t)
					}
					t.At("x.c:3")
					l.Unlock(t)
				})
				if tc.thief {
					k.KernelThread("holder", func(t *Task) { l.Lock(t); c.Complete(t); t.Msleep(1) })
				}
			})
			var titles []string
			var bug string
			for _, p := range res.Problems {
				if strings.HasPrefix(p.Title, "WARNING: bad unlock") || strings.HasPrefix(p.Title, "BUG: spinlock") {
					titles = append(titles, p.Title)
				}
				if strings.HasPrefix(p.Title, "BUG: spinlock") {
					bug = p.Report
				}
			}
			assert.Equal(t, tc.titles, titles)
			if tc.owner == "" {
				return
			}
			assert.Contains(t, bug, tc.owner)
			assert.Contains(t, bug, " dump_stack_lvl\n do_raw_spin_unlock\n")
			assert.NotContains(t, bug, "do_raw_spin_lock")
		})
	}
}

// schedule() with a spinlock held is "scheduling while atomic", and the kernel then
// switches anyway: the task leaves its CPU holding the lock. On one CPU a second task
// can then take the CPU and spin on the lock forever (a soft lockup); on two it cannot
// starve the first task, which runs again on the free CPU.
func TestScheduleWhileAtomicGivesUpTheCPU(t *testing.T) {
	for _, tc := range []struct {
		cpus  int
		kinds []string
	}{{1, []string{"bug", "lockup"}}, {2, []string{"bug"}}} {
		t.Run(fmt.Sprint(tc.cpus, " CPU"), func(t *testing.T) {
			var between int // executions where other ran while sleeper was in schedule()
			res := explore(t, Config{CPUs: tc.cpus}, func(k *Kernel) {
				l := k.DefineSpinlock("l")
				in := false
				k.KernelThread("sleeper", func(t *Task) {
					t.At("x.c:1")
					l.Lock(t)
					in = true
					t.At("x.c:2")
					t.Schedule()
					in = false
					t.At("x.c:3")
					l.Unlock(t)
				})
				k.KernelThread("other", func(t *Task) {
					t.At("x.c:7")
					t.PreemptDisable()
					if in {
						between++
					}
					t.PreemptEnable()
					t.At("x.c:8")
					l.Lock(t)
					l.Unlock(t)
				})
			})
			assert.True(t, res.Complete)
			assert.ElementsMatch(t, tc.kinds, kinds(res))
			if tc.cpus == 1 { // a full search: every order of the steps is explored
				assert.Positive(t, between, "other runs atomic on the only CPU while sleeper is in schedule()")
			}
			assert.True(t, strings.HasPrefix(find(res, "bug").Title, "BUG: scheduling while atomic"))
			if p := find(res, "lockup"); p != nil {
				assert.Contains(t, p.Report, "held by sleeper/2, which slept (schedule) holding it and is now runnable")
			}
		})
	}
}

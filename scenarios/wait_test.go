package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// The wait family end to end: wait queues, the task state word, kthreads, rmmod
// against threads that wait to be stopped, and the loop bound.

const waitHead = `#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/wait.h>
#include <linux/mutex.h>
#include <linux/delay.h>
#include <linux/sched.h>
static DECLARE_WAIT_QUEUE_HEAD(wq);
static DEFINE_MUTEX(m);
static int cond, x;
static struct task_struct *th;
`

// waitRun explores src (after waitHead) with cfg and returns the result and every
// final line module code printed with pr_info("final ...").
func waitRun(t *testing.T, src string, cfg func(*ksync.Config)) (*sched.Result, map[string]bool) {
	t.Helper()
	s := mustLoad(t, "w.c", waitHead+src)
	c := s.KernelConfig()
	if cfg != nil {
		cfg(&c)
	}
	finals := map[string]bool{}
	res := sched.Explore(s.Program(c, func(k *ksync.Kernel) {
		k.Execution().OnEnd(func(sched.Outcome) {
			for _, l := range strings.Split(k.Dmesg(), "\n") {
				if i := strings.Index(l, "final "); i >= 0 {
					finals[l[i+len("final "):]] = true
				}
			}
		})
	}), sched.Options{})
	require.NoError(t, res.Err)
	return res, finals
}

func TestWaitFamily(t *testing.T) {
	for _, tc := range []struct {
		name     string
		src      string
		signals  bool
		kinds    []string
		complete bool
		finals   []string // every final line some execution printed
		report   string   // in some problem's report
	}{
		{"wait_event woken", `
static int f(void *d) { wait_event(wq, READ_ONCE(cond)); pr_info("final woke\n"); return 0; }
static int __init i(void) { kthread_run(f, NULL, "w"); WRITE_ONCE(cond, 1); wake_up(&wq); return 0; }
module_init(i);`, false, []string{"ok"}, true, []string{"woke"}, ""},
		{"wake_up before the condition is true: the waiter sleeps for good", `
static int f(void *d) { wait_event(wq, READ_ONCE(cond)); return 0; }
static int __init i(void) { kthread_run(f, NULL, "w"); wake_up(&wq); WRITE_ONCE(cond, 1); return 0; }
module_init(i);`, false, []string{"deadlock"}, true, nil, "ksim: w/3 waits for wake_up on wq at w.c:"},
		{"wait_event_timeout: woken or timed out", `
static int f(void *d) { long r = wait_event_timeout(wq, READ_ONCE(cond), 10); pr_info("final %d\n", r > 0); return 0; }
static int __init i(void) { kthread_run(f, NULL, "w"); WRITE_ONCE(cond, 1); wake_up(&wq); return 0; }
module_init(i);`, false, []string{"ok"}, true, []string{"0", "1"}, ""},
		{"wait_event_interruptible ends on a signal with -ERESTARTSYS", `
static int f(void *d) { int r = wait_event_interruptible(wq, READ_ONCE(cond)); pr_info("final %d\n", r); return 0; }
static int __init i(void) { kthread_run(f, NULL, "w"); return 0; }
module_init(i);`, true, []string{"ok"}, true, []string{"-512"}, ""},
		{"wake_up_interruptible does not wake an uninterruptible waiter", `
static int f(void *d) { wait_event(wq, READ_ONCE(cond)); return 0; }
static int __init i(void) { kthread_run(f, NULL, "w"); msleep(1); WRITE_ONCE(cond, 1); wake_up_interruptible(&wq); return 0; }
module_init(i);`, false, []string{"deadlock"}, true, nil, "INFO: task w:3 blocked for more than 120 seconds."},
		{"an exclusive wake_up wakes one exclusive waiter", `
static int f(void *d) { wait_event_interruptible_exclusive(wq, READ_ONCE(cond) > 0); WRITE_ONCE(cond, READ_ONCE(cond) - 1); pr_info("final one\n"); return 0; }
static int __init i(void) { kthread_run(f, NULL, "a"); kthread_run(f, NULL, "b"); WRITE_ONCE(cond, 2); wake_up(&wq); wake_up(&wq); return 0; }
module_init(i);`, false, []string{"ok"}, true, []string{"one"}, ""},
		{"set_current_state and schedule: wake_up_process wakes it", `
static int f(void *d) { set_current_state(TASK_UNINTERRUPTIBLE); if (!READ_ONCE(cond)) schedule(); __set_current_state(TASK_RUNNING); pr_info("final up\n"); return 0; }
static int __init i(void) { th = kthread_run(f, NULL, "w"); WRITE_ONCE(cond, 1); wake_up_process(th); return 0; }
module_init(i);`, false, []string{"ok"}, true, []string{"up"}, ""},
		{"kthread_create then wake_up_process", `
static int f(void *d) { pr_info("final ran\n"); return 7; }
static int __init i(void) { th = kthread_create(f, NULL, "w"); wake_up_process(th); return 0; }
module_init(i);`, false, []string{"ok"}, true, []string{"ran"}, ""},
		{"kthread_create never woken: the hung task in kthread()", `
static int f(void *d) { return 0; }
static int __init i(void) { th = kthread_create(f, NULL, "w"); return 0; }
static void __exit e(void) { }
module_init(i); module_exit(e);`, false, []string{"deadlock"}, true, nil, "ksim: w/3 waits for wake_up_process"},
		{"kthread_stop before the thread ran: -EINTR, the function never runs", `
static int f(void *d) { pr_info("final ran\n"); return 7; }
static int __init i(void) { th = kthread_create(f, NULL, "w"); pr_info("final stop %d\n", kthread_stop(th)); return 0; }
module_init(i);`, false, []string{"ok"}, true, []string{"stop -4"}, ""},
		{"kthread_stop returns the thread's result", `
static int f(void *d) { while (!kthread_should_stop()) { set_current_state(TASK_INTERRUPTIBLE); if (!kthread_should_stop()) schedule(); __set_current_state(TASK_RUNNING); } return 7; }
static int __init i(void) { th = kthread_run(f, NULL, "w"); return 0; }
static void __exit e(void) { pr_info("final stop %d\n", kthread_stop(th)); }
module_init(i); module_exit(e);`, false, []string{"ok"}, true, []string{"stop 7"}, ""},
		{"kthread_stop wakes wait_event_interruptible (TIF_NOTIFY_SIGNAL)", `
static int f(void *d) { int r = wait_event_interruptible(wq, READ_ONCE(cond) || kthread_should_stop()); return r; }
static int __init i(void) { th = kthread_run(f, NULL, "w"); return 0; }
static void __exit e(void) { kthread_stop(th); }
module_init(i); module_exit(e);`, false, []string{"ok"}, true, nil, ""},
		{"a thread left running at module_exit runs freed module code", `
static int f(void *d) { while (!kthread_should_stop()) msleep(10); return 0; }
static int __init i(void) { th = kthread_run(f, NULL, "w"); return 0; }
static void __exit e(void) { }
module_init(i); module_exit(e);`, false, []string{"bug"}, true, nil, "must call kthread_stop() on the thread \"w\""},
		{"kthread_park and kthread_unpark", `
static int f(void *d) { while (!kthread_should_stop()) { if (kthread_should_park()) kthread_parkme(); set_current_state(TASK_INTERRUPTIBLE); if (!kthread_should_stop() && !kthread_should_park()) schedule(); __set_current_state(TASK_RUNNING); } return 0; }
static int __init i(void) { th = kthread_run(f, NULL, "w"); pr_info("final park %d\n", kthread_park(th)); kthread_unpark(th); return 0; }
static void __exit e(void) { kthread_stop(th); }
module_init(i); module_exit(e);`, false, []string{"ok"}, true, []string{"park 0"}, ""},
		{"kthread_complete_and_exit", `
static DECLARE_COMPLETION(done);
static int f(void *d) { kthread_complete_and_exit(&done, 0); }
static int __init i(void) { kthread_run(f, NULL, "w"); wait_for_completion(&done); pr_info("final done\n"); return 0; }
module_init(i);`, false, []string{"ok"}, true, []string{"done"}, ""},
		{"a loop that repeats without end is cut by the loop bound", `
static int f(void *d) { while (!kthread_should_stop()) { mutex_lock(&m); x++; mutex_unlock(&m); msleep(10); } return 0; }
static int __init i(void) { th = kthread_run(f, NULL, "w"); return 0; }
static void __exit e(void) { kthread_stop(th); }
module_init(i); module_exit(e);`, false, []string{"ok"}, false, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, finals := waitRun(t, tc.src, func(c *ksync.Config) { c.Signals = tc.signals })
			assert.Equal(t, tc.kinds, Kinds(res), res.Verdict())
			assert.Equal(t, tc.complete, res.Complete, res.Verdict())
			for _, f := range tc.finals {
				assert.True(t, finals[f], "no execution printed final %s: %v", f, finals)
			}
			if tc.report != "" {
				found := false
				for _, p := range res.Problems {
					found = found || strings.Contains(p.Report, tc.report)
				}
				assert.True(t, found, "no report says %q: %s", tc.report, res.Verdict())
			}
			if !tc.complete {
				assert.Contains(t, res.Cut, "raise it with `#pragma ksim loop bound N`")
			}
		})
	}
}

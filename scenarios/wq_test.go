package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// wqExplore explores src exhaustively and returns the result and every report's
// text, joined.
func wqExplore(t *testing.T, src string) (*sched.Result, string) {
	t.Helper()
	s, err := Load("t.c", []byte(src))
	require.NoError(t, err)
	res := s.Explore(s.KernelConfig(), sched.Options{})
	require.NoError(t, res.Err)
	var b strings.Builder
	for _, p := range res.Problems {
		b.WriteString(p.Report)
	}
	return res, b.String()
}

// TestWorkqueueSemantics: workqueues, timers and hrtimers as kernel/workqueue.c,
// kernel/time/timer.c and kernel/time/hrtimer.c run them, with the reports they
// lead to.
func TestWorkqueueSemantics(t *testing.T) {
	const head = "#include <linux/module.h>\n#include <linux/workqueue.h>\n#include <linux/timer.h>\n#include <linux/hrtimer.h>\n"
	for _, tc := range []struct {
		name, src string
		kinds     []string
		contains  []string // in some report
		complete  bool
	}{
		{"a work runs once per queueing, and flush_work waits for it", `
static int n;
static void fn(struct work_struct *w) { n++; }
static DECLARE_WORK(wk, fn);
static int __init i(void)
{
	schedule_work(&wk);
	flush_work(&wk);
	BUG_ON(n != 1);
	BUG_ON(work_pending(&wk));
	return 0;
}
module_init(i);
`, []string{"ok"}, nil, true},
		{"queue_work on a pending work returns false", `
static void fn(struct work_struct *w) { }
static DECLARE_WORK(wk, fn);
static int __init i(void)
{
	bool a = schedule_work(&wk);
	bool b = schedule_work(&wk);
	BUG_ON(!a);
	if (!b)
		BUG_ON(!work_pending(&wk) && !a); /* false: it was pending */
	cancel_work_sync(&wk);
	BUG_ON(work_pending(&wk));
	return 0;
}
module_init(i);
`, []string{"ok"}, nil, true},
		{"an ordered workqueue runs one work at a time, in order", `
static int order[2], n;
static void f0(struct work_struct *w) { order[n++] = 0; }
static void f1(struct work_struct *w) { order[n++] = 1; }
static DECLARE_WORK(w0, f0);
static DECLARE_WORK(w1, f1);
static int __init i(void)
{
	struct workqueue_struct *q = create_singlethread_workqueue("ord");
	queue_work(q, &w0);
	queue_work(q, &w1);
	destroy_workqueue(q);
	BUG_ON(n != 2 || order[0] != 0 || order[1] != 1);
	return 0;
}
module_init(i);
`, []string{"ok"}, nil, true},
		{"system_wq runs works concurrently", `
static int n;
static void f0(struct work_struct *w) { int v = READ_ONCE(n); WRITE_ONCE(n, v + 1); }
static DECLARE_WORK(w0, f0);
static DECLARE_WORK(w1, f0);
static int __init i(void)
{
	schedule_work(&w0);
	schedule_work(&w1);
	flush_work(&w0);
	flush_work(&w1);
	BUG_ON(n != 2);
	return 0;
}
module_init(i);
`, []string{"bug"}, []string{"kernel BUG at t.c:"}, true},
		{"cancel_work_sync under the work's lock", `
static DEFINE_MUTEX(m);
static void fn(struct work_struct *w) { mutex_lock(&m); mutex_unlock(&m); }
static struct work_struct wk;
static int __init i(void)
{
	INIT_WORK(&wk, fn);
	schedule_work(&wk);
	mutex_lock(&m);
	cancel_work_sync(&wk);
	mutex_unlock(&m);
	return 0;
}
module_init(i);
`, []string{"deadlock", "warning"}, []string{"((work_completion)(&wk)){+.+.}-{0:0}", "__cancel_work_sync"}, true},
		{"flush_work of an idle work touches no lockdep map", `
static DEFINE_MUTEX(m);
static void fn(struct work_struct *w) { mutex_lock(&m); mutex_unlock(&m); }
static DECLARE_WORK(wk, fn);
static int __init i(void)
{
	mutex_lock(&m);
	flush_work(&wk);
	mutex_unlock(&m);
	return 0;
}
module_init(i);
`, []string{"ok"}, nil, true},
		{"flush_workqueue under a lock a work of the workqueue takes", `
static DEFINE_MUTEX(m);
static void fn(struct work_struct *w) { mutex_lock(&m); mutex_unlock(&m); }
static DECLARE_WORK(wk, fn);
static int __init i(void)
{
	struct workqueue_struct *q = alloc_workqueue("mydrv", 0, 0);
	queue_work(q, &wk);
	mutex_lock(&m);
	flush_workqueue(q);
	mutex_unlock(&m);
	return 0;
}
module_init(i);
`, []string{"deadlock", "warning"}, []string{"(wq_completion)mydrv", "__flush_workqueue"}, true},
		{"flush_work in atomic context", `
static DEFINE_SPINLOCK(s);
static void fn(struct work_struct *w) { }
static DECLARE_WORK(wk, fn);
static int __init i(void)
{
	spin_lock(&s);
	flush_work(&wk);
	spin_unlock(&s);
	return 0;
}
module_init(i);
`, []string{"bug"}, []string{"BUG: sleeping function called from invalid context at kernel/workqueue.c:4300"}, true},
		{"a work left queued at module_exit", `
static void fn(struct work_struct *w) { }
static DECLARE_WORK(wk, fn);
static int __init i(void) { schedule_work(&wk); return 0; }
static void __exit e(void) { }
module_init(i);
module_exit(e);
`, []string{"bug"}, []string{"ksim: the module's exit must call cancel_work_sync(&wk) before it returns.", "Comm: kworker/"}, true},
		{"a work that requeues itself hits the re-arm bound", `
static void fn(struct work_struct *w);
static DECLARE_WORK(wk, fn);
static void fn(struct work_struct *w) { schedule_work(&wk); }
static int __init i(void) { schedule_work(&wk); return 0; }
module_init(i);
`, []string{"ok"}, nil, false},
		{"del_timer_sync from the timer's own callback spins", `
static struct timer_list tm;
static void cb(struct timer_list *t) { del_timer_sync(t); }
static int __init i(void)
{
	timer_setup(&tm, cb, 0);
	mod_timer(&tm, jiffies + HZ);
	return 0;
}
module_init(i);
`, []string{"lockup", "warning"}, []string{"busy-waits in del_timer_sync", "possible recursive locking detected"}, true},
		{"a timer left armed at module_exit", `
static void cb(struct timer_list *t) { }
static DEFINE_TIMER(tm, cb);
static int __init i(void) { mod_timer(&tm, jiffies + HZ); return 0; }
static void __exit e(void) { }
module_init(i);
module_exit(e);
`, []string{"bug"}, []string{"ksim: the module's exit must call del_timer_sync(&tm) before it returns."}, true},
		{"a timer callback interrupts a task holding its lock without _bh", `
static DEFINE_SPINLOCK(s);
static int n;
static void cb(struct timer_list *t) { spin_lock(&s); n++; spin_unlock(&s); }
static DEFINE_TIMER(tm, cb);
static int __init i(void)
{
	mod_timer(&tm, jiffies + 1);
	spin_lock(&s);
	n++;
	spin_unlock(&s);
	del_timer_sync(&tm);
	return 0;
}
module_init(i);
`, []string{"lockup", "warning"}, []string{"inconsistent lock state"}, true},
		{"a hard hrtimer callback runs in hardirq context", `
static struct hrtimer ht;
static int in;
static enum hrtimer_restart cb(struct hrtimer *t) { in = in_interrupt(); return HRTIMER_NORESTART; }
static int __init i(void)
{
	hrtimer_init(&ht, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	ht.function = cb;
	hrtimer_start(&ht, ms_to_ktime(1), HRTIMER_MODE_REL);
	hrtimer_cancel(&ht);
	return 0;
}
static void __exit e(void) { WARN_ON(hrtimer_active(&ht)); }
module_init(i);
module_exit(e);
`, []string{"ok"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, text := wqExplore(t, head+tc.src)
			assert.Equal(t, tc.complete, res.Complete, res.Cut)
			assert.ElementsMatch(t, tc.kinds, Kinds(res), text)
			for _, c := range tc.contains {
				assert.Contains(t, text, c)
			}
		})
	}
}

// TestArmBoundPragma: a work that requeues itself is cut by the re-arm bound, the
// search says so and how to raise it, and `#pragma ksim arm bound N` raises it.
func TestArmBoundPragma(t *testing.T) {
	const src = `
static void fn(struct work_struct *w);
static DECLARE_WORK(wk, fn);
static int n;
static void fn(struct work_struct *w) { n++; schedule_work(&wk); }
static int __init i(void) { schedule_work(&wk); return 0; }
module_init(i);
`
	var steps []int
	for _, pragma := range []string{"", "#pragma ksim arm bound 4\n"} {
		res, _ := wqExplore(t, pragma+src)
		require.NoError(t, res.Err)
		assert.False(t, res.Complete, "the bound cut the search: never complete")
		assert.Contains(t, res.Cut, "re-arm bound reached")
		assert.Contains(t, res.Cut, "raise it with `#pragma ksim arm bound N`")
		steps = append(steps, res.Stats.MaxSteps)
	}
	assert.Greater(t, steps[1], steps[0], "a higher bound lets the work run more times")
}

package scenarios

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// problemSet is the (kind, title) pairs an exploration found, sorted.
func problemSet(res *sched.Result) []string {
	var out []string
	for _, f := range res.Problems {
		out = append(out, f.Kind+": "+f.Title)
	}
	sort.Strings(out)
	return out
}

// TestDPORFindsWhatNaiveFinds pins the programs in which the default search once said
// less than naive search, each fixed at its root in the race analysis (issue 10): a
// trylock whose outcome depends on a release (the CPU gate made every acquire look
// like a blocking one once tasks outnumbered CPUs), and unlocks by a task that does
// not hold the lock (a non-owner's release is no end of a critical section).
func TestDPORFindsWhatNaiveFinds(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"trylock with fewer CPUs than tasks", `
static DEFINE_MUTEX(m); static int g;
static int t0(void *d) { BUG_ON(g == 1); return 0; }
static int t1(void *d) { if (!mutex_trylock(&m)) g = 1; else mutex_unlock(&m); return 0; }
static int t2(void *d) { mutex_lock(&m); mutex_unlock(&m); return 0; }
#pragma ksim threads t0 t1 t2
`},
		{"spin_trylock with fewer CPUs than tasks", `
static DEFINE_SPINLOCK(m); static int g;
static int t0(void *d) { BUG_ON(g == 1); return 0; }
static int t1(void *d) { if (!spin_trylock(&m)) g = 1; else spin_unlock(&m); return 0; }
static int t2(void *d) { spin_lock(&m); spin_unlock(&m); return 0; }
#pragma ksim threads t0 t1 t2
#pragma ksim cpus 2
`},
		{"mutex unlocked by a non-owner", `
static DEFINE_MUTEX(m); static int g;
static int t0(void *d) { mutex_lock(&m); g = 1; g = 0; mutex_unlock(&m); return 0; }
static int t1(void *d) { mutex_unlock(&m); return 0; }
static int t2(void *d) { mutex_lock(&m); BUG_ON(g == 1); mutex_unlock(&m); return 0; }
#pragma ksim threads t0 t1 t2
#pragma ksim cpus 4
`},
		{"spinlock unlocked by a non-owner", `
static DEFINE_SPINLOCK(m); static int g;
static int t0(void *d) { spin_lock(&m); g = 1; g = 0; spin_unlock(&m); return 0; }
static int t1(void *d) { spin_unlock(&m); return 0; }
static int t2(void *d) { spin_lock(&m); BUG_ON(g == 1); spin_unlock(&m); return 0; }
#pragma ksim threads t0 t1 t2
#pragma ksim cpus 4
`},
		// A lock living in a kmalloc'ed object took its steps on its own sched
		// object, which kfree never touched: DPOR never put the free first (the
		// front-end rewrite's review). Its operations are now accesses to the lock
		// word too.
		{"spinlock in memory freed by another task", `
struct obj { spinlock_t lock; long x; };
static struct obj *o;
static int a(void *d) { spin_lock(&o->lock); spin_unlock(&o->lock); return 0; }
static int b(void *d) { kfree(o); return 0; }
static int __init i(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); if (!o) return -ENOMEM; spin_lock_init(&o->lock);
	kthread_run(a, NULL, "a"); kthread_run(b, NULL, "b"); return 0; }
module_init(i);
#pragma ksim cpus 4
`},
		{"mutex in memory freed by another task", `
struct obj { struct mutex lock; long x; };
static struct obj *o;
static int a(void *d) { mutex_lock(&o->lock); mutex_unlock(&o->lock); return 0; }
static int b(void *d) { kfree(o); return 0; }
static int __init i(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); if (!o) return -ENOMEM; mutex_init(&o->lock);
	kthread_run(a, NULL, "a"); kthread_run(b, NULL, "b"); return 0; }
module_init(i);
#pragma ksim cpus 4
`},
		{"completion in memory freed by another task", `
struct req { struct completion done; long x; };
static struct req *r;
static int a(void *d) { complete(&r->done); return 0; }
static int b(void *d) { kfree(r); return 0; }
static int __init i(void) { r = kzalloc(sizeof(*r), GFP_KERNEL); if (!r) return -ENOMEM; init_completion(&r->done);
	kthread_run(a, NULL, "a"); kthread_run(b, NULL, "b"); return 0; }
module_init(i);
#pragma ksim cpus 4
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load("regress.c", []byte(tc.src))
			require.NoError(t, err)
			dpor := s.Explore(s.KernelConfig(), sched.Options{Strategy: sched.DFS})
			naive := s.Explore(s.KernelConfig(), sched.Options{Strategy: sched.Naive})
			require.True(t, dpor.Complete)
			require.True(t, naive.Complete)
			assert.NotEmpty(t, problemSet(naive))
			assert.Equal(t, problemSet(naive), problemSet(dpor))
		})
	}
}

// TestReviewWrongOKs pins what the cold review of the driver API found said OK
// wrongly: a hard hrtimer and a threaded irq with a NULL primary handler left armed
// or requested at module_exit never fired after the unload (the step that lets a
// line fire once more then was given only to lines whose handler is module code),
// and a user process's Ctrl-C hid a lost wake-up (wait_event's condition was true,
// and the signal did the missing wake_up's work). The fix of the last must stay ok.
func TestReviewWrongOKs(t *testing.T) {
	for _, tc := range []struct{ name, src, want, mention string }{
		{"hrtimer left armed at module_exit", `#include <linux/module.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>

static struct hrtimer ht;
static int fired;

static enum hrtimer_restart ht_fn(struct hrtimer *t)
{
	fired++;
	return HRTIMER_NORESTART;
}

static int __init m_init(void)
{
	hrtimer_init(&ht, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	ht.function = ht_fn;
	hrtimer_start(&ht, ms_to_ktime(100), HRTIMER_MODE_REL);
	return 0;
}

static void __exit m_exit(void)
{
	/* forgot hrtimer_cancel(&ht) */
}

module_init(m_init);
module_exit(m_exit);
MODULE_LICENSE("GPL");
`, "bug", "hrtimer_cancel(&ht)"},
		{"threaded irq with a NULL handler left requested", `#include <linux/module.h>
#include <linux/interrupt.h>

static int dev;

static irqreturn_t th_fn(int irq, void *d)
{
	pr_info("thread\n");
	return IRQ_HANDLED;
}

static int __init m_init(void)
{
	return request_threaded_irq(17, NULL, th_fn, IRQF_ONESHOT, "ti", &dev);
}

static void __exit m_exit(void)
{
	/* forgot free_irq(17, &dev) */
}

module_init(m_init);
module_exit(m_exit);
MODULE_LICENSE("GPL");
`, "bug", "free_irq(17, &dev)"},
		{"lost wake-up hidden by Ctrl-C", `#include <linux/module.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/wait.h>
#include <linux/uaccess.h>

#pragma ksim process reader /dev/lw read 4
#pragma ksim process writer /dev/lw write "x"

static DECLARE_WAIT_QUEUE_HEAD(wq);
static int ready;

static ssize_t lw_read(struct file *f, char __user *buf, size_t n, loff_t *off)
{
	if (wait_event_interruptible(wq, READ_ONCE(ready)))
		return -ERESTARTSYS;
	return 0;
}

static ssize_t lw_write(struct file *f, const char __user *buf, size_t n, loff_t *off)
{
	WRITE_ONCE(ready, 1);
	/* forgot wake_up_interruptible(&wq) */
	return n;
}

static const struct file_operations lw_fops = {
	.owner = THIS_MODULE,
	.read = lw_read,
	.write = lw_write,
};

static struct miscdevice lw_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "lw",
	.fops = &lw_fops,
};

static int __init lw_init(void) { return misc_register(&lw_dev); }
static void __exit lw_exit(void) { misc_deregister(&lw_dev); }
module_init(lw_init);
module_exit(lw_exit);
MODULE_LICENSE("GPL");
`, "hang", "ksim: lost wake-up"},
		{"the wake-up given", `#include <linux/module.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/wait.h>
#include <linux/uaccess.h>

#pragma ksim process reader /dev/lw read 4
#pragma ksim process writer /dev/lw write "x"

static DECLARE_WAIT_QUEUE_HEAD(wq);
static int ready;

static ssize_t lw_read(struct file *f, char __user *buf, size_t n, loff_t *off)
{
	if (wait_event_interruptible(wq, READ_ONCE(ready)))
		return -ERESTARTSYS;
	return 0;
}

static ssize_t lw_write(struct file *f, const char __user *buf, size_t n, loff_t *off)
{
	WRITE_ONCE(ready, 1);
	wake_up_interruptible(&wq);
	return n;
}

static const struct file_operations lw_fops = {
	.owner = THIS_MODULE,
	.read = lw_read,
	.write = lw_write,
};

static struct miscdevice lw_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "lw",
	.fops = &lw_fops,
};

static int __init lw_init(void) { return misc_register(&lw_dev); }
static void __exit lw_exit(void) { misc_deregister(&lw_dev); }
module_init(lw_init);
module_exit(lw_exit);
MODULE_LICENSE("GPL");
`, "ok", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load("t.c", []byte(tc.src))
			require.NoError(t, err)
			res := s.Explore(s.KernelConfig(), sched.Options{})
			require.NoError(t, res.Err)
			assert.True(t, res.Complete, res.Verdict())
			if tc.want == "ok" {
				assert.Equal(t, []string{"ok"}, Kinds(res), res.Verdict())
				return
			}
			require.Contains(t, Kinds(res), tc.want, res.Verdict())
			found := false
			for _, p := range res.Problems {
				if p.Kind == tc.want && strings.Contains(p.Report, tc.mention) {
					found = true
				}
			}
			assert.True(t, found, "no %s problem mentions %q: %s", tc.want, tc.mention, res.Verdict())
		})
	}
}

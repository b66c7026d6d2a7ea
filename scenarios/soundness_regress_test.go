package scenarios

import (
	"sort"
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

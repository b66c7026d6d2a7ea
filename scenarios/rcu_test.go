package scenarios

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// rcuRun explores src exhaustively and returns its problems' titles, sorted, and
// their reports joined.
func rcuRun(t *testing.T, src string) (titles []string, reports string) {
	t.Helper()
	s, err := Load("t.c", []byte(src))
	require.NoError(t, err)
	res := s.Explore(s.KernelConfig(), sched.Options{})
	require.NoError(t, res.Err)
	require.True(t, res.Complete)
	var b strings.Builder
	for _, p := range res.Problems {
		titles = append(titles, p.Title)
		b.WriteString(p.Report)
	}
	sort.Strings(titles)
	return titles, b.String()
}

// The family's primitives, each with the kernel's report for its misuse and
// silence for its right use.
func TestRCUFamily(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		titles    []string // sorted
		texts     []string // in the reports
	}{
		{"mutex_lock inside rcu_read_lock", `
#pragma ksim threads f
static DEFINE_MUTEX(m);
static int f(void *d) { rcu_read_lock(); mutex_lock(&m); mutex_unlock(&m); rcu_read_unlock(); return 0; }
`, []string{"BUG: sleeping function called from invalid context at kernel/locking/mutex.c:586"},
			[]string{"RCU nest depth: 1, expected: 0", "(rcu_read_lock){....}-{1:2}, at: f+"}},
		{"rcu_read_unlock without a lock", `
#pragma ksim threads f
static int f(void *d) { rcu_read_unlock(); return 0; }
`, []string{"WARNING: CPU: 0 PID: 2 at kernel/rcu/tree_plugin.h:442 __rcu_read_unlock+0x5e/0x80", "WARNING: bad unlock balance detected!"},
			[]string{"is trying to release lock (rcu_read_lock) at:"}},
		{"call_rcu pending at module_exit", `
struct o { int v; struct rcu_head rcu; };
static void o_free(struct rcu_head *h) { kfree(container_of(h, struct o, rcu)); }
static int __init i(void) { struct o *p = kzalloc(sizeof(*p), GFP_KERNEL); if (p) call_rcu(&p->rcu, o_free); return 0; }
static void __exit e(void) { }
module_init(i);
module_exit(e);
`, []string{"BUG: unable to handle page fault for address: ffffffffc0000000"},
			[]string{"ksim: the module's exit must call rcu_barrier() before it returns.", " rcu_do_batch\n"}},
		{"rcu_barrier at module_exit", `
struct o { int v; struct rcu_head rcu; };
static void o_free(struct rcu_head *h) { kfree(container_of(h, struct o, rcu)); }
static int __init i(void) { struct o *p = kzalloc(sizeof(*p), GFP_KERNEL); if (p) call_rcu(&p->rcu, o_free); return 0; }
static void __exit e(void) { rcu_barrier(); }
module_init(i);
module_exit(e);
`, nil, nil},
		{"kfree_rcu waits for the reader", `
struct o { int v; struct rcu_head rcu; };
static struct o __rcu *gp;
static int r(void *d) { struct o *p; int v = 0; rcu_read_lock(); p = rcu_dereference(gp); if (p) v = p->v; rcu_read_unlock(); return v; }
static int u(void *d) { struct o *p = rcu_dereference_protected(gp, 1); rcu_assign_pointer(gp, NULL); kfree_rcu(p, rcu); return 0; }
static int __init i(void)
{
	struct o *p = kzalloc(sizeof(*p), GFP_KERNEL);
	RCU_INIT_POINTER(gp, p);
	kthread_run(r, NULL, "r");
	kthread_run(u, NULL, "u");
	return 0;
}
module_init(i);
`, nil, nil},
		{"refcount underflow", `
#pragma ksim threads f
static refcount_t r = REFCOUNT_INIT(1);
static int f(void *d) { refcount_dec(&r); refcount_dec(&r); return 0; }
`, []string{"WARNING: CPU: 0 PID: 2 at lib/refcount.c:31 refcount_warn_saturate+0x13a/0x210"},
			[]string{"refcount_t: decrement hit 0; leaking memory."}},
		{"kref_put twice", `
#pragma ksim threads f
struct o { struct kref ref; };
static struct o obj = { .ref = KREF_INIT(1) };
static void rel(struct kref *k) { }
static int f(void *d) { kref_put(&obj.ref, rel); kref_put(&obj.ref, rel); kref_get(&obj.ref); return 0; }
`, []string{"WARNING: CPU: 0 PID: 2 at lib/refcount.c:22 refcount_warn_saturate+0x13a/0x210", "WARNING: CPU: 0 PID: 2 at lib/refcount.c:28 refcount_warn_saturate+0x13a/0x210"},
			// The underflow saturates the counter: the get after it finds it negative.
			[]string{"refcount_t: underflow; use-after-free.", "refcount_t: saturated; leaking memory."}},
		{"refcount_inc on 0", `
#pragma ksim threads f
static refcount_t r = REFCOUNT_INIT(0);
static int f(void *d) { refcount_inc(&r); return refcount_read(&r) == REFCOUNT_SATURATED; }
`, []string{"WARNING: CPU: 0 PID: 2 at lib/refcount.c:25 refcount_warn_saturate+0x13a/0x210"},
			[]string{"refcount_t: addition on 0; use-after-free."}},
		{"static_branch_enable under a spinlock", `
#pragma ksim threads f
static DEFINE_STATIC_KEY_FALSE(k);
static DEFINE_SPINLOCK(l);
static int f(void *d) { spin_lock(&l); static_branch_enable(&k); spin_unlock(&l); return static_branch_unlikely(&k); }
`, []string{"BUG: sleeping function called from invalid context at include/linux/percpu-rwsem.h:49", "[ BUG: Invalid wait context ]"},
			[]string{" cpus_read_lock\n static_key_enable\n", "(cpu_hotplug_lock)"}},
		{"static keys used right", `
#pragma ksim threads f g
static DEFINE_STATIC_KEY_FALSE(k);
static int x;
static int f(void *d) { static_branch_enable(&k); static_branch_disable(&k); static_branch_inc(&k); static_branch_dec(&k); return 0; }
static int g(void *d) { if (static_branch_unlikely(&k)) x = 1; return static_key_enabled(&k); }
`, nil, nil},
		{"seqlock readers retry", `
#pragma ksim threads r w
static DEFINE_SEQLOCK(sl);
static int a, b;
static int r(void *d) { unsigned s; int x, y; do { s = read_seqbegin(&sl); x = a; y = b; } while (read_seqretry(&sl, s)); BUG_ON(x != y); return 0; }
static int w(void *d) { write_seqlock(&sl); a++; b++; write_sequnlock(&sl); return 0; }
`, nil, nil},
		{"wait_on_bit without wake_up_bit", `
#pragma ksim threads w c
static unsigned long flags = 1;
static int w(void *d) { return wait_on_bit(&flags, 0, TASK_UNINTERRUPTIBLE); }
static int c(void *d) { clear_bit(0, &flags); return 0; }
`, []string{"INFO: task w:2 blocked for more than 120 seconds."}, []string{" bit_wait\n __wait_on_bit\n out_of_line_wait_on_bit\n"}},
		{"wait_on_bit with clear_and_wake_up_bit", `
#pragma ksim threads w c
static unsigned long flags = 1;
static int w(void *d) { return wait_on_bit(&flags, 0, TASK_UNINTERRUPTIBLE); }
static int c(void *d) { clear_and_wake_up_bit(0, &flags); return 0; }
`, nil, nil},
		{"raw spinlocks and downgrade_write", `
#pragma ksim threads f g
static DEFINE_RAW_SPINLOCK(rl);
static DECLARE_RWSEM(rs);
static int x;
static int f(void *d) { unsigned long fl; raw_spin_lock_irqsave(&rl, fl); x++; raw_spin_unlock_irqrestore(&rl, fl); down_write(&rs); x++; downgrade_write(&rs); up_read(&rs); return 0; }
static int g(void *d) { raw_spin_lock(&rl); x++; raw_spin_unlock(&rl); if (down_read_killable(&rs)) return 0; up_read(&rs); return 0; }
`, nil, nil},
		{"smp_processor_id in preemptible code", `
#pragma ksim threads f
static int f(void *d) { int c = get_cpu(); put_cpu(); c += raw_smp_processor_id(); return c + smp_processor_id(); }
`, []string{"BUG: using smp_processor_id() in preemptible [00000000] code: f/2"},
			[]string{"caller is f+", " dump_stack_lvl\n check_preemption_disabled\n f (t.c:3)\n"}},
		{"per-CPU variables: one copy per CPU, from the template", `
#pragma ksim threads f g
#pragma ksim cpus 2
struct st { long hits; int last; };
static DEFINE_PER_CPU(int, cnt);
static DEFINE_PER_CPU(struct st, stats) = { .last = 7 };
static int f(void *d)
{
	struct st *s;
	int cpu, sum = 0;

	this_cpu_inc(cnt);
	s = get_cpu_ptr(&stats);
	s->hits++;
	put_cpu_ptr(&stats);
	for_each_possible_cpu(cpu)
		sum += per_cpu(cnt, cpu) + per_cpu(stats, cpu).last;
	BUG_ON(sum < 15 || sum > 16);
	return sum;
}
static int g(void *d) { this_cpu_inc(cnt); return this_cpu_read(cnt); }
`, nil, nil},
		{"__this_cpu_inc in preemptible code", `
#pragma ksim threads g
static DEFINE_PER_CPU(int, cnt);
static int g(void *d) { __this_cpu_inc(cnt); return this_cpu_read(cnt); }
`, []string{"BUG: using __this_cpu_add() in preemptible [00000000] code: g/2"}, nil},
		{"mutex_lock under local_lock", `
#include <linux/local_lock.h>
#pragma ksim threads f g
struct pc { local_lock_t lock; int n; };
static DEFINE_PER_CPU(struct pc, pcs) = { .lock = INIT_LOCAL_LOCK(lock) };
static DEFINE_MUTEX(m);
static int f(void *d) { local_lock(&pcs.lock); this_cpu_ptr(&pcs)->n++; mutex_lock(&m); mutex_unlock(&m); local_unlock(&pcs.lock); return 0; }
static int g(void *d) { unsigned long fl; local_lock_irqsave(&pcs.lock, fl); this_cpu_ptr(&pcs)->n++; local_unlock_irqrestore(&pcs.lock, fl); return 0; }
`, []string{"BUG: sleeping function called from invalid context at kernel/locking/mutex.c:586", "[ BUG: Invalid wait context ]"},
			[]string{"(lock){+.+.}-{2:2}, at: f+"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			titles, reports := rcuRun(t, tc.src)
			assert.Equal(t, tc.titles, titles)
			for _, s := range tc.texts {
				assert.Contains(t, reports, s)
			}
		})
	}
}

package scenarios

// TestDiffRCU: differential testing of RCU, seqlocks, refcount_t and raw spinlocks.
// Random modules whose kthreads read an RCU-protected pointer, replace or retire it
// (with synchronize_rcu, call_rcu, kfree_rcu, or wrongly with none), read and write
// under a seqlock, count references, and take a raw spinlock, explored with dfs and
// with naive search: both must find the same problems and final states.
//
//	go test ./scenarios -run TestDiffRCU -v                                   # CI size
//	go test ./scenarios -run TestDiffRCU -v -ksim.long -timeout 3h            # the long run
//	go test ./scenarios -run TestDiffRCU -v -ksim.programs 500 -ksim.seed 7   # any size, any start

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// rcuStmts are the statements a thread is made of; %d takes a small constant.
var rcuStmts = []string{
	// readers
	"rcu_read_lock(); p = rcu_dereference(gp); if (p) v += p->v; rcu_read_unlock();",
	"rcu_read_lock(); p = rcu_dereference(gp); if (p) v += READ_ONCE(p->v); rcu_read_unlock();",
	"rcu_read_lock_bh(); p = rcu_dereference_bh(gp); if (p) v += p->v; rcu_read_unlock_bh();",
	"do { s = read_seqbegin(&sl); v = x + y; } while (read_seqretry(&sl, s));",
	"do { s = read_seqcount_begin(&sc); v = x - y; } while (read_seqcount_retry(&sc, s));",
	// updaters
	"raw_spin_lock(&r0); p = rcu_dereference_protected(gp, 1); rcu_assign_pointer(gp, NULL); raw_spin_unlock(&r0); synchronize_rcu(); kfree(p);",
	"raw_spin_lock(&r0); p = rcu_dereference_protected(gp, 1); rcu_assign_pointer(gp, NULL); raw_spin_unlock(&r0); kfree(p);",
	"raw_spin_lock(&r0); p = rcu_dereference_protected(gp, 1); rcu_assign_pointer(gp, NULL); raw_spin_unlock(&r0); if (p) call_rcu(&p->rcu, obj_free);",
	"raw_spin_lock(&r0); p = rcu_dereference_protected(gp, 1); rcu_assign_pointer(gp, NULL); raw_spin_unlock(&r0); kfree_rcu(p, rcu);",
	"n = kzalloc(sizeof(*n), GFP_KERNEL); if (n) { n->v = %d; raw_spin_lock(&r0); p = rcu_dereference_protected(gp, 1); rcu_assign_pointer(gp, n); raw_spin_unlock(&r0); synchronize_rcu(); kfree(p); }",
	"rcu_read_lock(); v += %d; synchronize_rcu(); rcu_read_unlock();",
	"synchronize_rcu();",
	"rcu_barrier();",
	// seqlock writers
	"write_seqlock(&sl); x = x + 1; y = y + 1; write_sequnlock(&sl);",
	"write_seqlock_irqsave(&sl, fl); x = %d; write_sequnlock_irqrestore(&sl, fl);",
	"raw_spin_lock(&r0); write_seqcount_begin(&sc); x = x + %d; y = y + %d; write_seqcount_end(&sc); raw_spin_unlock(&r0);",
	// refcounts
	"refcount_inc(&rc);",
	"if (refcount_dec_and_test(&rc)) WRITE_ONCE(y, %d);",
	"if (refcount_inc_not_zero(&rc)) v++;",
	"refcount_dec(&rc);",
	// raw spinlocks
	"raw_spin_lock(&r0); x = x + 1; raw_spin_unlock(&r0);",
	"raw_spin_lock_irqsave(&r0, fl); y = %d; raw_spin_unlock_irqrestore(&r0, fl);",
	"if (raw_spin_trylock(&r0)) { v++; raw_spin_unlock(&r0); }",
	"raw_spin_lock(&r0); mutex_lock(&m); x = %d; mutex_unlock(&m); raw_spin_unlock(&r0);",
	"mutex_lock(&m); rcu_read_lock(); p = rcu_dereference(gp); rcu_read_unlock(); mutex_unlock(&m);",
}

// rcuGenerate is the random module of seed.
func rcuGenerate(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 0x7263752d64696666))
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	nthreads := 2
	if r.IntN(4) == 0 {
		nthreads = 3
	}
	line("/* ksim rcu difftest scenario, seed %d */", seed)
	line("#include <linux/module.h>")
	line("#include <linux/rcupdate.h>")
	line("#include <linux/seqlock.h>")
	line("#include <linux/refcount.h>")
	line("#include <linux/spinlock.h>")
	line("#include <linux/mutex.h>")
	line("#include <linux/slab.h>")
	line("#include <linux/kthread.h>")
	line("#pragma ksim cpus %d", 1+r.IntN(nthreads+2))
	if r.IntN(8) == 0 {
		line("#pragma ksim lockdep off")
	}
	line("struct obj { int v; struct rcu_head rcu; };")
	line("static struct obj __rcu *gp;")
	line("static DEFINE_RAW_SPINLOCK(r0);")
	line("static DEFINE_SEQLOCK(sl);")
	line("static seqcount_t sc = SEQCNT_ZERO(sc);")
	line("static DEFINE_MUTEX(m);")
	line("static refcount_t rc = REFCOUNT_INIT(%d);", r.IntN(3))
	line("static int x, y;")
	line("")
	line("static void obj_free(struct rcu_head *h)")
	line("{")
	line("\tstruct obj *o = container_of(h, struct obj, rcu);")
	line("")
	line("\tWRITE_ONCE(o->v, -1);")
	line("\tkfree(o);")
	line("}")
	budget := nthreads + 1
	for i := range nthreads {
		line("")
		line("static int f%d(void *data)", i)
		line("{")
		line("\tstruct obj *p, *n;")
		line("\tunsigned long fl;")
		line("\tunsigned s;")
		line("\tint v = 0;")
		line("")
		for k := 1 + r.IntN(4)/3; k > 0 && budget > 0; k-- {
			st := rcuStmts[r.IntN(len(rcuStmts))]
			for strings.Contains(st, "%d") {
				st = strings.Replace(st, "%d", fmt.Sprint(r.IntN(3)), 1)
			}
			line("\t%s", st)
			budget--
		}
		line("\treturn v;")
		line("}")
	}
	line("")
	line("static int __init d_init(void)")
	line("{")
	line("\tstruct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);")
	line("")
	line("\tif (!o)")
	line("\t\treturn -ENOMEM;")
	line("\to->v = 1;")
	line("\tRCU_INIT_POINTER(gp, o);")
	for i := range nthreads {
		line("\tkthread_run(f%d, NULL, \"f%d\");", i, i)
	}
	line("\treturn 0;")
	line("}")
	line("")
	line("static void __exit d_exit(void)")
	line("{")
	line("\tstruct obj *p;")
	line("")
	if r.IntN(2) == 0 {
		line("\trcu_barrier();")
	}
	line("\tp = rcu_dereference_protected(gp, 1);")
	line("\tpr_info(\"final x=%%d y=%%d rc=%%u p=%%d\\n\", x, y, refcount_read(&rc), p ? p->v : -1);")
	line("}")
	line("")
	line("module_init(d_init);")
	line("module_exit(d_exit);")
	line("MODULE_LICENSE(\"GPL\");")
	return b.String()
}

// rcuNaiveCap caps naive search: a scenario it does not finish is skipped.
const rcuNaiveCap = 4000

func TestDiffRCU(t *testing.T) {
	n := 16
	if *sdLong {
		n = 3000
	}
	if *sdPrograms > 0 {
		n = *sdPrograms
	}
	tl := sdRunFamily(t, n, rcuNaiveCap, rcuGenerate)
	t.Logf("rcu difftest: %d compared, %d disagreements, %d skipped (naive search over %d executions), %d with problems; %v",
		tl.compared, tl.disagree, tl.skipped, rcuNaiveCap, tl.withProblems, tl.elapsed)
	if tl.compared < n/3 {
		t.Errorf("only %d of %d scenarios compared: the generator makes scenarios too big for naive search", tl.compared, n)
	}
}

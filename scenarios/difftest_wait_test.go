package scenarios

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The wait family's differential check: random modules whose kthreads wait on a wait
// queue (wait_event and its kin, prepare_to_wait + schedule, the lost-wake-up shape),
// wake each other (wake_up, wake_up_all, wake_up_process), run until stopped
// (kthread_should_stop loops, kthread_stop in module_exit) and take a mutex, explored
// by DPOR and by naive exhaustive search (sdCompare), which must reach the same
// outcomes.

var waitPrograms = flag.Int("ksim.wait.programs", 0, "TestDiffWait: how many random modules (0: 20, or 3000 with -ksim.long)")

// waitStmts are a thread's statements; %d is a small number.
var waitStmts = []string{
	"wait_event(wq, READ_ONCE(cond) >= %d);",
	"wait_event_timeout(wq, READ_ONCE(cond) >= %d, 5);",
	"wait_event_interruptible(wq, READ_ONCE(cond) >= %d);",
	"wait_event_killable(wq, READ_ONCE(cond) >= %d);",
	"WRITE_ONCE(cond, READ_ONCE(cond) + 1);\n\twake_up(&wq);",
	"WRITE_ONCE(cond, %d);\n\twake_up_all(&wq);",
	"wake_up_interruptible(&wq);",
	"mutex_lock(&m);\n\tx = x + 1;\n\tmutex_unlock(&m);",
	"if (READ_ONCE(cond) < %d) {\n\t\tDEFINE_WAIT(w);\n\t\tprepare_to_wait(&wq, &w, TASK_UNINTERRUPTIBLE);\n\t\tschedule();\n\t\tfinish_wait(&wq, &w);\n\t}",
	"{\n\t\tDEFINE_WAIT(w);\n\t\tprepare_to_wait(&wq, &w, TASK_INTERRUPTIBLE);\n\t\tif (READ_ONCE(cond) < %d)\n\t\t\tschedule();\n\t\tfinish_wait(&wq, &w);\n\t}",
	"mutex_lock(&m);\n\twait_event(wq, READ_ONCE(cond) >= %d);\n\tmutex_unlock(&m);",
	"x = x + 1;",
}

// waitNaiveCap bounds the naive search of one module: a wait_event is some ten
// steps, and naive search runs every interleaving of them.
const waitNaiveCap = 6000

// waitLoop is the body of a thread that runs until it is stopped.
const waitLoop = "while (!kthread_should_stop()) {\n\t\tset_current_state(TASK_INTERRUPTIBLE);\n\t\tif (!kthread_should_stop())\n\t\t\tschedule();\n\t\t__set_current_state(TASK_RUNNING);\n\t}"

// waitGenerate is a random module of the wait family.
func waitGenerate(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 0x77616974))
	var b strings.Builder
	line := func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }
	stmt := func() string {
		s := waitStmts[r.IntN(len(waitStmts))]
		if strings.Contains(s, "%d") {
			s = fmt.Sprintf(s, 1+r.IntN(2)/2+r.IntN(2)/2)
		}
		return s
	}
	line("/* ksim wait difftest module, seed %d */", seed)
	line("#include <linux/module.h>\n#include <linux/kthread.h>\n#include <linux/wait.h>\n#include <linux/mutex.h>\n#include <linux/sched.h>")
	line("#pragma ksim cpus %d", 1+r.IntN(2))
	line("static DECLARE_WAIT_QUEUE_HEAD(wq);\nstatic DEFINE_MUTEX(m);\nstatic int cond, x;\nstatic struct task_struct *th[2];")
	nthreads := 1 + r.IntN(3)/2
	stoppable := make([]bool, nthreads)
	created := make([]bool, nthreads)
	for i := range nthreads {
		line("static int thread%d(void *d)\n{", i)
		for range 1 + r.IntN(2)/2 + r.IntN(2)/2 {
			line("\t%s", stmt())
		}
		if r.IntN(4) == 0 {
			stoppable[i] = true
			line("\t%s", waitLoop)
		}
		line("\treturn 0;\n}")
	}
	line("static int __init w_init(void)\n{")
	for i := range nthreads {
		if r.IntN(3) == 0 {
			created[i] = true
			line("\tth[%d] = kthread_create(thread%d, NULL, \"t%d\");", i, i, i)
		} else {
			line("\tth[%d] = kthread_run(thread%d, NULL, \"t%d\");", i, i, i)
		}
	}
	if r.IntN(3) > 0 {
		line("\tWRITE_ONCE(cond, READ_ONCE(cond) + 1);\n\twake_up(&wq);")
	} else if r.IntN(2) == 0 {
		line("\t%s", stmt())
	}
	for i := range nthreads {
		if created[i] {
			line("\twake_up_process(th[%d]);", i)
		}
	}
	line("\treturn 0;\n}")
	needExit := false
	for i := range nthreads {
		needExit = needExit || stoppable[i]
	}
	if needExit || r.IntN(4) == 0 {
		line("static void __exit w_exit(void)\n{")
		if r.IntN(3) == 0 {
			line("\tWRITE_ONCE(cond, 2);\n\twake_up_all(&wq);")
		}
		for i := range nthreads {
			if stoppable[i] || r.IntN(4) == 0 {
				line("\tkthread_stop(th[%d]);", i)
			}
		}
		line("}")
		line("module_exit(w_exit);")
	}
	line("module_init(w_init);\nMODULE_LICENSE(\"GPL\");")
	return b.String()
}

func TestDiffWait(t *testing.T) {
	n := 20
	if sdRace {
		n = 4
	}
	if *sdLong {
		n = 3000
	}
	if *waitPrograms > 0 {
		n = *waitPrograms
	}
	tl := sdRunFamily(t, n, waitNaiveCap, waitGenerate)
	t.Logf("wait difftest: %d compared, %d skipped (naive over %d executions or cut by a bound), %d disagreements; outcomes %v; %v",
		tl.compared, tl.skipped, waitNaiveCap, tl.disagree, tl.kinds, tl.elapsed)
	if tl.compared < n/3 {
		t.Errorf("only %d of %d modules were small enough for naive search", tl.compared, n)
	}
}

package scenarios

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDiffWorkqueue is the differential check of the workqueue and timer family:
// random small modules that queue, flush and cancel works and delayed works on
// system_wq or a workqueue of their own, and arm and delete timers, from module
// threads, from the works themselves and from the timer's callback, with mutexes,
// a spinlock and shared counters; module_exit cancels what it must, or sometimes
// forgets. DPOR and naive exhaustive search must reach the same problems and final
// states. -ksim.wqprograms N runs N programs (default 40, about 15 s; -ksim.long 3000).

var wqDiffPrograms = flag.Int("ksim.wqprograms", 0, "TestDiffWorkqueue: how many random programs (0: the default or -ksim.long)")

type wqGen struct {
	r     *rand.Rand
	b     strings.Builder
	ind   string
	delay bool // the delayed work is used
	timer bool // the timer is used
	ownWQ bool // a workqueue of the module's own
	inFn  string
}

func (g *wqGen) line(format string, a ...any) {
	g.b.WriteString(g.ind)
	fmt.Fprintf(&g.b, format, a...)
	g.b.WriteString("\n")
}

func (g *wqGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *wqGen) wq() string {
	if g.ownWQ && g.r.IntN(2) == 0 {
		return "wq"
	}
	return "system_wq"
}

// stmt writes one statement of a function; ctx is "thread", "work" (a work's
// function, name in g.inFn) or "timer" (the timer callback: atomic, softirq).
func (g *wqGen) stmt(ctx string) {
	r := g.r
	atomic := ctx == "timer"
	for {
		switch r.IntN(14) {
		case 0, 1:
			if atomic {
				continue
			}
			m := g.pick("m0", "m1")
			g.line("mutex_lock(&%s);", m)
			g.line("%s++;", g.pick("g0", "g1"))
			g.line("mutex_unlock(&%s);", m)
		case 2:
			if ctx == "thread" {
				g.line("spin_lock_bh(&s0);")
				g.line("g1++;")
				g.line("spin_unlock_bh(&s0);")
			} else {
				g.line("spin_lock(&s0);")
				g.line("g1++;")
				g.line("spin_unlock(&s0);")
			}
		case 3, 4:
			w := g.pick("w0", "w1")
			if g.inFn == w {
				continue // a work that requeues itself only hits the re-arm bound
			}
			if r.IntN(2) == 0 {
				g.line("queue_work(%s, &%s);", g.wq(), w)
			} else {
				g.line("schedule_work(&%s);", w)
			}
		case 5:
			if atomic {
				continue
			}
			w := g.pick("w0", "w1")
			switch r.IntN(3) {
			case 0:
				g.line("flush_work(&%s);", w)
			case 1:
				g.line("cancel_work_sync(&%s);", w)
			default:
				g.line("if (work_pending(&%s))", w)
				g.line("\tg0++;")
			}
		case 6:
			g.line("cancel_work(&%s);", g.pick("w0", "w1"))
		case 7, 8:
			if !g.delay || g.inFn == "dw" {
				continue
			}
			switch r.IntN(5) {
			case 0:
				g.line("schedule_delayed_work(&dw, 1);")
			case 1:
				g.line("queue_delayed_work(%s, &dw, %d);", g.wq(), r.IntN(2))
			case 2:
				g.line("mod_delayed_work(%s, &dw, 1);", g.wq())
			case 3:
				g.line("cancel_delayed_work(&dw);")
			default:
				if atomic {
					continue
				}
				g.line("%s(&dw);", g.pick("cancel_delayed_work_sync", "flush_delayed_work"))
			}
		case 9, 10:
			if !g.timer || ctx == "timer" {
				continue
			}
			switch r.IntN(3) {
			case 0:
				g.line("mod_timer(&tm, jiffies + 1);")
			case 1:
				g.line("del_timer(&tm);")
			default:
				if atomic {
					continue
				}
				g.line("del_timer_sync(&tm);")
			}
		case 11:
			if atomic || !g.ownWQ || ctx == "work" {
				continue
			}
			g.line("flush_workqueue(wq);")
		case 12:
			if atomic {
				continue
			}
			// A flush under a lock: the deadlocks lockdep predicts.
			m := g.pick("m0", "m1")
			g.line("mutex_lock(&%s);", m)
			g.line("flush_work(&%s);", g.pick("w0", "w1"))
			g.line("mutex_unlock(&%s);", m)
		default:
			g.line("g0 = g0 + 1;")
		}
		return
	}
}

func (g *wqGen) body(ctx string, n int) {
	for range n {
		g.stmt(ctx)
	}
}

func wqGenerate(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 0x776f726b71756575))
	g := &wqGen{r: r, ind: ""}
	g.delay = r.IntN(3) == 0
	g.timer = !g.delay && r.IntN(3) == 0
	g.ownWQ = r.IntN(2) == 0
	ordered := r.IntN(2) == 0
	threads := 1
	if r.IntN(4) == 0 && !g.timer && !g.delay {
		threads = 2
	}
	g.line("/* ksim wq difftest scenario, seed %d */", seed)
	g.line("#include <linux/module.h>")
	g.line("#include <linux/workqueue.h>")
	g.line("#include <linux/timer.h>")
	g.line("#include <linux/kthread.h>")
	g.line("#pragma ksim cpus %d", 1+r.IntN(2))
	if r.IntN(8) == 0 {
		g.line("#pragma ksim lockdep off")
	}
	g.line("static DEFINE_MUTEX(m0);")
	g.line("static DEFINE_MUTEX(m1);")
	g.line("static DEFINE_SPINLOCK(s0);")
	g.line("static int g0, g1;")
	g.line("static struct workqueue_struct *wq;")
	static := r.IntN(2) == 0
	g.line("static void w0_fn(struct work_struct *w);")
	g.line("static void w1_fn(struct work_struct *w);")
	g.line("static void dw_fn(struct work_struct *w);")
	if static {
		g.line("static DECLARE_WORK(w0, w0_fn);")
		g.line("static DECLARE_WORK(w1, w1_fn);")
	} else {
		g.line("static struct work_struct w0, w1;")
	}
	if g.delay {
		g.line("static DECLARE_DELAYED_WORK(dw, dw_fn);")
	}
	if g.timer {
		g.line("static struct timer_list tm;")
	}
	fn := func(name string, n int) {
		g.line("static void %s_fn(struct work_struct *w)", name)
		g.line("{")
		g.ind, g.inFn = "\t", name
		g.body("work", n)
		g.ind, g.inFn = "", ""
		g.line("}")
	}
	fn("w0", 1+r.IntN(2)/2)
	fn("w1", r.IntN(2))
	if g.delay {
		fn("dw", 1)
	}
	if g.timer {
		g.line("static void tm_fn(struct timer_list *t)")
		g.line("{")
		g.ind = "\t"
		g.body("timer", 1)
		g.ind = ""
		g.line("}")
	}
	for i := range threads {
		g.line("static int t%d(void *d)", i)
		g.line("{")
		g.ind = "\t"
		if r.IntN(3) > 0 { // something to run: a work, the delayed work, the timer
			switch {
			case g.timer && r.IntN(2) == 0:
				g.line("mod_timer(&tm, jiffies + 1);")
			case g.delay && r.IntN(2) == 0:
				g.line("schedule_delayed_work(&dw, 1);")
			default:
				g.line("queue_work(%s, &%s);", g.wq(), g.pick("w0", "w1"))
			}
		}
		g.body("thread", 1+r.IntN(2)/2)
		g.line("return 0;")
		g.ind = ""
		g.line("}")
	}
	g.line("static int __init d_init(void)")
	g.line("{")
	g.ind = "\t"
	if g.ownWQ {
		if ordered {
			g.line("wq = create_singlethread_workqueue(\"dwq\");")
		} else {
			g.line("wq = alloc_workqueue(\"dwq\", 0, 0);")
		}
		g.line("if (!wq)")
		g.line("\treturn -ENOMEM;")
	}
	if !static {
		g.line("INIT_WORK(&w0, w0_fn);")
		g.line("INIT_WORK(&w1, w1_fn);")
	}
	if g.timer {
		g.line("timer_setup(&tm, tm_fn, 0);")
	}
	for i := range threads {
		g.line("kthread_run(t%d, NULL, \"t%d\");", i, i)
	}
	g.line("return 0;")
	g.ind = ""
	g.line("}")
	if r.IntN(3) > 0 {
		// No module_exit: no rmmod, whose unload step per module object
		// multiplies naive search's interleavings.
		g.line("module_init(d_init);")
		g.line("MODULE_LICENSE(\"GPL\");")
		return g.b.String()
	}
	g.line("static void __exit d_exit(void)")
	g.line("{")
	g.ind = "\t"
	forget := r.IntN(5) == 0
	if g.timer && !forget {
		g.line("del_timer_sync(&tm);")
	}
	if g.delay && !forget {
		g.line("cancel_delayed_work_sync(&dw);")
	}
	if !forget {
		g.line("cancel_work_sync(&w0);")
		g.line("cancel_work_sync(&w1);")
	}
	if g.ownWQ {
		g.line("destroy_workqueue(wq);")
	}
	g.line("printk(KERN_INFO \"final %%d %%d\\n\", g0, g1);")
	g.ind = ""
	g.line("}")
	g.line("module_init(d_init);")
	g.line("module_exit(d_exit);")
	g.line("MODULE_LICENSE(\"GPL\");")
	return g.b.String()
}

func TestDiffWorkqueue(t *testing.T) {
	n := 40
	if sdRace {
		n = 8
	}
	if *sdLong {
		n = 3000
	}
	if *wqDiffPrograms > 0 {
		n = *wqDiffPrograms
	}
	tl := sdRunFamily(t, n, sdNaiveCap, wqGenerate)
	t.Logf("wq difftest: %d compared, %d skipped (naive search over %d executions), %d disagreements; "+
		"%d explored as a full search; problem kinds %v; %v",
		tl.compared, tl.skipped, sdNaiveCap, tl.disagree, tl.fullSearch, tl.kinds, tl.elapsed)
	if tl.compared < n/3 {
		t.Errorf("only %d of %d scenarios were small enough for naive search", tl.compared, n)
	}
}

func TestWqGenDump(t *testing.T) {
	if *wqDump < 0 {
		t.Skip()
	}
	fmt.Println(wqGenerate(uint64(*wqDump)))
}

var wqDump = flag.Int("ksim.wqdump", -1, "print wq difftest program N")

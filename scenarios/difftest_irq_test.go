package scenarios

// Differential testing of threaded interrupts, GPIO lines and the unload checks:
// random scenarios using request_threaded_irq (with or without a primary handler,
// IRQF_ONESHOT or not, devm or not), the line's thread function, disable_irq /
// disable_irq_nosync / enable_irq / synchronize_irq, GPIO reads and writes from
// handlers and kthreads, and module exits that forget free_irq — explored with the
// default strategy and with naive search (sdCompare), which must agree.
//
//	go test ./scenarios -run TestDiffIRQThreaded -v                          # CI size (< 20 s)
//	go test ./scenarios -run TestDiffIRQThreaded -v -ksim.programs 3000 -timeout 2h
//
// Scenarios without an interrupt line (GPIO lines shared by kthreads only) keep
// DPOR: there the GPIO lines' objects are what makes it sound.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
)

// irqDiffNaiveCap caps naive search for these scenarios.
const irqDiffNaiveCap = 3000

// irqDiffGen writes one random threaded-irq scenario.
type irqDiffGen struct {
	r   *rand.Rand
	b   strings.Builder
	irq bool // the scenario requests the line
}

func (g *irqDiffGen) line(format string, a ...any) {
	fmt.Fprintf(&g.b, format, a...)
	g.b.WriteString("\n")
}

func (g *irqDiffGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// stmt is one random statement for a context: "hard" (the primary handler),
// "thread" (the irq thread) or "task" (a kthread).
func (g *irqDiffGen) stmt(ctx string) string {
	common := []string{
		"g0++;",
		"gpio_set_value(LED, !gpio_get_value(LED));",
		"if (gpio_get_value(BUTTON)) g1++;",
		"spin_lock_irqsave(&s0, flags); g1++; spin_unlock_irqrestore(&s0, flags);",
	}
	switch ctx {
	case "hard":
		return g.pick(append(common, "spin_lock(&s0); g0++; spin_unlock(&s0);", "disable_irq_nosync(irq);")...)
	case "thread":
		return g.pick(append(common, "mutex_lock(&m0); g1++; mutex_unlock(&m0);", "enable_irq(irq);",
			"disable_irq_nosync(irq);", "msleep(1);", "spin_lock(&s0); g0++; spin_unlock(&s0);")...)
	}
	s := append(common, "mutex_lock(&m0); g0++; mutex_unlock(&m0);")
	if g.irq {
		s = append(s, "disable_irq(the_irq); g0++; enable_irq(the_irq);", "synchronize_irq(the_irq);",
			"disable_irq_nosync(the_irq); enable_irq(the_irq);")
	}
	return g.pick(s...)
}

// irqDiffGenerate writes scenario number seed.
func irqDiffGenerate(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 0x6972712d74687264))
	g := &irqDiffGen{r: r, irq: r.IntN(5) != 0}
	cpus := 1 + r.IntN(4)/3 // mostly 1: naive search must finish
	g.line("#pragma ksim cpus %d", cpus)
	if r.IntN(4) == 0 {
		g.line("#pragma ksim lockdep off")
	}
	if g.irq && r.IntN(4) == 0 {
		g.line("#pragma ksim irq 217 times 2")
	}
	g.line("#include <linux/module.h>")
	g.line("#include <linux/interrupt.h>")
	g.line("#include <linux/gpio.h>")
	g.line("#include <linux/kthread.h>")
	g.line("#include <linux/delay.h>")
	g.line("#define LED 4")
	g.line("#define BUTTON 17")
	g.line("static DEFINE_SPINLOCK(s0);")
	g.line("static DEFINE_MUTEX(m0);")
	g.line("static int g0, g1, the_irq;")
	g.line("static long devtok;")
	primary := g.irq && r.IntN(3) != 0
	oneshot := !primary || r.IntN(2) == 0
	devm := g.irq && r.IntN(4) == 0
	freeIt := r.IntN(6) != 0
	if g.irq {
		if primary {
			g.line("static irqreturn_t hard(int irq, void *dev)")
			g.line("{")
			g.line("\tunsigned long flags;")
			for range r.IntN(2) {
				g.line("\t%s", g.stmt("hard"))
			}
			g.line("\t%s", g.pick("return IRQ_WAKE_THREAD;", "return IRQ_WAKE_THREAD;", "return IRQ_HANDLED;", "return g0 & 1 ? IRQ_HANDLED : IRQ_WAKE_THREAD;"))
			g.line("}")
		}
		g.line("static irqreturn_t thread_fn(int irq, void *dev)")
		g.line("{")
		g.line("\tunsigned long flags;")
		for range 1 + r.IntN(2) {
			g.line("\t%s", g.stmt("thread"))
		}
		if r.IntN(12) == 0 {
			g.line("\tsynchronize_irq(irq);") // waits for itself: the hung task
		}
		g.line("\treturn IRQ_HANDLED;")
		g.line("}")
	}
	workers := r.IntN(4) / 2
	if !g.irq {
		workers = 2
	}
	for w := range workers {
		g.line("static int worker%d(void *data)", w)
		g.line("{")
		g.line("\tunsigned long flags;")
		for range 1 + r.IntN(2) {
			g.line("\t%s", g.stmt("task"))
		}
		g.line("\treturn 0;")
		g.line("}")
	}
	g.line("static int __init d_init(void)")
	g.line("{")
	g.line("\tint ret;")
	g.line("\tret = gpio_request(LED, \"led\");")
	g.line("\tif (ret) return ret;")
	g.line("\tgpio_direction_output(LED, 0);")
	g.line("\tret = gpio_request_one(BUTTON, GPIOF_IN, \"button\");")
	g.line("\tif (ret) { gpio_free(LED); return ret; }")
	if g.irq {
		g.line("\tthe_irq = gpio_to_irq(BUTTON);")
		flags := g.pick("IRQF_TRIGGER_RISING", "0")
		if oneshot {
			flags += " | IRQF_ONESHOT"
		}
		hard := "NULL"
		if primary {
			hard = "hard"
		}
		if devm {
			g.line("\tret = devm_request_threaded_irq((struct device *)&devtok, the_irq, %s, thread_fn, %s, \"d\", NULL);", hard, flags)
		} else {
			g.line("\tret = request_threaded_irq(the_irq, %s, thread_fn, %s, \"d\", NULL);", hard, flags)
		}
		g.line("\tif (ret) { gpio_free(BUTTON); gpio_free(LED); return ret; }")
	}
	for w := range workers {
		g.line("\tkthread_run(worker%d, NULL, \"w%d\");", w, w)
	}
	g.line("\treturn 0;")
	g.line("}")
	g.line("static void __exit d_exit(void)")
	g.line("{")
	if g.irq && freeIt {
		if devm && r.IntN(2) == 0 {
			g.line("\tdevm_free_irq((struct device *)&devtok, the_irq, NULL);")
		} else if !devm {
			g.line("\tfree_irq(the_irq, NULL);")
		}
	}
	g.line("\tgpio_set_value(LED, 0);")
	g.line("\tgpio_free(BUTTON);")
	g.line("\tgpio_free(LED);")
	g.line("\tprintk(KERN_INFO \"final %%d %%d\\n\", g0, g1);")
	g.line("}")
	g.line("module_init(d_init);")
	g.line("module_exit(d_exit);")
	g.line("MODULE_LICENSE(\"GPL\");")
	return g.b.String()
}

// TestDiffIRQThreaded compares dfs with naive search on random threaded-irq and GPIO
// scenarios.
func TestDiffIRQThreaded(t *testing.T) {
	n := 40
	if sdRace {
		n = 20
	}
	if *sdLong {
		n = 3000
	}
	if *sdPrograms > 0 {
		n = *sdPrograms
	}
	var compared, skipped, problems, disagree atomic.Int64
	var shown atomic.Int64
	sdParallel(n, func(i int) {
		src := irqDiffGenerate(*sdSeed + uint64(i))
		naive, dfs, diffs, _, skip, err := sdCompare(src, irqDiffNaiveCap)
		if err != nil {
			t.Errorf("scenario %d does not load: %v\n%s", i, err, sdNumbered(src))
			return
		}
		if skip {
			skipped.Add(1)
			return
		}
		compared.Add(1)
		if len(naive.problems) > 0 {
			problems.Add(1)
		}
		if len(diffs) > 0 {
			disagree.Add(1)
			if shown.Add(1) <= 3 {
				t.Errorf("scenario %d:\n%s", i, sdReport(src, naive, dfs, diffs))
			}
		}
	})
	t.Logf("%d compared (%d with problems), %d skipped (naive search past %d executions), %d disagreements",
		compared.Load(), problems.Load(), skipped.Load(), irqDiffNaiveCap, disagree.Load())
	if compared.Load() < int64(n)/3 {
		t.Errorf("only %d of %d scenarios compared", compared.Load(), n)
	}
}

package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// irqRun explores src in full and returns its kinds of problem, every problem's
// report, and the dmesg of every execution, each joined.
func irqRun(t *testing.T, src string) (kinds []string, reports, dmesg string) {
	t.Helper()
	s := mustLoad(t, "t.c", src)
	var logs strings.Builder
	res := sched.Explore(s.Program(s.KernelConfig(), func(k *ksync.Kernel) {
		k.Execution().OnEnd(func(sched.Outcome) { logs.WriteString(k.Dmesg()) })
	}), sched.Options{})
	require.NoError(t, res.Err)
	require.True(t, res.Complete, res.Verdict())
	var b strings.Builder
	for _, p := range res.Problems {
		b.WriteString(p.Report)
	}
	return Kinds(res), b.String(), logs.String()
}

// Threaded interrupts, managed irqs, synchronize_irq and the unload reports, each
// with the verdict and the lines the kernel (and ksim) print.
func TestIRQThreaded(t *testing.T) {
	cases := []struct {
		name, src string
		kinds     []string
		reports   []string // in some problem's report
		dmesg     []string // in some execution's dmesg
	}{
		{"thread function sleeps in process context", `
#pragma ksim irq 9 times 2
static int n;
static irqreturn_t th(int irq, void *dev) { msleep(1); n++; return IRQ_HANDLED; }
static int __init m_init(void) { return request_threaded_irq(9, NULL, th, IRQF_ONESHOT, "dev", NULL); }
static void __exit m_exit(void) { msleep(1); msleep(1); free_irq(9, NULL); printk("final %d\n", n); }
module_init(m_init); module_exit(m_exit);
`, []string{"ok"}, nil, []string{"final 0", "final 1", "final 2"}},
		{"NULL handler without IRQF_ONESHOT", `
static irqreturn_t th(int irq, void *dev) { return IRQ_HANDLED; }
static int __init m_init(void) { printk("ret %d\n", request_threaded_irq(9, NULL, th, 0, "dev", NULL)); return 0; }
module_init(m_init);
`, []string{"ok"}, nil, []string{"genirq: Threaded irq requested with handler=NULL and !ONESHOT for dev (irq 9)", "ret -22"}},
		{"IRQ_WAKE_THREAD without a thread", `
static irqreturn_t h(int irq, void *dev) { return IRQ_WAKE_THREAD; }
static int __init m_init(void) { return request_irq(9, h, 0, "dev", NULL); }
static void __exit m_exit(void) { free_irq(9, NULL); }
module_init(m_init); module_exit(m_exit);
`, []string{"ok"}, nil, []string{"IRQ 9 device dev returned IRQ_WAKE_THREAD but no thread function available."}},
		{"disable_irq in the thread function waits for itself", `
static irqreturn_t th(int irq, void *dev) { disable_irq(irq); return IRQ_HANDLED; }
static int __init m_init(void) { return request_threaded_irq(9, NULL, th, IRQF_ONESHOT, "dev", NULL); }
static void __exit m_exit(void) { free_irq(9, NULL); }
module_init(m_init); module_exit(m_exit);
`, []string{"deadlock"}, []string{"INFO: task irq/9-dev:", "__synchronize_irq", "disable_irq"}, nil},
		{"free_irq forgotten: the handler runs freed code", `
#pragma ksim cpus 1
static int n;
static irqreturn_t h(int irq, void *dev) { n++; return IRQ_HANDLED; }
static int __init m_init(void) { return request_irq(9, h, 0, "dev", &n); }
static void __exit m_exit(void) { }
module_init(m_init); module_exit(m_exit);
`, []string{"bug"}, []string{"BUG: unable to handle page fault", "ksim: the module's exit must call free_irq(9, &n) before it returns."}, nil},
		{"free_irq forgotten: the irq thread runs freed code", `
#pragma ksim cpus 2
static int n;
static irqreturn_t th(int irq, void *dev) { n++; return IRQ_HANDLED; }
static int __init m_init(void) { int r = request_threaded_irq(9, NULL, th, IRQF_ONESHOT, "dev", NULL); WRITE_ONCE(n, 0); return r; }
static void __exit m_exit(void) { }
module_init(m_init); module_exit(m_exit);
`, []string{"bug"}, []string{" irq_thread_fn\n irq_thread\n kthread\n", "ksim: th is module code"}, nil},
		{"tasklet_kill forgotten: the tasklet runs freed code", `
#pragma ksim cpus 2
static void fn(struct tasklet_struct *t) { }
static DECLARE_TASKLET(tl, fn);
static int __init m_init(void) { tasklet_schedule(&tl); return 0; }
static void __exit m_exit(void) { }
module_init(m_init); module_exit(m_exit);
`, []string{"bug"}, []string{"ksim: the module's exit must call tasklet_kill(&tl) before it returns."}, nil},
		{"a managed irq goes with the device", `
static long devtok;
static irqreturn_t h(int irq, void *dev) { return IRQ_HANDLED; }
static int __init m_init(void) { return devm_request_irq((struct device *)&devtok, 9, h, 0, "dev", NULL); }
static void __exit m_exit(void) { }
module_init(m_init); module_exit(m_exit);
`, []string{"ok"}, nil, nil},
		{"devm_free_irq of an irq that is not managed", `
static long devtok;
static irqreturn_t h(int irq, void *dev) { return IRQ_HANDLED; }
static int __init m_init(void) { return request_irq(9, h, 0, "dev", NULL); }
static void __exit m_exit(void) { devm_free_irq((struct device *)&devtok, 9, NULL); }
module_init(m_init); module_exit(m_exit);
`, []string{"warning"}, []string{"at kernel/irq/devres.c:144 devm_free_irq"}, nil},
		{"request_irq under a spinlock", `
static DEFINE_SPINLOCK(l);
static irqreturn_t h(int irq, void *dev) { return IRQ_HANDLED; }
static int __init m_init(void) { int r; spin_lock(&l); r = request_irq(9, h, 0, "dev", NULL); spin_unlock(&l); return r; }
static void __exit m_exit(void) { free_irq(9, NULL); }
module_init(m_init); module_exit(m_exit);
`, []string{"bug"}, []string{"BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321", " __kmalloc_cache_noprof\n request_threaded_irq\n"}, nil},
		{"free_irq twice", `
static irqreturn_t h(int irq, void *dev) { return IRQ_HANDLED; }
static int __init m_init(void) { return request_irq(9, h, 0, "dev", NULL); }
static void __exit m_exit(void) { free_irq(9, NULL); free_irq(9, NULL); }
module_init(m_init); module_exit(m_exit);
`, []string{"warning"}, []string{"Trying to free already-free IRQ 9"}, nil},
		{"synchronize_irq waits for the thread", `
#pragma ksim cpus 2
static int done;
static irqreturn_t th(int irq, void *dev) { msleep(1); WRITE_ONCE(done, 1); return IRQ_HANDLED; }
static int __init m_init(void) { return request_threaded_irq(9, NULL, th, IRQF_ONESHOT, "dev", NULL); }
static void __exit m_exit(void) { disable_irq(9); printk("final %d\n", READ_ONCE(done)); enable_irq(9); free_irq(9, NULL); }
module_init(m_init); module_exit(m_exit);
`, []string{"ok"}, nil, []string{"final 0", "final 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kinds, reports, dmesg := irqRun(t, c.src)
			assert.Equal(t, c.kinds, kinds, reports)
			for _, w := range c.reports {
				assert.Contains(t, reports, w)
			}
			for _, w := range c.dmesg {
				assert.Contains(t, dmesg, w)
			}
		})
	}
}

// GPIO lines: requests, values, the irq a line interrupts as, and the descriptors.
func TestGPIOLines(t *testing.T) {
	_, _, dmesg := irqRun(t, `
static struct gpio pins[] = { { 6, GPIOF_IN, "in" }, { 7, GPIOF_OUT_INIT_LOW, "out" } };
static int __init m_init(void)
{
	struct gpio_desc *d;
	printk("req %d %d %d\n", gpio_request(4, "led"), gpio_request(4, "again"), gpio_request(100, "none"));
	printk("valid %d %d irq %d %d\n", gpio_is_valid(100), gpio_is_valid(-1), gpio_to_irq(17), gpio_to_irq(100));
	gpio_direction_output(4, 1);
	printk("led %d\n", gpio_get_value(4));
	gpio_set_value(4, 0);
	printk("led %d\n", gpio_get_value(4));
	printk("one %d %d\n", gpio_request_one(5, GPIOF_OUT_INIT_HIGH | GPIOF_ACTIVE_LOW, "x"), gpio_get_value(5));
	d = gpio_to_desc(5);
	printk("desc %d logical %d\n", desc_to_gpio(d), gpiod_get_value(d));
	d = gpiod_get(NULL, "button", GPIOD_IN);
	printk("gpiod %d irq %d busy %ld\n", desc_to_gpio(d), gpiod_to_irq(d), PTR_ERR(gpiod_get(NULL, "button", GPIOD_IN)));
	gpiod_put(d);
	gpio_free(4);
	gpio_free(5);
	printk("array %d %d\n", gpio_request_array(pins, 2), gpio_request(7, "again"));
	gpio_free_array(pins, 2);
	printk("freed %d\n", gpio_request(7, "again"));
	return 0;
}
module_init(m_init);
`)
	for _, w := range []string{"req 0 -16 -517", "valid 1 0 irq 217 -22", "led 1", "led 0", "one 0 1",
		"desc 5 logical 0", "gpiod 32 irq 232 busy -16",
		"array 0 -16", "freed 0"} {
		assert.Contains(t, dmesg, w)
	}
}

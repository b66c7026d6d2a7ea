package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// runC loads src as a scenario and explores it exhaustively.
func runC(t *testing.T, src string) (*Scenario, *sched.Result) {
	t.Helper()
	s, err := Load("t.c", []byte(src))
	require.NoError(t, err)
	res := s.Explore(s.KernelConfig(), sched.Options{})
	require.NoError(t, res.Err)
	return s, res
}

// dmesgOf replays nothing: it runs a single-task scenario once and returns its log.
func dmesgOf(t *testing.T, src string) string {
	t.Helper()
	s, err := Load("t.c", []byte(src))
	require.NoError(t, err)
	var k *ksync.Kernel
	res := sched.Explore(s.Program(s.KernelConfig(), func(kk *ksync.Kernel) { k = kk }), sched.Options{MaxExecutions: 1})
	require.NoError(t, res.Err)
	require.Empty(t, res.Problems)
	return k.Dmesg()
}

func TestLibraryScenariosMatchTheirExpectations(t *testing.T) {
	for _, le := range List() {
		t.Run(le.Name, func(t *testing.T) {
			src, ok := Source(le.Name)
			require.True(t, ok)
			s, err := Load(le.Name, src)
			require.NoError(t, err)
			res := s.Explore(s.KernelConfig(), sched.Options{})
			require.NoError(t, res.Err)
			assert.True(t, res.Complete, res.Verdict())
			assert.True(t, AsExpected(s.Config.Expect, res), "expect %v, found %v: %s", s.Config.Expect, Kinds(res), res.Verdict())
		})
	}
}

func TestCSemantics(t *testing.T) {
	out := dmesgOf(t, `
#define N 4
static int g = 3;
static int arr[N];
static int sq(int x) { return x * x; }
static int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
static void worker(void)
{
	int i, sum = 0;
	unsigned char c = 250;
	long big = 1L << 40;
	for (i = 0; i < N; i++)
		arr[i] = sq(i);
	for (i = 0; i < N; i++) {
		if (i == 2)
			continue;
		sum += arr[i];
	}
	c += 10;
	i = 0;
	do { i++; } while (i < 7);
	while (1) {
		if (--i == 3)
			break;
	}
	switch (g) {
	case 1: sum = -1; break;
	case 3: sum += 100;
	case 4: sum += 1000; break;
	default: sum = -2;
	}
	if (sum > 0)
		goto out;
	sum = 0;
out:
	printk(KERN_INFO "sum=%d c=%u i=%d fact=%d big=%ld hex=%x %s %%\n", sum, c, i, fact(5), big, 255, "str");
	g++;
	pr_info("g=%d !g=%d ~0=%d %5d|%-3d|\n", g, !g, ~0, 42, 7);
}
`)
	assert.Contains(t, out, "sum=1110 c=4 i=3 fact=120 big=1099511627776 hex=ff str %")
	assert.Contains(t, out, "g=4 !g=0 ~0=-1    42|7  |")
	assert.Regexp(t, `^\[\s+\d+\.\d{6}\] sum=`, out, "dmesg lines carry virtual timestamps")
}

func TestKmallocBufferAndNULLChecks(t *testing.T) {
	out := dmesgOf(t, `
static void worker(void)
{
	char *buf = kzalloc(16, GFP_KERNEL);
	if (!buf)
		return;
	buf[3] = 'x';
	*buf = buf[3] + 1;
	pr_info("%c%c\n", buf[0], buf[3]);
	kfree(buf);
}
`)
	assert.Contains(t, out, "yx")
}

// A pointer cast to long and back is the same pointer: the integer is the object's
// address, so arithmetic on it moves within the object, and two objects differ.
func TestPointerToLongAndBack(t *testing.T) {
	out := dmesgOf(t, `
static int a[4];
static DEFINE_MUTEX(m);
static void worker(void)
{
	char *p = kmalloc(4, GFP_KERNEL);
	char *o = kmalloc(4, GFP_KERNEL);
	long q = (long)p;
	char *r = (char *)q;
	unsigned long u = (unsigned long)&a[1];
	int *x = (int *)(u + sizeof(int));
	struct mutex *mp = (struct mutex *)(long)&m;

	r[0] = 1;
	BUG_ON(r != p);
	BUG_ON((long)o == q);
	BUG_ON((u32)(unsigned long)p == 0);
	((char *)(q + 3))[0] = 7;
	BUG_ON(p[3] != 7);
	*x = 5;
	BUG_ON(a[2] != 5);
	BUG_ON((long)&a[2] - (long)&a[1] != sizeof(int));
	mutex_lock(mp);
	mutex_unlock(&m);
	pr_info("%d %d\n", p[0], a[2]);
	kfree(r);
	kfree(o);
}
`)
	assert.Contains(t, out, "1 5")
}

func TestRuntimeFaultsAreKernelBugs(t *testing.T) {
	cases := map[string]struct{ src, kind, title string }{
		"null":        {`static void w(void) { char *p = NULL; p[0] = 1; }`, "bug", "BUG: kernel NULL pointer dereference"},
		"divide":      {`static int z; static void w(void) { int x = 1 / z; }`, "bug", "Oops: divide error: 0000"},
		"bounds":      {`static int a[2]; static void w(void) { int i = 2; a[i] = 1; }`, "bug", "UBSAN: array-index-out-of-bounds in t.c:1:53"},
		"ptr-bounds":  {`static int a[2]; static void w(void) { int *p = &a[1]; p[1] = 1; }`, "bug", "BUG: KASAN: global-out-of-bounds"},
		"uaf":         {`static void w(void) { char *p = kmalloc(4, GFP_KERNEL); kfree(p); p[1] = 0; }`, "bug", "BUG: KASAN: slab-use-after-free"},
		"double-free": {`static void w(void) { char *p = kmalloc(4, GFP_KERNEL); kfree(p); kfree(p); }`, "bug", "BUG: KASAN: double-free"},
		"recursion":   {`static int f(int n) { return f(n + 1); } static void w(void) { f(0); }`, "bug", "BUG: stack guard page was hit (kernel stack overflow)"},
		"bug-on":      {`static void w(void) { BUG_ON(1); }`, "bug", "kernel BUG at t.c:1!"},
		"divide-min":  {`static long m = -1; static void w(void) { long x = (-9223372036854775807 - 1) / m; }`, "bug", "Oops: divide error: 0000"},
		// A cast or a void * can point a lock argument at memory that holds
		// another type: its debug checks find the magic wrong (DEBUG_MUTEXES:
		// DEBUG_LOCKS_WARN_ON(lock->magic != lock) in __mutex_lock_common).
		"wrong-object": {`static DEFINE_SPINLOCK(s); static void w(void) { mutex_lock((struct mutex *)&s); }`, "warning", "WARNING: CPU: 0 PID: 2 at kernel/locking/mutex.c:588 __mutex_lock+0x8d2/0xc90"},
		"void-object":  {`static DEFINE_SPINLOCK(s); static void *p; static void w(void) { struct mutex *m; p = &s; m = p; mutex_lock(m); }`, "warning", "WARNING: CPU: 0 PID: 2 at kernel/locking/mutex.c:588 __mutex_lock+0x8d2/0xc90"},
		// kmalloc'd memory never initialised as a completion: its wait queue's
		// spinlock has no lockdep key (assign_lock_key).
		"kmalloc-object": {`static void w(void) { struct completion *c = kmalloc(64, GFP_KERNEL); complete(c); }`, "warning", "INFO: trying to register non-static key."},
		// An int is too small to be a spinlock: the lock's debug fields lie past it.
		"int-object": {`static int x; static void w(void) { spin_lock((spinlock_t *)&x); }`, "bug", "BUG: KASAN: global-out-of-bounds"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, res := runC(t, c.src)
			require.NotEmpty(t, res.Problems)
			assert.Equal(t, c.kind, res.Problems[0].Kind)
			assert.Equal(t, c.title, res.Problems[0].Title)
		})
	}
}

// An index past a global array is UBSAN's report; the kernel goes on and so does
// the task: the write goes nowhere, a read gives 0, and the task still unlocks.
func TestIndexOutOfBoundsGoesOn(t *testing.T) {
	_, res := runC(t, `
static DEFINE_SPINLOCK(l);
static char *pool[1];
static long grid[2][3];
static void w(void) {
	int i = 1;
	spin_lock(&l);
	pool[i] = (char *)1;
	BUG_ON(pool[i] != NULL);
	grid[1][i + 2] = 5;
	spin_unlock(&l);
}
`)
	var titles, reports []string
	for _, p := range res.Problems {
		titles = append(titles, p.Title)
		reports = append(reports, p.Report)
	}
	// UBSAN reports the index, and the access goes on past the array, where
	// KASAN reports it too (once a boot: the later ones are silent).
	assert.Equal(t, []string{
		"UBSAN: array-index-out-of-bounds in t.c:8:7",
		"BUG: KASAN: global-out-of-bounds",
		"UBSAN: array-index-out-of-bounds in t.c:9:14",
		"UBSAN: array-index-out-of-bounds in t.c:10:10",
	}, titles, "no BUG_ON fired, no task died holding l")
	require.Len(t, reports, 4)
	_, res = runC(t, `
static int arr[2];
static int g;
static void w(void) {
	int i;
	for (i = 0; i < 3; i++)
		arr[g + 2] = READ_ONCE(arr[g + 3]);
}
`)
	titles = nil
	for _, p := range res.Problems {
		titles = append(titles, p.Title)
	}
	assert.Equal(t, []string{"UBSAN: array-index-out-of-bounds in t.c:7:7", "UBSAN: array-index-out-of-bounds in t.c:7:16",
		"BUG: KASAN: global-out-of-bounds"}, titles, "each location once, though the loop runs three times")
	assert.EqualValues(t, 1, res.Stats.Executions, "one thread, one execution")
	readsOfG := 0
	for _, ev := range res.Problems[0].Trace {
		if ev.Op == "read" && ev.Obj == "g" {
			readsOfG++
		}
	}
	assert.Equal(t, 3*2, readsOfG, "g read twice a pass: READ_ONCE evaluates its argument once")
	assert.Contains(t, reports[0], "index 1 is out of range for type 'char *[1]'\n")
	assert.Contains(t, reports[3], "index 3 is out of range for type 'long [3]'\n")
}

// (f)() is a call of f: the checker accepted it, but the interpreter skipped
// the call.
func TestParenthesisedCall(t *testing.T) {
	out := dmesgOf(t, `
static int g;
static void set(int v) { g = v; }
static void worker(void)
{
	(set)(7);
	((set))(g + 1);
	pr_info("g=%d\n", g);
}
`)
	assert.Contains(t, out, "g=8")
}

// The checker accepts &fn wherever the kernel API takes a function; running
// it dereferenced a nil *FuncInfo.
func TestFunctionByAddress(t *testing.T) {
	out := dmesgOf(t, `
static struct tasklet_struct tl;
static void tfn(unsigned long d) { pr_info("tasklet %ld\n", d); }
static int w(void *d) { pr_info("thread\n"); return 0; }
static int __init init(void)
{
	kthread_run(&w, NULL, "w");
	tasklet_init(&tl, &tfn, 5);
	tasklet_schedule(&tl);
	return 0;
}
module_init(init);
`)
	assert.Contains(t, out, "thread")
	assert.Contains(t, out, "tasklet 5")
}

// Past the engine's thread limit, kthread_run fails as the kernel's does past
// threads-max: ERR_PTR(-EAGAIN), which IS_ERR and PTR_ERR read, and a ksim: line in
// dmesg. It was a "PANIC" problem with the engine's Go panic text.
func TestTooManyThreadsIsKthreadRunFailing(t *testing.T) {
	for _, api := range []string{"kthread_run", "kernel_thread"} {
		t.Run(api, func(t *testing.T) {
			call, fails := `kthread_run(k, NULL, "k")`, `IS_ERR(t) && !IS_ERR(NULL) && IS_ERR_OR_NULL(NULL) && IS_ERR_OR_NULL(t)`
			errOf, typ := "PTR_ERR(t)", "struct task_struct *"
			if api == "kernel_thread" {
				call, fails, errOf, typ = "kernel_thread(k, NULL, 0)", "t < 0", "t", "long "
			}
			out := dmesgOf(t, fmt.Sprintf(`
static atomic_t started = ATOMIC_INIT(0);
static int k(void *data)
{
	%[4]st = %[1]s;
	if (%[2]s) {
		pr_err("%[5]s failed: %%ld after %%d\n", %[3]s, atomic_read(&started));
		BUG_ON(%[3]s != -EAGAIN);
		return %[3]s;
	}
	atomic_inc(&started);
	return 0;
}
static int __init i(void) { %[1]s; return 0; }
module_init(i);
`, call, fails, errOf, typ, api))
			// insmod and 63 tasks k: the 63rd cannot start a 64th.
			assert.Contains(t, out, api+" failed: -11 after 62\n")
			assert.Contains(t, out, "ksim: "+api+"(k) at t.c:5 returns ")
			assert.Contains(t, out, "ksim runs at most 64 tasks in an execution")
		})
	}
}

// cpu_relax and the short delays are busy waits: a step each, never a sleep, so
// they are allowed in atomic context.
// Interrupt handlers and ksoftirqd take threads too: past the execution's limit an
// interrupt cannot be delivered, and the search says it is not complete rather than
// "no problem" (or a Go panic, when they raced kthread_run for the last threads).
func TestThreadLimitIsReportedNotProof(t *testing.T) {
	handlerBugs := func(tasks int) string {
		return fmt.Sprintf(`
static irqreturn_t h(int irq, void *dev) { BUG_ON(1); return IRQ_HANDLED; }
static int t(void *d) { return 0; }
static int __init init(void)
{
	int i;
	for (i = 0; i < %d; i++)
		kthread_run(t, NULL, "t%%d", i);
	request_irq(3, h, 0, "x", NULL);
	msleep(1);
	return 0;
}
module_init(init);
`, tasks)
	}
	_, res := runC(t, handlerBugs(40))
	require.NotEmpty(t, res.Problems, "room for the handler: its BUG is found")

	_, res = runC(t, handlerBugs(50))
	assert.Empty(t, res.Problems)
	assert.False(t, res.Complete)
	assert.Contains(t, res.Cut, "thread limit reached")
	assert.Contains(t, res.Verdict(), "not complete: thread limit reached")

	s, err := Load("t.c", []byte(`
static void work(unsigned long data) { }
static DECLARE_TASKLET(tl, work);
static int t(void *d) { tasklet_schedule(&tl); msleep(1); return 0; }
static int __init init(void)
{
	int i;
	for (i = 0; i < 70; i++)
		kthread_run(t, NULL, "t%d", i);
	return 0;
}
module_init(init);
`))
	require.NoError(t, err)
	for _, opts := range []sched.Options{{Strategy: sched.PCT, Seed: 1, MaxExecutions: 20}, {Strategy: sched.Random, Seed: 1, MaxExecutions: 20}} {
		res := s.Explore(s.KernelConfig(), opts)
		require.NoError(t, res.Err)
		for _, p := range res.Problems {
			assert.NotEqual(t, sched.KindPanic, p.Kind, p.Report)
		}
		assert.Contains(t, res.Cut, "thread limit reached")
	}
}

// free_irq and tasklet_kill may sleep: in atomic context they are might_sleep's BUG,
// at the might_sleep() of __free_irq's mutex_lock(&desc->request_mutex) (lockdep:
// __mutex_lock) and of tasklet_unlock_wait's wait_var_event.
func TestFreeIRQAndTaskletKillMaySleep(t *testing.T) {
	for call, at := range map[string]string{"free_irq(5, NULL)": "kernel/locking/mutex.c:586", "tasklet_kill(&tl)": "kernel/softirq.c:919"} {
		_, res := runC(t, `
static DEFINE_SPINLOCK(l);
static void work(unsigned long data) { }
static DECLARE_TASKLET(tl, work);
static irqreturn_t h(int irq, void *dev) { return IRQ_HANDLED; }
static int __init init(void)
{
	request_irq(5, h, 0, "x", NULL);
	spin_lock(&l);
	`+call+`;
	spin_unlock(&l);
	return 0;
}
module_init(init);
`)
		require.NotEmpty(t, res.Problems, call)
		assert.Equal(t, "BUG: sleeping function called from invalid context at "+at, res.Problems[0].Title, call)
	}
}

func TestCPURelaxAndDelaysBusyWait(t *testing.T) {
	_, res := runC(t, `
static DEFINE_SPINLOCK(l);
static int flag;
static void waiter(void)
{
	int i;
	for (i = 0; i < 3 && !READ_ONCE(flag); i++)
		cpu_relax();
	spin_lock(&l);
	cpu_relax();
	ndelay(100);
	udelay(1);
	mdelay(1);
	spin_unlock(&l);
}
static void setter(void) { WRITE_ONCE(flag, 1); }
`)
	assert.True(t, res.Complete)
	assert.Equal(t, []string{"ok"}, Kinds(res))
	require.NotEmpty(t, res.Stats.Executions)
	assert.Greater(t, res.Stats.Executions, int64(1), "each cpu_relax is a scheduling point")
}

func TestBusyLoopIsAHangNotAFreeze(t *testing.T) {
	for _, src := range []string{
		`static void w(void) { int i = 0; while (1) i++; }`,
		// A goto loop used to spin inside one step forever.
		`static void w(void) { int i = 0; again: i++; goto again; }`,
		`static void w(void) { l: goto l; }`,
	} {
		s, err := Load("t.c", []byte(src))
		require.NoError(t, err)
		res := s.Explore(s.KernelConfig(), sched.Options{MaxSteps: 50})
		require.Len(t, res.Problems, 1, src)
		assert.Equal(t, "hang", res.Problems[0].Kind, src)
	}
}

func TestGlobalCounterIncrementIsTwoVisibleSteps(t *testing.T) {
	_, res := runC(t, `
static int counter;
static void a(void) { counter++; }
static void b(void) { counter++; BUG_ON(0); }
`)
	assert.Empty(t, res.Problems)
	// The reads commute; what matters is which write each read sees: a then b, b then
	// a, and both reads first with either write last — 4 traces.
	assert.EqualValues(t, 4, res.Stats.Executions)
}

// The trace names marked accesses and atomic read-modify-writes as the source does.
func TestTraceUsesTheKernelNames(t *testing.T) {
	_, res := runC(t, `
static int flag;
static atomic_t a = ATOMIC_INIT(5);
void w(void) {
	WRITE_ONCE(flag, 1);
	atomic_sub(2, &a);
	BUG_ON(atomic_inc_return(&a) != 4 || atomic_dec_return(&a) != 3 || READ_ONCE(flag) != 1);
	BUG_ON(1);
}
`)
	require.Len(t, res.Problems, 1)
	var ops []string
	for _, ev := range res.Problems[0].Trace {
		ops = append(ops, ev.Op+"("+ev.Obj+")")
	}
	// The oops's add_taint turns lock debugging off: a step of its own (see ksync's reportStep).
	assert.Equal(t, []string{"WRITE_ONCE(flag)", "atomic_sub(a)", "atomic_inc_return(a)", "atomic_dec_return(a)", "READ_ONCE(flag)", "add_taint(debug_locks)"}, ops)
	assert.Contains(t, res.Problems[0].Report, "kernel BUG at t.c:8!", "the first BUG_ON held")
}

func TestSpinLockIrqsaveAssignsFlags(t *testing.T) {
	out := dmesgOf(t, `
static DEFINE_SPINLOCK(l);
static void w(void)
{
	unsigned long flags;
	spin_lock_irqsave(&l, flags);
	pr_info("in=%d irqs=%d\n", in_atomic(), irqs_disabled());
	spin_unlock_irqrestore(&l, flags);
	pr_info("out=%d irqs=%d\n", in_atomic(), irqs_disabled());
}
`)
	assert.Contains(t, out, "in=1 irqs=1")
	assert.Contains(t, out, "out=0 irqs=0")
}

func TestKthreadRunNamesAndData(t *testing.T) {
	s, res := runC(t, `
static int seen[3];
static int worker(void *data)
{
	long i = (long)data;
	seen[i] = 1;
	return 0;
}
static int __init init(void)
{
	long i;
	for (i = 0; i < 3; i++)
		kthread_run(worker, (void *)i, "worker/%ld", i);
	return 0;
}
module_init(init);
`)
	_ = s
	assert.Empty(t, res.Problems)
	assert.True(t, res.Complete)
}

func TestSeedReportsNameTheScenarioSource(t *testing.T) {
	src, _ := Source("abba")
	s, err := Load("abba", src)
	require.NoError(t, err)
	res := s.Explore(s.KernelConfig(), sched.Options{})
	require.Len(t, res.Problems, 1)
	r := res.Problems[0].Report
	assert.Contains(t, r, "INFO: task bad_function:3 blocked for more than 120 seconds.")
	assert.Contains(t, r, " bad_function (abba.c:20)\n")
	assert.Contains(t, r, "ksim: bad_function/3 waits for sem2 (last taken by another_functio/4)")

	// The article's my_lock is never initialised: with lock debugging the first
	// spin_lock is spin_bug's "bad magic", which turns lock debugging off
	// (debug_locks_off), so the sleep report that follows lists no held locks.
	src, _ = Source("sleep-atomic")
	s, err = Load("sleep-atomic", src)
	require.NoError(t, err)
	res = s.Explore(s.KernelConfig(), sched.Options{})
	var titles []string
	r = ""
	for _, p := range res.Problems {
		titles = append(titles, p.Title)
		if strings.HasPrefix(p.Title, "BUG: sleeping function called from invalid context") {
			r = p.Report
		}
	}
	assert.Equal(t, []string{"BUG: spinlock bad magic on CPU#0, faulty_function/2",
		"BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321"}, titles)
	assert.Contains(t, r, "preempt_count: 1, expected: 0")
	assert.Contains(t, r, "INFO: lockdep is turned off.")
	assert.Contains(t, r, " faulty_function (sleep-atomic.c:")
}

func TestScenarioReplayIsByteForByte(t *testing.T) {
	for _, name := range []string{"abba", "sleep-atomic-pressure", "lost-update", "philosophers"} {
		src, _ := Source(name)
		s, err := Load(name, src)
		require.NoError(t, err)
		res := s.Explore(s.KernelConfig(), sched.Options{})
		require.NotEmpty(t, res.Problems, name)
		for _, p := range res.Problems {
			r, run := s.Replay(s.KernelConfig(), p.Schedule, sched.Options{})
			require.NoError(t, r.Err, name)
			require.NotNil(t, run)
			k := run.Kernel
			var same *sched.Found
			for _, q := range r.Problems {
				if q.Kind == p.Kind && q.Site == p.Site {
					same = q
				}
			}
			require.NotNil(t, same, "%s: %s", name, p.Title)
			assert.Equal(t, p.Report, same.Report)
			assert.Equal(t, p.FormatTrace(), same.FormatTrace())
			assert.True(t, strings.Contains(k.Dmesg(), strings.SplitN(p.Report, "\n", 2)[0]), "dmesg has the report")
		}
	}
}

// Found by review: free_irq racing with a task that holds the handler's lock, and
// tasklet_schedule racing with tasklet_kill. Interrupt state is shared by every step,
// so these explorations must find exactly what naive search finds.
func TestInterruptStateIsSearchedInFull(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"free_irq": {`#pragma ksim cpus 4
#pragma ksim lockdep off
static DEFINE_SPINLOCK(l);
static int n;
static irqreturn_t h(int irq, void *dev) { spin_lock(&l); n++; spin_unlock(&l); return IRQ_HANDLED; }
static int a(void *d) { free_irq(5, NULL); return 0; }
static int b(void *d) { spin_lock(&l); n++; spin_unlock(&l); return 0; }
static int __init m_init(void) {
	request_irq(5, h, 0, "x", NULL);
	kthread_run(a, NULL, "a");
	kthread_run(b, NULL, "b");
	return 0;
}
module_init(m_init);
`, "bug lockup"},
		"tasklet_kill": {`#pragma ksim cpus 4
static int ran;
static void work(unsigned long data) { ran = 1; }
static DECLARE_TASKLET(tl, work);
static int a(void *d) { local_bh_disable(); tasklet_schedule(&tl); local_bh_enable(); return 0; }
static int b(void *d) { tasklet_kill(&tl); return 0; }
static int __init m_init(void) { kthread_run(a, NULL, "a"); kthread_run(b, NULL, "b"); return 0; }
static void __exit m_exit(void) { BUG_ON(ran == 0); }
module_init(m_init); module_exit(m_exit);
`, "ok"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := Load(name, []byte(c.src))
			require.NoError(t, err)
			dfs := s.Explore(s.KernelConfig(), sched.Options{})
			naive := s.Explore(s.KernelConfig(), sched.Options{Strategy: sched.Naive})
			require.True(t, dfs.Complete)
			require.True(t, naive.Complete)
			assert.Equal(t, Kinds(naive), Kinds(dfs))
			assert.Equal(t, strings.Fields(c.want), Kinds(dfs))
			assert.NotEmpty(t, dfs.FullSearch)
		})
	}
}

// A printk record is cut at PRINTKRB_RECORD_MAX - 1 bytes, and a huge field width does
// not build megabytes of padding first.
func TestPrintkRecordIsCut(t *testing.T) {
	out := dmesgOf(t, `
static void worker(void)
{
	int i;
	for (i = 0; i < 3; i++)
		printk("%999999d|\n", i);
	printk("after\n");
}
`)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 4)
	for _, l := range lines[:3] {
		_, msg, ok := strings.Cut(l, "] ")
		require.True(t, ok, l)
		// printk_sprint's vscnprintf into the PRINTKRB_RECORD_MAX-byte
		// reservation keeps one byte for the NUL.
		assert.Len(t, msg, ksync.PrintkRecordMax-1)
		assert.NotContains(t, msg, "|", "the record is cut before the format's end")
	}
	assert.True(t, strings.HasSuffix(lines[3], "] after"), lines[3])
}

// The jiffies helpers of include/linux/jiffies.h, at HZ=250.
func TestJiffiesHelpers(t *testing.T) {
	_, res := runC(t, `
static int t0(void *d)
{
	unsigned long now = jiffies, later = now + msecs_to_jiffies(600000);
	BUG_ON(!time_after(later, now) || !time_before(now, later));
	BUG_ON(!time_after_eq(now, now) || !time_before_eq(now, now));
	BUG_ON(msecs_to_jiffies(1) != 1 || msecs_to_jiffies(4) != 1 || msecs_to_jiffies(5) != 2);
	BUG_ON(jiffies_to_msecs(HZ) != 1000);
	return 0;
}
#pragma ksim threads t0
`)
	assert.Equal(t, []string{"ok"}, Kinds(res))
}

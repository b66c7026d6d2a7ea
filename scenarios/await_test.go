package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// Spin and polling loops that change nothing wait for another task to change what they
// read (ksync's awaits): they explore completely, with no false hang (issue 10).
func TestSpinLoopsAreAwaits(t *testing.T) {
	const reader = `
static DEFINE_RWLOCK(rw); static int stop, data;
static int reader(void *d)
{
	int v;
	while (!READ_ONCE(stop)) {
		read_lock(&rw);
		v = data;
		read_unlock(&rw);%s
	}
	return 0;
}
static int writer(void *d)
{
	write_lock(&rw);
	data = 1;
	WRITE_ONCE(stop, 1);
	write_unlock(&rw);
	return 0;
}
#pragma ksim threads reader writer
`
	for _, tc := range []struct {
		name, src string
		kinds     []string
		title     string // a problem's title starts with it
	}{
		{"flag lock: both get in", `
static int flag, inside;
static int worker(void *d)
{
	while (READ_ONCE(flag))
		cpu_relax();
	WRITE_ONCE(flag, 1);
	inside++;
	BUG_ON(inside > 1);
	inside--;
	WRITE_ONCE(flag, 0);
	return 0;
}
#pragma ksim threads worker worker
`, []string{"bug"}, "kernel BUG at t.c:"},
		{"polling reader", strings.Replace(reader, "%s", "", 1), []string{"ok"}, ""},
		{"polling reader, cpu_relax", strings.Replace(reader, "%s", " cpu_relax();", 1), []string{"ok"}, ""},
		{"polling reader, msleep", strings.Replace(reader, "%s", " msleep(1);", 1), []string{"ok"}, ""},
		{"trylock spin", `
static DEFINE_SPINLOCK(l); static int n;
static int worker(void *d)
{
	while (!spin_trylock(&l))
		cpu_relax();
	n++;
	spin_unlock(&l);
	return 0;
}
#pragma ksim threads worker worker
`, []string{"ok"}, ""},
		{"nobody clears the flag: soft lockup", `
static int flag = 1;
static int waiter(void *d) { while (READ_ONCE(flag)) cpu_relax(); return 0; }
#pragma ksim threads waiter
`, []string{"lockup"}, "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [waiter:"},
		{"nobody clears the flag, irqs off: hard lockup", `
static int flag = 1;
static int waiter(void *d) { local_irq_disable(); while (READ_ONCE(flag)) cpu_relax(); local_irq_enable(); return 0; }
#pragma ksim threads waiter
`, []string{"lockup"}, "watchdog: Watchdog detected hard LOCKUP on cpu 0"},
		{"nobody clears the flag, polling: the kernel is silent", `
static int flag = 1;
static int waiter(void *d) { while (READ_ONCE(flag)) msleep(10); return 0; }
#pragma ksim threads waiter
`, []string{"hang"}, "ksim: livelock: waiter/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, res := runC(t, tc.src)
			assert.True(t, res.Complete, "the exploration is complete: %s", res.Cut)
			assert.Equal(t, tc.kinds, Kinds(res))
			assert.Zero(t, res.Stats.Hung, "no execution reached the step limit")
			if tc.title != "" {
				require.NotEmpty(t, res.Problems)
				assert.True(t, strings.HasPrefix(res.Problems[0].Title, tc.title), res.Problems[0].Title)
			}
		})
	}
}

// A loop whose iterations change state runs until the step limit; with another task
// starved meanwhile that is an unfair schedule, which bounds the search (not complete)
// but is no hang. Alone, it is a livelock.
func TestLoopsThatChangeStateAreBoundedFairly(t *testing.T) {
	s, err := Load("t.c", []byte(`
static int stop, count;
static int counter(void *d) { while (!READ_ONCE(stop)) count++; return 0; }
static int stopper(void *d) { WRITE_ONCE(stop, 1); return 0; }
#pragma ksim threads counter stopper
`))
	require.NoError(t, err)
	res := s.Explore(s.KernelConfig(), sched.Options{MaxSteps: 200})
	assert.False(t, res.Complete)
	assert.Contains(t, res.Cut, "unfair schedule")
	assert.Equal(t, []string{"ok"}, Kinds(res))
	assert.NotZero(t, res.Stats.Unfair)

	s, err = Load("t.c", []byte(`
static int count;
static int counter(void *d) { for (;;) count++; return 0; }
#pragma ksim threads counter
`))
	require.NoError(t, err)
	res = s.Explore(s.KernelConfig(), sched.Options{MaxSteps: 200})
	assert.Equal(t, []string{"hang"}, Kinds(res))
}

// A loop that polls a deadline waits for another task's change or for the deadline,
// whichever comes first: an explored choice. Time passes once nothing else can run.
func TestDeadlineLoopsChooseWhetherTheDeadlinePasses(t *testing.T) {
	_, res := runC(t, `
static int flag;
static int waiter(void *d)
{
	unsigned long end = jiffies + HZ / 10;
	while (!READ_ONCE(flag) && jiffies < end)
		cpu_relax();
	return 0;
}
#pragma ksim threads waiter
`)
	assert.True(t, res.Complete, res.Cut)
	assert.Equal(t, []string{"ok"}, Kinds(res), "alone, the deadline passes: no lockup")

	_, res = runC(t, `
static int flag;
static int waiter(void *d)
{
	unsigned long end = jiffies + msecs_to_jiffies(10000);
	while (!READ_ONCE(flag) && time_before(jiffies, end))
		cpu_relax();
	BUG_ON(!READ_ONCE(flag));
	return 0;
}
static int setter(void *d) { msleep(5); WRITE_ONCE(flag, 1); return 0; }
#pragma ksim threads waiter setter
`)
	assert.True(t, res.Complete, res.Cut)
	assert.Equal(t, []string{"bug"}, Kinds(res), "the 10 s deadline can pass before the setter runs")
}

// An inner loop's iterations do not hide that the outer one read jiffies: the outer
// loop still waits for its deadline, which passes, instead of spinning forever.
func TestNestedLoopKeepsItsDeadline(t *testing.T) {
	_, res := runC(t, `
static int flag, other;
static int waiter(void *d)
{
	unsigned long end = jiffies + HZ;
	while (!READ_ONCE(flag) && time_before(jiffies, end)) {
		int i;
		for (i = 0; i < 2; i++)
			cpu_relax();
		while (READ_ONCE(other))
			cpu_relax();
	}
	return 0;
}
#pragma ksim threads waiter
`)
	assert.True(t, res.Complete, res.Cut)
	assert.Equal(t, []string{"ok"}, Kinds(res))
}

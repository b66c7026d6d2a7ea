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

// The same deadlock is reported the same way whatever interleaving reached it: in
// every execution that deadlocks, under every interleaving (naive search, no
// reduction), each task asleep in TASK_UNINTERRUPTIBLE is in the hung-task report,
// and no deadlock falls back to the engine's generic "N thread(s) blocked" with an
// empty dmesg. A task blocked on itself is hung like any other.
//
// The generic report came from tasks that went to sleep while there were as many CPUs
// as tasks, and a later kthread_run made tasks outnumber CPUs: their pending
// operation had no CPU gate, and the report took them for tasks waiting for a CPU.
func TestEveryDeadlockIsAHungTaskReport(t *testing.T) {
	lateSpawn := func(cpus int, body string) string {
		return fmt.Sprintf(`
#pragma ksim cpus %d
static DEFINE_SEMAPHORE(s, 1);
static DEFINE_MUTEX(m);
static DECLARE_COMPLETION(done);
static int x;
static int t1(void *d) { %s return 0; }
static int t2(void *d) { x = 2; return 0; }
static int __init i(void)
{
	kthread_run(t1, NULL, "t1");
	x = 1;
	kthread_run(t2, NULL, "t2");
	return 0;
}
module_init(i);
`, cpus, body)
	}
	library := func(name string, cpus int) string {
		src, ok := Source(name)
		require.True(t, ok, name)
		return fmt.Sprintf("#pragma ksim cpus %d\n%s", cpus, src)
	}
	for _, tc := range []struct {
		name string
		src  string
	}{
		{"down of a semaphore it holds, tasks outnumber CPUs after", lateSpawn(2, "down(&s); down(&s);")},
		{"mutex_lock of a mutex it holds, tasks outnumber CPUs after", lateSpawn(2, "mutex_lock(&m); mutex_lock(&m);")},
		{"down of a semaphore it holds, one CPU", lateSpawn(1, "down(&s); down(&s);")},
		{"mutex_lock of a mutex it holds, one CPU", lateSpawn(1, "mutex_lock(&m); mutex_lock(&m);")},
		{"down of a semaphore it holds, a CPU each", lateSpawn(3, "down(&s); down(&s);")},
		{"a completion nobody completes", lateSpawn(2, "wait_for_completion(&done);")},
		{"a mutex whose owner exited", `
#pragma ksim cpus 3
static DEFINE_MUTEX(m);
static int x;
static int t0(void *d) { x = 1; mutex_lock(&m); return 0; }
static int t1(void *d) { x = 2; return 0; }
static int t2(void *d) { mutex_lock(&m); return 0; }
static int __init i(void)
{
	kthread_run(t0, NULL, "t0");
	kthread_run(t1, NULL, "t1");
	kthread_run(t2, NULL, "t2");
	return 0;
}
module_init(i);
`},
		{"abba, one CPU", library("abba", 1)},
		{"abba, two CPUs", library("abba", 2)},
		{"abba, three CPUs", library("abba", 3)},
		{"mutex-abba, one CPU", library("mutex-abba", 1)},
		{"mutex-abba, three CPUs", library("mutex-abba", 3)},
		{"mutex-recursion, one CPU", library("mutex-recursion", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load("t.c", []byte(tc.src))
			require.NoError(t, err)
			deadlocked, bad := 0, []string{}
			res := sched.Explore(s.Program(s.KernelConfig(), func(k *ksync.Kernel) {
				e := k.Execution()
				e.OnEnd(func(o sched.Outcome) {
					if o != sched.Deadlocked {
						return
					}
					deadlocked++
					dmesg := k.Dmesg()
					for _, task := range k.Tasks() {
						line := fmt.Sprintf("INFO: task %s:%d blocked for more than 120 seconds.", task.Comm, task.PID)
						if task.State() == ksync.Uninterruptible && !strings.Contains(dmesg, line) && len(bad) < 3 {
							bad = append(bad, fmt.Sprintf("%s missing in execution %d (%s); dmesg:\n%s", line, e.Number(), e.Schedule(), dmesg))
						}
					}
				})
			}), sched.Options{Strategy: sched.Naive, MaxExecutions: 50000})
			require.NoError(t, res.Err)
			require.True(t, res.Complete, res.Verdict())
			require.NotZero(t, deadlocked, "the scenario deadlocks in some interleaving")
			assert.Empty(t, bad)
			for _, p := range res.Problems {
				if p.Kind != sched.KindDeadlock {
					continue
				}
				assert.True(t, strings.HasPrefix(p.Title, "INFO: task "), "%s\n%s", p.Title, p.Report)
				assert.Contains(t, p.Report, "blocked for more than 120 seconds.\n")
			}
		})
	}
}

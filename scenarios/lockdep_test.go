package scenarios

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./scenarios -update")
	assert.Equal(t, string(want), got)
}

// Seed 000 with mutexes: lockdep predicts the cycle from one execution that does not
// deadlock, as the kernel's lockdep does.
const abbaMutexes = `
static DEFINE_MUTEX(m1);
static DEFINE_MUTEX(m2);

static int bad_function(void *data)
{
	mutex_lock(&m1);
	mutex_lock(&m2);
	mutex_unlock(&m2);
	mutex_unlock(&m1);
	return 0;
}

static int another_function(void *data)
{
	mutex_lock(&m2);
	mutex_lock(&m1);
	mutex_unlock(&m1);
	mutex_unlock(&m2);
	return 0;
}

static int __init deadlock_init(void)
{
	kthread_run(bad_function, NULL, "bad_function");
	kthread_run(another_function, NULL, "another_function");
	return 0;
}
module_init(deadlock_init);
`

func TestLockdepPredictsCycleFromARunThatDidNotDeadlock(t *testing.T) {
	s, err := Load("abba-mutex", []byte(abbaMutexes))
	require.NoError(t, err)
	checked := 0
	for seed := int64(1); seed <= 40; seed++ {
		res := s.Explore(s.KernelConfig(), sched.Options{Strategy: sched.Random, Seed: seed, MaxExecutions: 1})
		require.EqualValues(t, 1, res.Stats.Executions)
		if res.Stats.Deadlocked > 0 {
			continue
		}
		checked++
		require.Equal(t, []string{"warning"}, Kinds(res), "seed %d", seed)
		assert.Equal(t, "WARNING: possible circular locking dependency detected", res.Problems[0].Title)
		if checked == 1 {
			golden(t, "lockdep-circular-abba-mutex", res.Problems[0].Report)
		}
	}
	assert.Positive(t, checked, "some seed gives an execution that does not deadlock")
}

func TestMutexInsideSpinlockBugThenInvalidWaitContext(t *testing.T) {
	s, err := Load("mutex-in-spin", []byte(`
static DEFINE_SPINLOCK(my_lock);
static DEFINE_MUTEX(m);
void faulty_function() {
spin_lock(&my_lock);
mutex_lock(&m);
mutex_unlock(&m);
spin_unlock(&my_lock);
}
`))
	require.NoError(t, err)
	res := s.Explore(s.KernelConfig(), sched.Options{})
	require.Len(t, res.Problems, 2)
	assert.Equal(t, "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:586", res.Problems[0].Title)
	assert.Equal(t, "[ BUG: Invalid wait context ]", res.Problems[1].Title)
	assert.Less(t, res.Problems[0].Step, res.Problems[1].Step+1, "in that order")
	golden(t, "lockdep-invalid-wait-context", res.Problems[1].Report)
}

func TestNoLockdepPragma(t *testing.T) {
	src, _ := Source("mutex-abba")
	s, err := Load("mutex-abba", src)
	require.NoError(t, err)
	cfg := s.KernelConfig()
	cfg.NoLockdep = true
	res := s.Explore(cfg, sched.Options{})
	assert.Equal(t, []string{"deadlock"}, Kinds(res), "with lockdep off only the hang remains")
}

// The kernel keys the class of a lock initialised at run time by the init call site
// (one static lock_class_key per mutex_init call), not by its text: two helpers that
// both say mutex_init(m) make two classes, both named "m"; lockdep prints the second
// as "m#2". One site still makes one class for every lock it initialises.
func TestInitClassIsTheCallSite(t *testing.T) {
	const helpers = `
struct mutex ma;
struct mutex mb;
static void init_a(struct mutex *m) { mutex_init(m); }
static void init_b(struct mutex *m) { mutex_init(m); }
void t1(void) {
	init_a(&ma);
	init_b(&mb);
	mutex_lock(&ma);
	mutex_lock(&mb);
	mutex_unlock(&mb);
	mutex_unlock(&ma);
%s
}
#pragma ksim threads t1
`
	_, res := runC(t, fmt.Sprintf(helpers, ""))
	assert.Equal(t, []string{"ok"}, Kinds(res), "two init sites, two classes: nesting them is not recursion")

	_, res = runC(t, fmt.Sprintf(helpers, `
	mutex_lock(&mb);
	mutex_lock(&ma);
	mutex_unlock(&ma);
	mutex_unlock(&mb);`))
	require.Equal(t, []string{"warning"}, Kinds(res))
	p := res.Problems[0]
	assert.Equal(t, "WARNING: possible circular locking dependency detected", p.Title)
	assert.Contains(t, p.Report, " (m){+.+.}")
	assert.Contains(t, p.Report, " (m#2){+.+.}")

	_, res = runC(t, `
struct mutex ma;
struct mutex mb;
static void init_one(struct mutex *m) { mutex_init(m); }
void t1(void) {
	init_one(&ma);
	init_one(&mb);
	mutex_lock(&ma);
	mutex_lock(&mb);
	mutex_unlock(&mb);
	mutex_unlock(&ma);
}
#pragma ksim threads t1
`)
	require.Equal(t, []string{"warning"}, Kinds(res), "one init site, one class")
	assert.Equal(t, "WARNING: possible recursive locking detected", res.Problems[0].Title)
	assert.Contains(t, res.Problems[0].Report, " (m){+.+.}")
}

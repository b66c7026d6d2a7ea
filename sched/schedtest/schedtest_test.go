package schedtest

import (
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ksim-dev/ksim/sched"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// mutex is the smallest lock a Go user would write against sched.
type mutex struct {
	id    sched.ObjID
	owner *sched.Thread
}

func (m *mutex) Enabled(*sched.Op) bool { return m.owner == nil }

func (m *mutex) Lock(t *sched.Thread, pos string) {
	t.Op(&sched.Op{Name: "lock", Obj: m.id, Access: sched.Acquire, Guard: m, Pos: pos})
	m.owner = t
}

func (m *mutex) Unlock(t *sched.Thread, pos string) {
	t.Op(&sched.Op{Name: "unlock", Obj: m.id, Access: sched.Release, Pos: pos})
	m.owner = nil
}

func abba(e *sched.Execution) {
	a := &mutex{id: e.NewObject("A")}
	b := &mutex{id: e.NewObject("B")}
	e.Spawn("T1", func(t *sched.Thread) { a.Lock(t, "t1:1"); b.Lock(t, "t1:2"); b.Unlock(t, "t1:3"); a.Unlock(t, "t1:4") })
	e.Spawn("T2", func(t *sched.Thread) { b.Lock(t, "t2:1"); a.Lock(t, "t2:2"); a.Unlock(t, "t2:3"); b.Unlock(t, "t2:4") })
}

// recorder is a testing.TB that keeps what a test would have printed.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  string
	name   string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Errorf(f string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(f, args...))
}
func (r *recorder) Fatalf(f string, args ...any) { r.fatal = fmt.Sprintf(f, args...) }
func (r *recorder) Logf(string, ...any)          {}

func TestModelReportsDeadlockWithTraceAndReplay(t *testing.T) {
	rec := &recorder{TB: t, name: "TestBank/transfer"}
	res := Model(rec, abba)
	require.Len(t, rec.errors, 1)
	msg := rec.errors[0]
	assert.Contains(t, msg, "ksim: deadlock: 2 thread(s) blocked")
	assert.Contains(t, msg, "step | T1")
	assert.Contains(t, msg, "blocked in lock(B)")
	assert.Contains(t, msg, "go test -run '^TestBank$/^transfer$' -ksim.replay='ksim1:")
	assert.True(t, res.Complete)

	// The printed schedule replays exactly that execution.
	t.Setenv("KSIM_REPLAY", res.Problems[0].Schedule)
	rec2 := &recorder{TB: t, name: "TestBank/transfer"}
	res2 := Model(rec2, abba)
	require.Len(t, rec2.errors, 1)
	assert.EqualValues(t, 1, res2.Stats.Executions)
	assert.Equal(t, msg, rec2.errors[0])
}

func TestReplayFlag(t *testing.T) {
	rec := &recorder{TB: t, name: "TestBank"}
	res := Model(rec, abba)
	require.Len(t, res.Problems, 1)

	require.NoError(t, flag.Set("ksim.replay", res.Problems[0].Schedule))
	defer flag.Set("ksim.replay", "")
	rec2 := &recorder{TB: t, name: "TestBank"}
	res2 := Model(rec2, abba)
	assert.EqualValues(t, 1, res2.Stats.Executions, "the flag replays one execution")
	assert.Equal(t, rec.errors, rec2.errors)

	require.NoError(t, flag.Set("ksim.replay", "ksim1:0:0"))
	rec3 := &recorder{TB: t, name: "TestBank"}
	Model(rec3, abba)
	assert.Contains(t, rec3.fatal, "schedule does not fit")
}

func TestBadReplayIsFatal(t *testing.T) {
	t.Setenv("KSIM_REPLAY", "ksim1:zz:0")
	rec := &recorder{TB: t, name: "T"}
	Model(rec, abba)
	assert.Contains(t, rec.fatal, "schedule does not fit")
}

func TestCleanModelPasses(t *testing.T) {
	res := Model(t, func(e *sched.Execution) {
		a := &mutex{id: e.NewObject("A")}
		for i := 0; i < 3; i++ {
			e.Spawn(fmt.Sprint("T", i), func(t *sched.Thread) { a.Lock(t, "l"); a.Unlock(t, "u") })
		}
	})
	assert.True(t, res.Complete)
	assert.EqualValues(t, 6, res.Stats.Executions, "3 threads on one lock: 3! orders")
}

func TestParallelModels(t *testing.T) {
	for i := 0; i < 4; i++ {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			rec := &recorder{TB: t, name: t.Name()}
			Model(rec, abba)
			assert.Len(t, rec.errors, 1)
		})
	}
}

func TestReplayCommandQuotesNames(t *testing.T) {
	got := ReplayCommand("TestX/a+b", "ksim1::0")
	assert.Equal(t, `go test -run '^TestX$/^a\+b$' -ksim.replay='ksim1::0' .`, got)
	assert.False(t, strings.Contains(got, "\n"))
	assert.Equal(t, `go test -run '^TestX$/^it'\''s$' -ksim.replay='ksim1::0' .`, ReplayCommand("TestX/it's", "ksim1::0"))
}

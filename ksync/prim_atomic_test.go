package ksync

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// Each atomic_t operation, from a known value: what it returns, what it leaves, and
// the kernel name the trace shows.
func TestAtomicOperations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		init  int
		op    func(t *Task, a *Atomic) int
		ret   int
		final int
		trace string
	}{
		{"atomic_read", 5, func(t *Task, a *Atomic) int { return a.Read(t) }, 5, 5, "atomic_read"},
		{"atomic_set", 5, func(t *Task, a *Atomic) int { a.Set(t, 9); return 0 }, 0, 9, "atomic_set"},
		{"atomic_add", 5, func(t *Task, a *Atomic) int { return a.Add(t, 3) }, 8, 8, "atomic_add"},
		{"atomic_sub", 5, func(t *Task, a *Atomic) int { return a.Sub(t, 3) }, 2, 2, "atomic_sub"},
		{"atomic_inc", 5, func(t *Task, a *Atomic) int { return a.Inc(t) }, 6, 6, "atomic_inc"},
		{"atomic_dec", 5, func(t *Task, a *Atomic) int { return a.Dec(t) }, 4, 4, "atomic_dec"},
		{"atomic_add_return", 5, func(t *Task, a *Atomic) int { return a.AddReturn(t, 3) }, 8, 8, "atomic_add_return"},
		{"atomic_sub_return", 5, func(t *Task, a *Atomic) int { return a.SubReturn(t, 7) }, -2, -2, "atomic_sub_return"},
		{"atomic_inc_return", 5, func(t *Task, a *Atomic) int { return a.IncReturn(t) }, 6, 6, "atomic_inc_return"},
		{"atomic_dec_return", 5, func(t *Task, a *Atomic) int { return a.DecReturn(t) }, 4, 4, "atomic_dec_return"},
		{"atomic_dec_and_test to 0", 1, func(t *Task, a *Atomic) int { return b2i(a.DecAndTest(t)) }, 1, 0, "atomic_dec"},
		{"atomic_dec_and_test not 0", 2, func(t *Task, a *Atomic) int { return b2i(a.DecAndTest(t)) }, 0, 1, "atomic_dec"},
		// atomic_cmpxchg returns the value it found, whether or not it stored.
		{"atomic_cmpxchg hit", 5, func(t *Task, a *Atomic) int { return a.Cmpxchg(t, 5, 7) }, 5, 7, "atomic_cmpxchg"},
		{"atomic_cmpxchg miss", 5, func(t *Task, a *Atomic) int { return a.Cmpxchg(t, 4, 7) }, 5, 5, "atomic_cmpxchg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rets, finals []int
			var ops []string
			res := sched.Explore(func(e *sched.Execution) {
				k := New(e, Config{})
				a := k.NewAtomic("v", tc.init)
				k.KernelThread("t", func(t *Task) { rets = append(rets, tc.op(t, a)) })
				e.OnEnd(func(sched.Outcome) {
					finals = append(finals, a.Value())
					for _, ev := range e.Trace() {
						ops = append(ops, ev.Op)
					}
				})
			}, sched.Options{})
			require.NoError(t, res.Err)
			assert.True(t, res.Complete)
			assert.Empty(t, res.Problems)
			assert.Equal(t, []int{tc.ret}, rets)
			assert.Equal(t, []int{tc.final}, finals)
			assert.Equal(t, []string{tc.trace}, ops)
		})
	}
}

// Two tasks race to claim a slot with atomic_cmpxchg(v, 0, id): in every execution
// exactly one wins, and the loser is told the winner's id.
func TestAtomicCmpxchgExactlyOneWins(t *testing.T) {
	type outcome struct{ winners, sawOther int }
	var outs []outcome
	res := sched.Explore(func(e *sched.Execution) {
		k := New(e, Config{})
		v := k.NewAtomic("owner", 0)
		var o outcome
		for id := 1; id <= 2; id++ {
			k.KernelThread("claim", func(t *Task) {
				switch old := v.Cmpxchg(t, 0, id); old {
				case 0:
					o.winners++
				case 3 - id:
					o.sawOther++
				}
			})
		}
		e.OnEnd(func(sched.Outcome) { outs = append(outs, o) })
	}, sched.Options{})
	require.NoError(t, res.Err)
	assert.True(t, res.Complete)
	assert.Len(t, outs, 2, "either task may win")
	for _, o := range outs {
		assert.Equal(t, outcome{1, 1}, o)
	}
}

// READ_ONCE and WRITE_ONCE are shared-variable accesses under the kernel's names:
// same values as Load and Store, and racing ones are explored both ways.
func TestReadOnceWriteOnce(t *testing.T) {
	var seen []int64
	var ops []string
	res := sched.Explore(func(e *sched.Execution) {
		k := New(e, Config{})
		x := k.NewInt("x", 1)
		k.KernelThread("writer", func(t *Task) { x.WriteOnce(t, 2) })
		k.KernelThread("reader", func(t *Task) { seen = append(seen, x.ReadOnce(t)) })
		e.OnEnd(func(sched.Outcome) {
			if ops == nil {
				for _, ev := range e.Trace() {
					ops = append(ops, ev.Op)
				}
			}
		})
	}, sched.Options{})
	require.NoError(t, res.Err)
	assert.True(t, res.Complete)
	assert.ElementsMatch(t, []int64{1, 2}, seen)
	assert.ElementsMatch(t, []string{"WRITE_ONCE", "READ_ONCE"}, ops)
}

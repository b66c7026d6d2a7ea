package kapi

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
	"github.com/ksim-dev/ksim/sched"
)

func TestAssertionReports(t *testing.T) {
	for _, tc := range []struct {
		name   string
		run    func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64
		ret    int64
		titles []string
		dmesg  []string // lines the log has, in order
	}{
		{"BUG_ON false", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:3", "BUG_ON", 0)
		}, 0, nil, nil},
		{"BUG_ON true", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:3", "BUG_ON", 1)
		}, 0, []string{"kernel BUG at d.c:3!"}, []string{"------------[ cut here ]------------", "kernel BUG at d.c:3!", "Oops: invalid opcode: 0000 [#1]"}},
		{"BUG", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:4", "BUG")
		}, 0, []string{"kernel BUG at d.c:4!"}, nil},
		{"WARN_ON false", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:5", "WARN_ON", 0)
		}, 0, nil, nil},
		{"WARN_ON true", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:5", "WARN_ON", 1)
		}, 1, []string{"WARNING: CPU: 0 PID: 2 at d.c:5 d.c:5"}, []string{"------------[ cut here ]------------", "WARNING: CPU: 0 PID: 2 at d.c:5 d.c:5"}},
		{"WARN with a message", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:6", "WARN", 1, tkString(k, "bad state %d in %s\n"), 3, tkString(k, "probe"))
		}, 1, []string{"WARNING: CPU: 0 PID: 2 at d.c:6 d.c:6"}, []string{"------------[ cut here ]------------", "bad state 3 in probe", "WARNING: CPU: 0 PID: 2 at d.c:6 d.c:6"}},
		{"WARN false prints nothing", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:6", "WARN", 0, tkString(k, "bad\n"))
		}, 0, nil, nil},
		{"panic", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:7", "panic", tkString(k, "out of %s\n"), tkString(k, "luck"))
		}, 0, []string{"Kernel panic - not syncing"}, []string{"Kernel panic - not syncing: out of luck", "Call Trace:", "---[ end Kernel panic - not syncing: out of luck ]---"}},
		{"dump_stack", func(t *testing.T, k *ksync.Kernel, task *ksync.Task) int64 {
			return tkCall(t, task, "d.c:8", "dump_stack")
		}, 0, nil, []string{"CPU: 0 UID: 0 PID: 2 Comm: insmod", "Call Trace:", " dump_stack_lvl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tkUse(t, newTkWorld())
			var ret int64
			var dmesg string
			res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
				ret = 0
				k.Execution().OnEnd(func(sched.Outcome) { dmesg = k.Dmesg() })
				k.KernelThread("insmod", func(task *ksync.Task) { ret = tc.run(t, k, task) })
			})
			assert.Equal(t, tc.ret, ret)
			assert.Equal(t, tc.titles, tkTitles(res))
			tkInOrder(t, dmesg, tc.dmesg)
		})
	}
}

// tkInOrder checks that log has the lines want, in that order.
func tkInOrder(t *testing.T, log string, want []string) {
	t.Helper()
	rest := log
	for _, w := range want {
		i := strings.Index(rest, w)
		require.GreaterOrEqual(t, i, 0, "%q (in order) in\n%s", w, log)
		rest = rest[i+len(w):]
	}
}

// WARN_ON_ONCE warns once per call site and boot, however often it fires there;
// another site warns on its own. Each returns its condition every time.
func TestWarnOnOncePerSite(t *testing.T) {
	tkUse(t, newTkWorld())
	var dmesg string
	var rets []int64
	res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		rets = nil
		k.Execution().OnEnd(func(sched.Outcome) { dmesg = k.Dmesg() })
		a, b := &interp.Site{Pos: "w.c:3"}, &interp.Site{Pos: "w.c:4"}
		k.KernelThread("insmod", func(task *ksync.Task) {
			for range 3 {
				rets = append(rets, tkCallSite(t, task, a, "WARN_ON_ONCE", 1))
			}
			rets = append(rets, tkCallSite(t, task, a, "WARN_ON_ONCE", 0))
			rets = append(rets, tkCallSite(t, task, b, "WARN_ON_ONCE", 1))
			rets = append(rets, tkCallSite(t, task, b, "WARN_ONCE", 1, tkString(k, "twice")))
		})
	})
	assert.Equal(t, []int64{1, 1, 1, 0, 1, 1}, rets)
	assert.Equal(t, 1, strings.Count(dmesg, "WARNING: CPU: 0 PID: 2 at w.c:3"), dmesg)
	assert.Equal(t, 1, strings.Count(dmesg, "WARNING: CPU: 0 PID: 2 at w.c:4"), dmesg)
	assert.NotContains(t, dmesg, "twice", "WARN_ONCE at a site that warned already is silent")
	assert.Len(t, res.Problems, 2)
}

// Two tasks at one WARN_ON_ONCE site: whichever comes first warns, the other is
// silent, and the exploration shows both.
func TestWarnOnOnceAcrossTasks(t *testing.T) {
	tkUse(t, newTkWorld())
	site := &interp.Site{Pos: "w.c:9"}
	counts := map[int]bool{}
	res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		k.Execution().OnEnd(func(sched.Outcome) { counts[strings.Count(k.Dmesg(), "WARNING:")] = true })
		for _, name := range []string{"a", "b"} {
			k.KernelThread(name, func(task *ksync.Task) { tkCallSite(t, task, site, "WARN_ON_ONCE", 1) })
		}
	})
	assert.Equal(t, map[int]bool{1: true}, counts, "one warning per execution")
	assert.Len(t, res.Problems, 1, "the same problem whoever warns")
}

func TestDiagFormat(t *testing.T) {
	for _, tc := range []struct {
		format string
		args   []any // int64, or string (a pointer to it)
		want   string
	}{
		{"plain", nil, "plain"},
		{"%d %i %u", []any{int64(-3), int64(4), int64(-1)}, "-3 4 4294967295"},
		{"%ld %lu %llx", []any{int64(-3), int64(-1), int64(255)}, "-3 18446744073709551615 ff"},
		{"%5d|%-5d|%05d", []any{int64(42), int64(42), int64(42)}, "   42|42   |00042"},
		{"%#x %X %o", []any{int64(255), int64(255), int64(8)}, "0xff FF 10"},
		{"%hhd %hd", []any{int64(255), int64(65535)}, "-1 -1"},
		{"%c%c", []any{int64('o'), int64('k')}, "ok"},
		{"[%s] [%.2s] [%6s]", []any{"abc", "abc", "abc"}, "[abc] [ab] [   abc]"},
		{"%s", []any{int64(0)}, "(null)"},
		{"%*d", []any{int64(4), int64(7)}, "   7"},
		{"100%%", nil, "100%"},
		{"%p", []any{int64(0x1234)}, "0000000000001234"},
		{"missing %d", nil, "missing 0"},
		{"trailing %", nil, "trailing %"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			tkUse(t, newTkWorld())
			var got string
			tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
				args := []int64{tkString(k, tc.format)}
				for _, a := range tc.args {
					switch a := a.(type) {
					case int64:
						args = append(args, a)
					case string:
						args = append(args, tkString(k, a))
					}
				}
				k.KernelThread("insmod", func(task *ksync.Task) {
					got = diagFormat(&interp.Call{T: task, Args: args}, 0)
				})
			})
			assert.Equal(t, tc.want, got)
		})
	}
}

package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/scenarios/cfront"
)

// maxErrors is how many errors a file reports before "too many errors".
const maxErrors = 10

// loadErrors loads src as x.c and returns its errors as strings.
func loadErrors(t *testing.T, src string) []string {
	t.Helper()
	s, err := Load("x.c", []byte(src))
	if err == nil {
		require.NotNil(t, s)
		return nil
	}
	require.Nil(t, s, "a failed Load returns no scenario")
	var list cfront.ErrorList
	require.True(t, errors.As(err, &list), "Load returns a cfront.ErrorList, got %T", err)
	var out []string
	for _, e := range list {
		out = append(out, e.Error())
	}
	return out
}

func mustLoad(t *testing.T, name, src string) *Scenario {
	t.Helper()
	s, err := Load(name, []byte(src))
	if err != nil {
		var list cfront.ErrorList
		errors.As(err, &list)
		require.NoError(t, err, "%s", list.Detail())
	}
	return s
}

func threadFuncs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "static void f%d(void)\n{\n}\n", i)
	}
	return b.String()
}

// errorCases are scenarios with mistakes and the exact messages they get. The
// fuzz test uses their inputs as its seed corpus too.
var errorCases = []struct {
	name string
	src  string
	want []string
}{
	{
		name: "undeclared function",
		src:  "static void f(void)\n{\n\tfoo();\n}\n",
		want: []string{"x.c:3:2: not modelled: foo (no kernel header ksim has declares it)"},
	},
	{
		name: "module_init of an undefined function",
		src:  "static void f(void)\n{\n}\nmodule_init(nope);\n",
		want: []string{"x.c:4:1: not modelled: nope (no kernel header ksim has declares it)"},
	},
	{
		name: "module_init with parameters",
		src:  "static int init(int x)\n{\n\treturn 0;\n}\nmodule_init(init);\n",
		want: []string{"x.c:5:1: module_init function init must take no parameters: static int __init init(void)"},
	},
	{
		name: "nothing to run",
		src:  "static void f(int x)\n{\n}\n",
		want: []string{"x.c:1:1: nothing to run: no module_init, no #pragma ksim threads, and no function that could start as a thread"},
	},
	{
		name: "too many threads",
		src:  threadFuncs(70),
		want: []string{"x.c:1:1: 70 functions could start as threads, but a scenario can run at most 64 tasks (choose some with #pragma ksim threads)"},
	},
	{
		name: "threads with module_init",
		src:  "#pragma ksim threads f\nstatic int f(void *p)\n{\n\treturn 0;\n}\nstatic int init(void)\n{\n\treturn 0;\n}\nmodule_init(init);\n",
		want: []string{"x.c:1:1: #pragma ksim threads cannot be combined with module_init (module_init starts the threads)"},
	},
	{
		name: "header ksim lacks",
		src:  "#include <linux/nosuch.h>\nstatic void f(void)\n{\n}\n",
		want: []string{"x.c:1:10: not modelled: <linux/nosuch.h> (ksim's kernel headers do not have it)"},
	},
	{
		name: "floating point",
		src:  "static void f(void)\n{\n\tdouble d = 1.5;\n\t(void)d;\n}\n",
		want: []string{"x.c:3:9: not modelled: floating point (ksim's interpreter does not run it)"},
	},
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, loadErrors(t, tc.src))
		})
	}
}

func TestErrorPositionsAreValid(t *testing.T) {
	for _, tc := range errorCases {
		s, err := Load("x.c", []byte(tc.src))
		if err == nil {
			continue
		}
		assert.Nil(t, s)
		var list cfront.ErrorList
		require.True(t, errors.As(err, &list))
		assert.LessOrEqual(t, len(list), maxErrors+1)
		for _, e := range list {
			assert.True(t, e.Pos.IsValid(), "%s: %v", tc.name, e)
			assert.Equal(t, "x.c", e.Filename)
		}
	}
}

func TestSeed000(t *testing.T) {
	src, err := os.ReadFile("testdata/seed000.c")
	require.NoError(t, err)
	s := mustLoad(t, "testdata/seed000.c", string(src))

	assert.Equal(t, "seed000", s.Name)
	assert.Equal(t, "deadlock_init", s.Init)
	assert.Equal(t, "deadlock_exit", s.Exit)
	assert.Nil(t, s.Threads, "module_init starts the threads")
	var names []string
	for _, f := range s.Prog.Funcs() {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"bad_function", "another_function", "deadlock_init", "deadlock_exit"}, names)
	assert.Equal(t, Config{CPUs: 2, Pos: map[string]cfront.Pos{}}, s.Config)
	assert.True(t, s.Prog.Global("sem1"))
	assert.True(t, s.Prog.Global("sem2"))
}

func TestSeed001(t *testing.T) {
	src, err := os.ReadFile("testdata/seed001.c")
	require.NoError(t, err)
	s := mustLoad(t, "seed001.c", string(src))

	assert.Equal(t, "", s.Init)
	assert.Equal(t, []string{"faulty_function"}, s.Threads, "the only uncalled function runs as the only task")
	assert.True(t, s.Prog.Global("my_lock"))
}

func TestThreadsWithoutInit(t *testing.T) {
	s := mustLoad(t, "t.c", `DEFINE_MUTEX(m);
static void helper(void)
{
	mutex_lock(&m);
	mutex_unlock(&m);
}
static int reader(void *data)
{
	helper();
	return 0;
}
static void recurse(void)
{
	recurse();
}
static void takes_int(int x)
{
}
void writer()
{
	helper();
}
static void bye(void)
{
}
module_exit(bye);
`)
	// helper is called, takes_int cannot be a thread, bye is module_exit;
	// recursion on itself does not count as being named by other code.
	assert.Equal(t, []string{"reader", "recurse", "writer"}, s.Threads)
	assert.Equal(t, "bye", s.Exit)
}

func TestPragmas(t *testing.T) {
	const body = "\nstatic void f(void)\n{\n}\nstatic int g(void *p)\n{\n\treturn 0;\n}\n"
	for _, tc := range []struct {
		name    string
		pragmas string
		want    Config // Pos is not compared
		errs    []string
	}{
		{name: "defaults", want: Config{CPUs: 2}},
		{
			name:    "all directives",
			pragmas: "#pragma ksim cpus 4\n#pragma ksim threads f g f\n#pragma ksim memory pressure\n#pragma ksim expect bug lockup\n#pragma ksim lockdep off\n#pragma ksim irq 3 times 2\n#pragma ksim irq 3 cpu 1\n#pragma ksim irq 5 cpu 0\n",
			want: Config{CPUs: 4, Threads: []string{"f", "g", "f"}, MemoryPressure: true, Expect: []string{"bug", "lockup"},
				NoLockdep: true, IRQ: map[int]IRQConfig{3: {Times: 2, CPU: 1}, 5: {CPU: 0}}},
		},
		{name: "expect ok", pragmas: "#pragma ksim expect ok\n", want: Config{CPUs: 2, Expect: []string{"ok"}}},
		{name: "bounds", pragmas: "#pragma ksim loop bound 5\n#pragma ksim arm bound 4\n", want: Config{CPUs: 2, LoopBound: 5, ArmBound: 4}},
		{name: "arm bound zero", pragmas: "#pragma ksim arm bound 0\n",
			errs: []string{`x.c:1:1: invalid arm bound "0" (want a number from 1 to 100)`}},
		{name: "arm bound malformed", pragmas: "#pragma ksim arm 3\n",
			errs: []string{`x.c:1:1: #pragma ksim arm bound wants one number: #pragma ksim arm bound 4`}},
		{name: "irq times only", pragmas: "#pragma ksim irq 7 times 3\n", want: Config{CPUs: 2, IRQ: map[int]IRQConfig{7: {Times: 3, CPU: -1}}}},
		{name: "unknown directive", pragmas: "#pragma ksim cpu 2\n",
			errs: []string{`x.c:1:1: unknown ksim directive "cpu" (want cpus, threads, memory pressure, expect, lockdep off, irq, loop bound, arm bound, process)`}},
		{name: "cpus not a number", pragmas: "#pragma ksim cpus two\n",
			errs: []string{`x.c:1:1: invalid CPU count "two" (want a number from 1 to 64)`}},
		{name: "cpus zero", pragmas: "#pragma ksim cpus 0\n",
			errs: []string{`x.c:1:1: invalid CPU count "0" (want a number from 1 to 64)`}},
		{name: "cpus too many", pragmas: "#pragma ksim cpus 65\n",
			errs: []string{`x.c:1:1: invalid CPU count "65" (want a number from 1 to 64)`}},
		{name: "cpus missing", pragmas: "#pragma ksim cpus\n",
			errs: []string{`x.c:1:1: #pragma ksim cpus wants one number: #pragma ksim cpus 2`}},
		{name: "cpus twice", pragmas: "#pragma ksim cpus 1\n#pragma ksim cpus 2\n",
			errs: []string{`x.c:2:1: duplicate #pragma ksim cpus (first at 1:1)`}},
		{name: "threads undefined", pragmas: "#pragma ksim threads f nope\n",
			errs: []string{`x.c:1:1: #pragma ksim threads: nope is not a function defined in this file`}},
		{name: "threads empty", pragmas: "#pragma ksim threads\n",
			errs: []string{`x.c:1:1: #pragma ksim threads wants at least one function name: #pragma ksim threads reader writer`}},
		{name: "threads wrong shape", pragmas: "#pragma ksim threads h\n", errs: []string{
			`x.c:1:1: #pragma ksim threads: h cannot start as a thread: a thread function takes (void) or one pointer: int fn(void *data)`}},
		{name: "expect ok and more", pragmas: "#pragma ksim expect ok deadlock\n",
			errs: []string{`x.c:1:1: "expect ok" cannot be combined with other results (ok means no problem at all)`}},
		{name: "expect unknown", pragmas: "#pragma ksim expect crash\n",
			errs: []string{`x.c:1:1: unknown expected result "crash" (want ok, or some of deadlock lockup bug warning hang)`}},
		{name: "expect twice in a line", pragmas: "#pragma ksim expect bug bug\n",
			errs: []string{`x.c:1:1: expected result "bug" listed twice`}},
		{name: "expect nothing", pragmas: "#pragma ksim expect\n",
			errs: []string{`x.c:1:1: #pragma ksim expect wants a result: ok, or some of deadlock lockup bug warning hang`}},
		{name: "memory without pressure", pragmas: "#pragma ksim memory\n",
			errs: []string{`x.c:1:1: unknown ksim directive "memory" (did you mean "memory pressure"?)`}},
		{name: "lockdep on", pragmas: "#pragma ksim lockdep on\n",
			errs: []string{`x.c:1:1: unknown ksim directive "lockdep on" (lockdep is on by default; "lockdep off" turns it off)`}},
		{name: "empty", pragmas: "#pragma ksim\n",
			errs: []string{`x.c:1:1: empty ksim directive (want cpus, threads, memory pressure, expect, lockdep off, irq, loop bound, arm bound, process)`}},
		{name: "irq malformed", pragmas: "#pragma ksim irq 3 often\n",
			errs: []string{`x.c:1:1: #pragma ksim irq wants "irq N times K" or "irq N cpu C"`}},
		{name: "irq bad number", pragmas: "#pragma ksim irq -1 times 2\n",
			errs: []string{`x.c:1:1: invalid interrupt number "-1" (want 0 to 1023)`}},
		{name: "irq bad count", pragmas: "#pragma ksim irq 1 times 0\n",
			errs: []string{`x.c:1:1: invalid count "0" in #pragma ksim irq 1 times (want 1 to 1000)`}},
		{name: "irq cpu beyond cpus", pragmas: "#pragma ksim cpus 2\n#pragma ksim irq 1 cpu 2\n",
			errs: []string{`x.c:2:1: irq 1 is delivered to CPU 2, but the scenario has 2 CPUs (CPUs are numbered from 0)`}},
		{name: "irq twice", pragmas: "#pragma ksim irq 1 cpu 0\n#pragma ksim irq 1 cpu 1\n",
			errs: []string{`x.c:2:1: duplicate #pragma ksim irq 1 cpu (first at 1:1)`}},
		{name: "other pragmas are ignored", pragmas: "#pragma once\n", want: Config{CPUs: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.pragmas + body + "static void h(int x)\n{\n}\n"
			errs := loadErrors(t, src)
			assert.Equal(t, tc.errs, errs)
			if tc.errs != nil {
				return
			}
			s := mustLoad(t, "x.c", src)
			got := s.Config
			got.Pos = nil
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPragmaPositions(t *testing.T) {
	s := mustLoad(t, "x.c", "static void f(void)\n{\n}\n#pragma ksim cpus 1\n\n  #pragma ksim expect ok\n#pragma ksim irq 2 times 1\n")
	assert.Equal(t, map[string]cfront.Pos{
		"cpus": {Line: 4, Col: 1}, "expect": {Line: 6, Col: 3},
		"irq 2": {Line: 7, Col: 1}, "irq 2 times": {Line: 7, Col: 1},
	}, s.Config.Pos)
}

func ExampleLoad() {
	src := []byte(`#pragma ksim cpus 1
#pragma ksim expect deadlock

DEFINE_MUTEX(a);
DEFINE_MUTEX(b);

static int ab(void *data)
{
	mutex_lock(&a);
	mutex_lock(&b);
	mutex_unlock(&b);
	mutex_unlock(&a);
	return 0;
}

static int ba(void *data)
{
	mutex_lock(&b);
	mutex_lokc(&a);
	return 0;
}
`)
	if _, err := Load("abba.c", src); err != nil {
		fmt.Println(err)
	}

	src = bytes.Replace(src, []byte("mutex_lokc(&a);"), []byte("mutex_lock(&a);"), 1)
	s, err := Load("abba.c", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, s.Threads, s.Config.CPUs, s.Config.Expect)
	// Output:
	// abba.c:19:2: not modelled: mutex_lokc (no kernel header ksim has declares it)
	// abba [ab ba] 1 [deadlock]
}

// The CLI may load scenarios on several goroutines; run with -race.
func TestLoadConcurrently(t *testing.T) {
	src, _ := Source("philosophers")
	done := make(chan error)
	for range 4 {
		go func() {
			_, err := Load("philosophers.c", src)
			done <- err
		}()
	}
	for range 4 {
		assert.NoError(t, <-done)
	}
}

// testdata/driver.c uses a broad slice of the kernel API the way driver
// code does; none of it may be reported.
func TestDriverIdioms(t *testing.T) {
	src, err := os.ReadFile("testdata/driver.c")
	require.NoError(t, err)
	s := mustLoad(t, "driver.c", string(src))
	assert.Equal(t, "drv_init", s.Init)
	assert.Equal(t, "drv_exit", s.Exit)
	assert.Equal(t, map[int]IRQConfig{3: {Times: 2, CPU: -1}}, s.Config.IRQ)
	assert.True(t, s.Prog.Global("worker_task"))
}

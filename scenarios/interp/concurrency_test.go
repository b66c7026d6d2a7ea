package interp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// Two threads writing different fields of one struct are independent: DPOR
// explores one execution; writing the same field, two.
func TestFieldsAreIndependent(t *testing.T) {
	for _, tt := range []struct {
		name  string
		src   string
		execs int64
	}{
		{"different fields", `struct s { long a; long b; } g; void t1(void) { g.a = 1; } void t2(void) { g.b = 2; }`, 1},
		{"same field", `struct s { long a; long b; } g; void t1(void) { g.a = 1; } void t2(void) { g.a = 2; }`, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obs := &observations{}
			p := compile(t, tt.src, obs)
			res := explore(t, p, obs, ksync.Config{}, sched.Options{}, "t1", "t2")
			assert.True(t, res.Complete)
			assert.Equal(t, tt.execs, res.Stats.Executions)
		})
	}
}

// A local whose address is never taken, and one whose address stays private,
// cost no steps; once its address reaches the kernel API it is shared.
func TestPrivateLocalsCostNothing(t *testing.T) {
	steps := func(src string) int64 {
		obs := &observations{}
		p := compile(t, src, obs)
		res := explore(t, p, obs, ksync.Config{}, sched.Options{}, "f")
		require.Empty(t, res.Problems)
		return res.Stats.Steps
	}
	base := steps(`void f(void) { }`)
	assert.Equal(t, base, steps(`void f(void) { int x = 0; for (int i = 0; i < 10; i++) x += i; }`))
	assert.Equal(t, base, steps(`void f(void) { int a[4]; int *p = &a[1]; for (int i = 0; i < 10; i++) *p += i; }`))
	assert.Equal(t, base, steps(`struct l { struct l *next; } ; void f(void) { struct l h; h.next = &h; h.next->next = &h; }`))
	// Escaped: every access is a step, and so is the frame's end (the object dies).
	esc := steps(`void f(void) { int x = 0; observe((long)&x); x = 1; x = 2; }`)
	priv := steps(`void f(void) { int x = 0; observe(0); x = 1; x = 2; }`)
	assert.Equal(t, priv+3, esc)
}

// A spin loop on a flag another thread sets is an await: it terminates in every
// execution, and no execution hangs.
func TestSpinLoopAwaits(t *testing.T) {
	obs := &observations{}
	p := compile(t, `int flag, data;
		void t1(void) { while (!READ_ONCE(flag)) ; observe(data); }
		void t2(void) { data = 42; WRITE_ONCE(flag, 1); }`, obs)
	res := explore(t, p, obs, ksync.Config{}, sched.Options{}, "t1", "t2")
	assert.Empty(t, titles(res))
	assert.True(t, res.Complete)
	for _, o := range obs.all {
		assert.Equal(t, []int64{42}, o)
	}
}

// A loop that waits for something no one will do is the kernel's soft lockup.
func TestSpinLoopForever(t *testing.T) {
	obs := &observations{}
	p := compile(t, `int flag; void f(void) { while (!flag) ; }`, obs)
	res := explore(t, p, obs, ksync.Config{}, sched.Options{}, "f")
	assert.Contains(t, titles(res), "soft lockup")
}

// A busy loop on local state only is caught by the step limit (a hang), not run
// forever inside one step.
func TestLocalLoopTicks(t *testing.T) {
	obs := &observations{}
	p := compile(t, `void f(void) { unsigned i = 0; for (;;) i++; }`, obs)
	res := explore(t, p, obs, ksync.Config{}, sched.Options{MaxSteps: 50}, "f")
	assert.NotEmpty(t, res.Problems)
	p = compile(t, `void f(void) { unsigned i = 0; again: i++; goto again; }`, obs)
	res = explore(t, p, obs, ksync.Config{}, sched.Options{MaxSteps: 50}, "f")
	assert.NotEmpty(t, res.Problems)
}

// A pointer to a local that outlives its frame: 6.12's generic KASAN has no
// use-after-return detection (the compiler unpoisons a frame as it returns), so the
// access reads what the local last held, silently, as in the kernel.
func TestDanglingStackPointer(t *testing.T) {
	obs, res := runOne(t, `int *leak(void) { int x = 1; int *p = &x; return p; } void f(void) { int *p = leak(); observe(*p); }`)
	assert.Empty(t, titles(res))
	assert.Equal(t, []int64{1}, obs)
}

func TestRuntimeFaults(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{`void f(void) { int *p = 0; observe(*p); }`, "NULL pointer dereference"},
		{`int z; void f(void) { observe(10 / z); }`, "divide error"},
		{`int r(int n) { return r(n + 1) + 1; } void f(void) { r(0); }`, "stack guard page"},
		{`void (*fp)(void); void f(void) { fp(); }`, "NULL pointer dereference"},
		{`void f(void) { char *p = alloc(4); release(p); p[1] = 1; }`, "use-after-free"},
		{`void f(void) { char *s = "abc"; s[0] = 'x'; }`, "unable to handle page fault"},
		{`static int a[2]; static void f(void) { int i = 2; a[i] = 1; }`, "UBSAN: array-index-out-of-bounds in test.c:1:53"},
		{`struct s { char *p[3]; int m[2][4]; } g; void f(void) { int i = 4; g.m[1][i] = 1; }`, "UBSAN: array-index-out-of-bounds"},
		{`const int c = 1; void f(void) { *(int *)&c = 2; }`, "unable to handle page fault"},
	} {
		_, res := runOne(t, tt.src)
		assert.Contains(t, titles(res), tt.want, tt.src)
	}
}

// Reports name the C frames and lines.
func TestFramesInReports(t *testing.T) {
	_, res := runOne(t, "void g(int *p) {\n  *p = 1;\n}\nvoid f(void) {\n  g(0);\n}\n")
	require.NotEmpty(t, res.Problems)
	rep := res.Problems[0].Report
	assert.Contains(t, rep, " g (test.c:2)")
	assert.Contains(t, rep, " f (test.c:5)")
}

// Threads started through a function pointer by the kernel API, sharing a lock in
// a heap struct found with container_of.
func TestSpawnAndLock(t *testing.T) {
	obs := &observations{}
	p := compile(t, `struct dev { int lock; long count; };
		void worker(void *arg) { struct dev *d = arg; lock(&d->lock); d->count++; unlock(&d->lock); }
		void f(void) { struct dev *d = alloc(sizeof *d); spawn(worker, d); spawn(worker, d); }`, obs)
	res := explore(t, p, obs, ksync.Config{}, sched.Options{}, "f")
	assert.Empty(t, titles(res))
	assert.True(t, res.Complete)
}

func TestCompileErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{`void f(void) { double d = 1.5; }`, "test.c:1:23: not modelled: floating point"},
		{`void nope(int); void f(void) { nope(1); }`, "test.c:1:32: not modelled: nope"},
		{`void f(void) { jiffies = 5; }`, "not modelled: writing jiffies"},
		{`int v(int n, ...) { return n; } void f(void) { v(1, 2); }`, "not modelled: a variadic function (v)"},
		{`void f(void) { asm("nop"); }`, "not modelled: asm"},
		{`void un(int *p) { unlock(p); } int l; void f(void) { int *g __attribute__((cleanup(un))) = &l; lock(&l); }`, "not modelled: __attribute__((cleanup))"},
		{`int g; int h = g; void f(void) { }`, "initializer element is not constant"},
		{`void f(void) { unused_helper(); }`, "test.h:13:48: not modelled: floating point"},
	} {
		assert.Contains(t, compileErr(t, tt.src), tt.want, tt.src)
	}
	// Errors are sorted and one per line.
	msg := compileErr(t, "void a(int); void b(int);\nvoid f(void) { b(1); a(2); }")
	assert.Equal(t, []string{"test.c:2:16: not modelled: b", "test.c:2:22: not modelled: a"}, strings.Split(msg, "\n"))
}

func TestJiffies(t *testing.T) {
	got, _ := runOne(t, `void f(void) { unsigned long j = jiffies; observe(j == READ_ONCE(jiffies)); observe(j > 0); }`)
	assert.Equal(t, []int64{1, 1}, got)
}

func TestProgramListings(t *testing.T) {
	obs := &observations{}
	p := compile(t, "static int helper(int x) { return x; }\nint thread(void *arg) { return helper(1); }\nvoid (*init)(void) = (void *)thread;\nint g;\n", obs)
	fs := p.Funcs()
	require.Len(t, fs, 2)
	assert.Equal(t, "helper", fs[0].Name)
	assert.True(t, fs[0].Referenced)
	assert.True(t, fs[0].IntParam)
	assert.Equal(t, "thread", fs[1].Name)
	assert.True(t, fs[1].PointerParam)
	assert.True(t, fs[1].Referenced)
	assert.Equal(t, 2, fs[1].Line)
	assert.True(t, p.Global("g"))
	assert.False(t, p.Global("helper"))
	sched.Explore(ksync.Program(ksync.Config{}, func(k *ksync.Kernel) {
		w := p.NewWorld(k)
		a, ok := w.GlobalAddr("init")
		require.True(t, ok)
		v, _ := k.Peek(a, 8)
		require.NotNil(t, w.FuncAt(v))
		assert.Equal(t, "thread", w.FuncAt(v).Name())
		assert.Same(t, w.Func("thread"), w.FuncAt(v))
	}), sched.Options{})
}

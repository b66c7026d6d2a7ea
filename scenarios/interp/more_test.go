package interp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// Static initialisers of the kernel's DEFINE_* shape: a compound literal inside a
// struct initialiser, address constants, strings, function pointers.
func TestStaticInitialisers(t *testing.T) {
	got, res := runOne(t, `struct key { char c; }; struct map { struct key *key; const char *name; };
		typedef struct spin { unsigned long init; struct map dep; int raw; } spin_t;
		#define SPIN_UNLOCKED(n) (spin_t){ .init = 0x6b73696d, .dep = { .key = 0, .name = #n } }
		spin_t s = SPIN_UNLOCKED(s);
		struct dev { int id; spin_t lock; spin_t *lp; void (*cb)(void); } d = { .id = 3, .lock = SPIN_UNLOCKED(d.lock), .lp = &d.lock };
		void cb(void) { observe(77); }
		void *init_ptr = (void *)cb;
		void f(void) { observe(s.init); observe(s.dep.name[0]); observe(d.lp == &d.lock); observe(d.lock.dep.name[2]); ((void (*)(void))init_ptr)(); }`)
	assert.Empty(t, titles(res))
	assert.Equal(t, []int64{0x6b73696d, 's', 1, 'l', 77}, got)
}

func TestOffsetof(t *testing.T) {
	obs := &observations{}
	p := compile(t, `struct tasklet_struct { struct tasklet_struct *next; unsigned long state; int count; _Bool use_callback;
			union { void (*func)(unsigned long); void (*callback)(struct tasklet_struct *); }; unsigned long data; };
		typedef struct { int counter; long x; } atomic_t;
		struct tasklet_struct t;`, obs)
	sched.Explore(ksync.Program(ksync.Config{}, func(k *ksync.Kernel) {
		w := p.NewWorld(k)
		for _, tt := range []struct {
			s, f string
			off  int
		}{{"tasklet_struct", "callback", 24}, {"tasklet_struct", "func", 24}, {"tasklet_struct", "data", 32}, {"atomic_t", "x", 8}} {
			off, ok := w.Offsetof(tt.s, tt.f)
			assert.True(t, ok, tt.f)
			assert.Equal(t, tt.off, off, tt.f)
		}
		_, ok := w.Offsetof("tasklet_struct", "nope")
		assert.False(t, ok)
	}), sched.Options{})
}

// A loop whose locals live in memory (an array) makes progress when they change:
// it is no await.
func TestLoopOnLocalMemory(t *testing.T) {
	got, res := runOne(t, `void f(void) { int b[2] = { 0, 0 }; while (b[0] < 3) b[0]++; observe(b[0]); }`)
	assert.Empty(t, titles(res))
	assert.Equal(t, []int64{3}, got)
}

// A kernel API function's address can be taken and called through a pointer; a
// call that re-enters the interpreter (a callback run synchronously) keeps the
// caller's arguments.
func TestBuiltinPointersAndReentrancy(t *testing.T) {
	obs := &observations{}
	ast, err := parse(`int twice(int (*cb)(int), int v);
		int add1(int v) { observe(v); return v + 1; }
		void f(void) { void (*o)(long) = observe; o(5); observe(twice(add1, twice(add1, 1))); }`)
	require.NoError(t, err)
	api := testAPI(obs)
	p, err := Compile(ast, Options{Lookup: func(name string) *Builtin {
		if name == "twice" {
			return &Builtin{Name: "twice", Impl: func(c *Call) int64 {
				fn := c.W.FuncAt(c.Addr(0))
				v := c.W.Run(c.T, fn, c.Int(1))
				v = c.W.Run(c.T, fn, v)
				assert.Equal(t, "add1", c.Site.ArgText[0])
				return v + c.Int(1) - c.Int(1)
			}}
		}
		return api(name)
	}, Files: isTestC})
	require.NoError(t, err)
	res := explore(t, p, obs, ksync.Config{}, sched.Options{}, "f")
	assert.Empty(t, titles(res))
	assert.Equal(t, [][]int64{{5, 1, 2, 3, 4, 5}}, obs.all)
}

// A loop that takes and releases a lock is an await unless the program can observe
// the round trip (a trylock somewhere).
func TestRoundTrips(t *testing.T) {
	obs := &observations{}
	p := compile(t, `int l, flag; void f(void) { lock(&l); unlock(&l); }`, obs)
	assert.False(t, p.roundTrips)
	p = compile(t, `int l, flag; void f(void) { if (trylock(&l)) unlock(&l); }`, obs)
	assert.True(t, p.roundTrips)
}

// Const globals live in read-only data: reading them is no step.
func TestConstGlobalsAreRodata(t *testing.T) {
	steps := func(src string) int64 {
		obs := &observations{}
		p := compile(t, src, obs)
		return explore(t, p, obs, ksync.Config{}, sched.Options{}, "f").Stats.Steps
	}
	assert.Equal(t, steps(`void f(void) { observe(1); }`), steps(`const int tab[3] = { 1, 2, 3 }; static const char *const names[] = { "a" }; void f(void) { observe(tab[1] + names[0][0]); }`))
}

// A loop that changes a caller's local through a pointer makes progress: the
// locals compared are every frame's, not only the loop's.
func TestLoopOnCallersLocal(t *testing.T) {
	got, res := runOne(t, `void count(int *c) { while (*c < 10) (*c)++; } void f(void) { int n = 0; count(&n); observe(n); }`)
	assert.Empty(t, titles(res))
	assert.Equal(t, []int64{10}, got)
}

// Control flow across loops: goto out of nested loops, a backward goto inside a
// loop body, continue in a switch in a loop.
func TestGotoAndLoops(t *testing.T) {
	got, res := runOne(t, `void f(void) {
		int i, j, n = 0;
		for (i = 0; i < 5; i++)
			for (j = 0; j < 5; j++)
				if (i * j == 6) goto found;
		observe(-1);
	found:
		observe(i * 10 + j);
		for (i = 0; i < 3; i++) { int k = 0; again: if (++k < 3) goto again; n += k; }
		observe(n);
		for (i = 0; i < 4; i++) { switch (i) { case 1: continue; default: n++; } n += 10; }
		observe(n);
	}`)
	assert.Empty(t, titles(res))
	assert.Equal(t, []int64{23, 9, 42}, got)
}

// With awaits off (ksync.Config.NoAwait) a spin loop runs, and still ends when the
// flag is set.
func TestNoAwait(t *testing.T) {
	obs := &observations{}
	p := compile(t, `int flag; void t1(void) { while (!READ_ONCE(flag)) ; observe(1); } void t2(void) { WRITE_ONCE(flag, 1); }`, obs)
	res := explore(t, p, obs, ksync.Config{NoAwait: true}, sched.Options{Strategy: sched.Random, Seed: 1, MaxExecutions: 5, MaxSteps: 5000}, "t1", "t2")
	for _, pr := range res.Problems {
		assert.NotEqual(t, sched.KindPanic, pr.Kind)
	}
	assert.NotEmpty(t, obs.all)
}

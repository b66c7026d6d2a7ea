package interp

import (
	"errors"
	"strings"
	"testing"

	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// fuzzSeeds reach the compiler's corners.
var fuzzSeeds = []string{
	`struct s { int a; struct { char c[3]; long d; }; unsigned b:3; } g = { 1, { "hi", 5 }, 2 }; void f(void) { observe(g.d + g.b); }`,
	`int a[4] = { [2] = 7, 8 }; void f(void) { int *p = a; observe(p[3] - *(p + 2)); }`,
	`void f(void) { int i = 0; l: if (i++ < 5) goto l; switch (i) { case 6: observe(i); default: break; } }`,
	`typedef struct { int counter; } atomic_t; atomic_t v = { 3 }; void f(void) { atomic_t l = v; observe(l.counter); }`,
	`void g(void *p) { observe((long)p); } void f(void) { void (*fp)(void *) = g; fp((void *)0); fp = 0; fp(0); }`,
	`int f2(int x) { return x ? f2(x - 1) : 0; } void f(void) { observe(f2(1000)); }`,
	`void f(void) { long x = 0; observe(1 / x); }`,
	`void f(void) { char b[4]; b[5] = 1; observe(({ int t = b[0]; t; })); }`,
	`int flag; void f(void) { while (!flag) ; }`,
	`void f(void) { unsigned long long u = -1; observe(u >> 63); observe((signed char)u); }`,
}

// FuzzCompile checks that Compile never panics, that its errors are sorted,
// positioned and not internal, and that what it compiles runs to a verdict without
// a Go panic. CI runs its seeds; go test -fuzz FuzzCompile runs it for real.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ast, err := parseSafe(src)
		if err != nil {
			return
		}
		obs := &observations{}
		p, err := Compile(ast, Options{Lookup: testAPI(obs), Files: func(f string) bool { return f == "test.c" }})
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %v", err)
			}
			for i, e := range list {
				if strings.Contains(e.Msg, "internal error") {
					t.Fatalf("internal error: %v", e)
				}
				if e.Line <= 0 {
					t.Fatalf("no position: %v", e)
				}
				if i > 0 && list[i-1].Error() == e.Error() {
					t.Fatalf("repeated error: %v", e)
				}
			}
			return
		}
		res := sched.Explore(ksync.Program(ksync.Config{CPUs: 2}, func(k *ksync.Kernel) {
			w := p.NewWorld(k)
			if fn := w.Func("f"); fn != nil {
				k.KernelThread("f", func(tk *ksync.Task) { w.Run(tk, fn) })
			}
		}), sched.Options{Strategy: sched.Random, Seed: 1, MaxExecutions: 2, MaxSteps: 2000})
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		for _, pr := range res.Problems {
			if pr.Kind == sched.KindPanic {
				t.Fatalf("Go panic:\n%s", pr.Report)
			}
		}
	})
}

// parseSafe is parse, with cc's own panics (cc/v4 v4.35.0 has some on malformed
// input, e.g. testdata/fuzz/FuzzCompile/448c603187a253c9: the front end's concern)
// turned into errors.
func parseSafe(src string) (ast *cc.AST, err error) {
	defer func() {
		if x := recover(); x != nil {
			ast, err = nil, errors.New("cc panicked")
		}
	}()
	return parse(src)
}

// The last-resort recover: a compiler failure becomes an error, not a crash.
func TestCompileRecovers(t *testing.T) {
	_, err := Compile(nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("got %v", err)
	}
	p, err := Compile(&cc.AST{}, Options{})
	if err != nil || p == nil || len(p.Funcs()) != 0 {
		t.Fatalf("empty unit: %v %v", p, err)
	}
}

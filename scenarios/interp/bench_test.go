package interp

import (
	"testing"
	"time"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// benchRun runs f once per iteration (one execution of one thread) and reports
// the time per step and per loop iteration (iters per run).
func benchRun(b *testing.B, src string, iters int) {
	obs := &observations{}
	ast, err := parse(src)
	if err != nil {
		b.Fatal(err)
	}
	p, err := Compile(ast, Options{Lookup: testAPI(obs), Files: isTestC})
	if err != nil {
		b.Fatal(err)
	}
	prog := ksync.Program(ksync.Config{CPUs: 1}, func(k *ksync.Kernel) {
		w := p.NewWorld(k)
		f := w.Func("f")
		k.KernelThread("f", func(t *ksync.Task) { w.Run(t, f) })
	})
	var steps int64
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		res := sched.Explore(prog, sched.Options{MaxSteps: 1 << 20})
		if len(res.Problems) > 0 {
			b.Fatal(res.Problems[0].Title)
		}
		steps += res.Stats.Steps
	}
	el := time.Since(start)
	b.ReportMetric(float64(el.Nanoseconds())/float64(steps), "ns/step")
	b.ReportMetric(float64(el.Nanoseconds())/float64(b.N*iters), "ns/iter")
}

// A loop taking and releasing a spinlock around a shared counter: two kernel API
// calls and two memory accesses a round, four steps.
func BenchmarkLockUnlock(b *testing.B) {
	benchRun(b, `int l; long count;
		void f(void) { for (int i = 0; i < 1000; i++) { lock(&l); count++; unlock(&l); } }`, 1000)
}

// Arithmetic on private locals: no steps at all, the cost of the closures alone.
func BenchmarkLocals(b *testing.B) {
	benchRun(b, `long out;
		void f(void) { long s = 0; int a[8]; for (int i = 0; i < 100000; i++) { a[i & 7] = i; s += a[(i + 3) & 7] * 3 + (i >> 2); } out = s; }`, 100000)
}

// Walking a list in shared memory through struct pointers.
func BenchmarkListWalk(b *testing.B) {
	benchRun(b, `struct node { long v; struct node *next; }; struct node nodes[64]; long out;
		void f(void) { for (int i = 0; i < 63; i++) nodes[i].next = &nodes[i + 1];
			long s = 0; for (int r = 0; r < 10; r++) for (struct node *n = nodes; n; n = n->next) s += n->v; out = s; }`, 640)
}

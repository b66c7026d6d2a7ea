package interp

import (
	"fmt"
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

// BenchmarkPhilosophers5 explores 5 philosophers taking two mutexes each, written
// in C, on a fake mutex_lock/mutex_unlock API over ksync mutexes living at their
// address, with lockdep on and 5 CPUs, and reports ns/step and "x-go": the ratio
// to the same exploration written in Go on ksync directly (ksync's
// BenchmarkPhilosophers5Lockdep), both measured in every iteration.
func BenchmarkPhilosophers5(b *testing.B) {
	api := map[string]*Builtin{}
	mutex := func(c *Call) *ksync.Mutex {
		a := c.Addr(0)
		if m, ok := c.K().PrimAt(a).(*ksync.Mutex); ok {
			return m
		}
		buf, off := c.K().Find(a)
		m := c.K().DefineMutex(fmt.Sprintf("%s+%d", buf.Name(), off))
		c.K().SetPrimAt(a, m)
		return m
	}
	api["mutex_lock"] = &Builtin{Name: "mutex_lock", Impl: func(c *Call) int64 { mutex(c).Lock(c.T); return 0 }}
	api["mutex_unlock"] = &Builtin{Name: "mutex_unlock", Impl: func(c *Call) int64 { mutex(c).Unlock(c.T); return 0 }}
	ast, err := parse(`struct mutex { long owner; }; struct mutex forks[5];
		void mutex_lock(struct mutex *m); void mutex_unlock(struct mutex *m);
		void phil(long i) { struct mutex *l = &forks[i], *r = &forks[(i + 1) % 5];
			mutex_lock(l); mutex_lock(r); mutex_unlock(r); mutex_unlock(l); }`)
	if err != nil {
		b.Fatal(err)
	}
	p, err := Compile(ast, Options{Lookup: func(n string) *Builtin { return api[n] }, Files: isTestC})
	if err != nil {
		b.Fatal(err)
	}
	cprog := ksync.Program(ksync.Config{CPUs: 5}, func(k *ksync.Kernel) {
		w := p.NewWorld(k)
		f := w.Func("phil")
		for i := range 5 {
			k.KernelThread(fmt.Sprintf("phil%d", i), func(t *ksync.Task) { w.Run(t, f, int64(i)) })
		}
	})
	goprog := ksync.Program(ksync.Config{CPUs: 5}, func(k *ksync.Kernel) {
		forks := make([]*ksync.Mutex, 5)
		for i := range forks {
			forks[i] = k.DefineMutex(fmt.Sprintf("forks+%d", 8*i))
		}
		for i := range 5 {
			l, r := forks[i], forks[(i+1)%5]
			k.KernelThread(fmt.Sprintf("phil%d", i), func(t *ksync.Task) {
				l.Lock(t)
				r.Lock(t)
				r.Unlock(t)
				l.Unlock(t)
			})
		}
	})
	var cNS, goNS, cSteps, goSteps int64
	for b.Loop() {
		start := time.Now()
		cSteps += sched.Explore(cprog, sched.Options{}).Stats.Steps
		mid := time.Now()
		goSteps += sched.Explore(goprog, sched.Options{}).Stats.Steps
		cNS += mid.Sub(start).Nanoseconds()
		goNS += time.Since(mid).Nanoseconds()
	}
	ns := float64(cNS) / float64(cSteps)
	b.ReportMetric(ns, "ns/step")
	b.ReportMetric(ns/(float64(goNS)/float64(goSteps)), "x-go")
}

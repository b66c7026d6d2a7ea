package scenarios

import (
	"testing"

	"github.com/ksim-dev/ksim/sched"
)

// FuzzRun runs what FuzzLoad loads: a scenario the checker accepts must run to a
// verdict, with kernel-style reports for whatever goes wrong in it, never a Go panic
// in the interpreter or the kernel model. It is for long local runs
// (go test ./scenarios -run '^$' -fuzz FuzzRun); CI runs its seeds as tests.
func FuzzRun(f *testing.F) {
	for _, e := range List() {
		src, _ := Source(e.Name)
		f.Add(src)
	}
	for _, src := range runSeeds {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Load("fuzz.c", src)
		if err != nil {
			return
		}
		res := sched.Explore(s.Program(s.KernelConfig(), nil), sched.Options{
			Strategy:      sched.Random,
			Seed:          1,
			MaxExecutions: 3,
			MaxSteps:      2000,
		})
		if res.Err != nil {
			t.Fatalf("exploration error: %v", res.Err)
		}
		for _, p := range res.Problems {
			if p.Kind == sched.KindPanic {
				t.Fatalf("Go panic running an accepted scenario:\n%s", p.Report)
			}
		}
	})
}

// runSeeds reach the interpreter's corners: casts, pointers, kmalloc'd memory,
// gotos, switches and the kernel calls that take functions.
var runSeeds = []string{
	`static DEFINE_SPINLOCK(s); static void w(void) { mutex_lock((struct mutex *)&s); }`,
	`static void w(void) { char *p = kmalloc(8, GFP_KERNEL); p[1] = 2; kfree(p); p[0] = 1; }`,
	`static int g; static void w(void) { again: g++; if (g < 3000) goto again; }`,
	`static int g; static void w(void) { switch (g) { case 0: g = 1; case 1: g++; break; default: g = 0; } }`,
	`static int t(void *d) { return 0; } static int __init i(void) { kthread_run(&t, NULL, "t"); return 0; } module_init(i);`,
	`static long x; static void w(void) { x = x / (x - x); }`,
	`static int a[4]; static void w(void) { int *p = &a[1]; p[3] = 1; }`,
	`static void w(void) { printk("%d %s %p %x %c\n", 1, "s", NULL, 255, 65); }`,
	`static int k(void *d) { kthread_run(k, NULL, "k"); return 0; } static int __init i(void) { kthread_run(k, NULL, "k"); return 0; } module_init(i);`,
	`static int a[2]; static void w(void) { char *p = kmalloc(4, GFP_KERNEL); char *r = (char *)((long)p + 9); int *x = (int *)((long)a + 3); r[0] = *x; kfree((void *)(long)p); }`,
}

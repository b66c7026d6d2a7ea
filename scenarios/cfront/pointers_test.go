package cfront

import (
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestIncompatiblePointers: a pointer to one struct or union where another is
// expected is an error, as in Linux 6.12's build (-Werror=incompatible-pointer-types);
// other pointer mixes, which that flag also covers but which do not corrupt a
// lock, stay accepted as ksim accepted them before.
func TestIncompatiblePointers(t *testing.T) {
	const prelude = `DEFINE_MUTEX(m);
static DEFINE_SPINLOCK(sl);
struct dev { spinlock_t lock; struct mutex mu; int n; };
union u { struct mutex mu; int n; };
typedef struct dev dev_t2;
static struct mutex arr[2];
`
	// Line numbers in want count from the first line after the prelude.
	tests := []struct {
		name string
		body string
		want []string
	}{
		// Rejected.
		{"mutex to spin_lock", "static void f(void) { spin_lock(&m); }\n",
			[]string{"1:33: incompatible pointer type: spin_lock expects spinlock_t *, but &m is struct mutex *"}},
		{"member of the wrong type", "static void f(struct dev *d) { spin_lock(&d->mu); }\n",
			[]string{"1:42: incompatible pointer type: spin_lock expects spinlock_t *, but &d->mu is struct mutex *"}},
		{"spinlock to mutex_lock", "static void f(struct dev *d) { mutex_lock(&d->lock); }\n",
			[]string{"1:43: incompatible pointer type: mutex_lock expects struct mutex *, but &d->lock is spinlock_t *"}},
		{"array decays to the wrong pointer", "static void f(void) { spin_lock(arr); }\n",
			[]string{"1:33: incompatible pointer type: spin_lock expects spinlock_t *, but arr is struct mutex *"}},
		{"user function, typedef parameter", "static void g(dev_t2 *d) {}\nstatic void f(void) { g(&m); }\n",
			[]string{"2:25: incompatible pointer type: g expects dev_t2 *, but &m is struct mutex *"}},
		{"union pointer", "static void g(union u *x) {}\nstatic void f(struct dev *d) { g(d); }\n",
			[]string{"2:34: incompatible pointer type: g expects union u *, but d is struct dev *"}},
		{"through a function pointer", "static void (*fp)(struct dev *);\nstatic void f(void) { fp(&m); }\n",
			[]string{"2:26: incompatible pointer type: fp expects struct dev *, but &m is struct mutex *"}},
		{"initialiser", "static void f(void) { spinlock_t *p = &m; (void)p; }\n",
			[]string{"1:39: incompatible pointer type: initializing spinlock_t * with &m, which is struct mutex *"}},
		{"member initialiser", "struct holder { spinlock_t *l; };\nstatic struct holder h = { .l = &m };\n",
			[]string{"2:33: incompatible pointer type: initializing spinlock_t * with &m, which is struct mutex *"}},
		{"assignment", "static void f(struct dev *d) { struct mutex *q; q = &d->lock; (void)q; }\n",
			[]string{"1:53: incompatible pointer type: assigning &d->lock (spinlock_t *) to q (struct mutex *)"}},
		{"through a member", "struct ops { void (*start)(struct dev *); };\nstatic void f(struct ops *o) { o->start(&m); }\n",
			[]string{"2:41: incompatible pointer type: o->start expects struct dev *, but &m is struct mutex *"}},
		{"return", "static spinlock_t *f(void) { return &m; }\n",
			[]string{"1:37: incompatible pointer type: f returns spinlock_t *, but &m is struct mutex *"}},
		{"return of the right type", "static struct mutex *f(void) { return &m; }\nstatic void *g(void) { return &m; }\nstatic int h(void) { return 0; }\n", nil},
		{"one error per call argument line", "static void g(struct dev *a, spinlock_t *b) {}\nstatic void f(void) { g(&m, &sl); }\n",
			[]string{"2:25: incompatible pointer type: g expects struct dev *, but &m is struct mutex *"}},

		// Accepted.
		{"right types", "static void f(struct dev *d) { spin_lock(&d->lock); mutex_lock(&d->mu); spin_lock(&sl); mutex_lock(arr); }\n", nil},
		{"typedef and struct of the same type", "static void g(dev_t2 *x) {}\nstatic void f(struct dev *d) { g(d); }\n", nil},
		{"void pointer either way", "static void g(void *x) {}\nstatic void f(void) { void *v = &m; g(&m); spin_lock(v); spin_lock((void *)&m); }\n", nil},
		{"function pointer mismatch, as pre-GCC 14", "static void t(void) {}\nstatic void f(void) { kthread_run(t, NULL, \"t\"); }\n", nil},
		{"integer for a pointer", "static void f(void) { mutex_lock(0); }\n", nil},
		{"char and int pointers", "static void g(int *p) {}\nstatic void f(void) { char c; g(&c); }\n", nil},
		{"struct pointer to int pointer", "static void g(int *p) {}\nstatic void f(struct dev *d) { g(d); g(&d->n); }\n", nil},
		{"int pointer to struct pointer", "static void f(int *p) { spin_lock(p); }\n", nil},
		{"const-qualified pointee", "static int g(const struct mutex *x) { return 0; }\nstatic void f(void) { g(&m); }\n", nil},
		{"variadic arguments", "static void f(void) { printk(\"%p\", &m); }\n", nil},
		{"pointer to pointer", "static void g(struct mutex **x) {}\nstatic void f(spinlock_t **p) { g(p); }\n", nil},
		{"incomplete struct of the same tag", "struct opaque;\nstatic void g(struct opaque *o) {}\nstatic void f(struct opaque *o) { g(o); }\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := parseTest(t, prelude+tt.body, nil)
			var want []string
			for _, w := range tt.want {
				line, rest, _ := strings.Cut(w, ":")
				n, _ := strconv.Atoi(line)
				want = append(want, "x.c:"+strconv.Itoa(n+strings.Count(prelude, "\n"))+":"+rest)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		})
	}
}

// TestNoIncompatiblePointersInCorpus: the bundled scenarios, the seed
// articles' code and the LKMPG corpus pass the pointer check (whatever else
// they lack).
func TestNoIncompatiblePointersInCorpus(t *testing.T) {
	root := repoRoot(t)
	var files []string
	for _, g := range []string{
		filepath.Join(root, "scenarios", "library", "*.c"),
		filepath.Join(root, "scenarios", "testdata", "*.c"),
		filepath.Join(root, "..", "shared", "corpus", "lkmpg", "*.c"),
	} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no files")
	}
	for _, f := range files {
		err := parseFile(t, f)
		var list ErrorList
		if err != nil && !errors.As(err, &list) {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, e := range list {
			if strings.Contains(e.Msg, "incompatible pointer") {
				t.Errorf("%s: %v", f, e)
			}
		}
	}
}

package cfront

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestUndeclaredListsEverything: a name nothing declares, however it is used,
// no longer hides ksim's own checks of the rest of the file, and the stand-in
// declaration that makes them possible causes no error of its own.
func TestUndeclaredListsEverything(t *testing.T) {
	// Line 1 of every source; line 2 has an error ksim's checks find, which
	// is listed only if the rest of the file was checked.
	const head = "DEFINE_MUTEX(m);\nstatic void marker(void) { mutex_lock(&m, 1); }\n"
	const marker = "x.c:2:28: too many arguments in call to mutex_lock (it takes 1 argument)"
	nm := func(line, col int, name string) string {
		return fmt.Sprintf("x.c:%d:%d: not modelled: %s (no kernel header ksim has declares it)", line, col, name)
	}
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"value", "static int f(void) { return x; }\n",
			[]string{marker, nm(3, 29, "x")}},
		{"several names and uses", "static int f(void)\n{\n\tint r = a + b;\n\tr += a;\n\treturn r;\n}\n",
			[]string{marker, nm(5, 10, "a")}}, // cc/v4 reports a name once; b is second on its line
		{"members through pointers", "static void f(void)\n{\n\tdev->next->count = 1;\n\tspin_lock(&dev->lock);\n\tdev->ops->start(dev, 1);\n}\n",
			[]string{marker, nm(5, 2, "dev")}},
		{"members of a struct", "static int f(void) { return cfg.a.b + cfg.c; }\n",
			[]string{marker, nm(3, 29, "cfg")}},
		{"dereferenced and indexed", "static void f(void) { *p = 1; q[2] = 3; r[1][2] = *r[0]; }\n",
			[]string{marker, nm(3, 24, "p")}},
		{"assigned, incremented, address taken", "static void f(void) { int *ip = &n; n++; n = 2; (void)ip; }\n",
			[]string{marker, nm(3, 34, "n")}},
		{"case label", "static int f(int v) { switch (v) { case X: return 1; case X + 1: return 2; } return 0; }\n",
			[]string{marker, nm(3, 41, "X")}},
		{"local array size is not variable", "static int f(void) { char buf[LEN]; char b2[LEN - 1]; return buf[0] + b2[0]; }\n",
			[]string{marker, nm(3, 31, "LEN")}},
		{"file-scope constants", "static int k[N];\nenum { A = M + 1 };\nstruct bits { int f : W; };\n_Static_assert(S > 0, \"\");\nstatic int v = I * 2;\n",
			[]string{marker, nm(3, 14, "N"), nm(4, 12, "M"), nm(5, 23, "W"), nm(6, 16, "S"), nm(7, 16, "I")}},
		{"file-scope initialiser of a struct member", "struct cred2 { int uid; void (*cb)(void); };\nstatic struct cred2 c = { .uid = INVALID_UID, .cb = handler };\n",
			[]string{marker, nm(4, 34, "INVALID_UID")}},
		{"function passed as a value", "static void f(void) { kthread_run(thread_fn, NULL, \"t\"); }\n",
			[]string{marker, nm(3, 35, "thread_fn")}},
		{"function passed and called", "static void f(void) { void *p = cb; cb(1); (void)p; }\n",
			[]string{marker, nm(3, 33, "cb")}},
		{"sizeof and typeof", "static int f(void) { __typeof__(t) y = t; return sizeof(t) + y; }\n",
			[]string{marker, nm(3, 33, "t")}},
		{"with an undeclared function too", "static int f(void) { nope(); return x; }\n",
			[]string{marker, "x.c:3:22: not modelled: nope (no kernel header ksim has declares it)"}},
		{"with a pointer error", "static int f(void) { spin_lock(&m); return x; }\n",
			[]string{marker, "x.c:3:32: incompatible pointer type: spin_lock expects spinlock_t *, but &m is struct mutex *"}},
		{"stand-in pointers are not checked", "static void f(void) { spin_lock(x); mutex_lock(&y->lock); spin_lock(&y->lock); }\n",
			[]string{marker, nm(3, 33, "x")}},
		{"stand-in pointers are not checked when assigned", "static void f(void)\n{\n\tz->a = 1;\n\tz = &m;\n\t__typeof__(z) w = &m;\n\tspinlock_t *s = z;\n\t(void)w; (void)s;\n}\n",
			[]string{marker, nm(5, 2, "z")}},

		// Where the stand-ins do not help, the errors are those of
		// before: the undeclared names and cc/v4's own.
		{"used before its file-scope declaration", "static int f(void) { return later; }\nstatic int later = 1;\n",
			[]string{marker, "x.c:3:29: undeclared: later (declared further down; C requires a declaration before the use)"}},
		{"function used before its definition", "static void f(void) { kthread_run(thread_fn, NULL, \"t\"); }\nstatic int __init thread_fn(void *d) { return 0; }\n",
			[]string{marker, "x.c:3:35: undeclared: thread_fn (declared further down; C requires a declaration before the use)"}},
		{"used before a declaration defining a struct", "static int f(void) { return later.a; }\nstatic struct s { int a; } later;\n",
			[]string{marker, "x.c:3:29: undeclared: later (declared further down; C requires a declaration before the use)"}},
		{"used before a declaration of a type of the user's", "typedef int myint;\nstatic int f(void) { return later; }\nstatic myint later;\n",
			[]string{"x.c:4:29: undeclared: later (declared further down; C requires a declaration before the use)"}},
		{"a local of the same name elsewhere", "static int g(void) { int x = 1; return x; }\nstatic int f(void) { return x; }\n",
			[]string{marker, nm(4, 29, "x")}},
		{"with a type error of cc/v4's", "static int f(int i) { return x + i->a; }\n",
			[]string{nm(3, 30, "x")}},
		{"type error on a line of its own", "static int f(int i)\n{\n\tint r = x;\n\treturn r + i->a;\n}\n",
			[]string{nm(5, 10, "x"), "x.c:6:14: expected a pointer: int"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := parseTest(t, head+tt.src, nil)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
			for _, e := range got {
				if strings.Contains(e, "__ksim") || strings.Contains(e, injectedSource) {
					t.Errorf("an error names the stand-in declarations: %s", e)
				}
			}
		})
	}
}

// TestUndeclaredCapAndOrder: the list stays capped at ten errors and a "too
// many errors" line, and comes out the same every time.
func TestUndeclaredCapAndOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("DEFINE_MUTEX(m);\nstatic int f(void)\n{\n\tint r = 0;\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "\tr += v%02d->n;\n\tmutex_lock(&m, %d);\n", 11-i, i)
	}
	b.WriteString("\treturn r;\n}\n")
	_, first := parseTest(t, b.String(), nil)
	if len(first) != 11 || first[10] != "x.c:15:7: too many errors" {
		t.Fatalf("got\n\t%s", strings.Join(first, "\n\t"))
	}
	if !strings.Contains(first[0], "x.c:5:7: not modelled: v11") || !strings.Contains(first[1], "x.c:6:2: too many arguments") {
		t.Errorf("got\n\t%s", strings.Join(first, "\n\t"))
	}
	for i := 0; i < 5; i++ {
		if _, again := parseTest(t, b.String(), nil); !reflect.DeepEqual(again, first) {
			t.Fatalf("run %d differs:\n\t%s\nfirst:\n\t%s", i, strings.Join(again, "\n\t"), strings.Join(first, "\n\t"))
		}
	}
}

// TestUndeclaredInUserHeader: a name undeclared in the user's own header is
// reported there, and the file is still checked.
func TestUndeclaredInUserHeader(t *testing.T) {
	dir := map[string]string{"mine.h": "static inline int helper(void) { return MISSING; }\n"}
	src := "#include \"mine.h\"\nDEFINE_MUTEX(m);\nstatic void f(void) { mutex_lock(&m, 1); }\n"
	_, got := parseTest(t, src, dir)
	want := []string{
		"mine.h:1:41: not modelled: MISSING (no kernel header ksim has declares it)",
		"x.c:3:23: too many arguments in call to mutex_lock (it takes 1 argument)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

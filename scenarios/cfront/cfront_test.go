package cfront

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// parseTest parses src as "x.c" with the test kernel API and the files of dir
// next to it.
func parseTest(t *testing.T, src string, dir map[string]string) (*Unit, []string) {
	t.Helper()
	opt := Options{Headers: testHeaders, Modelled: testModelled}
	if dir != nil {
		m := fstest.MapFS{}
		for name, text := range dir {
			m[name] = &fstest.MapFile{Data: []byte(text)}
		}
		opt.Dir = m
	}
	u, err := Parse("x.c", []byte(src), opt)
	if err == nil {
		if u == nil || u.AST == nil {
			t.Fatalf("Parse returned no error and no unit")
		}
		return u, nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse error is %T, not an ErrorList: %v", err, err)
	}
	if u != nil {
		t.Errorf("Parse returned a unit with errors")
	}
	var lines []string
	for _, e := range list {
		lines = append(lines, e.Error())
	}
	return nil, lines
}

// TestParseOK: kernel C that must load as written.
func TestParseOK(t *testing.T) {
	tests := []struct {
		name string
		src  string
		dir  map[string]string
	}{
		{"snippet without includes", `
DEFINE_SEMAPHORE(sem1);
static void bad_function(void) { down(&sem1); up(&sem1); }
static int __init deadlock_init(void) { printk(KERN_INFO "x\n"); return 0; }
module_init(deadlock_init);
module_exit(deadlock_init);
`, nil},
		{"LDD3 PDEBUG, named variadic", `
#define PDEBUG(fmt, args...) printk(KERN_DEBUG "scull: " fmt, ## args)
static void f(void) { PDEBUG("x\n"); PDEBUG("%d %d\n", 1, 2); }
`, nil},
		{"kthread_create shape, named variadic over a line splice", `
#define my_kthread_run(threadfn, data, namefmt, arg...) \
	kthread_run(threadfn, data, namefmt, ##arg)
static int t(void *d) { return 0; }
static void f(void) { my_kthread_run(t, NULL, "n"); my_kthread_run(t, NULL, "n%d", 1); }
`, nil},
		{"DEFINE_SEMAPHORE before and since 6.4", `
DEFINE_SEMAPHORE(a);
DEFINE_SEMAPHORE(b, 3);
_Static_assert(sizeof(a) == sizeof(struct semaphore), "");
`, nil},
		{"version tests and #ifdef", `
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
static int v = 1;
#else
#error too old
#endif
#ifndef DECLARE_TASKLET_OLD
#error DECLARE_TASKLET_OLD missing
#endif
#if IS_ENABLED(CONFIG_SMP) && HZ == 250 && defined(__KERNEL__) && defined(MODULE)
static int w;
#else
#error config
#endif
`, nil},
		{"driver style: struct, kzalloc, container_of, list, ops table", `
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/list.h>
#include <linux/mutex.h>
struct my_dev {
	struct mutex lock;
	struct list_head node;
	int value;
};
struct my_ops { int (*get)(struct my_dev *); };
static LIST_HEAD(devs);
static int get(struct my_dev *d) { int v; mutex_lock(&d->lock); v = d->value; mutex_unlock(&d->lock); return v; }
static const struct my_ops ops = { .get = get };
static int __init init(void)
{
	struct my_dev *d = kzalloc(sizeof(*d), GFP_KERNEL), *pos, *n;
	struct list_head *l;
	if (!d)
		return -ENOMEM;
	mutex_init(&d->lock);
	list_add_tail(&d->node, &devs);
	list_for_each(l, &devs)
		pr_info("%s: %d\n", __func__, container_of(l, struct my_dev, node)->value);
	list_for_each_entry_safe(pos, n, &devs, node) {
		list_del(&pos->node);
		kfree(pos);
	}
	return ops.get(d) * 0 + ARRAY_SIZE(devs.next ? "ab" : "cd") + min(1, 2) + BIT(3);
}
module_init(init);
MODULE_LICENSE("GPL");
`, nil},
		{"module parameters", `
static short int myshort = 1;
static char *mystring = "blah";
static int arr[2] = { 420, 420 };
static int arr_argc;
static bool flag;
module_param(myshort, short, S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP);
MODULE_PARM_DESC(myshort, "A short integer");
module_param(mystring, charp, 0000);
module_param(flag, bool, 0644);
module_param_array(arr, int, &arr_argc, 0000);
MODULE_AUTHOR("a"); MODULE_DESCRIPTION("b"); MODULE_VERSION("1"); MODULE_ALIAS("c"); MODULE_INFO(x, "y");
EXPORT_SYMBOL(arr);
`, nil},
		{"locks in structs and statically", `
static DEFINE_SPINLOCK(s);
static DEFINE_RWLOCK(r);
static DECLARE_RWSEM(sem);
static DECLARE_COMPLETION(done);
static DEFINE_MUTEX(m);
static void cb(unsigned long data) { }
static DECLARE_TASKLET_OLD(t1, cb);
static void cb2(struct tasklet_struct *t) { }
static DECLARE_TASKLET(t2, cb2);
static atomic_t a = ATOMIC_INIT(3);
static void f(void)
{
	unsigned long flags;
	spinlock_t l;
	spin_lock_init(&l);
	spin_lock_irqsave(&s, flags);
	spin_unlock_irqrestore(&s, flags);
	read_lock_irqsave(&r, flags);
	read_unlock_irqrestore(&r, flags);
	write_lock_irqsave(&r, flags);
	write_unlock_irqrestore(&r, flags);
	local_irq_save(flags);
	local_irq_restore(flags);
	rwlock_init(&r);
	init_rwsem(&sem);
	mutex_lock_nested(&m, SINGLE_DEPTH_NESTING);
	if (READ_ONCE(a.counter) == 3)
		WRITE_ONCE(a.counter, 4);
	if (time_after(jiffies, jiffies + HZ) || current->pid == 0 || current->comm[0])
		BUG();
}
`, nil},
		{"the user's own header, included twice under #pragma once", `
#include "chardev.h"
#include "chardev.h"
static int x = MAJOR_NUM + IOCTL_SET_MSG;
`, map[string]string{"chardev.h": `#pragma once
#include <linux/ioctl.h>
#define MAJOR_NUM 100
#define IOCTL_SET_MSG _IOW(MAJOR_NUM, 0, char *)
static int in_header;
`}},
		{"named variadic macro in the user's header", `
#include "dbg.h"
static void f(void) { DBG("x\n"); }
`, map[string]string{"dbg.h": "#define DBG(fmt, args...) pr_info(fmt, ##args)\n"}},
		{"other pragmas", `
#pragma once
#pragma GCC diagnostic push
#pragma pack(push, 1)
#pragma pack(pop)
static int x;
`, nil},
		{"BUILD_BUG_ON, static_assert and builtins of headers", `
struct s { int a; char b; };
static_assert(sizeof(struct s) == 8);
static void f(void) { BUILD_BUG_ON(sizeof(int) != 4); }
`, nil},
		{"GNU C the kernel uses", `
static int f1(int x) { return ({ int y = x; y + 1; }); }
#if __has_attribute(__fallthrough__)
#endif
int __UNIQUE_ID(x);
int __UNIQUE_ID(x);
static int f2(int x) { switch (x) { case 1 ... 3: return 1; default: fallthrough; case 9: return 0; } }
struct p { char c; int i; } __packed;
_Static_assert(sizeof(struct p) == 5, "packed");
struct fl { int n; int data[]; };
struct z { int n; int d[0]; };
static void f3(void) { __auto_type x = 1; typeof(x) y = x; (void)y; }
static const char *f4(void) { return __FILE__ ":" __stringify(__LINE__); }
struct bf { unsigned a:3, b:5; };
static int f5(void) { int x = likely(1) + unlikely(0) + __builtin_expect(1, 1); return x ?: 1; }
static int arr[] = { [0 ... 3] = 1, [5] = 2 };
static struct { int a, b; } s = { .b = 1 };
static int f6(void) { return (int){ 3 }; }
typedef int (*fn_t)(void *);
static int g(void *d) { return 0; }
static fn_t tbl[] = { g, NULL };
static void f7(void) { pr_info("%s %d\n", __func__, __LINE__); pr_debug("x"); pr_info_once("y"); }
static void f8(void) { unsigned long x = 0; swap(x, x); x = clamp(x, 1UL, 2UL); x = max_t(int, 1, 2); x = DIV_ROUND_UP(x, 2); }
enum color { RED, GREEN = 5 };
typedef enum color color_t;
static color_t c = GREEN;
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, errs := parseTest(t, tt.src, tt.dir); errs != nil {
				t.Errorf("errors:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// TestParseErrors: each problem is one clear line at the user's position.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		dir  map[string]string
		want []string
	}{
		{"header ksim lacks", "#include <linux/kernel.h>\n#include <linux/nope.h>\nint x;\n",
			nil, []string{"x.c:2:10: not modelled: <linux/nope.h> (ksim's kernel headers do not have it)"}},
		{"user header missing", "#include \"mine.h\"\n",
			nil, []string{`x.c:1:10: cannot include "mine.h": ksim's kernel headers do not have mine.h and ksim reads no files of yours besides this one`}},
		{"undeclared function", "static void f(void)\n{\n\tgpio_request(1, \"x\");\n}\n",
			nil, []string{"x.c:3:2: not modelled: gpio_request (no kernel header ksim has declares it)"}},
		{"undeclared function, reported once", "static void f(void)\n{\n\tfoo();\n\tfoo();\n}\n",
			nil, []string{"x.c:3:2: not modelled: foo (no kernel header ksim has declares it)"}},
		{"undeclared name", "static int f(void)\n{\n\treturn INVALID_UID;\n}\n",
			nil, []string{"x.c:3:9: not modelled: INVALID_UID (no kernel header ksim has declares it)"}},
		{"declared, not defined, not modelled", "int helper(int);\nstatic void f(void)\n{\n\thelper(1);\n}\n",
			nil, []string{"x.c:4:2: not modelled: helper (declared but defined nowhere, and not a kernel API ksim implements)"}},
		{"declared and defined later is fine, a macro use is at the user's line", "int helper(int);\n#define CALL() nope()\nstatic void f(void)\n{\n\thelper(1);\n\tCALL();\n}\nint helper(int x) { return x; }\n",
			nil, []string{"x.c:6:2: not modelled: nope (no kernel header ksim has declares it)"}},
		{"kernel variable ksim lacks", "static u64 f(void)\n{\n\treturn jiffies_64 + jiffies;\n}\nextern int mine;\nint mine = 1;\nstatic int g(void) { return mine; }\n",
			nil, []string{"x.c:3:9: not modelled: jiffies_64 (declared extern but defined nowhere, and not a kernel variable ksim provides)"}},
		{"floating point, once per function", "static int f(void)\n{\n\tdouble d = 1.5;\n\treturn d * 2;\n}\nstatic float g;\n",
			nil, []string{
				"x.c:3:9: not modelled: floating point (ksim's interpreter does not run it)",
				"x.c:6:14: not modelled: floating point (ksim's interpreter does not run it)",
			}},
		{"inline assembly, VLA, _Complex", "static void f(int n)\n{\n\tint a[n];\n\tasm volatile(\"nop\");\n\t_Complex double c;\n}\n",
			nil, []string{
				"x.c:3:6: not modelled: variable length arrays (ksim's interpreter does not run it)",
				"x.c:4:2: not modelled: inline assembly (ksim's interpreter does not run it)",
				"x.c:5:18: not modelled: _Complex (ksim's interpreter does not run it)",
			}},
		{"too many arguments", "static DEFINE_MUTEX(m);\nstatic void f(void)\n{\n\tmutex_lock(&m, 1);\n}\n",
			nil, []string{"x.c:4:2: too many arguments in call to mutex_lock (it takes 1 argument)"}},
		{"too few arguments", "static void f(void)\n{\n\tmsleep();\n}\n",
			nil, []string{"x.c:3:2: too few arguments in call to msleep (it takes 1 argument)"}},
		{"no such member, without cc's type dump", "static DEFINE_MUTEX(m);\nstatic void f(void)\n{\n\tm.owner = 0;\n}\n",
			nil, []string{"x.c:4:3: struct mutex has no member named owner"}},
		{"syntax error, no follow-on EOF", "static int f(void)\n{\n\treturn 1\n}\nstatic int g(void) {\n",
			nil, []string{"x.c:4:1: unexpected '}', expected ';'"}},
		{"unterminated function", "static int f(void)\n{\n\treturn 1;\n",
			nil, []string{"x.c:4:1: unexpected end of file, expected '}'"}},
		{"file ends in a pointer declarator (cc/v4 would loop forever)", "int *", nil,
			[]string{"x.c:1:6: unexpected end of file, expected direct declarator"}},
		{"file ends after stray tokens in a declarator", "*/\x92", nil,
			[]string{"x.c:1:2: unexpected '/', expected type qualifier"}},
		{"error in the user's header is at its line", "#include \"bad.h\"\n",
			map[string]string{"bad.h": "int a;\nint b = ;\n"}, []string{"bad.h:2:9: unexpected ';', expected expression"}},
		{"conflict with a header's declaration", "void mutex_lock(int *m);\n", nil,
			[]string{"x.c:1:6: conflicting types for mutex_lock: function(pointer to int) here, function(pointer to struct mutex) in ksim's <linux/mutex.h> line 22"}},
		{"redefinition of a header's struct", "struct list_head { int x; };\n", nil,
			[]string{"x.c:1:1: redefinition of struct list_head (ksim's <linux/types.h> line 112 defines it)"}},
		{"#error", "#error stop here\n", nil, []string{"x.c:1:2: #error stop here"}},
		{"too many errors", "static void f(void)\n{\n" + strings.Repeat("\tx = ;\n", 12) + "}\n",
			nil, nil /* checked below */},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := parseTest(t, tt.src, tt.dir)
			if tt.want == nil {
				if len(got) != maxErrors+1 || !strings.HasSuffix(got[maxErrors], ": too many errors") {
					t.Errorf("want %d errors and \"too many errors\", got:\n%s", maxErrors, strings.Join(got, "\n"))
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestHeaderFault: an error inside ksim's headers is ksim's, and says so.
func TestHeaderFault(t *testing.T) {
	h := map[string]string{}
	for k, v := range testHeaders {
		h[k] = v
	}
	h["linux/mutex.h"] += "\nint broken = ;\n"
	_, err := Parse("x.c", []byte("int x;\n"), Options{Headers: h, Modelled: testModelled})
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("want an error, got %v", err)
	}
	if msg := list[0].Error(); !strings.HasPrefix(msg, "x.c: in ksim's header <linux/mutex.h> line ") || !strings.Contains(msg, ": unexpected ';', expected expression") || !strings.Contains(msg, "a bug in ksim's headers, not in your code") {
		t.Errorf("got %q", msg)
	}
}

func TestPragmas(t *testing.T) {
	src := "#pragma ksim expect deadlock\n#pragma once\n  #  pragma   ksim  threads a b\n#if 0\n#pragma ksim cpus 9\n#endif\nint x;\n"
	u, errs := parseTest(t, src, map[string]string{})
	if errs != nil {
		t.Fatalf("errors: %v", errs)
	}
	want := []Pragma{
		{Pos{1, 9}, []string{"expect", "deadlock"}},
		{Pos{3, 15}, []string{"threads", "a", "b"}},
	}
	if !reflect.DeepEqual(u.Pragmas, want) {
		t.Errorf("pragmas %+v, want %+v", u.Pragmas, want)
	}
}

// TestLayout: the ksim primitive layout of the contract, checked by cc/v4's
// own evaluation of offsetof and sizeof.
func TestLayout(t *testing.T) {
	src := `
#define AT(s, f, o) _Static_assert(offsetof(s, f) == (o), #s "." #f " at " #o)
AT(struct lockdep_map, key, 0);
AT(struct lockdep_map, name, 8);
AT(struct mutex, __ksim_init, 0);
AT(struct mutex, dep_map, 8);
AT(spinlock_t, __ksim_init, 0);
AT(spinlock_t, dep_map.key, 8);
AT(spinlock_t, dep_map.name, 16);
AT(rwlock_t, dep_map, 8);
AT(struct rw_semaphore, dep_map, 8);
AT(struct semaphore, count, 24);
AT(struct completion, done, 24);
AT(struct tasklet_struct, dep_map, 8);
AT(struct tasklet_struct, next, 24);
AT(atomic_t, counter, 0);
_Static_assert(sizeof(atomic_t) == 4 && sizeof(atomic64_t) == 8 && sizeof(atomic_long_t) == 8, "atomics");
_Static_assert(sizeof(long) == 8 && sizeof(void *) == 8 && sizeof(size_t) == 8 && sizeof(loff_t) == 8, "LP64");
_Static_assert(sizeof(((struct task_struct *)0)->comm) == TASK_COMM_LEN && TASK_COMM_LEN == 16, "comm");
_Static_assert(KSIM_STATIC_INIT == 0x6b73696d, "magic");
_Static_assert(LINUX_VERSION_CODE == KERNEL_VERSION(6, 12, 0) && LINUX_VERSION_CODE == 396288, "version");
_Static_assert(ENOMEM == 12 && EINTR == 4 && EAGAIN == 11 && EBUSY == 16 && EINVAL == 22 && ETIME == 62 && ERESTARTSYS == 512 && ENOTTY == 25, "errno");
_Static_assert(IRQ_NONE == 0 && IRQ_HANDLED == 1 && IRQ_WAKE_THREAD == 2, "irqreturn");
_Static_assert(TASK_RUNNING == 0 && TASK_INTERRUPTIBLE == 1 && TASK_UNINTERRUPTIBLE == 2, "task states");
_Static_assert((unsigned long)LIST_POISON1 == 0xdead000000000100UL && (unsigned long)LIST_POISON2 == 0xdead000000000122UL, "poison");
_Static_assert(S_IRUSR == 0400 && S_IRUGO == 0444, "modes");
_Static_assert(_IOW('k', 1, int) == 0x40046b01, "ioctl");
_Static_assert(MKDEV(1, 2) == 0x100002 && MAJOR(MKDEV(3, 4)) == 3 && MINOR(MKDEV(3, 4)) == 4, "kdev_t");
_Static_assert(HZ == 250 && MAX_SCHEDULE_TIMEOUT == LONG_MAX, "jiffies");
_Static_assert(GENMASK(3, 1) == 0xe && BIT(4) == 16, "bits");
`
	if _, errs := parseTest(t, src, nil); errs != nil {
		t.Errorf("errors:\n%s", strings.Join(errs, "\n"))
	}
}

func TestHeaderNames(t *testing.T) {
	names := HeaderNames()
	want := []string{"linux/module.h", "linux/mutex.h", "linux/spinlock.h", "linux/list.h", "linux/types.h", "asm/current.h", "linux/sched.h", "linux/interrupt.h"}
	for _, w := range want {
		found := false
		for _, n := range names {
			found = found || n == w
		}
		if !found {
			t.Errorf("HeaderNames lacks %s", w)
		}
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("HeaderNames not sorted at %d: %s, %s", i, names[i-1], names[i])
		}
	}
}

// TestEachHeaderAlone: ksim's headers load without the generated part (no
// kapi), and including any of them again is harmless.
func TestEachHeaderAlone(t *testing.T) {
	for _, h := range HeaderNames() {
		if _, err := Parse("x.c", []byte("#include <"+h+">\nint x;\n"), Options{}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
}

func TestGeneratedOnlyHeader(t *testing.T) {
	h := map[string]string{"linux/ksim_new.h": "int ksim_new_api(int);"}
	src := "#include <linux/ksim_new.h>\nstatic int f(void) { return ksim_new_api(1); }\n"
	if _, err := Parse("x.c", []byte(src), Options{Headers: h, Modelled: func(n string) bool { return n == "ksim_new_api" }}); err != nil {
		t.Errorf("%v", err)
	}
}

func TestTooLarge(t *testing.T) {
	src := strings.Repeat("/* padding */\n", MaxFileSize/14+1)
	_, errs := parseTest(t, src, nil)
	want := []string{"x.c: input is larger than 1 MiB; ksim reads kernel C source files of at most 1 MiB"}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("got %v", errs)
	}
}

func TestKbuildModname(t *testing.T) {
	src := `_Static_assert(sizeof(KBUILD_MODNAME) == sizeof("my_mod"), "modname");`
	if _, err := Parse("dir/my-mod.c", []byte(src), Options{}); err != nil {
		t.Errorf("%v", err)
	}
}

func TestInvalidNumber(t *testing.T) {
	_, errs := parseTest(t, "static void f(int x)\n{\n\tf(6ET_IRQ);\n}\n", nil)
	want := []string{"x.c:3:4: invalid number: 6ET_IRQ"}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("got %q, want %q", errs, want)
	}
}

// TestInternalOnlyErrors: what cc/v4 reports only in internal words ("TODO ...
// missed/failed type check") is said plainly, at its position (found by FuzzLoad:
// a file that is just "void").
func TestInternalOnlyErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"void", "x.c:1:1: invalid combination of types in this declaration (a ';' missing?)"},
		{"int x = 1;\nchar", "x.c:2:1: invalid combination of types in this declaration (a ';' missing?)"},
	} {
		_, errs := parseTest(t, tc.src, nil)
		if !reflect.DeepEqual(errs, []string{tc.want}) {
			t.Errorf("%q: got %q, want %q", tc.src, errs, tc.want)
		}
	}
}

// TestConcurrent: Parse may run in several goroutines at once (they share the
// source cache).
func TestConcurrent(t *testing.T) {
	srcs := []string{
		"static DEFINE_MUTEX(m);\nstatic void f(void) { mutex_lock(&m); mutex_unlock(&m); }\n",
		"static void f(void) { gpio_request(1, \"x\"); }\n",
		"static LIST_HEAD(l);\nstatic int f(void) { return list_empty(&l); }\n",
	}
	done := make(chan []string)
	for i := 0; i < 6; i++ {
		go func(src string) {
			_, err := Parse("x.c", []byte(src), Options{Headers: testHeaders, Modelled: testModelled})
			var out []string
			if err != nil {
				out = append(out, err.Error())
			}
			done <- out
		}(srcs[i%len(srcs)])
	}
	failed := 0
	for i := 0; i < 6; i++ {
		failed += len(<-done)
	}
	if failed != 2 {
		t.Errorf("%d of 6 parses failed, want the 2 that call gpio_request", failed)
	}
}

// TestHeaderPositions: code in ksim's headers has its own file and line, as
// traces print it.
func TestHeaderPositions(t *testing.T) {
	u, errs := parseTest(t, "int x;\n", nil)
	if errs != nil {
		t.Fatal(errs)
	}
	text := handHeaders()["linux/list.h"]
	want := 1 + strings.Count(text[:strings.Index(text, "static inline void list_del(")], "\n")
	for tu := u.AST.TranslationUnit; tu != nil; tu = tu.TranslationUnit {
		fd := tu.ExternalDeclaration.FunctionDefinition
		if fd == nil || fd.Declarator.Name() != "list_del" {
			continue
		}
		pos := fd.Position()
		if pos.Filename != "include/linux/list.h" || pos.Line != want {
			t.Errorf("list_del at %s:%d, want include/linux/list.h:%d", pos.Filename, pos.Line, want)
		}
		return
	}
	t.Error("no list_del")
}

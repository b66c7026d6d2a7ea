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

	"github.com/ksim-dev/ksim/scenarios/syntax"
)

// loadErrors loads src as x.c and returns its errors as strings.
func loadErrors(t *testing.T, src string) []string {
	t.Helper()
	s, err := Load("x.c", []byte(src))
	if err == nil {
		require.NotNil(t, s)
		return nil
	}
	require.Nil(t, s, "a failed Load returns no scenario")
	var list syntax.ErrorList
	require.True(t, errors.As(err, &list), "Load returns a syntax.ErrorList, got %T", err)
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
		var list syntax.ErrorList
		errors.As(err, &list)
		require.NoError(t, err, "%s", list.Detail())
	}
	return s
}

// errorCases are scenarios with mistakes and the exact messages they get.
// The fuzz test uses their inputs as its seed corpus too.
var errorCases = []struct {
	name string
	src  string
	want []string
}{
	{
		name: "undefined function",
		src: `static void f(void)
{
	foo();
}
`,
		want: []string{
			"x.c:3:2: undefined: foo (no function, variable or kernel API of that name)",
		},
	},
	{
		name: "semaphore op on a mutex",
		src: `DEFINE_MUTEX(m);

static void f(void)
{
	down(&m);
}
`,
		want: []string{
			"x.c:5:7: down expects a struct semaphore *, but &m is a struct mutex * (use mutex_lock)",
		},
	},
	{
		name: "irqsave argument count",
		src: `DEFINE_SPINLOCK(lock);

static void f(void)
{
	spin_lock_irqsave(&lock);
}
`,
		want: []string{
			"x.c:5:2: wrong argument count in call to spin_lock_irqsave: got 1, want 2 (spin_lock_irqsave(&lock, flags) saves the irq state into flags)",
		},
	},
	{
		name: "irqsave flags by address",
		src: `DEFINE_SPINLOCK(lock);

static void f(void)
{
	unsigned long flags;

	spin_lock_irqsave(&lock, &flags);
	spin_unlock_irqrestore(&lock, flags);
}
`,
		want: []string{
			"x.c:7:27: spin_lock_irqsave takes flags itself, not &flags (it is a macro that assigns to its argument)",
		},
	},
	{
		name: "irqsave flags not assignable",
		src: `DEFINE_SPINLOCK(lock);

static void f(void)
{
	spin_lock_irqsave(&lock, 0);
}
`,
		want: []string{
			"x.c:5:27: spin_lock_irqsave stores the irq state in its flags argument, so it needs an unsigned long variable, not 0",
		},
	},
	{
		name: "lock without address",
		src: `DEFINE_MUTEX(m);

static void f(void)
{
	mutex_lock(m);
}
`,
		want: []string{
			"x.c:5:13: mutex_lock expects a struct mutex *, but m is a struct mutex (write &m)",
		},
	},
	{
		name: "void pointer as lock",
		src: `static int f(void *data)
{
	mutex_lock(data);
	return 0;
}
`,
		want: []string{
			"x.c:3:13: mutex_lock expects a struct mutex *, but data is a void * (cast it: (struct mutex *)data)",
		},
	},
	{
		name: "lock used as a number",
		src: `DEFINE_SEMAPHORE(sem1);
int x;

static void f(void)
{
	x = sem1 + 1;
}
`,
		want: []string{
			"x.c:6:6: sem1 is a struct semaphore, not a number (use it through the kernel API, e.g. down(&sem1))",
		},
	},
	{
		name: "struct member access",
		src: `static void f(void)
{
	int pid = current->pid;
}
`,
		want: []string{
			"x.c:3:12: unsupported construct: struct member access (ksim's scenario language has no structs; use separate globals)",
		},
	},
	{
		name: "call through a pointer",
		src: `static void g(void)
{
}

static void f(void)
{
	void *fp = 0;

	fp();
}
`,
		want: []string{
			"x.c:9:2: unsupported construct: call through a pointer (fp is a variable; function pointers are not supported)",
		},
	},
	{
		name: "user function argument count",
		src: `static int add(int a, int b)
{
	return a + b;
}

static void f(void)
{
	add(1);
}
`,
		want: []string{
			"x.c:8:2: wrong argument count in call to add: got 1, want 2 (add(int a, int b))",
		},
	},
	{
		name: "declared but not defined",
		src: `static void helper(void);

static void f(void)
{
	helper();
}
`,
		want: []string{
			"x.c:1:13: helper declared but not defined (a scenario is a single file: define it here)",
		},
	},
	{
		name: "break outside loop",
		src: `static void f(void)
{
	break;
}
`,
		want: []string{
			"x.c:3:2: break is not in a loop or switch",
		},
	},
	{
		name: "continue in a switch",
		src: `static void f(int v)
{
	switch (v) {
	case 1:
		continue;
	}
}
`,
		want: []string{
			"x.c:5:3: continue is not in a loop",
		},
	},
	{
		name: "goto undefined label",
		src: `static int f(void)
{
	goto out;
	return 0;
}
`,
		want: []string{
			"x.c:3:7: label out not defined in f",
		},
	},
	{
		// The interpreter finds a label by leaving blocks; jumping into one
		// silently returned from the function instead.
		name: "goto into a block",
		src: `static int g;
static void f(void)
{
	goto in;
	if (g) {
in:
		g++;
	}
}
`,
		want: []string{
			"x.c:4:7: goto in jumps into a block or another case (label at 6:1); ksim supports a goto to a label in the same or an enclosing block, as kernel error paths use",
		},
	},
	{
		name: "goto into another case",
		src: `static int g;
static void f(void)
{
	switch (g) {
	case 0:
		goto one;
	case 1:
	one:
		g++;
	}
}
`,
		want: []string{
			"x.c:6:8: goto one jumps into a block or another case (label at 8:2); ksim supports a goto to a label in the same or an enclosing block, as kernel error paths use",
		},
	},
	{
		name: "duplicate label",
		src: `static void f(void)
{
out:
	;
out:
	;
}
`,
		want: []string{
			"x.c:5:1: label out defined twice (first at 3:1)",
		},
	},
	{
		name: "duplicate global",
		src: `int count;
long count;

static void f(void)
{
}
`,
		want: []string{
			"x.c:2:6: count redeclared (first declared as a global variable at 1:5)",
		},
	},
	{
		name: "duplicate function",
		src: `static void f(void)
{
}

static void f(void)
{
}
`,
		want: []string{
			"x.c:5:13: f redeclared (first declared as a function at 1:13)",
		},
	},
	{
		name: "redeclared local",
		src: `static void f(void)
{
	int i;
	int i;
}
`,
		want: []string{
			"x.c:4:6: i redeclared in this block (first declared at 3:6)",
		},
	},
	{
		name: "assignment to a non-lvalue",
		src: `int x;

static void f(void)
{
	x + 1 = 2;
	HZ = 100;
}
`,
		want: []string{
			"x.c:5:2: cannot assign to x + 1: it is not a variable",
			"x.c:6:2: cannot assign to HZ: it is a constant",
		},
	},
	{
		name: "address of a local",
		src: `static void f(void)
{
	int v;
	int *p = &v;
}
`,
		want: []string{
			"x.c:4:11: cannot take the address of local v (locals are private to one task; make it a global)",
		},
	},
	{
		name: "return value from void function",
		src: `static void f(void)
{
	return 1;
}
`,
		want: []string{
			"x.c:3:9: f returns void, so return cannot have a value",
		},
	},
	{
		name: "bare return from int function",
		src: `static int f(void)
{
	return;
}
`,
		want: []string{
			"x.c:3:2: f must return a value (it returns int)",
		},
	},
	{
		name: "local lock",
		src: `static void f(void)
{
	struct mutex m;

	mutex_init(&m);
}
`,
		want: []string{
			"x.c:3:2: locks must be global in a scenario (a local lock is private to one task)",
		},
	},
	{
		name: "local array",
		src: `static void f(void)
{
	int buf[4];
}
`,
		want: []string{
			"x.c:3:6: local arrays are not supported (declare buf as a global array)",
		},
	},
	{
		name: "non-constant global initialiser",
		src: `int a = 1;
int b = a + 1;

static void f(void)
{
}
`,
		want: []string{
			"x.c:2:9: the initialiser of global b must be a constant expression, not a + 1",
		},
	},
	{
		name: "kthread_run with a function of the wrong shape",
		src: `static int worker(int a, int b)
{
	return 0;
}

static int __init init(void)
{
	kthread_run(worker, NULL, "worker");
	return 0;
}
module_init(init);
`,
		want: []string{
			"x.c:8:14: kthread_run cannot call worker: a thread function takes (void) or one pointer: int fn(void *data), but worker takes (int a, int b)",
		},
	},
	{
		name: "kthread_run with a non-function",
		src: `int x;

static int __init init(void)
{
	kthread_run(x, NULL, "worker");
	return 0;
}
module_init(init);
`,
		want: []string{
			"x.c:5:14: kthread_run expects the name of a function, but x is a global variable",
		},
	},
	{
		name: "READ_ONCE of a local",
		src: `static void f(void)
{
	int v = 0;
	int w = READ_ONCE(v);
}
`,
		want: []string{
			"x.c:4:20: READ_ONCE needs a global variable (shared memory), not v",
		},
	},
	{
		name: "index out of range",
		src: `struct mutex forks[5];

static void f(void)
{
	mutex_lock(&forks[5]);
}
`,
		want: []string{
			"x.c:5:20: index 5 out of range (forks has 5 elements)",
		},
	},
	{
		name: "pointer arithmetic",
		src: `static void f(void)
{
	char *p = kmalloc(16, GFP_KERNEL);

	p = p + 1;
}
`,
		want: []string{
			"x.c:5:6: unsupported construct: pointer arithmetic on p (a pointer may be compared, indexed as p[i] or cast to long)",
		},
	},
	{
		name: "module_init with parameters",
		src: `static int init(int x)
{
	return 0;
}
module_init(init);
`,
		want: []string{
			"x.c:5:13: module_init function init must take no parameters: static int __init init(void)",
		},
	},
	{
		name: "module_init of an undefined function",
		src: `module_init(nosuch);
`,
		want: []string{
			"x.c:1:13: undefined: nosuch (no function, variable or kernel API of that name)",
		},
	},
	{
		name: "unknown top-level macro",
		src: `DEFINE_PER_CPU(int, counter);

static void f(void)
{
}
`,
		want: []string{
			"x.c:1:1: unknown top-level macro DEFINE_PER_CPU (ksim knows DEFINE_MUTEX, DEFINE_SPINLOCK, DEFINE_SEMAPHORE, DEFINE_RWLOCK, DECLARE_RWSEM, DECLARE_COMPLETION, DECLARE_TASKLET, module_init, module_exit and MODULE_*)",
		},
	},
	{
		name: "redefining a kernel API",
		src: `static void down(void)
{
}
`,
		want: []string{
			"x.c:1:13: cannot redefine kernel API down",
		},
	},
	{
		name: "printk format and arguments disagree",
		src: `static void f(void)
{
	printk(KERN_INFO "%d and %d\n", 1);
}
`,
		want: []string{
			"x.c:3:9: printk format has 2 verbs but 1 argument follows",
		},
	},
	{
		name: "lockdep_assert_held on a semaphore",
		src: `DEFINE_SEMAPHORE(sem);

static void f(void)
{
	lockdep_assert_held(&sem);
}
`,
		want: []string{
			"x.c:5:22: lockdep_assert_held expects a pointer to a lock lockdep tracks (a mutex, spinlock, rwlock or rw_semaphore), but &sem is a struct semaphore * (lockdep does not track semaphores)",
		},
	},
	{
		name: "nothing to run",
		src: `static void a(void)
{
	b();
}

static void b(void)
{
	a();
}
`,
		want: []string{
			"x.c:1:1: nothing to run: no module_init, no #pragma ksim threads, and no function that could start as a thread",
		},
	},
	{
		name: "unsupported lock type",
		src: `atomic64_t hits;

static void f(void)
{
}
`,
		want: []string{
			"x.c:1:1: unsupported type atomic64_t (use atomic_t)",
		},
	},
	{
		name: "struct variable",
		src: `struct foo bar;

static void f(void)
{
}
`,
		want: []string{
			"x.c:1:1: unsupported construct: struct foo (ksim's scenario language has no structs; use separate globals)",
		},
	},
	{
		name: "constant division by zero",
		src: `#define N 0
int x = 10 / N;

static void f(void)
{
}
`,
		want: []string{
			"x.c:2:14: division by zero",
		},
	},
	{
		name: "non-constant define",
		src: `int counter;
#define COUNT counter

static void f(void)
{
	int x = COUNT;
}
`,
		want: []string{
			"x.c:2:15: #define COUNT must be an integer constant or a string, not counter (ksim supports only constant macros)",
		},
	},
	{
		name: "unmodelled kernel API",
		src: `static int f(void *data)
{
	kthread_stop(data);
	return 0;
}
`,
		want: []string{
			"x.c:3:2: kthread_stop is not modelled by ksim (kthread_should_stop() is, but stopping another thread is not)",
		},
	},
	{
		name: "pointer compared with an integer",
		src: `static void f(void)
{
	char *p = kmalloc(16, GFP_KERNEL);

	if (p == 1)
		kfree(p);
}
`,
		want: []string{
			"x.c:5:8: comparison of pointer p with integer 1 (cast one of them)",
		},
	},
	{
		name: "function used as a value",
		src: `static void g(void)
{
}

static void f(void)
{
	long x = g;
	g;
}
`,
		want: []string{
			"x.c:7:11: function g used as a value in the initialisation of x (function pointers are not supported; call it: g())",
			"x.c:8:2: function g is not called (add parentheses: g())",
		},
	},
	{
		name: "string in arithmetic",
		src: `static void f(void)
{
	int x = "abc" + 1;
}
`,
		want: []string{
			"x.c:3:10: string \"abc\" used in operand of + (ksim has strings only as printk formats, kthread_run thread names and request_irq names)",
		},
	},
	{
		name: "cast to a lock type",
		src: `int x;

static void f(void)
{
	mutex_lock((struct mutex)x);
}
`,
		want: []string{
			"x.c:5:13: cannot convert to struct mutex (only to an integer or pointer type)",
		},
	},
	{
		name: "global pointer initialised to an address",
		src: `int counter;
int *p = &counter;

static void f(void)
{
}
`,
		want: []string{
			"x.c:2:10: global pointer p can only be initialised to NULL (assign it at run time, e.g. in module_init)",
		},
	},
	{
		name: "threads pragma with module_init",
		src: `#pragma ksim threads f

static void f(void)
{
}

static int __init init(void)
{
	return 0;
}
module_init(init);
`,
		want: []string{
			"x.c:1:1: #pragma ksim threads cannot be combined with module_init (module_init starts the threads; see 11:1)",
		},
	},
	{
		name: "several errors reported together",
		src: `DEFINE_MUTEX(m);
DEFINE_SPINLOCK(s);

static void f(void)
{
	unsigned long flags;

	spin_lock(&m);
	mutex_lock(&s);
	spin_lock_irqsave(&s, &flags);
	up(&m);
	nosuch(1);
	break;
}
`,
		want: []string{
			"x.c:8:12: spin_lock expects a spinlock_t *, but &m is a struct mutex * (use mutex_lock)",
			"x.c:9:13: mutex_lock expects a struct mutex *, but &s is a spinlock_t * (use spin_lock)",
			"x.c:10:24: spin_lock_irqsave takes flags itself, not &flags (it is a macro that assigns to its argument)",
			"x.c:11:5: up expects a struct semaphore *, but &m is a struct mutex * (use mutex_unlock)",
			"x.c:12:2: undefined: nosuch (no function, variable or kernel API of that name)",
			"x.c:13:2: break is not in a loop or switch",
		},
	},
	{
		name: "lock passed by value to a helper",
		src: `DEFINE_MUTEX(m);

static void helper(struct mutex *l)
{
	mutex_lock(l);
	mutex_unlock(l);
}

static void f(void)
{
	helper(m);
}
`,
		want: []string{
			"x.c:11:9: m is a struct mutex; pass its address in argument l of helper (write &m)",
		},
	},
	{
		name: "too many errors",
		src: `static void f(void)
{
	a1();
	a2();
	a3();
	a4();
	a5();
	a6();
	a7();
	a8();
	a9();
	a10();
	a11();
	a12();
}
`,
		want: []string{
			"x.c:3:2: undefined: a1 (no function, variable or kernel API of that name)",
			"x.c:4:2: undefined: a2 (no function, variable or kernel API of that name)",
			"x.c:5:2: undefined: a3 (no function, variable or kernel API of that name)",
			"x.c:6:2: undefined: a4 (no function, variable or kernel API of that name)",
			"x.c:7:2: undefined: a5 (no function, variable or kernel API of that name)",
			"x.c:8:2: undefined: a6 (no function, variable or kernel API of that name)",
			"x.c:9:2: undefined: a7 (no function, variable or kernel API of that name)",
			"x.c:10:2: undefined: a8 (no function, variable or kernel API of that name)",
			"x.c:11:2: undefined: a9 (no function, variable or kernel API of that name)",
			"x.c:12:2: undefined: a10 (no function, variable or kernel API of that name)",
			"x.c:13:2: too many errors",
		},
	},
	{
		name: "syntax errors alone",
		src: `static void f(void)
{
	int x = 1.5;
	nosuch();
}
`,
		want: []string{
			"x.c:3:10: floating-point constants are not supported (the simulator has integers only)",
		},
	},
	{
		name: "completion wait on a spinlock",
		src: `DEFINE_SPINLOCK(l);

static void f(void)
{
	wait_for_completion(&l);
}
`,
		want: []string{
			"x.c:5:22: wait_for_completion expects a struct completion *, but &l is a spinlock_t * (use spin_lock)",
		},
	},
	{
		name: "atomic_add with swapped arguments",
		src: `atomic_t v = ATOMIC_INIT(0);

static void f(void)
{
	atomic_add(&v, 1);
}
`,
		want: []string{
			"x.c:5:13: atomic_add expects an int as its i, but &v is an atomic_t * (atomic_add(i, &v) adds i to v (the amount comes first))",
			"x.c:5:17: atomic_add expects an atomic_t *, but 1 is an int (atomic_add(i, &v) adds i to v (the amount comes first))",
		},
	},
	// Found by the crash audit: a long chain of macros overflowed the stack
	// (each is checked recursively), and more tasks than the engine can run
	// crashed it before the first step.
	{
		name: "macros nested too deeply",
		src:  defineChain(150) + "int x = A0;\n\nstatic void f(void)\n{\n}\n",
		want: []string{
			"x.c:101:9: #define A100 is nested too deeply (macros that use macros, more than 100 levels)",
		},
	},
	{
		name: "threads pragma with too many tasks",
		src:  "#pragma ksim threads" + strings.Repeat(" f", 64) + "\n\nstatic void f(void)\n{\n}\n\nstatic void e(void)\n{\n}\nmodule_exit(e);\n",
		want: []string{
			"x.c:1:1: #pragma ksim threads starts 64 tasks, but a scenario can run at most 63 besides module_exit's rmmod",
		},
	},
	{
		name: "too many thread functions",
		src:  threadFuncs(65),
		want: []string{
			"x.c:1:1: 65 functions could start as threads, but a scenario can run at most 64 tasks (choose some with #pragma ksim threads)",
		},
	},
	{
		name: "array too large in all",
		src:  "int grid[4096][2];\n\nstatic void f(void)\n{\n}\n",
		want: []string{
			"x.c:1:16: array too large: 8192 elements in all (at most 4096)",
		},
	},
	{
		name: "tasklet function with two parameters",
		src: `static void tfn(int a, int b)
{
}
DECLARE_TASKLET(t, tfn);

static void f(void)
{
	tasklet_schedule(&t);
}
`,
		want: []string{
			"x.c:4:20: DECLARE_TASKLET cannot call tfn: a tasklet function takes one argument: void fn(unsigned long data), but tfn takes (int a, int b)",
		},
	},
}

// defineChain is #define A0 A1, #define A1 A2 ... #define An 1.
func defineChain(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "#define A%d A%d\n", i, i+1)
	}
	fmt.Fprintf(&b, "#define A%d 1\n", n)
	return b.String()
}

// threadFuncs is n functions that can each start as a thread.
func threadFuncs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "static void f%d(void)\n{\n}\n", i)
	}
	return b.String()
}

func TestLoadErrors(t *testing.T) {
	require.GreaterOrEqual(t, len(errorCases), 25)
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, loadErrors(t, tc.src))
		})
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
	assert.Equal(t, []string{"bad_function", "another_function", "deadlock_init", "deadlock_exit"}, s.FuncOrder)
	assert.Equal(t, Config{CPUs: 2, Pos: map[string]syntax.Pos{}}, s.Config)

	require.Len(t, s.Globals, 2)
	for i, name := range []string{"sem1", "sem2"} {
		g := s.Globals[i]
		assert.Equal(t, name, g.Name)
		assert.Equal(t, Semaphore, g.Type.Kind)
		assert.Equal(t, []int64{1}, g.Init, "DEFINE_SEMAPHORE(x) starts at 1")
		assert.Equal(t, "DEFINE_SEMAPHORE", g.Macro)
		assert.True(t, g.Static)
		assert.Same(t, g, g.Sym.Global)
	}
	assert.Equal(t, syntax.Pos{Line: 8, Col: 18}, s.Globals[0].Pos)

	// kernel_thread(bad_function, NULL, 0) passes a void f(void): accepted.
	var calls []string
	for call, b := range s.Calls {
		calls = append(calls, b.Name)
		if b.Op == OpKernelThread {
			id := call.Args[0].(*syntax.Ident)
			assert.Equal(t, FuncName, s.Uses[id].Class)
		}
	}
	assert.ElementsMatch(t, []string{"down", "down", "up", "up", "down", "down", "up", "up", "kernel_thread", "kernel_thread", "printk"}, calls)
}

func TestSeed001(t *testing.T) {
	src, err := os.ReadFile("testdata/seed001.c")
	require.NoError(t, err)
	s := mustLoad(t, "seed001.c", string(src))

	assert.Equal(t, "", s.Init)
	assert.Equal(t, []string{"faulty_function"}, s.Threads, "the only uncalled function runs as the only task")
	require.Len(t, s.Globals, 1)
	g := s.Globals[0]
	assert.Equal(t, "my_lock", g.Name)
	assert.Equal(t, Spinlock, g.Type.Kind)
	assert.False(t, g.Static, "a plain spinlock_t declaration is not statically initialised")
	assert.Equal(t, "", g.Macro)

	info := s.FuncInfo["faulty_function"]
	require.NotNil(t, info)
	assert.Equal(t, Void, info.Result.Kind)
	assert.Empty(t, info.Params)
	require.Len(t, info.Locals, 1)
	buf := info.Locals[0]
	assert.Equal(t, "buffer", buf.Name)
	assert.Equal(t, LocalVar, buf.Class)
	assert.Equal(t, 0, buf.Slot)
	assert.Equal(t, Type{Kind: Ptr, Elem: Int, Bits: 8, Name: "char"}, buf.Type)
}

func TestResolution(t *testing.T) {
	s := mustLoad(t, "res.c", `#define N 3
#define NAME "worker"
static struct mutex locks[N];
static atomic_t hits = ATOMIC_INIT(N * 2);
static int counts[N] = {1, 2};
u8 small = 300;
const int limit = HZ / 10;

static int worker(void *data)
{
	long i = (long)data;
	struct mutex *m = &locks[i];
	unsigned long flags;

	mutex_lock(m);
	counts[i] += atomic_inc_return(&hits);
	mutex_unlock(m);
	local_irq_save(flags);
	local_irq_restore(flags);
	for (int j = 0; j < N; j++) {
		int i = j;
		WRITE_ONCE(counts[i], READ_ONCE(counts[i]) + 1);
	}
	return 0;
}

static int __init res_init(void)
{
	long i;

	for (i = 0; i < N; i++) {
		mutex_init(&locks[i]);
		kthread_run(worker, (void *)i, NAME);
	}
	return 0;
}
module_init(res_init);
`)
	assert.Equal(t, map[string]int64{"N": 3}, s.Defines)
	assert.Equal(t, map[string]string{"NAME": "worker"}, s.Strings)

	locks := s.Global("locks")
	require.NotNil(t, locks)
	assert.Equal(t, Mutex, locks.Type.Kind)
	assert.Equal(t, []int{3}, locks.Type.Dims)
	assert.Equal(t, 3, locks.Type.Len())
	assert.False(t, locks.Static)

	hits := s.Global("hits")
	assert.Equal(t, Atomic, hits.Type.Kind)
	assert.Equal(t, []int64{6}, hits.Init)
	assert.True(t, hits.Static)
	assert.Equal(t, "ATOMIC_INIT", hits.Macro)

	assert.Equal(t, []int64{1, 2, 0}, s.Global("counts").Init)
	assert.Equal(t, []int64{44}, s.Global("small").Init, "u8 truncates like a store")
	assert.Equal(t, []int64{25}, s.Global("limit").Init) // HZ is 250
	assert.True(t, s.Global("limit").Type.Const)

	info := s.FuncInfo["worker"]
	var names []string
	for i, l := range info.Locals {
		names = append(names, l.Name)
		assert.Equal(t, i, l.Slot)
	}
	assert.Equal(t, []string{"data", "i", "m", "flags", "j", "i"}, names, "params first, shadowed locals keep their own slot")
	assert.Equal(t, ParamVar, info.Locals[0].Class)
	assert.Equal(t, Type{Kind: Ptr, Elem: Mutex, Name: "struct mutex"}, info.Locals[2].Type)

	// Every identifier in the bodies resolved; spot-check some classes.
	classes := map[string]Class{}
	for id, sym := range s.Uses {
		classes[id.Name] = sym.Class
		assert.Equal(t, id.Name, sym.Name)
	}
	assert.Equal(t, GlobalVar, classes["locks"])
	assert.Equal(t, BuiltinFunc, classes["mutex_lock"])
	assert.Equal(t, Constant, classes["N"])
	assert.Equal(t, Constant, classes["NAME"])
	assert.Equal(t, FuncName, classes["worker"])
	assert.Equal(t, LocalVar, classes["flags"])

	// Calls map to ops; &locks[i] has type struct mutex *.
	ops := map[Op]int{}
	for call, b := range s.Calls {
		ops[b.Op]++
		if b.Op == OpMutexInit {
			assert.Equal(t, Type{Kind: Ptr, Elem: Mutex, Name: "struct mutex"}, s.Types[call.Args[0]])
		}
	}
	assert.Equal(t, map[Op]int{
		OpMutexLock: 1, OpMutexUnlock: 1, OpAtomicIncReturn: 1, OpLocalIrqSave: 1, OpLocalIrqRestore: 1,
		OpWriteOnce: 1, OpReadOnce: 1, OpMutexInit: 1, OpKthreadRun: 1,
	}, ops)
	assert.Nil(t, s.Threads)
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

func TestStaticInitialisers(t *testing.T) {
	s := mustLoad(t, "s.c", `struct mutex a = __MUTEX_INITIALIZER(a);
spinlock_t b = __SPIN_LOCK_UNLOCKED(b);
struct semaphore c = __SEMAPHORE_INITIALIZER(c, 3);
DEFINE_SEMAPHORE(d, 0);
DECLARE_COMPLETION(done);
DECLARE_RWSEM(rw);
DEFINE_RWLOCK(rl);
DECLARE_TASKLET(t, tfn);
static void tfn(unsigned long data)
{
	complete(&done);
}
static int f(void)
{
	tasklet_schedule(&t);
	return 0;
}
`)
	want := []struct {
		name, macro string
		kind        Kind
		init        int64
	}{
		{"a", "__MUTEX_INITIALIZER", Mutex, 0},
		{"b", "__SPIN_LOCK_UNLOCKED", Spinlock, 0},
		{"c", "__SEMAPHORE_INITIALIZER", Semaphore, 3},
		{"d", "DEFINE_SEMAPHORE", Semaphore, 0},
		{"done", "DECLARE_COMPLETION", Completion, 0},
		{"rw", "DECLARE_RWSEM", RWSem, 0},
		{"rl", "DEFINE_RWLOCK", RWLock, 0},
		{"t", "DECLARE_TASKLET", Tasklet, 0},
	}
	require.Len(t, s.Globals, len(want))
	for i, w := range want {
		g := s.Globals[i]
		assert.Equal(t, w.name, g.Name)
		assert.Equal(t, w.macro, g.Macro)
		assert.Equal(t, w.kind, g.Type.Kind)
		assert.Equal(t, []int64{w.init}, g.Init)
		assert.True(t, g.Static, w.name)
	}
	assert.Equal(t, "tfn", s.Globals[7].TaskletFunc)
	assert.Equal(t, []string{"f"}, s.Threads, "a tasklet function is named by DECLARE_TASKLET")
}

func TestBuiltinTable(t *testing.T) {
	for op := OpInvalid + 1; op < numOps; op++ {
		b := BuiltinOf(op)
		require.NotNil(t, b, "op %d has no table entry", op)
		assert.Same(t, b, LookupBuiltin(b.Name))
		assert.NotEmpty(t, b.Usage, b.Name)
		assert.Contains(t, []Kind{Void, Int, Ptr}, b.Result, b.Name)
	}
	assert.Len(t, Builtins(), int(numOps)-1)

	// The API the brief promises, with its result kinds.
	results := map[string]Kind{
		"sema_init": Void, "down": Void, "down_interruptible": Int, "down_killable": Int, "down_trylock": Int,
		"down_timeout": Int, "up": Void, "mutex_init": Void, "mutex_lock": Void, "mutex_lock_interruptible": Int,
		"mutex_lock_killable": Int, "mutex_trylock": Int, "mutex_unlock": Void, "mutex_is_locked": Int,
		"mutex_lock_nested": Void, "spin_lock_init": Void, "spin_lock": Void, "spin_unlock": Void,
		"spin_trylock": Int, "spin_lock_irqsave": Void, "spin_unlock_irqrestore": Void, "spin_lock_irq": Void,
		"spin_unlock_irq": Void, "spin_lock_bh": Void, "spin_unlock_bh": Void, "spin_lock_nested": Void,
		"rwlock_init": Void, "read_lock": Void, "read_unlock": Void, "write_lock": Void, "write_unlock": Void,
		"read_lock_irqsave": Void, "write_lock_irqsave": Void, "read_unlock_irqrestore": Void,
		"write_unlock_irqrestore": Void, "read_trylock": Int, "write_trylock": Int, "init_rwsem": Void,
		"down_read": Void, "up_read": Void, "down_write": Void, "up_write": Void, "down_read_trylock": Int,
		"down_write_trylock": Int, "init_completion": Void, "reinit_completion": Void,
		"wait_for_completion": Void, "wait_for_completion_timeout": Int,
		"wait_for_completion_interruptible": Int, "complete": Void, "complete_all": Void,
		"atomic_read": Int, "atomic_set": Void, "atomic_inc": Void, "atomic_dec": Void, "atomic_add": Void,
		"atomic_sub": Void, "atomic_inc_return": Int, "atomic_dec_return": Int, "atomic_dec_and_test": Int,
		"atomic_cmpxchg": Int, "READ_ONCE": Int, "WRITE_ONCE": Void, "preempt_disable": Void,
		"preempt_enable": Void, "local_irq_disable": Void, "local_irq_enable": Void, "local_irq_save": Void,
		"local_irq_restore": Void, "local_bh_disable": Void, "local_bh_enable": Void, "msleep": Void,
		"ssleep": Void, "udelay": Void, "mdelay": Void, "ndelay": Void, "cpu_relax": Void, "schedule": Void, "cond_resched": Void,
		"might_sleep": Void, "in_atomic": Int, "in_interrupt": Int, "irqs_disabled": Int, "kmalloc": Ptr,
		"kzalloc": Ptr, "kfree": Void, "kthread_run": Ptr, "kernel_thread": Int, "kthread_should_stop": Int,
		"BUG_ON": Void, "BUG": Void, "WARN_ON": Int, "WARN_ON_ONCE": Int, "printk": Int, "pr_info": Void,
		"pr_warn": Void, "pr_err": Void, "pr_debug": Void, "pr_notice": Void, "lockdep_assert_held": Void,
		"request_irq": Int, "free_irq": Void, "tasklet_init": Void, "tasklet_schedule": Void, "tasklet_kill": Void,
		"IS_ERR": Int, "IS_ERR_OR_NULL": Int, "PTR_ERR": Int, "ERR_PTR": Ptr,
	}
	for name, res := range results {
		b := LookupBuiltin(name)
		if assert.NotNil(t, b, name) {
			assert.Equal(t, res, b.Result, name)
		}
	}

	c, ok := LookupConstant("GFP_KERNEL")
	assert.True(t, ok)
	assert.Equal(t, int64(0xcc0), c.Value)
	for name, v := range map[string]int64{
		"GFP_ATOMIC": 0x820, "GFP_NOWAIT": 0x2800, "__GFP_NOWARN": 0x2000, "__GFP_HIGH": 0x20,
		"__GFP_IO": 0x40, "__GFP_FS": 0x80, "__GFP_DIRECT_RECLAIM": 0x400, "__GFP_KSWAPD_RECLAIM": 0x800,
		"GFP_NOIO": 0xc00, "GFP_NOFS": 0xc40, "__GFP_RECLAIM": 0xc00, "__GFP_ZERO": 0x100,
		"__GFP_NOFAIL": 0x8000, "__GFP_RETRY_MAYFAIL": 0x4000, "__GFP_NORETRY": 0x10000,
		"SINGLE_DEPTH_NESTING": 1, "HZ": 250, "EINTR": 4, "ETIME": 62, "ENOMEM": 12, "EBUSY": 16,
		"EINVAL": 22, "EAGAIN": 11, "ERESTARTSYS": 512, "IRQ_HANDLED": 1, "IRQ_NONE": 0, "IRQF_SHARED": 0x80,
		"NULL": 0, "true": 1, "false": 0, "MAX_SCHEDULE_TIMEOUT": 1<<63 - 1,
	} {
		c, ok := LookupConstant(name)
		assert.True(t, ok, name)
		assert.Equal(t, v, c.Value, name)
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct {
		api  string
		kind Kind
		want string
	}{
		{"down", Mutex, "mutex_lock"},
		{"up", Mutex, "mutex_unlock"},
		{"mutex_lock", Semaphore, "down"},
		{"spin_lock_irqsave", Mutex, "mutex_lock"},
		{"down_read", Mutex, "mutex_lock"},
		{"read_lock", RWSem, "down_read"},
		{"mutex_trylock", Spinlock, "spin_trylock"},
		{"mutex_lock", Completion, "wait_for_completion"},
		{"mutex_unlock", Completion, "complete"},
		{"atomic_read", Mutex, ""},
	} {
		assert.Equal(t, tc.want, suggest(LookupBuiltin(tc.api), tc.kind), "%s on %s", tc.api, tc.kind)
	}
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
		{name: "irq times only", pragmas: "#pragma ksim irq 7 times 3\n", want: Config{CPUs: 2, IRQ: map[int]IRQConfig{7: {Times: 3, CPU: -1}}}},
		{name: "unknown directive", pragmas: "#pragma ksim cpu 2\n",
			errs: []string{`x.c:1:1: unknown ksim directive "cpu" (want cpus, threads, memory pressure, expect, lockdep off, irq)`}},
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
			errs: []string{`x.c:1:1: #pragma ksim threads: nope is not a defined function`}},
		{name: "threads empty", pragmas: "#pragma ksim threads\n",
			errs: []string{`x.c:1:1: #pragma ksim threads wants at least one function name: #pragma ksim threads reader writer`}},
		{name: "threads wrong shape", pragmas: "#pragma ksim threads h\n", errs: []string{
			`x.c:1:1: #pragma ksim threads: h cannot start as a thread: a thread function takes (void) or one pointer: int fn(void *data), but it takes (int x)`}},
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
			errs: []string{`x.c:1:1: empty ksim directive (want cpus, threads, memory pressure, expect, lockdep off, irq)`}},
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
	s := mustLoad(t, "x.c", "static void f(void)\n{\n}\n#pragma ksim cpus 1\n\n#pragma ksim expect ok\n#pragma ksim irq 2 times 1\n")
	assert.Equal(t, map[string]syntax.Pos{
		"cpus": {Line: 4, Col: 1}, "expect": {Line: 6, Col: 1},
		"irq 2": {Line: 7, Col: 1}, "irq 2 times": {Line: 7, Col: 1},
	}, s.Config.Pos)
}

func TestErrorPositionsAreValid(t *testing.T) {
	for _, tc := range errorCases {
		s, err := Load("x.c", []byte(tc.src))
		if err == nil {
			continue
		}
		assert.Nil(t, s)
		list := err.(syntax.ErrorList)
		assert.LessOrEqual(t, len(list), maxErrors+1)
		for _, e := range list {
			assert.True(t, e.Pos.IsValid(), "%s: %v", tc.name, e)
			assert.Equal(t, "x.c", e.Filename)
		}
	}
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
	down(&a);
	return 0;
}
`)
	if _, err := Load("abba.c", src); err != nil {
		fmt.Println(err)
	}

	src = bytes.Replace(src, []byte("down(&a);"), []byte("mutex_lock(&a);"), 1)
	s, err := Load("abba.c", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, s.Threads, s.Config.CPUs, s.Config.Expect)
	for _, g := range s.Globals {
		fmt.Println(g.Name, g.Type, g.Macro)
	}
	// Output:
	// abba.c:19:7: down expects a struct semaphore *, but &a is a struct mutex * (use mutex_lock)
	// abba [ab ba] 1 [deadlock]
	// a struct mutex DEFINE_MUTEX
	// b struct mutex DEFINE_MUTEX
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
	assert.Equal(t, []int64{2}, s.Global("sem").Init, "DEFINE_SEMAPHORE(sem, 2)")
	assert.Equal(t, Type{Kind: Ptr, Elem: Void, Name: "struct task_struct"}, s.Global("worker_task").Type)
	assert.Equal(t, Type{Kind: Int, Bits: 1, Unsigned: true, Name: "bool"}, s.Global("flag").Type)
	var handlerFound bool
	for call, b := range s.Calls {
		if b.Op == OpRequestIrq {
			id := call.Args[1].(*syntax.Ident)
			assert.Equal(t, "my_handler", s.Uses[id].Func.Name)
			handlerFound = true
		}
	}
	assert.True(t, handlerFound)
}

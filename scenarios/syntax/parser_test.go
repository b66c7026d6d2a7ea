package syntax

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readSeed(t *testing.T, name string) []byte {
	t.Helper()
	src, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return src
}

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := ParseFile("x.c", []byte(src))
	require.NoError(t, err, "source:\n%s", src)
	return f
}

func funcByName(t *testing.T, f *File, name string) *FuncDecl {
	t.Helper()
	for _, d := range f.Decls {
		if fd, ok := d.(*FuncDecl); ok && fd.Name.Name == name {
			return fd
		}
	}
	require.Failf(t, "function not found", "%s", name)
	return nil
}

func TestSeed000(t *testing.T) {
	src := readSeed(t, "seed000.c")
	// The listing is pasted from an article: every line has trailing blanks.
	require.Contains(t, string(src), "DEFINE_SEMAPHORE(sem1);  \n")
	f, err := ParseFile("seed000.c", src)
	require.NoError(t, err)

	require.Len(t, f.Includes, 4)
	assert.Equal(t, &Include{Hash: Pos{1, 1}, Path: "linux/module.h", System: true}, f.Includes[0])
	assert.Equal(t, "linux/semaphore.h", f.Includes[3].Path)

	var shape []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *MacroDecl:
			var args []string
			for _, a := range d.Args {
				args = append(args, ExprString(a))
			}
			shape = append(shape, d.Name.Name+"("+strings.Join(args, ",")+")")
		case *FuncDecl:
			shape = append(shape, d.Result.Name+" "+d.Name.Name+"{"+string(rune('0'+len(d.Body.List)))+"}")
		default:
			t.Fatalf("unexpected decl %T", d)
		}
	}
	assert.Equal(t, []string{
		"DEFINE_SEMAPHORE(sem1)",
		"DEFINE_SEMAPHORE(sem2)",
		"void bad_function{4}",
		"void another_function{4}",
		"int deadlock_init{3}",
		"void deadlock_exit{1}",
		"module_init(deadlock_init)",
		"module_exit(deadlock_exit)",
	}, shape)

	bad := funcByName(t, f, "bad_function")
	assert.True(t, bad.Static)
	assert.Empty(t, bad.Params)
	assert.Equal(t, Pos{9, 1}, bad.Pos())
	assert.Equal(t, Pos{9, 13}, bad.Name.Pos())
	var calls []string
	for _, s := range bad.Body.List {
		calls = append(calls, ExprString(s.(*ExprStmt).X))
	}
	assert.Equal(t, []string{"down(&sem1)", "down(&sem2)", "up(&sem2)", "up(&sem1)"}, calls)
	call := bad.Body.List[0].(*ExprStmt).X.(*CallExpr)
	assert.Equal(t, Pos{10, 5}, call.Pos())
	assert.Equal(t, Pos{10, 9}, call.Lparen)
	assert.Equal(t, Pos{10, 15}, call.Rparen)
	assert.Equal(t, &UnaryExpr{OpPos: Pos{10, 10}, Op: AND, X: &Ident{NamePos: Pos{10, 11}, Name: "sem1"}}, call.Args[0])

	init := funcByName(t, f, "deadlock_init")
	assert.Equal(t, []string{"__init"}, init.Attrs)
	ret := init.Body.List[2].(*ReturnStmt)
	assert.Equal(t, int64(0), ret.Result.(*IntLit).Value)
	kt := init.Body.List[0].(*ExprStmt).X.(*CallExpr)
	assert.Equal(t, "kernel_thread(bad_function, NULL, 0)", ExprString(kt))

	exit := funcByName(t, f, "deadlock_exit")
	assert.Equal(t, []string{"__exit"}, exit.Attrs)
	pr := exit.Body.List[0].(*ExprStmt).X.(*CallExpr)
	str := pr.Args[0].(*StringLit)
	assert.Equal(t, "KERN_INFO", str.Level)
	assert.Equal(t, "Module unloaded\n", str.Value)
	assert.Equal(t, Pos{33, 12}, str.Pos())
	assert.Equal(t, []string{`"Module unloaded\n"`}, str.Raw)
}

func TestSeed001(t *testing.T) {
	f, err := ParseFile("seed001.c", readSeed(t, "seed001.c"))
	require.NoError(t, err)
	require.Len(t, f.Decls, 2)

	v := f.Decls[0].(*VarDecl)
	require.Len(t, v.Vars, 1)
	assert.Equal(t, "my_lock", v.Vars[0].Name.Name)
	assert.Equal(t, "spinlock_t", v.Vars[0].Type.Name)

	fn := f.Decls[1].(*FuncDecl)
	assert.Equal(t, "faulty_function", fn.Name.Name)
	assert.Empty(t, fn.Params, "() is an empty parameter list")
	require.Len(t, fn.Body.List, 4)

	// A declaration after a statement, C99 style.
	ds := fn.Body.List[1].(*DeclStmt)
	buf := ds.Decl.Vars[0]
	assert.Equal(t, "buffer", buf.Name.Name)
	assert.Equal(t, "char *", buf.Type.String())
	call := buf.Init.(*CallExpr)
	assert.Equal(t, "kmalloc", call.Fun.(*Ident).Name)
	require.Len(t, call.Args, 2)
	assert.Equal(t, &IntLit{ValuePos: Pos{4, 24}, Raw: "1024", Value: 1024}, call.Args[0])
	assert.Equal(t, &Ident{NamePos: Pos{4, 30}, Name: "GFP_KERNEL"}, call.Args[1])

	ifs := fn.Body.List[2].(*IfStmt)
	assert.Equal(t, "buffer", ExprString(ifs.Cond))
	assert.Len(t, ifs.Then.(*BlockStmt).List, 1)
	assert.Nil(t, ifs.Else)
}

func TestPragmas(t *testing.T) {
	src := "#pragma ksim threads a b  \n#pragma once\n#pragma   ksim   expect deadlock // why\n" + string(readSeed(t, "seed000.c"))
	f, err := ParseFile("p.c", []byte(src))
	require.NoError(t, err)
	assert.Equal(t, []*Pragma{
		{Hash: Pos{1, 1}, Words: []string{"threads", "a", "b"}},
		{Hash: Pos{3, 1}, Words: []string{"expect", "deadlock"}},
	}, f.Pragmas)
	assert.Len(t, f.Decls, 8)

	// Directives may appear inside a function body too.
	f = mustParse(t, "void f(void) {\n#pragma ksim yield\n  x++;\n}\n")
	require.Len(t, f.Pragmas, 1)
	assert.Equal(t, Pos{2, 1}, f.Pragmas[0].Hash)
	assert.Len(t, funcByName(t, f, "f").Body.List, 1)
}

func TestDefines(t *testing.T) {
	f := mustParse(t, "#define N 5\n#define MASK (1 << 3) | 0x10 /* c */\n#define DEBUG\n#define LONG 1 + \\\n  2\nint a[N];\n")
	require.Len(t, f.Defines, 4)
	assert.Equal(t, "N", f.Defines[0].Name.Name)
	assert.Equal(t, Pos{1, 9}, f.Defines[0].Name.Pos())
	assert.Equal(t, int64(5), f.Defines[0].Value.(*IntLit).Value)
	assert.Equal(t, "((1 << 3) | 0x10)", ExprString(f.Defines[1].Value))
	assert.Nil(t, f.Defines[2].Value)
	assert.Equal(t, "(1 + 2)", ExprString(f.Defines[3].Value))
	assert.Equal(t, Pos{5, 3}, f.Defines[3].Value.(*BinaryExpr).Y.Pos())
	require.Len(t, f.Decls, 1)
	assert.Equal(t, "int[N]", f.Decls[0].(*VarDecl).Vars[0].Type.String())
}

// parseExprSrc parses src as the only statement of a function body.
func parseExprSrc(t *testing.T, src string) Expr {
	t.Helper()
	f := mustParse(t, "void f(void) {\n"+src+";\n}\n")
	body := funcByName(t, f, "f").Body.List
	require.Len(t, body, 1)
	es, ok := body[0].(*ExprStmt)
	require.True(t, ok, "%T", body[0])
	return es.X
}

func TestExpressions(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a + b * c", "(a + (b * c))"},
		{"a * b + c", "((a * b) + c)"},
		{"a - b - c", "((a - b) - c)"},
		{"a = b = c", "(a = (b = c))"},
		{"x += y << 2", "(x += (y << 2))"},
		{"a || b && c | d ^ e & f == g < h << i + j * k", "(a || (b && (c | (d ^ (e & (f == (g < (h << (i + (j * k))))))))))"},
		{"a < b == c > d", "((a < b) == (c > d))"},
		{"a ? b : c ? d : e", "(a ? b : (c ? d : e))"},
		{"x = y ?: z", "(x = (y ?: z))"},
		{"x = a ? b, c : d", "(x = (a ? (b, c) : d))"},
		{"a, b = c", "(a, (b = c))"},
		{"!a && ~b", "(!a && ~b)"},
		{"-a * -b", "(-a * -b)"},
		{"*p++", "*p++"},
		{"++*p", "++*p"},
		{"&s->lock", "&s->lock"},
		{"a.b.c[i]->d", "a.b.c[i]->d"},
		{"f(a, b)(c)", "f(a, b)(c)"},
		{"(a + b) * c", "((a + b) * c)"},
		{"(void *)p", "(void *)p"},
		{"(int)x + 1", "((int)x + 1)"},
		{"(unsigned long)x", "(unsigned long)x"},
		{"(struct foo *)p", "(struct foo *)p"},
		{"(const char *)s", "(const char *)s"},
		{"(x)(y)", "(x)(y)"},
		{"sizeof(int)", "sizeof(int)"},
		{"sizeof(struct mutex)", "sizeof(struct mutex)"},
		{"sizeof x + 1", "(sizeof x + 1)"},
		{"sizeof(x) * 2", "(sizeof (x) * 2)"},
		{"sizeof *p", "sizeof *p"},
		{"flags & ~0x3UL", "(flags & ~0x3UL)"},
		{"i-- > 0", "(i-- > 0)"},
		{"a[i][j] %= 3", "(a[i][j] %= 3)"},
		{"x >>= 1", "(x >>= 1)"},
		{"c = 'a'", "(c = 'a')"},
		{`printk(KERN_ERR "a" "b\t%d\n", x)`, `printk(KERN_ERR "ab\t%d\n", x)`},
		{`s = "x" "y"`, `(s = "xy")`},
		{"p = NULL", "(p = NULL)"},
		{"done = true", "(done = true)"},
		{"module_param(n, int, 0644)", "module_param(n, int, 0644)"},
		{"container_of(p, struct foo, list)", "container_of(p, struct foo, list)"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			assert.Equal(t, tt.want, ExprString(parseExprSrc(t, tt.src)))
		})
	}
}

func TestLiterals(t *testing.T) {
	tests := []struct {
		src      string
		value    int64
		unsigned bool
		long     int
	}{
		{"0", 0, false, 0},
		{"42", 42, false, 0},
		{"0x1F", 31, false, 0},
		{"017", 15, false, 0},
		{"0b101", 5, false, 0},
		{"10u", 10, true, 0},
		{"10UL", 10, true, 1},
		{"10lu", 10, true, 1},
		{"7ull", 7, true, 2},
		{"7LL", 7, false, 2},
		{"9223372036854775807", 1<<63 - 1, false, 0},
		{"0xFFFFFFFFFFFFFFFF", -1, false, 0},
		{"18446744073709551615u", -1, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			lit := parseExprSrc(t, tt.src).(*IntLit)
			assert.Equal(t, tt.value, lit.Value)
			assert.Equal(t, tt.unsigned, lit.Unsigned)
			assert.Equal(t, tt.long, lit.Long)
			assert.Equal(t, tt.src, lit.Raw)
		})
	}

	chars := map[string]int64{`'a'`: 'a', `'\n'`: '\n', `'\0'`: 0, `'\\'`: '\\', `'\''`: '\'', `'\x41'`: 0x41, `'\177'`: 0177, `'"'`: '"'}
	for src, want := range chars {
		assert.Equal(t, want, parseExprSrc(t, src).(*CharLit).Value, src)
	}

	s := parseExprSrc(t, `"tab\there \"q\" \x41\101\e"`).(*StringLit)
	assert.Equal(t, "tab\there \"q\" AA\x1b", s.Value)
	assert.Empty(t, s.Level)
}

func TestDeclarations(t *testing.T) {
	tests := []struct {
		src  string
		want []string // "name: type = init" per declarator
	}{
		{"struct mutex forks[5];", []string{"forks: struct mutex[5]"}},
		{"atomic_t x = ATOMIC_INIT(0);", []string{"x: atomic_t = ATOMIC_INIT(0)"}},
		{"int a = 1, *p = NULL;", []string{"a: int = 1", "p: int * = NULL"}},
		{"unsigned long flags;", []string{"flags: unsigned long"}},
		{"long unsigned int x;", []string{"x: unsigned long"}},
		{"unsigned u; long long ll; short int s; signed char c;", []string{"u: unsigned int", "ll: long long", "s: short", "c: signed char"}},
		{"static const char *names[] = {\"a\", \"b\"};", []string{"names: const char *[] = {\"a\", \"b\"}"}},
		{"int grid[2][3] = {{1, 2, 3}, {4, 5, 6},};", []string{"grid: int[2][3] = {{1, 2, 3}, {4, 5, 6}}"}},
		{"struct semaphore sem;", []string{"sem: struct semaphore"}},
		{"struct rw_semaphore rw; struct completion done; struct tasklet_struct t;", []string{"rw: struct rw_semaphore", "done: struct completion", "t: struct tasklet_struct"}},
		{"spinlock_t l1, l2; rwlock_t rwl; u64 counter; size_t n; bool ok = false;", []string{"l1: spinlock_t", "l2: spinlock_t", "rwl: rwlock_t", "counter: u64", "n: size_t", "ok: bool = false"}},
		{"void *ptr; volatile int v; char __user *ubuf;", []string{"ptr: void *", "v: volatile int", "ubuf: char *"}},
		{"int x __read_mostly = 3;", []string{"x: int = 3"}},
		{"struct foo;", nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			f := mustParse(t, tt.src)
			var got []string
			for _, d := range f.Decls {
				for _, v := range d.(*VarDecl).Vars {
					s := v.Name.Name + ": " + v.Type.String()
					if v.Init != nil {
						s += " = " + ExprString(v.Init)
					}
					got = append(got, s)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}

	f := mustParse(t, "static DEFINE_MUTEX(m);\nDEFINE_SEMAPHORE(s, 2);\nMODULE_LICENSE(\"GPL\");\nDECLARE_TASKLET(t, fn);\n")
	require.Len(t, f.Decls, 4)
	m := f.Decls[0].(*MacroDecl)
	assert.True(t, m.Static)
	assert.Equal(t, Pos{1, 1}, m.Pos())
	assert.Equal(t, Pos{1, 8}, m.Name.Pos())
	assert.Equal(t, "2", ExprString(f.Decls[1].(*MacroDecl).Args[1]))
	assert.Equal(t, "GPL", f.Decls[2].(*MacroDecl).Args[0].(*StringLit).Value)

	f = mustParse(t, "char __user *ubuf;")
	assert.Equal(t, []string{"__user"}, f.Decls[0].(*VarDecl).Vars[0].Type.Quals)
}

func TestFunctions(t *testing.T) {
	f := mustParse(t, `
static inline int add(int a, const int *b, unsigned long c);
int printk(const char *fmt, ...);
void *alloc(size_t);
static irqreturn_t handler(int irq, void *dev) { return 0; }
char *name(void) { return "x"; }
`)
	require.Len(t, f.Decls, 5)
	add := f.Decls[0].(*FuncDecl)
	assert.True(t, add.Static)
	assert.True(t, add.Inline)
	assert.Nil(t, add.Body)
	require.Len(t, add.Params, 3)
	assert.Equal(t, "b", add.Params[1].Name.Name)
	assert.Equal(t, "const int *", add.Params[1].Type.String())
	assert.Equal(t, "unsigned long", add.Params[2].Type.String())

	pk := f.Decls[1].(*FuncDecl)
	assert.True(t, pk.Variadic)
	assert.Len(t, pk.Params, 1)

	alloc := f.Decls[2].(*FuncDecl)
	assert.Equal(t, "void *", alloc.Result.String())
	assert.Nil(t, alloc.Params[0].Name)

	h := f.Decls[3].(*FuncDecl)
	assert.Equal(t, "irqreturn_t", h.Result.Name)
	assert.Equal(t, Pos{5, 27}, h.Lparen)
	assert.Equal(t, Pos{5, 46}, h.Rparen)

	assert.Equal(t, "char *", f.Decls[4].(*FuncDecl).Result.String())
}

func TestStatements(t *testing.T) {
	f := mustParse(t, `int f(int n)
{
	int i, ret = 0;
	for (int j = 0; j < n; j++)
		ret += j;
	for (i = 0, ret = 1; ; )
		break;
	for (;;) { continue; }
	while (n--)
		;
	do {
		n++;
	} while (n < 10);
	if (n) ret = 1; else if (!n) ret = 2; else { ret = 3; }
	switch (n) {
	case 0:
	case 1:
		ret = 1;
		break;
	default:
		ret = 2;
	}
	goto out;
out:
	return ret;
err:
}
`)
	body := funcByName(t, f, "f").Body.List
	var kinds []string
	for _, s := range body {
		kinds = append(kinds, strings.TrimPrefix(typeName(s), "*syntax."))
	}
	assert.Equal(t, []string{"DeclStmt", "ForStmt", "ForStmt", "ForStmt", "WhileStmt", "DoWhileStmt", "IfStmt", "SwitchStmt", "BranchStmt", "LabeledStmt", "LabeledStmt"}, kinds)

	for1 := body[1].(*ForStmt)
	assert.IsType(t, &DeclStmt{}, for1.Init)
	assert.Equal(t, "(j < n)", ExprString(for1.Cond))
	assert.Equal(t, "j++", ExprString(for1.Post))
	for2 := body[2].(*ForStmt)
	assert.Equal(t, "((i = 0), (ret = 1))", ExprString(for2.Init.(*ExprStmt).X))
	assert.Nil(t, for2.Cond)
	assert.Nil(t, for2.Post)
	assert.Equal(t, BREAK, for2.Body.(*BranchStmt).Tok)
	assert.IsType(t, &EmptyStmt{}, body[4].(*WhileStmt).Body)
	assert.Equal(t, "(n < 10)", ExprString(body[5].(*DoWhileStmt).Cond))

	ifs := body[6].(*IfStmt)
	elseIf := ifs.Else.(*IfStmt)
	assert.IsType(t, &BlockStmt{}, elseIf.Else)

	sw := body[7].(*SwitchStmt)
	require.Len(t, sw.Clauses, 3)
	assert.Equal(t, "0", ExprString(sw.Clauses[0].Value))
	assert.Empty(t, sw.Clauses[0].Body)
	assert.Len(t, sw.Clauses[1].Body, 2)
	assert.Nil(t, sw.Clauses[2].Value)

	gt := body[8].(*BranchStmt)
	assert.Equal(t, GOTO, gt.Tok)
	assert.Equal(t, "out", gt.Label.Name)
	out := body[9].(*LabeledStmt)
	assert.Equal(t, "out", out.Label.Name)
	assert.IsType(t, &ReturnStmt{}, out.Stmt)
	errl := body[10].(*LabeledStmt)
	assert.Equal(t, &EmptyStmt{Semi: Pos{27, 1}, Implicit: true}, errl.Stmt)
}

func typeName(v any) string {
	return strings.TrimPrefix(strings.TrimPrefix(fmtType(v), "*"), "syntax.")
}

func TestComments(t *testing.T) {
	f := mustParse(t, "/* header\n * comment */ int /* inline */ x; // trailing\n// int y;\n/**/int z;")
	require.Len(t, f.Decls, 2)
	assert.Equal(t, Pos{2, 15}, f.Decls[0].Pos())
	assert.Equal(t, Pos{4, 5}, f.Decls[1].Pos())
}

func TestCRLFAndBOM(t *testing.T) {
	src := "\xEF\xBB\xBFint x;\r\nvoid f(void) {\r\n\tx = 1;\r\n}\r\n"
	f := mustParse(t, src)
	require.Len(t, f.Decls, 2)
	assert.Equal(t, Pos{3, 2}, funcByName(t, f, "f").Body.List[0].Pos())
}

func TestInspect(t *testing.T) {
	f, err := ParseFile("seed001.c", readSeed(t, "seed001.c"))
	require.NoError(t, err)

	var idents []string
	var depth, maxDepth int
	Inspect(f, func(n Node) bool {
		if n == nil {
			depth--
			return false
		}
		depth++
		maxDepth = max(maxDepth, depth)
		if id, ok := n.(*Ident); ok {
			idents = append(idents, id.Name)
		}
		return true
	})
	assert.Equal(t, 0, depth, "every visited node gets a closing nil call")
	assert.Equal(t, []string{"my_lock", "faulty_function", "spin_lock", "my_lock", "buffer", "kmalloc", "GFP_KERNEL", "buffer", "kfree", "buffer", "spin_unlock", "my_lock"}, idents)
	assert.Greater(t, maxDepth, 5)

	// Returning false prunes the subtree.
	var calls int
	Inspect(f, func(n Node) bool {
		if _, ok := n.(*CallExpr); ok {
			calls++
			return false
		}
		return true
	})
	assert.Equal(t, 4, calls)

	// Every node kind is reachable without nil-pointer trouble, even in a
	// partial tree.
	src := "#define N 3\nint a[N] = {1};\nvoid g(int *p, ...) { for (;;) { switch (x) { case 1: break; default: ; } } do x = y ? (int)z : sizeof(long); while (0); l: goto l; a.b->c[1]--; return -1; }\nint h(void) { int x = ; }\n"
	f, _ = ParseFile("all.c", []byte(src))
	seen := map[string]bool{}
	Inspect(f, func(n Node) bool {
		if n != nil {
			require.True(t, n.Pos().IsValid(), "%T has no position", n)
			seen[typeName(n)] = true
		}
		return true
	})
	for _, k := range []string{"File", "Define", "VarDecl", "VarSpec", "Type", "InitList", "FuncDecl", "Param", "ForStmt", "SwitchStmt", "CaseClause", "DoWhileStmt", "CondExpr", "CastExpr", "SizeofExpr", "LabeledStmt", "BranchStmt", "MemberExpr", "IndexExpr", "PostfixExpr", "ReturnStmt", "UnaryExpr", "BadExpr"} {
		assert.True(t, seen[k], "Inspect never reached a %s", k)
	}
}

func TestErrorListAPI(t *testing.T) {
	_, err := ParseFile("e.c", []byte("int x\nint y\n"))
	require.Error(t, err)
	var list ErrorList
	require.True(t, errors.As(err, &list))
	require.Len(t, list, 2)
	assert.Equal(t, "e.c:1:6: expected ';' after declaration, found 'int' (and 1 more errors)", err.Error())
	assert.Equal(t, "e.c:1:6: expected ';' after declaration, found 'int'\ne.c:2:6: expected ';' after declaration, found end of file\n", list.Detail())
	assert.Nil(t, ErrorList(nil).Err())
	assert.Equal(t, "no errors", ErrorList(nil).Error())
	assert.Equal(t, "f.c", Position("f.c", Pos{}))
	assert.Equal(t, "3:4", Position("", Pos{3, 4}))
	assert.Equal(t, "-", Pos{}.String())

	l := ErrorList{{Pos: Pos{2, 1}, Msg: "b"}, {Pos: Pos{1, 5}, Msg: "a"}, {Pos: Pos{2, 1}, Msg: "b"}}
	l.RemoveMultiples()
	assert.Equal(t, "1:5: a (and 1 more errors)", l.Error())
}

func TestTokenHelpers(t *testing.T) {
	assert.Equal(t, "+=", ADD_ASSIGN.String())
	assert.Equal(t, ADD, ADD_ASSIGN.BinaryOp())
	assert.Equal(t, ILLEGAL, ASSIGN.BinaryOp())
	assert.True(t, SHR_ASSIGN.IsAssignOp())
	assert.False(t, EQL.IsAssignOp())
	assert.True(t, WHILE.IsKeyword())
	assert.True(t, ARROW.IsOperator())
	assert.Equal(t, 0, ASSIGN.Precedence())
	assert.True(t, IsTypeName("spinlock_t"))
	assert.False(t, IsTypeName("mutex"))
	assert.Equal(t, "token(?)", Token(-1).String())
}

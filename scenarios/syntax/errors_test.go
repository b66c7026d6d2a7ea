package syntax

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errorTests are also seeds for FuzzParse.
var errorTests = []struct {
	name string
	src  string
	want []string
}{
	{"missing semicolon, next line",
		"void f(void) {\n\tx = 1\n\ty = 2;\n}\n",
		[]string{"x.c:2:7: expected ';' after expression, found 'y'"}},
	{"missing semicolon, same line",
		"void f(void) {\n\tx = 1 y = 2;\n\tz = 3\n}\n",
		[]string{
			"x.c:2:7: expected ';' after expression, found 'y'",
			"x.c:3:7: expected ';' after expression, found '}'",
		}},
	{"missing semicolon after declaration",
		"int x\nint y;\n",
		[]string{"x.c:1:6: expected ';' after declaration, found 'int'"}},
	{"unbalanced closing brace",
		"void f(void) {\n}\n}\nint x;\n",
		[]string{"x.c:3:1: unbalanced '}': no block is open here"}},
	{"unexpected EOF inside a function",
		"void f(void) {\n\tif (x) {\n\t\ty();\n",
		[]string{"x.c:4:1: unexpected end of file: missing '}' to close the block at 2:9"}},
	{"unexpected EOF inside an expression",
		"void f(void) {\n\tg(1,",
		[]string{"x.c:2:6: expected expression, found end of file"}},
	{"unterminated comment",
		"int x; /* never\nends\n",
		[]string{"x.c:1:8: comment not terminated"}},
	{"unterminated string",
		"void f(void) {\n\tprintk(\"oops);\n}\n",
		[]string{
			"x.c:2:9: string literal not terminated",
			"x.c:3:1: expected ')' to close call, found '}'",
		}},
	{"unterminated char", "int c = 'a;\n", []string{"x.c:1:9: character literal not terminated"}},
	{"empty char", "int c = '';\n", []string{"x.c:1:9: empty character constant"}},
	{"multi-char", "int c = 'ab';\n", []string{"x.c:1:9: multi-character character constants are not supported"}},
	{"hex without digits", "int x = 0x;\n", []string{"x.c:1:9: hexadecimal constant 0x has no digits"}},
	{"bad octal digit", "int x = 09;\n", []string{"x.c:1:9: invalid digit '9' in octal constant"}},
	{"bad suffix", "int x = 12abc;\n", []string{"x.c:1:9: invalid suffix 'abc' on integer constant"}},
	{"float", "int x = 1.5;\n", []string{"x.c:1:9: floating-point constants are not supported (the simulator has integers only)"}},
	{"every bad constant of a line",
		"int x = 08; int y = 0x; int z = 1e3;\n",
		[]string{
			"x.c:1:9: invalid digit '8' in octal constant",
			"x.c:1:21: hexadecimal constant 0x has no digits",
			"x.c:1:33: floating-point constants are not supported (the simulator has integers only)",
		}},
	{"float type",
		"double g;\nvoid f(void) { float x = 1; }\nint h(float v) { return sizeof(double) + (float)v; }\n",
		[]string{
			"x.c:1:1: floating point is not supported: 'double' (the simulator has integers only, like the kernel)",
			"x.c:2:16: floating point is not supported: 'float' (the simulator has integers only, like the kernel)",
			"x.c:3:7: floating point is not supported: 'float' (the simulator has integers only, like the kernel)",
		}},
	{"float cast", "int f(int v) { return (double)v; }\n",
		[]string{"x.c:1:24: floating point is not supported: 'double' (the simulator has integers only, like the kernel)"}},
	{"float sizeof", "int f(void) { return sizeof(float); }\n",
		[]string{"x.c:1:29: floating point is not supported: 'float' (the simulator has integers only, like the kernel)"}},
	{"integer overflow", "long x = 99999999999999999999;\n", []string{"x.c:1:10: integer constant 99999999999999999999 is too large"}},
	{"signed overflow", "long x = 9223372036854775808;\n", []string{"x.c:1:10: integer constant 9223372036854775808 is too large"}},
	{"bad escape", "char *s = \"a\\qb\";\n", []string{"x.c:1:13: unknown escape sequence '\\q'"}},
	{"function returning an array of unknown size", // found by FuzzLoad
		"int f[](void) { }\n",
		[]string{"x.c:1:5: functions cannot return arrays"}},
	{"function returning an array", "int f[2](void);\n", []string{"x.c:1:5: functions cannot return arrays"}},
	{"typedef",
		"int a;\ntypedef int myint;\nint b;\n",
		[]string{"x.c:2:1: unsupported construct: typedef (ksim accepts kernel C: functions, globals, locks; see README)"}},
	{"struct definition",
		"struct foo {\n\tint a;\n};\nint x y;\n",
		[]string{
			"x.c:1:1: struct definitions are not supported (ksim accepts kernel C: functions, globals, locks; see README)",
			"x.c:4:6: expected ';' after declaration, found 'y'",
		}},
	{"union", "union u { int a; };\n", []string{"x.c:1:1: unsupported construct: union (ksim accepts kernel C: functions, globals, locks; see README)"}},
	{"function-like macro",
		"#define MAX(a, b) ((a) > (b) ? (a) : (b))\nint x;\n",
		[]string{"x.c:1:9: function-like macros are not supported (#define MAX(...)); write a function instead"}},
	{"ifdef",
		"#ifdef CONFIG_SMP\nint x;\n#endif\n",
		[]string{
			"x.c:1:1: unsupported preprocessor directive #ifdef (only #include, #define NAME value and #pragma ksim are accepted)",
			"x.c:3:1: unsupported preprocessor directive #endif (only #include, #define NAME value and #pragma ksim are accepted)",
		}},
	{"bad include", "#include linux/module.h\n", []string{`x.c:1:1: #include expects <file> or "file"`}},
	{"define without name", "#define\n#define 3 4\n", []string{
		"x.c:1:8: expected macro name after #define",
		"x.c:2:9: expected macro name after #define, found '3'",
	}},
	{"define with junk", "#define N 3 4\n", []string{"x.c:1:13: expected end of #define, found '4'"}},
	{"stray @", "void f(void) {\n\tx = @y;\n}\n", []string{"x.c:2:6: invalid character '@'"}},
	{"stray $", "int $x;\n", []string{"x.c:1:5: invalid character '$'"}},
	{"stray #", "int x; # define y\n", []string{"x.c:1:8: '#' is only allowed at the start of a preprocessor line"}},
	{"typographic quotes", "void f(void) { printk(“hi”); }\n", []string{
		"x.c:1:23: invalid character U+201C '“': a typographic quote, use ' or \" instead",
		"x.c:1:28: invalid character U+201D '”': a typographic quote, use ' or \" instead",
	}},
	{"else without if", "void f(void) {\n\telse x = 1;\n}\n", []string{"x.c:2:2: 'else' without a previous 'if'"}},
	{"case outside switch", "void f(void) {\n\tcase 1: x();\n}\n", []string{"x.c:2:2: 'case' label not within a switch statement"}},
	{"missing ) in if", "void f(void) {\n\tif (x {\n\t\ty();\n\t}\n}\n", []string{"x.c:2:8: expected ')' to close the if condition, found '{'"}},
	{"missing ) in call", "void f(void) {\n\tg(a, b;\n}\n", []string{"x.c:2:8: expected ')' to close call, found ';'"}},
	{"unknown type", "foo_t x;\nvoid f(void) { my_t y = 1; }\n", []string{
		"x.c:1:1: unknown type name 'foo_t' (ksim knows the kernel's common types but not typedefs)",
		"x.c:2:16: unknown type name 'my_t' (ksim knows the kernel's common types but not typedefs)",
	}},
	{"invalid type", "long char c;\n", []string{"x.c:1:1: invalid type 'long char'"}},
	{"missing return type", "foo(void) { return 1; }\nint x;\n", []string{"x.c:1:1: function foo needs a return type (for example: static int foo(void))"}},
	{"function pointer", "void (*fp)(int);\n", []string{"x.c:1:6: function pointer declarators are not supported (ksim accepts kernel C: functions, globals, locks; see README)"}},
	{"statement at file scope", "x = 1;\nif (x) y();\n", []string{
		"x.c:1:1: expected declaration (a function, variable or lock definition), found 'x'",
		"x.c:2:1: expected declaration (a function, variable or lock definition), found 'if'",
	}},
	{"untyped parameters", "void g(a, b) { }\n", []string{"x.c:1:8: expected parameter type, found 'a'"}},
	{"several errors in one file",
		"int a\nvoid f(void) {\n\tx = ;\n\tint = 3;\n\tgoto 5;\n\treturn 1 2;\n}\ntypedef int t;\nint ok;\n",
		[]string{
			"x.c:1:6: expected ';' after declaration, found 'void'",
			"x.c:3:6: expected expression, found ';'",
			"x.c:4:6: expected name in declaration, found '='",
			"x.c:5:7: expected label name after goto, found '5'",
			"x.c:6:10: expected ';' after return statement, found '2'",
			"x.c:8:1: unsupported construct: typedef (ksim accepts kernel C: functions, globals, locks; see README)",
		}},
	{"too many errors",
		strings.Repeat("int x y;\n", 12),
		[]string{
			"x.c:1:6: expected ';' after declaration, found 'y'",
			"x.c:2:6: expected ';' after declaration, found 'y'",
			"x.c:3:6: expected ';' after declaration, found 'y'",
			"x.c:4:6: expected ';' after declaration, found 'y'",
			"x.c:5:6: expected ';' after declaration, found 'y'",
			"x.c:6:6: expected ';' after declaration, found 'y'",
			"x.c:7:6: expected ';' after declaration, found 'y'",
			"x.c:8:6: expected ';' after declaration, found 'y'",
			"x.c:9:6: expected ';' after declaration, found 'y'",
			"x.c:10:6: expected ';' after declaration, found 'y'",
			"x.c:11:6: too many errors",
		}},
	{"deep nesting",
		"int x = " + strings.Repeat("(", 2000) + "1;\n",
		[]string{"x.c:1:509: code nested more than 1000 levels deep"}},
	// A chain of operators builds a left-deep tree: without a limit, a long
	// enough one overflowed the stack of the checker (a fatal error that
	// recover cannot catch).
	{"long operator chain",
		"int x = 1" + strings.Repeat(" + 1", 1100) + ";\n",
		[]string{"x.c:1:4005: code nested more than 1000 levels deep"}},
	{"long comma chain",
		"void f(void) {\n\tg(1" + strings.Repeat(", 1", 5) + ");\n\tx = (x" + strings.Repeat(", x", 1100) + ");\n}\n",
		[]string{"x.c:3:2989: code nested more than 1000 levels deep"}},
	{"long index chain",
		"void f(void) {\n\ta" + strings.Repeat("[0]", 1100) + " = 1;\n}\n",
		[]string{"x.c:2:2986: code nested more than 1000 levels deep"}},
	{"long postfix chain",
		"void f(void) {\n\tx" + strings.Repeat("++", 1100) + ";\n}\n",
		[]string{"x.c:2:1995: code nested more than 1000 levels deep"}},
}

// Input nested far deeper than maxNest, in every shape that recurses in the
// parser, is the nesting error, not a stack overflow (which recover cannot catch):
// the parser stops at maxNest, and no later pass sees more than that. Parentheses
// 100,000 deep; the other shapes 10,000 (the test's time goes into scanning).
func TestDeepNestingIsAnError(t *testing.T) {
	const n = 10000
	r := strings.Repeat
	for _, tc := range []struct{ name, src string }{
		{"parentheses", "int x = " + r("(", 100000) + "1" + r(")", 100000) + ";\n"},
		{"unary minus", "int x = " + r("-", n) + "1;\n"},
		{"logical not", "void f(void) {\n\tx = " + r("!", n) + "x;\n}\n"},
		{"casts", "void f(void) {\n\tx = " + r("(int)", n) + "x;\n}\n"},
		{"address and dereference", "void f(void) {\n\tx = " + r("*&", n) + "x;\n}\n"},
		{"sizeof", "void f(void) {\n\tx = " + r("sizeof ", n) + "x;\n}\n"},
		{"prefix increments", "void f(void) {\n\t" + r("++", n) + "x;\n}\n"},
		{"operator chain", "int x = 1" + r(" + 1", n) + ";\n"},
		{"logical chain", "void f(void) {\n\tx = x" + r(" && x", n) + ";\n}\n"},
		{"assignment chain", "void f(void) {\n\t" + r("x = ", n) + "1;\n}\n"},
		{"conditional chain", "void f(void) {\n\tx = " + r("x ? 1 : ", n) + "2;\n}\n"},
		{"nested calls", "void f(void) {\n\tx = " + r("g(", n) + "1" + r(")", n) + ";\n}\n"},
		{"nested indexes", "void f(void) {\n\tx = " + r("a[", n) + "0" + r("]", n) + ";\n}\n"},
		{"blocks", "void f(void) " + r("{", n) + r("}", n) + "\n"},
		{"nested ifs", "void f(void) {\n\t" + r("if (x) ", n) + "x = 1;\n}\n"},
		{"else-if chain", "void f(void) {\n\tif (x) x = 0;" + r(" else if (x) x = 1;", n) + "\n}\n"},
		{"nested loops", "void f(void) {\n\t" + r("while (x) ", n) + "x = 0;\n}\n"},
		{"labels", "void f(void) {\n" + r("l: ", n) + "x = 0;\n}\n"},
		{"initialiser braces", "int a[2] = " + r("{", n) + "1" + r("}", n) + ";\n"},
		{"#define body", "#define X " + r("(", n) + "1" + r(")", n) + "\nint x = X;\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFile("x.c", []byte(tc.src))
			var list ErrorList
			require.True(t, errors.As(err, &list), "%v", err)
			require.NotEmpty(t, list)
			assert.True(t, strings.HasPrefix(list[0].Error(), "x.c:"), list[0].Error())
			assert.Contains(t, list.Error(), "code nested more than 1000 levels deep")
		})
	}
}

// A source larger than MaxFileSize is one error naming the file, without a line
// or column, before anything is parsed; one of exactly MaxFileSize is parsed.
func TestParseFileTooLarge(t *testing.T) {
	src := []byte("int x;\n" + strings.Repeat(" ", MaxFileSize-len("int x;\n")))
	_, err := ParseFile("big.c", src)
	require.NoError(t, err, "exactly MaxFileSize bytes")
	_, err = ParseFile("big.c", append(src, ' '))
	assert.EqualError(t, err, "big.c: input is larger than 1 MiB; ksim reads kernel C source files of at most 1 MiB")
	var list ErrorList
	require.True(t, errors.As(err, &list))
	assert.False(t, list[0].Pos.IsValid())
}

func TestErrors(t *testing.T) {
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFile("x.c", []byte(tt.src))
			require.NotNil(t, f, "a partial tree is always returned")
			require.Error(t, err)
			var list ErrorList
			require.True(t, errors.As(err, &list))
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			assert.Equal(t, tt.want, got, "source:\n%s", tt.src)
		})
	}
}

// Recovery keeps the rest of the file: declarations after an error are
// still in the tree.
func TestRecoveryKeepsLaterDecls(t *testing.T) {
	src := "typedef int t;\nstruct s { int a; };\nint broken = ;\nDEFINE_MUTEX(m);\nvoid f(void) {\n\tx = @;\n\tmutex_lock(&m);\n}\n"
	f, err := ParseFile("r.c", []byte(src))
	require.Error(t, err)
	var names []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *MacroDecl:
			names = append(names, d.Name.Name)
		case *FuncDecl:
			names = append(names, d.Name.Name)
			require.Len(t, d.Body.List, 2)
			// The broken operand becomes a BadExpr; the statement survives.
			assert.Equal(t, "(x = <bad>)", ExprString(d.Body.List[0].(*ExprStmt).X))
			assert.Equal(t, "mutex_lock(&m)", ExprString(d.Body.List[1].(*ExprStmt).X))
		}
	}
	assert.Equal(t, []string{"DEFINE_MUTEX", "f"}, names)
}

package cfront

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostile: inputs built to exhaust the front end stop at a limit, with a
// clear error, quickly.
func TestHostile(t *testing.T) {
	bomb := "#define a0 x x\n"
	for i := 1; i < 40; i++ {
		bomb += "#define a" + strconv.Itoa(i) + " a" + strconv.Itoa(i-1) + " a" + strconv.Itoa(i-1) + "\n"
	}
	bomb += "int y = a39;\n"
	deepMacro := "#define P(x) ((((((((((x))))))))))\nint z = " + strings.Repeat("P(", 30) + "1" + strings.Repeat(")", 30) + ";\n"
	recursive := "#define f(x) g(x x)\n#define g(x) f(x x)\nint r = f(1);\n"
	tests := []struct {
		name string
		src  string
		want string // a substring of the first error
	}{
		{"10k nested parentheses", "int x = " + strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000) + ";\n", "x.c:1:265: nesting too deep"},
		{"10k nested braces", "static void f(void) " + strings.Repeat("{", 10000) + strings.Repeat("}", 10000) + "\n", "x.c:1:277: nesting too deep"},
		{"nesting in #if", "#if " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + "\n#endif\n", "nesting too deep"},
		{"nesting built by macros", deepMacro, "x.c:1:1: after macro expansion: nesting too deep"},
		{"macro bomb", bomb, "macro expansion too large"},
		{"mutually recursive macros", recursive, ""},
		{"huge file", strings.Repeat("int a;\n", MaxFileSize/7+1), "x.c: input is larger than 1 MiB"},
		{"long unterminated comment", "/*" + strings.Repeat("x", 500000), ""},
		{"long unterminated string", "char *s = \"" + strings.Repeat("x", 500000), ""},
		{"many declarations", strings.Repeat("int a;\n", 30000), ""},
		{"many undeclared names", "static int f(void) { return 0" + undeclaredNames(10000) + "; }\n", "not modelled: zz0 "},
		{"long member chain on an undeclared name", "static int f(void) { return x" + strings.Repeat("->m", 20000) + "; }\n", "not modelled: x "},
		{"many members of an undeclared name", "static int f(void) { return 0" + undeclaredMembers(10000) + "; }\n", "not modelled: x "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, errs := parseTest(t, tt.src, nil)
			// Generous, for loaded machines: without the limits these
			// inputs take minutes or exhaust the stack.
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			if tt.want == "" {
				return
			}
			if len(errs) == 0 || !strings.Contains(errs[0], tt.want) {
				t.Errorf("want an error containing %q, got %q", tt.want, errs)
			}
		})
	}
}

func undeclaredNames(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(" + zz" + strconv.Itoa(i))
	}
	return b.String()
}

func undeclaredMembers(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(" + x->m" + strconv.Itoa(i))
	}
	return b.String()
}

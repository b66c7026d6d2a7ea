package cfront

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics and always returns either a unit or an
// ErrorList of positioned, one-line errors.
func FuzzParse(f *testing.F) {
	root := ""
	if wd, err := os.Getwd(); err == nil {
		root = filepath.Join(wd, "..", "..")
	}
	var seeds []string
	for _, pattern := range []string{
		filepath.Join(root, "scenarios", "library", "*.c"),
		filepath.Join(root, "scenarios", "testdata", "*.c"),
		filepath.Join(root, "..", "shared", "corpus", "lkmpg", "*.c"),
		filepath.Join("testdata", "*.c"),
	} {
		m, _ := filepath.Glob(pattern)
		seeds = append(seeds, m...)
	}
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("#define PDEBUG(fmt, args...) printk(fmt, ## args)\nvoid f(void) { PDEBUG(\"x\"); }\n"))
	f.Add([]byte("#pragma ksim threads a\n#include <linux/none.h>\n"))
	f.Add([]byte("int x = ((((1))));\n#if (1\n"))
	f.Add([]byte("DEFINE_MUTEX(m);\nstatic int f(void)\n{\n\tmutex_lock(&m, 1);\n\tspin_lock(&m);\n\tundefined_fn();\n\treturn x;\n}\n"))
	f.Add([]byte("static int k[N];\nstatic int f(int v) { switch (v) { case M: return d->a.b[2]; } cb(1); return *p + cb; }\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		u, err := Parse("f.c", src, Options{Headers: testHeaders, Modelled: testModelled})
		if err == nil {
			if u == nil || u.AST == nil {
				t.Fatal("no error and no unit")
			}
			return
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
		}
		if len(list) > maxErrors+1 {
			t.Fatalf("%d errors", len(list))
		}
		for _, e := range list {
			if strings.Contains(e.Msg, "internal error") || strings.Contains(e.Msg, "TODO") || strings.Contains(e.Msg, ".go:") {
				t.Fatalf("internal text reaches the user: %v", e)
			}
			if strings.Contains(e.Msg, "__ksim_undeclared") || strings.Contains(e.Msg, injectedSource) {
				t.Fatalf("an error names the stand-in declarations: %v", e)
			}
			if strings.Contains(e.Msg, "\n") {
				t.Fatalf("multi-line error: %q", e.Msg)
			}
		}
	})
}

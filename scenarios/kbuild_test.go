package scenarios

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/scenarios/kbuild"
	"github.com/ksim-dev/ksim/sched"
)

// kbuildLoad loads the module folder "mod" made of files (name -> text, the
// Kbuild file among them).
func kbuildLoad(t *testing.T, files map[string]string) (*Scenario, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for n, text := range files {
		fsys[n] = &fstest.MapFile{Data: []byte(text)}
	}
	base := kbuild.Find(fsys)
	require.NotEmpty(t, base)
	kf, err := kbuild.Read(fsys, base, "mod/"+base)
	if err != nil {
		return nil, err
	}
	require.Len(t, kf.Modules, 1)
	m, err := ModuleOf(kf.Name, "mod", fsys, kf.Modules[0], nil)
	if err != nil {
		return nil, err
	}
	return LoadModule(m)
}

// kbuildErrors is the error list of a module that must not load.
func kbuildErrors(t *testing.T, files map[string]string) string {
	t.Helper()
	s, err := kbuildLoad(t, files)
	require.Error(t, err)
	require.Nil(t, s)
	var list cfront.ErrorList
	require.True(t, errors.As(err, &list), "%v", err)
	return list.Detail()
}

// kbuildDmesg explores s and returns the kernel log of its executions, joined.
func kbuildDmesg(t *testing.T, s *Scenario) (*sched.Result, string) {
	t.Helper()
	var logs []string
	res := sched.Explore(s.Program(s.KernelConfig(), func(k *ksync.Kernel) {
		k.Execution().OnEnd(func(sched.Outcome) { logs = append(logs, k.Dmesg()) })
	}), sched.Options{})
	require.NoError(t, res.Err)
	return res, strings.Join(logs, "\n")
}

const kbuildHeader = `#include <linux/module.h>
#include <linux/mutex.h>
`

// Linking as C links: one namespace for external names, static names per file,
// extern declarations resolved across files, module_init in whichever file has it.
func TestKbuildLinks(t *testing.T) {
	s, err := kbuildLoad(t, map[string]string{
		"Kbuild": "obj-m := two.o\ntwo-y := a.o b.o\nccflags-y := -I$(src)/include -DSTEP=3\n",
		"include/shared.h": `extern int total;
int add(int n);
static inline int twice(int n) { return 2 * n; }
`,
		"a.c": kbuildHeader + `#include "shared.h"
int total;
static int count;	/* b.c has its own count */
static int __init a_init(void)
{
	count = 100;
	add(STEP);
	pr_info("total %d count %d twice %d mod %s\n", total, count, twice(total), KBUILD_MODNAME);
	return 0;
}
module_init(a_init);
MODULE_LICENSE("GPL");
`,
		"b.c": kbuildHeader + `#include <shared.h>
static int count;
int add(int n)
{
	count++;
	total += n + count;
	return total;
}
MODULE_LICENSE("GPL");
`,
	})
	require.NoError(t, err)
	assert.Equal(t, "two", s.Name)
	assert.Equal(t, "a_init", s.Init)
	assert.Equal(t, []string{"mod/a.c", "mod/b.c"}, s.Files())
	res, dmesg := kbuildDmesg(t, s)
	assert.Equal(t, []string{"ok"}, Kinds(res))
	assert.Contains(t, dmesg, "total 4 count 100 twice 8 mod two")
}

// LKMPG's start.c and stop.c, verbatim, with the two lines of LKMPG's Makefile
// as their Kbuild: one module, whose init_module and cleanup_module are defined
// directly.
func TestKbuildLKMPGStartStop(t *testing.T) {
	const dir = "../../shared/corpus/lkmpg-startstop"
	if _, err := os.Stat(filepath.Join(dir, "Kbuild")); err != nil {
		t.Skipf("no corpus at %s (it lives in the shared folder beside the repository): %v", dir, err)
	}
	kf, mods, err := ModulesIn(dir)
	require.NoError(t, err)
	assert.Empty(t, kf.Warnings)
	require.Len(t, mods, 1)
	s, err := LoadModule(mods[0])
	require.NoError(t, err)
	assert.Equal(t, "startstop", s.Name)
	assert.Equal(t, "init_module", s.Init)
	assert.Equal(t, "cleanup_module", s.Exit)
	res, dmesg := kbuildDmesg(t, s)
	assert.True(t, res.Complete)
	assert.Equal(t, []string{"ok"}, Kinds(res))
	i := strings.Index(dmesg, "Hello, world - this is the kernel speaking")
	j := strings.Index(dmesg, "Short is the life of a kernel module")
	assert.True(t, i >= 0 && j > i, "init_module, then cleanup_module:\n%s", dmesg)
}

// The bundled module folders load, declare the verdict libraryExpect gives them,
// and find it.
func TestKbuildLibraryModules(t *testing.T) {
	mods := Modules()
	require.NotEmpty(t, mods)
	for _, e := range mods {
		t.Run(e.Name, func(t *testing.T) {
			m, warns, err := BundledModule(e.Name)
			require.NoError(t, err)
			assert.Empty(t, warns)
			s, err := LoadModule(m)
			require.NoError(t, err)
			want, known := libraryExpect[e.Name]
			require.True(t, known, "add %s to libraryExpect", e.Name)
			assert.Equal(t, want, s.Config.Expect)
			assert.NotEmpty(t, e.Summary)
			assert.True(t, strings.HasSuffix(e.Summary, "."), e.Summary)
			res := s.Explore(s.KernelConfig(), sched.Options{})
			require.NoError(t, res.Err)
			assert.True(t, res.Complete)
			assert.Equal(t, want, Kinds(res))
			names, texts, ok := ModuleFiles(e.Name)
			require.True(t, ok)
			assert.Equal(t, "Kbuild", names[0])
			assert.Len(t, texts, len(names))
		})
	}
	// The report of the cross-file cycle cites both files.
	m, _, err := BundledModule("kbuild-abba")
	require.NoError(t, err)
	s, err := LoadModule(m)
	require.NoError(t, err)
	res := s.Explore(s.KernelConfig(), sched.Options{StopAtFirst: true})
	require.NotEmpty(t, res.Problems)
	r := res.Problems[0].Report
	assert.Contains(t, r, "xdev_stats_reset (stats.c:11)\n       configurer (core.c:34)")
	assert.Contains(t, r, "xdev_mode (core.c:23)\n       xdev_stats_thread (stats.c:20)")
}

// What the linker and modpost refuse, each at its file:line:col, with the other
// file's position where there is one.
func TestKbuildLinkErrors(t *testing.T) {
	kb := "obj-m := m.o\nm-objs := a.o b.o\n"
	for _, tc := range []struct {
		name string
		a, b string
		want string
	}{
		{"a function defined in both files",
			"int helper(void) { return 1; }\nstatic int __init i(void) { return helper(); }\nmodule_init(i);\n",
			"int helper(void) { return 2; }\n",
			"mod/b.c:1:5: multiple definition of `helper'; mod/a.c:1:5: first defined here\n"},
		{"an object defined in both files (-fno-common: tentative ones too)",
			"int counter;\nstatic int __init i(void) { return counter; }\nmodule_init(i);\n",
			"int counter;\n",
			"mod/b.c:1:5: multiple definition of `counter'; mod/a.c:1:5: first defined here\n"},
		{"a function defined in a header both files include",
			"#include \"h.h\"\nstatic int __init i(void) { return helper(); }\nmodule_init(i);\n",
			"#include \"h.h\"\n",
			"mod/h.h:1:5: multiple definition of `helper'; mod/h.h:1:5: first defined here (in a.c, and in b.c)\n"},
		{"an extern function defined nowhere",
			"void helper(void);\nstatic int __init i(void) { helper(); return 0; }\nmodule_init(i);\n",
			"static void helper(void) { }\nstatic void unused(void) { helper(); }\n",
			"mod/a.c:2:29: undefined reference to `helper' (declared at mod/a.c:1:6); no file of module m defines it: ERROR: modpost: \"helper\" [m.ko] undefined!\n"},
		{"an extern object defined nowhere",
			"extern int level;\nstatic int __init i(void) { return level; }\nmodule_init(i);\n",
			"\n",
			"mod/a.c:2:36: undefined reference to `level' (declared at mod/a.c:1:12); no file of module m defines it: ERROR: modpost: \"level\" [m.ko] undefined!\n"},
		{"module_init in both files defines init_module twice",
			"static int __init i(void) { return 0; }\nmodule_init(i);\n",
			"static int __init j(void) { return 0; }\nmodule_init(j);\n",
			"mod/b.c:2:1: multiple definition of `init_module' (module_init defines it); mod/a.c:2:1: first defined here\n"},
		{"module_init and init_module",
			"static int __init i(void) { return 0; }\nmodule_init(i);\n",
			"int init_module(void) { return 0; }\n",
			"mod/a.c:2:1: module_init(i) defines init_module, which mod/b.c:1:5 defines too\n"},
		{"pragmas in two files",
			"#pragma ksim expect ok\nstatic int __init i(void) { return 0; }\nmodule_init(i);\n",
			"#pragma ksim cpus 1\n",
			"mod/b.c:1:9: #pragma ksim lines of a module go in one of its files; this module has them in mod/a.c already\n"},
		{"errors of both files, each at its own",
			"static int __init i(void) { return undeclared_a; }\nmodule_init(i);\n",
			"int f(void) { return undeclared_b; }\n",
			"mod/a.c:1:36: not modelled: undeclared_a (no kernel header ksim has declares it)\nmod/b.c:1:22: not modelled: undeclared_b (no kernel header ksim has declares it)\n"},
		{"a function of the other file called without a declaration",
			"static int __init i(void) { return helper(); }\nmodule_init(i);\n",
			"int helper(void) { return 1; }\n",
			"mod/a.c:1:36: implicit declaration of function 'helper' [-Werror=implicit-function-declaration]: mod/b.c:1:5 defines it; declare it in a header both files include\n"},
		{"a header outside the module's tree",
			"#include \"../secret.h\"\n",
			"\n",
			"mod/a.c:1:10: cannot include \"../secret.h\": no such file next to mod/a.c inside the module's tree, and ksim's kernel headers do not have it (ksim reads nothing outside the module's directory and its declared include directories)\n"},
		{"a missing header",
			"#include \"nope.h\"\n",
			"\n",
			"mod/a.c:1:10: cannot include \"nope.h\": no such file next to mod/a.c inside the module's tree, and ksim's kernel headers do not have it (ksim reads nothing outside the module's directory and its declared include directories)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kbuildErrors(t, map[string]string{"Kbuild": kb, "a.c": kbuildHeader + tc.a, "b.c": kbuildHeader + tc.b,
				"h.h": "int helper(void) { return 1; }\n"})
			// kbuildHeader is two lines.
			assert.Equal(t, kbuildShift(tc.want), got)
		})
	}
}

// kbuildShift moves the line numbers of want's positions down by the two lines of
// kbuildHeader.
func kbuildShift(want string) string {
	var out []string
	for _, l := range strings.Split(want, "\n") {
		out = append(out, kbuildShiftPos(l))
	}
	return strings.Join(out, "\n")
}

func kbuildShiftPos(s string) string {
	return kbuildPos.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.Atoi(m[3:])
		return ".c:" + strconv.Itoa(n+2)
	})
}

var kbuildPos = regexp.MustCompile(`\.c:[0-9]+`)

// `ksim run --link a.c b.c`: the files of one module without a build file, named
// after the first.
func TestKbuildLinkFiles(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "first.c")
	b := filepath.Join(dir, "second.c")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "both.h"), []byte("void hello(void);\n"), 0o644))
	require.NoError(t, os.WriteFile(a, []byte(kbuildHeader+"#include \"both.h\"\nstatic int __init i(void) { hello(); return 0; }\nmodule_init(i);\n"), 0o644))
	require.NoError(t, os.WriteFile(b, []byte(kbuildHeader+"#include \"both.h\"\nvoid hello(void) { pr_info(\"hello from %s\\n\", KBUILD_MODNAME); }\n"), 0o644))
	s, err := LoadModule(LinkFiles([]string{a, b}, func(d string) fs.FS { return os.DirFS(d) }))
	require.NoError(t, err)
	assert.Equal(t, "first", s.Name)
	_, dmesg := kbuildDmesg(t, s)
	assert.Contains(t, dmesg, "hello from first")
}

// A module directory of the host: LDD3's layout, its headers in ../include as its
// Makefile declares them; and nothing else outside the directory is read, by a
// relative #include or through a symbolic link.
func TestKbuildHostTree(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	write("include/lddbus.h", "#define LDD_GREETING \"from ../include\"\n")
	write("secret.h", "#define SECRET 1\n")
	write("scull/Makefile", "EXTRA_CFLAGS += -I$(LDDINC)\nifneq ($(KERNELRELEASE),)\nscull-objs := main.o\nobj-m := scull.o\nelse\nmodules:\n\t$(MAKE) -C $(KERNELDIR) M=$(PWD) LDDINC=$(PWD)/../include modules\nendif\n")
	write("scull/main.c", kbuildHeader+"#include \"lddbus.h\"\nstatic int __init i(void) { pr_info(\"%s\\n\", LDD_GREETING); return 0; }\nmodule_init(i);\n")
	_, mods, err := ModulesIn(filepath.Join(root, "scull"))
	require.NoError(t, err)
	s, err := LoadModule(mods[0])
	require.NoError(t, err)
	_, dmesg := kbuildDmesg(t, s)
	assert.Contains(t, dmesg, "from ../include")

	write("leak/Kbuild", "obj-m := leak.o\n")
	write("leak/leak.c", kbuildHeader+"#include \"../secret.h\"\n")
	_, mods, err = ModulesIn(filepath.Join(root, "leak"))
	require.NoError(t, err)
	_, err = LoadModule(mods[0])
	assert.ErrorContains(t, err, `cannot include "../secret.h"`)

	write("link/Kbuild", "obj-m := link.o\n")
	write("link/link.c", kbuildHeader+"#include \"inside.h\"\n")
	require.NoError(t, os.Symlink(filepath.Join(root, "secret.h"), filepath.Join(root, "link", "inside.h")))
	_, mods, err = ModulesIn(filepath.Join(root, "link"))
	require.NoError(t, err)
	_, err = LoadModule(mods[0])
	assert.ErrorContains(t, err, `cannot include "inside.h"`)
}

// A static name is its file's own, whatever the other files call theirs: a
// static function beside another file's external one of the same name, a static
// variable in a header both files include (two copies, as in C), and an extern
// declaration that only another file's static could satisfy (no definition).
func TestKbuildStaticsPerFile(t *testing.T) {
	s, err := kbuildLoad(t, map[string]string{
		"Kbuild": "obj-m := st.o\nst-y := a.o b.o\n",
		"c.h":    "static int copies;\nstatic inline int bump(void) { return ++copies; }\nint which(void);\nint b_bumps(void);\n",
		"a.c": kbuildHeader + `#include "c.h"
static int which(void) { return 1; }	/* a's own; b.c's which is the external one */
static int __init i(void)
{
	bump();
	bump();
	pr_info("a which %d, b which %d, a copies %d, b copies %d\n", which(), b_which(), copies, b_bumps());
	return 0;
}
module_init(i);
`,
		"b.c": kbuildHeader + `#include "c.h"
int which(void) { return 2; }
int b_which(void) { return which(); }
int b_bumps(void) { return bump(); }
`,
	})
	require.Error(t, err, "a.c calls b_which without a declaration")
	assert.Contains(t, err.Error(), "implicit declaration of function 'b_which'")

	s, err = kbuildLoad(t, map[string]string{
		"Kbuild": "obj-m := st.o\nst-y := a.o b.o\n",
		"c.h":    "static int copies;\nstatic inline int bump(void) { return ++copies; }\nint b_which(void);\nint b_bumps(void);\n",
		"a.c": kbuildHeader + `#include "c.h"
static int which(void) { return 1; }
static int __init i(void)
{
	bump();
	bump();
	pr_info("a which %d, b which %d, a copies %d, b copies %d\n", which(), b_which(), copies, b_bumps());
	return 0;
}
module_init(i);
`,
		"b.c": kbuildHeader + `#include "c.h"
int which(void) { return 2; }
int b_which(void) { return which(); }
int b_bumps(void) { return bump(); }
`,
	})
	require.NoError(t, err)
	_, dmesg := kbuildDmesg(t, s)
	assert.Contains(t, dmesg, "a which 1, b which 2, a copies 2, b copies 1")

	msg := kbuildErrors(t, map[string]string{
		"Kbuild": "obj-m := st.o\nst-y := a.o b.o\n",
		"a.c":    kbuildHeader + "extern int level;\nint init_module(void) { return level; }\n",
		"b.c":    kbuildHeader + "static int level = 3;\n",
	})
	assert.Contains(t, msg, "mod/a.c:4:32: undefined reference to `level'")
}

// No pair of files makes linking panic: every outcome is a module or an error list.
func FuzzKbuildLink(f *testing.F) {
	f.Add("int x;\nint f(void) { return g(); }\n", "int g(void);\nint g(void) { return x; }\nint init_module(void) { return f(); }\n")
	f.Add("static int x;\nmodule_init(x);\n", "extern int x;\nstatic int y = 1;\n")
	f.Add("#pragma ksim threads t\nvoid t(void) { }\n", "static void t(void) { }\n#pragma ksim expect ok\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		s, err := kbuildLoad(t, map[string]string{"Kbuild": "obj-m := m.o\nm-y := a.o b.o\n", "a.c": a, "b.c": b})
		if err == nil {
			require.NotNil(t, s)
			return
		}
		var list cfront.ErrorList
		require.True(t, errors.As(err, &list), "%v", err)
		for _, e := range list {
			require.NotContains(t, e.Msg, "internal error", "%s\n--- a.c\n%s\n--- b.c\n%s", e, a, b)
		}
	})
}

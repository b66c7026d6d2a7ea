package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kbuildTree writes files (relative name -> text) under a fresh directory and
// returns it.
func kbuildTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for n, text := range files {
		p := filepath.Join(root, filepath.FromSlash(n))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	return root
}

const kbuildABBA = `#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/kthread.h>
#include "locks.h"
`

// kbuildFiles is a module of two files whose lock orders disagree, and a second
// module of one file in the same directory.
var kbuildFiles = map[string]string{
	"Kbuild":  "obj-m := pair.o solo.o\npair-objs := one.o two.o\n",
	"locks.h": "extern struct mutex la, lb;\nvoid b_then_a(void);\n",
	"one.c": kbuildABBA + `DEFINE_MUTEX(la);
DEFINE_MUTEX(lb);
static int t1(void *d) { mutex_lock(&la); mutex_lock(&lb); mutex_unlock(&lb); mutex_unlock(&la); return 0; }
static int t2(void *d) { b_then_a(); return 0; }
static int __init i(void) { kthread_run(t1, NULL, "t1"); kthread_run(t2, NULL, "t2"); return 0; }
module_init(i);
`,
	"two.c":  kbuildABBA + "void b_then_a(void) { mutex_lock(&lb); mutex_lock(&la); mutex_unlock(&la); mutex_unlock(&lb); }\n",
	"solo.c": "#include <linux/module.h>\nint init_module(void) { pr_info(\"solo\\n\"); return 0; }\n",
}

func TestKbuildRunDir(t *testing.T) {
	t.Parallel()
	dir := kbuildTree(t, kbuildFiles)

	// Without --module, each module runs.
	code, stdout, stderr := ksim(t, "run", dir)
	assert.Equal(t, exitProblem, code, stderr)
	assert.Contains(t, stdout, dir+" --module pair: WARNING found")
	assert.Contains(t, stdout, dir+" --module solo: OK: no problem")
	assert.Contains(t, stdout, "b_then_a (two.c:5)", "positions keep their file")
	assert.Contains(t, stdout, "Replay: ksim replay --module pair "+dir+" 'ksim1:")

	// --module picks one; its replay command replays it.
	code, stdout, stderr = ksim(t, "run", "--module", "pair", dir)
	assert.Equal(t, exitProblem, code, stderr)
	i := strings.Index(stdout, "Replay: ")
	require.Positive(t, i)
	cmd := strings.Fields(strings.TrimSpace(stdout[i+len("Replay: "):]))
	require.Equal(t, []string{"ksim", "replay", "--module", "pair", dir}, cmd[:5])
	code, stdout, stderr = ksim(t, "replay", "--module", "pair", dir, strings.Trim(cmd[5], "'"))
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "WARNING in this execution")

	code, _, stderr = ksim(t, "run", "--module", "nope", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "builds no module \"nope\" (obj-m names pair, solo)")

	// check DIR: the modules of its Kbuild file.
	code, stdout, _ = ksim(t, "check", dir)
	assert.Equal(t, exitProblem, code)
	assert.Contains(t, stdout, "2 scenarios: 0 passed, 2 failed", "neither has an expect line")
}

func TestKbuildRunLink(t *testing.T) {
	t.Parallel()
	dir := kbuildTree(t, kbuildFiles)
	one, two := filepath.Join(dir, "one.c"), filepath.Join(dir, "two.c")
	code, stdout, stderr := ksim(t, "run", "--link", one, two)
	assert.Equal(t, exitProblem, code, stderr)
	assert.Contains(t, stdout, "Replay: ksim replay --link "+one+" "+two+" 'ksim1:")

	// Alone, one.c does not link.
	code, _, stderr = ksim(t, "run", "--link", one)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "undefined reference to `b_then_a'")
	assert.Contains(t, stderr, "ERROR: modpost: \"b_then_a\" [one.ko] undefined!")

	code, _, stderr = ksim(t, "run", "--link", "--module", "x", one)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "not both")
}

func TestKbuildErrorsCLI(t *testing.T) {
	t.Parallel()
	dir := kbuildTree(t, map[string]string{
		"Makefile": "obj-m := m.o\nm-objs := a.o missing.o\n",
		"a.c":      "int x;\n",
	})
	code, _, stderr := ksim(t, "run", dir)
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, filepath.Join(dir, "Makefile")+":2:15: No rule to make target 'missing.o', needed by 'm.o' (there is no missing.c)\n", stderr)

	dir = kbuildTree(t, map[string]string{
		"Kbuild": "obj-m := m.o\nm-objs := a.o b.o\n",
		"a.c":    "#include <linux/module.h>\nint shared_count;\nint init_module(void) { return 0; }\n",
		"b.c":    "int shared_count = 1;\n",
	})
	code, _, stderr = ksim(t, "run", dir)
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, filepath.Join(dir, "b.c")+":1:5: multiple definition of `shared_count'; "+filepath.Join(dir, "a.c")+":2:5: first defined here\n", stderr)

	// A directory without a build file.
	dir = kbuildTree(t, map[string]string{"a.c": "int x;\n"})
	code, _, stderr = ksim(t, "run", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "has no Kbuild file and no Makefile: name its .c files with --link")
}

func TestKbuildBundled(t *testing.T) {
	t.Parallel()
	code, stdout, _ := ksim(t, "list")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "kbuild-abba ")
	code, stdout, _ = ksim(t, "show", "kbuild-abba")
	assert.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(stdout, "==> kbuild-abba/Kbuild <==\nobj-m := xdev.o\n"), stdout)
	assert.Contains(t, stdout, "==> kbuild-abba/xdev.h <==")
	code, stdout, _ = ksim(t, "run", "--quiet", "kbuild-abba-fixed")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "OK")
}

package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/scenarios/cfront"
)

// libraryExpect is the verdict each bundled scenario must declare.
var libraryExpect = map[string][]string{
	"abba":                             {"deadlock"},
	"abba-fixed":                       {"ok"},
	"abba-article-fix":                 {"deadlock"},
	"sleep-atomic":                     {"bug"},
	"sleep-atomic-pressure":            {"bug", "lockup"},
	"sleep-atomic-gfp-atomic":          {"bug"},
	"sleep-atomic-unlock-alloc-relock": {"ok"},
	"sleep-atomic-relock-unchecked":    {"bug"},
	"mutex-abba":                       {"deadlock", "warning"},
	"three-lock-cycle":                 {"deadlock", "warning"},
	"philosophers":                     {"deadlock"},
	"philosophers-ordered":             {"ok"},
	"mutex-recursion":                  {"deadlock", "warning"},
	"lost-update":                      {"bug"},
	"trylock-backoff":                  {"ok"},
	"irq-spinlock":                     {"lockup", "warning"},
	"irq-spinlock-irqsave":             {"ok"},
	"irq-spinlock-other-cpu":           {"warning"},
	"irq-kmalloc":                      {"bug"},
	"tasklet-lock":                     {"lockup", "warning"},
	"tasklet-lock-bh":                  {"ok"},
	"driver-struct-mutex":              {"ok"},
	"driver-ops-table":                 {"deadlock", "warning"},
	"driver-list":                      {"ok"},
	"driver-list-uaf":                  {"bug"},
	"driver-lock-uninit":               {"warning"},
	"rcu-free-no-grace":                {"bug"},
	"rcu-free-grace":                   {"ok"},
	"rcu-sync-in-reader":               {"bug", "deadlock", "warning"},
	"rcu-sync-after-reader":            {"ok"},
	"wait-lost-wakeup":                 {"deadlock"},
	"wait-lost-wakeup-fixed":           {"ok"},
	"kthread-stop-locked":              {"deadlock"},
	"kthread-stop-unlocked":            {"ok"},
	// workqueues and timers (wq)
	"wq-flush-under-lock":           {"deadlock", "warning"},
	"wq-flush-under-lock-fix":       {"ok"},
	"wq-armed-at-exit":              {"bug"},
	"wq-armed-at-exit-fix":          {"ok"},
	"timer-del-sync-under-lock":     {"lockup", "warning"},
	"timer-del-sync-under-lock-fix": {"ok"},
	"irq-disable-in-handler":        {"bug", "lockup"},
	"irq-disable-nosync":            {"ok"},
	// Module folders of several files (Modules, TestKbuildLibraryModules).
	"kbuild-abba":                    {"deadlock", "warning"},
	"kbuild-abba-fixed":              {"ok"},
	"fops-copy-to-user-spinlock":     {"bug", "warning"},
	"fops-copy-to-user-spinlock-fix": {"ok"},
}

func TestLibraryLoads(t *testing.T) {
	entries := List()
	require.Len(t, entries, len(libraryExpect)-len(Modules()))
	for _, e := range entries {
		t.Run(e.Name, func(t *testing.T) {
			src, ok := Source(e.Name)
			require.True(t, ok)
			s := mustLoad(t, e.Name+".c", string(src))
			assert.Equal(t, e.Name, s.Name)
			want, known := libraryExpect[e.Name]
			require.True(t, known, "add %s to libraryExpect", e.Name)
			assert.Equal(t, want, s.Config.Expect)
			assert.True(t, s.Init != "" || len(s.Threads) > 0, "something must run")
		})
	}
}

// TestLibraryStyle checks what every file promises students: an opening
// comment of 2-6 lines that says what it teaches, tabs for indentation in
// the files we wrote, and an expect pragma.
func TestLibraryStyle(t *testing.T) {
	verbatim := map[string]bool{"abba": true, "abba-article-fix": true, "sleep-atomic": true}
	for _, e := range List() {
		src, _ := Source(e.Name)
		text := string(src)
		require.True(t, strings.HasPrefix(text, "/*\n"), e.Name)
		end := strings.Index(text, " */\n")
		require.Positive(t, end, e.Name)
		lines := strings.Count(text[:end], "\n") - 1
		assert.True(t, lines >= 2 && lines <= 6, "%s: opening comment has %d lines", e.Name, lines)
		assert.NotEmpty(t, e.Summary, e.Name)
		assert.True(t, strings.HasSuffix(e.Summary, "."), "%s: summary %q is not a sentence", e.Name, e.Summary)
		assert.Contains(t, text, "#pragma ksim expect ", e.Name)
		if !verbatim[e.Name] {
			assert.NotRegexp(t, regexp.MustCompile(`(?m)^ +[^ *]`), text, "%s: indent with tabs", e.Name)
			assert.NotRegexp(t, regexp.MustCompile(`(?m)[ \t]+$`), text, "%s: trailing white space", e.Name)
		}
	}
}

// The seed listings are bundled verbatim: a student can diff them against
// the article.
func TestLibraryVerbatimSeeds(t *testing.T) {
	seed000, err := os.ReadFile("testdata/seed000.c")
	require.NoError(t, err)
	abba, _ := Source("abba")
	assert.True(t, bytes.HasSuffix(abba, seed000), "abba.c ends with seed 000's module, trailing spaces included")
	assert.Contains(t, string(seed000), "module_exit(deadlock_exit);  \n", "trailing spaces are kept")

	seed001, err := os.ReadFile("testdata/seed001.c")
	require.NoError(t, err)
	sa, _ := Source("sleep-atomic")
	assert.True(t, bytes.HasSuffix(sa, seed001), "sleep-atomic.c ends with seed 001's snippet")

	fix, _ := Source("abba-article-fix")
	assert.Contains(t, string(fix), "static void fixed_function(void) {  \n    down(&sem1);  \n    down(&sem2);  \n")
	assert.Contains(t, string(fix), "static void another_function(void) {  \n    down(&sem2);  \n    down(&sem1);  \n")
	code := string(fix[bytes.Index(fix, []byte("*/")):])
	assert.NotContains(t, code, "bad_function", "fixed_function replaces it")
}

func TestLibraryThreads(t *testing.T) {
	for name, want := range map[string][]string{
		"sleep-atomic":                     {"faulty_function"},
		"sleep-atomic-pressure":            {"faulty_function", "faulty_function"},
		"sleep-atomic-gfp-atomic":          {"fixed_function", "fixed_function"},
		"sleep-atomic-unlock-alloc-relock": {"fixed_function", "fixed_function"},
		"sleep-atomic-relock-unchecked":    {"fixed_function", "fixed_function"},
	} {
		src, _ := Source(name)
		s := mustLoad(t, name+".c", string(src))
		assert.Equal(t, want, s.Threads, name)
		if name != "sleep-atomic" {
			assert.Equal(t, 1, s.Config.CPUs, name)
			assert.True(t, s.Config.MemoryPressure, name)
		}
	}
	src, _ := Source("philosophers")
	s := mustLoad(t, "philosophers.c", string(src))
	assert.True(t, s.Prog.Global("forks"))
}

func TestListSortedAndDeterministic(t *testing.T) {
	a, b := List(), List()
	assert.Equal(t, a, b)
	assert.True(t, slices.IsSortedFunc(a, func(x, y LibraryEntry) int { return strings.Compare(x.Name, y.Name) }))
	assert.Equal(t, "abba", a[0].Name)
	assert.Equal(t, "ABBA deadlock on two semaphores, from an article on kernel deadlocks.", a[0].Summary)
}

func TestSource(t *testing.T) {
	a, ok := Source("abba")
	assert.True(t, ok)
	b, ok := Source("abba.c")
	assert.True(t, ok)
	assert.Equal(t, a, b)
	for _, bad := range []string{"", "nope", "../library/abba", "library/abba", ".c"} {
		_, ok := Source(bad)
		assert.False(t, ok, bad)
	}
}

func TestResolve(t *testing.T) {
	name, src, err := Resolve("abba")
	require.NoError(t, err)
	assert.Equal(t, "abba.c", name)
	want, _ := Source("abba")
	assert.Equal(t, want, src)

	// A file wins over the bundled scenario of the same name.
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.c")
	require.NoError(t, os.WriteFile(path, []byte("static void f(void)\n{\n}\n"), 0o644))
	name, src, err = Resolve(path)
	require.NoError(t, err)
	assert.Equal(t, path, name)
	assert.Equal(t, "static void f(void)\n{\n}\n", string(src))

	_, _, err = Resolve("no-such-scenario")
	assert.True(t, errors.Is(err, ErrNotFound))
	assert.EqualError(t, err, "no such scenario \"no-such-scenario\": not a file, nor a bundled scenario (`ksim list` shows them)")

	_, _, err = Resolve(dir)
	assert.ErrorContains(t, err, "is a directory")
}

// A scenario file is read up to cfront.MaxFileSize bytes and one more, never
// further: a larger file, or a pipe that never ends, is a clear error naming the
// file; a device is not opened at all.
func TestResolveBoundsWhatItReads(t *testing.T) {
	const tooLarge = ": input is larger than 1 MiB; ksim reads kernel C source files of at most 1 MiB"
	dir := t.TempDir()
	exact := filepath.Join(dir, "exact.c")
	require.NoError(t, os.WriteFile(exact, make([]byte, cfront.MaxFileSize), 0o644))
	_, src, err := Resolve(exact)
	require.NoError(t, err)
	assert.Len(t, src, cfront.MaxFileSize)

	big := filepath.Join(dir, "big.c")
	require.NoError(t, os.WriteFile(big, make([]byte, cfront.MaxFileSize+1), 0o644))
	_, _, err = Resolve(big)
	assert.EqualError(t, err, big+tooLarge)
	var list cfront.ErrorList
	assert.True(t, errors.As(err, &list), "a file:line:col error list, without line and column")
	_, err = Load("big.c", make([]byte, cfront.MaxFileSize+1))
	assert.EqualError(t, err, "big.c"+tooLarge, "Load, for callers that read the file themselves")

	// A pipe whose writer never stops: /dev/fd/N reopens its read end.
	r, w, err := os.Pipe()
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			if _, err := w.Write(buf); err != nil {
				return // the read end closed
			}
		}
	}()
	pipe := fmt.Sprintf("/dev/fd/%d", r.Fd())
	_, _, err = Resolve(pipe)
	assert.EqualError(t, err, pipe+tooLarge)
	require.NoError(t, r.Close())
	<-done
	require.NoError(t, w.Close())

	if _, err := os.Stat("/dev/zero"); err == nil {
		_, _, err = Resolve("/dev/zero")
		assert.EqualError(t, err, "/dev/zero is a device, not a scenario file (ksim reads kernel C source from a file or a pipe)")
	}
}

func TestSummary(t *testing.T) {
	for src, want := range map[string]string{
		"/*\n * One. Two.\n */\n":              "One.",
		"/* Single line comment */":            "Single line comment",
		"/*\n * Wrapped\n * sentence. More.\n": "",
		"int x;":                               "",
		"\n\n/*\n * v1.2 is fine. Next.\n */":  "v1.2 is fine.",
	} {
		assert.Equal(t, want, Summary([]byte(src)), src)
	}
}

func ExampleList() {
	for _, e := range List()[:3] {
		fmt.Printf("%-18s %s\n", e.Name, e.Summary)
	}
	// Output:
	// abba               ABBA deadlock on two semaphores, from an article on kernel deadlocks.
	// abba-article-fix   The article's printed fix, applied as printed: it still deadlocks.
	// abba-fixed         The real fix for the ABBA deadlock: one lock order for everybody.
}

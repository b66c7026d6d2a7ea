package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios"
	"github.com/ksim-dev/ksim/sched"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ksim runs the command as main would, with buffers for the streams.
func ksim(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	assertNoCrash(t, errb.String())
	return code, out.String(), errb.String()
}

// ksimTTY runs the command as if both streams were terminals, with the
// environment variables given.
func ksimTTY(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := newEnv(&out, &errb, func(k string) string { return vars[k] }, func(io.Writer) bool { return true })
	code := e.main(args)
	return code, out.String(), errb.String()
}

func assertNoCrash(t *testing.T, stderr string) {
	t.Helper()
	assert.NotContains(t, stderr, "goroutine ")
	assert.NotContains(t, stderr, "panic")
}

// writeFile writes a scenario into a fresh temporary directory.
func writeFile(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	return path
}

func bundled(t *testing.T, name string) string {
	t.Helper()
	src, ok := scenarios.Source(name)
	require.True(t, ok, name)
	return string(src)
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	bad := "DEFINE_MUTEX(m);\nstatic int f(void)\n{\n\tmutex_lock(&m, 1);\n\treturn 0;\n}\n"
	badFile := writeFile(t, "bad.c", bad)
	bigFile := writeFile(t, "big.c", "static int x;\n"+strings.Repeat("\n", 1<<20))
	deepFile := writeFile(t, "deep.c", "static int x;\nstatic void f(void) { x = "+strings.Repeat("(", 100000)+"1"+strings.Repeat(")", 100000)+"; }\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // a substring of standard error
	}{
		{"problem", []string{"run", "abba"}, exitProblem, ""},
		{"ok", []string{"run", "abba-fixed"}, exitOK, ""},
		{"incomplete", []string{"run", "--max-executions", "1", "abba-fixed"}, exitIncomplete, ""},
		{"random is never complete", []string{"run", "--strategy", "random", "--max-executions", "5", "abba-fixed"}, exitIncomplete, ""},
		{"problem under pct", []string{"run", "--strategy=pct", "--seed=7", "mutex-recursion"}, exitProblem, ""},
		{"problem under bounded", []string{"run", "--strategy", "bounded", "abba"}, exitProblem, ""},
		{"naive is accepted", []string{"run", "--strategy", "naive", "abba-fixed"}, exitOK, ""},
		{"flags after the name", []string{"run", "abba", "--all", "--quiet"}, exitProblem, ""},
		{"bad file", []string{"run", badFile}, exitUsage, badFile + ":4:2: "},
		{"unknown flag", []string{"run", "--bogus", "abba"}, exitUsage, "flag provided but not defined: -bogus"},
		{"bad flag value", []string{"run", "--max-executions", "many", "abba"}, exitUsage, "invalid value"},
		{"bad strategy", []string{"run", "--strategy", "bfs", "abba"}, exitUsage, `--strategy "bfs"`},
		{"replay is not a run strategy", []string{"run", "--strategy", "replay", "abba"}, exitUsage, "ksim replay"},
		{"too many cpus", []string{"run", "--cpus", "65", "abba"}, exitUsage, "--cpus 65"},
		{"bad timeout", []string{"run", "--timeout", "soon", "abba"}, exitUsage, "invalid value"},
		{"no scenario", []string{"run"}, exitUsage, "no scenario given"},
		{"unknown scenario", []string{"run", "no-such-scenario"}, exitUsage, `"no-such-scenario"`},
		{"bad input dominates", []string{"run", "abba", "no-such-scenario", "abba-fixed"}, exitUsage, "no such scenario"},
		{"problem beats incomplete", []string{"run", "--max-executions", "1", "abba-fixed", "mutex-recursion"}, exitProblem, ""},
		{"a directory is not a scenario", []string{"run", t.TempDir()}, exitUsage, "has no Kbuild file and no Makefile: name its .c files with --link"},
		{"a file over 1 MiB", []string{"run", bigFile}, exitUsage, bigFile + ": input is larger than 1 MiB; ksim reads kernel C source files of at most 1 MiB\n"},
		{"a device", []string{"run", "/dev/zero"}, exitUsage, "ksim: /dev/zero is a device, not a scenario file"},
		{"a file over 1 MiB, checked", []string{"check", bigFile}, exitUsage, bigFile + ": input is larger than 1 MiB"},
		{"a file over 1 MiB, replayed", []string{"replay", bigFile, "ksim1:0:1"}, exitUsage, bigFile + ": input is larger than 1 MiB"},
		{"nesting 100,000 deep", []string{"run", deepFile}, exitUsage, deepFile + ":2:282: nesting too deep: more than 256 parentheses, brackets and braces open at once (ksim's limit)\n"},
		{"corrupted schedule", []string{"replay", "abba", "ksim1:01233:zzzzzz"}, exitUsage, "ksim: "},
		{"garbage schedule", []string{"replay", "abba", "hello"}, exitUsage, "ksim: "},
		{"replay without schedule", []string{"replay", "abba"}, exitUsage, "want a scenario and a schedule"},
		{"replay of bad input", []string{"replay", badFile, "ksim1:0:1"}, exitUsage, badFile + ":4:2: "},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"no command", nil, exitUsage, "Usage:"},
		{"list takes no arguments", []string{"list", "abba"}, exitUsage, "no arguments"},
		{"show unknown", []string{"show", "nope"}, exitUsage, "abba-fixed"},
		{"show nothing", []string{"show"}, exitUsage, "want the name"},
		{"help unknown", []string{"help", "nope"}, exitUsage, "unknown command"},
		{"help", []string{"help"}, exitOK, ""},
		{"-h", []string{"-h"}, exitOK, ""},
		{"--help", []string{"--help"}, exitOK, ""},
		{"run -h", []string{"run", "-h"}, exitOK, ""},
		{"check --help", []string{"check", "--help"}, exitOK, ""},
		{"show", []string{"show", "abba"}, exitOK, ""},
		{"list", []string{"list"}, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := ksim(t, tt.args...)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}

func TestWorse(t *testing.T) {
	t.Parallel()
	order := []int{exitOK, exitIncomplete, exitProblem, exitUsage} // least to most important
	for i, a := range order {
		for j, b := range order {
			assert.Equal(t, order[max(i, j)], worse(a, b), "worse(%d, %d)", a, b)
		}
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		args []string
		code int
	}{
		{"run-abba", []string{"run", "abba"}, exitProblem},
		{"run-sleep-atomic-pressure-all", []string{"run", "sleep-atomic-pressure", "--all"}, exitProblem},
		{"run-abba-fixed", []string{"run", "abba-fixed"}, exitOK},
		{"run-json-abba-fixed", []string{"run", "--json", "abba-fixed"}, exitOK},
		{"run-quiet-several", []string{"run", "--quiet", "abba", "abba-fixed", "philosophers", "--max-executions", "5"}, exitProblem},
		{"list", []string{"list"}, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := ksim(t, tt.args...)
			require.Equal(t, tt.code, code, "stderr: %s", stderr)
			assert.Empty(t, stderr)
			path := filepath.Join("testdata", tt.file+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(stdout), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./cmd/ksim -update to create it")
			assert.Equal(t, string(want), stdout, "regenerate with go test ./cmd/ksim -update if the change is intended")
		})
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"run", "--all", "abba", "sleep-atomic-pressure", "philosophers"},
		{"run", "--json", "--all", "sleep-atomic-pressure"},
		{"run", "--strategy", "pct", "--seed", "3", "--max-executions", "50", "philosophers"},
		{"check"},
	} {
		_, first, _ := ksim(t, args...)
		_, second, _ := ksim(t, args...)
		assert.Equal(t, first, second, "ksim %s", strings.Join(args, " "))
	}
}

// replayArgs finds the printed replay commands and splits them as a shell
// would (the printer only uses plain words and single quotes).
func replayArgs(t *testing.T, stdout string) [][]string {
	t.Helper()
	var cmds [][]string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "Replay: ")
		if !ok {
			continue
		}
		words := shellSplit(t, line)
		require.Equal(t, []string{"ksim", "replay"}, words[:2])
		cmds = append(cmds, words[1:])
	}
	return cmds
}

func shellSplit(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	require.False(t, quoted, "unterminated quote in %q", s)
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// problemReports cuts the "Problem i of n" sections down to header and report.
func problemReports(out string) []string {
	var reps []string
	for _, part := range strings.Split(out, "Problem ")[1:] {
		rep, _, _ := strings.Cut(part, "\nInterleaving (")
		reps = append(reps, rep)
	}
	return reps
}

func TestPrintedReplayReproduces(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "my abba.c", bundled(t, "abba")) // a space: the printed command must quote it
	for _, args := range [][]string{
		{"run", "abba"},
		{"run", "--all", "sleep-atomic-pressure"},
		{"run", "--cpus", "1", "--all", "abba"},
		{"run", "--signals", "--memory-pressure", "--max-steps", "500", "sleep-atomic"},
		{"run", path},
	} {
		code, stdout, _ := ksim(t, args...)
		require.Equal(t, exitProblem, code)
		cmds := replayArgs(t, stdout)
		reports := problemReports(stdout)
		require.NotEmpty(t, cmds, "ksim %v printed no replay command", args)
		require.Len(t, reports, len(cmds))
		for i, cmd := range cmds {
			rcode, rout, rerr := ksim(t, cmd...)
			require.Equal(t, exitOK, rcode, "ksim %v: %s", cmd, rerr)
			// The replayed execution shows the same report (it may show more
			// problems than the one it was printed for).
			_, rep, _ := strings.Cut(reports[i], ": ")
			assert.Contains(t, rout, rep, "ksim %v", cmd)
			assert.Contains(t, rout, "\ndmesg:\n")
		}
	}
}

func TestReplayWithoutProblem(t *testing.T) {
	t.Parallel()
	// A schedule of a clean execution: ksim run prints none, so take the
	// first execution's schedule from the engine.
	file, src, err := scenarios.Resolve("abba-fixed")
	require.NoError(t, err)
	s, err := scenarios.Load(file, src)
	require.NoError(t, err)
	var schedule string
	sched.Explore(s.Program(s.KernelConfig(), func(k *ksync.Kernel) {
		e := k.Execution()
		e.OnEnd(func(sched.Outcome) { schedule = e.Schedule() })
	}), sched.Options{MaxExecutions: 1})

	code, stdout, stderr := ksim(t, "replay", "abba-fixed", schedule)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "Replaying execution "+schedule+" of abba-fixed:\nOK: no problem in this execution\n")
	assert.Contains(t, stdout, "Interleaving (")
	assert.Contains(t, stdout, "down(sem1)")
	assert.Contains(t, stdout, "\ndmesg:\n")
}

func TestNoColorOffTerminal(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"run", "abba"}, {"run", "abba-fixed"}, {"run", "--max-executions", "1", "abba-fixed"}, {"check"}} {
		_, stdout, stderr := ksim(t, args...)
		assert.NotContains(t, stdout+stderr, "\x1b", "ksim %v", args)
	}
}

func TestColorOnTerminal(t *testing.T) {
	t.Parallel()
	_, stdout, _ := ksimTTY(t, nil, "run", "abba")
	assert.True(t, strings.HasPrefix(stdout, red+"DEADLOCK"+reset+" found"), stdout[:40])
	assert.Equal(t, 1, strings.Count(stdout, "\x1b[0m"), "only the verdict is coloured")
	_, stdout, _ = ksimTTY(t, nil, "run", "abba-fixed")
	assert.True(t, strings.HasPrefix(stdout, green+"OK"+reset+": no problem"))
	_, stdout, _ = ksimTTY(t, nil, "run", "--max-executions=1", "abba-fixed")
	assert.True(t, strings.HasPrefix(stdout, yellow+"NO PROBLEM FOUND"+reset))

	_, stdout, _ = ksimTTY(t, nil, "run", "--no-color", "abba")
	assert.NotContains(t, stdout, "\x1b")
	_, stdout, _ = ksimTTY(t, map[string]string{"NO_COLOR": "1"}, "run", "abba")
	assert.NotContains(t, stdout, "\x1b")
	_, stdout, _ = ksimTTY(t, map[string]string{"NO_COLOR": "1"}, "check")
	assert.NotContains(t, stdout, "\x1b")
	_, stdout, _ = ksimTTY(t, nil, "run", "--json", "abba")
	assert.NotContains(t, stdout, "\x1b", "JSON is never coloured")
}

func TestProgress(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := &progress{w: &b, name: "abba"}
	p.update(sched.Stats{Executions: 40, Elapsed: 500_000_000})
	assert.Empty(t, b.String(), "nothing for the first second")
	assert.False(t, p.done())
	p.update(sched.Stats{Executions: 12345, Elapsed: 10_200_000_000})
	assert.Equal(t, "\r\x1b[Kexploring abba: 12345 executions, 10 s...", b.String())
	b.Reset()
	assert.True(t, p.done())
	assert.Equal(t, "\r\x1b[K", b.String(), "the line is erased")

	// A fast run on a terminal draws nothing on stderr.
	_, _, stderr := ksimTTY(t, nil, "run", "abba")
	assert.Empty(t, stderr)
}

func TestStatsOnStderr(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := ksim(t, "run", "--stats", "abba-fixed")
	assert.Equal(t, exitOK, code)
	assert.Regexp(t, `^abba-fixed: explored 4 executions, \d+ steps in \S+\n$`, stderr)
	_, plain, _ := ksim(t, "run", "abba-fixed")
	assert.Equal(t, plain, stdout, "--stats leaves stdout alone")
}

func TestAllErrorsListed(t *testing.T) {
	t.Parallel()
	src := `DEFINE_MUTEX(m);
static int f(void)
{
	mutex_lock(&m, 1);
	spin_lock(&m);
	undefined_fn();
	return x;
}
`
	path := writeFile(t, "broken.c", src)
	code, stdout, stderr := ksim(t, "run", path)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	require.Len(t, lines, 4, stderr)
	for i, at := range []string{":4:2: ", ":5:12: ", ":6:2: ", ":7:9: "} {
		assert.True(t, strings.HasPrefix(lines[i], path+at), lines[i])
	}

	// Syntax errors are listed together too.
	path = writeFile(t, "syntax.c", "int f(void) { return 1 +; }\nint g( {\n")
	code, _, stderr = ksim(t, "run", path)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, path+":1:25: ")
	assert.Contains(t, stderr, path+":2:8: ")
}

func TestJSON(t *testing.T) {
	t.Parallel()
	noPragma := writeFile(t, "nopragma.c", strings.ReplaceAll(bundled(t, "abba"), "#pragma ksim expect deadlock", ""))
	code, stdout, stderr := ksim(t, "run", "--json", "--all", "abba", "abba-fixed", noPragma)
	require.Equal(t, exitProblem, code, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 3)

	var objs []map[string]any
	for _, line := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		for _, key := range []string{"scenario", "file", "complete", "cut", "full_search", "executions", "steps",
			"problems", "verdict", "expect", "as_expected"} {
			assert.Contains(t, m, key)
		}
		objs = append(objs, m)
	}

	abba := objs[0]
	assert.Equal(t, "abba", abba["scenario"])
	assert.Equal(t, "abba.c", abba["file"])
	assert.Equal(t, true, abba["complete"])
	assert.Equal(t, "deadlock", abba["verdict"])
	assert.Equal(t, []any{"deadlock"}, abba["expect"])
	assert.Equal(t, true, abba["as_expected"])
	probs := abba["problems"].([]any)
	require.Len(t, probs, 1)
	p := probs[0].(map[string]any)
	for _, key := range []string{"kind", "title", "report", "schedule", "execution", "preemptions", "count", "trace", "pending"} {
		assert.Contains(t, p, key)
	}
	assert.Equal(t, "deadlock", p["kind"])
	assert.True(t, strings.HasPrefix(p["report"].(string), p["title"].(string)))
	assert.True(t, strings.HasPrefix(p["schedule"].(string), "ksim1:"))
	ev := p["trace"].([]any)[0].(map[string]any)
	for _, key := range []string{"step", "thread", "task", "op", "object", "pos", "cpu", "note"} {
		assert.Contains(t, ev, key)
	}
	assert.Equal(t, "insmod", ev["task"])
	assert.NotEmpty(t, p["pending"])
	assert.Contains(t, p["report"], "<TASK>", "no HTML escaping")

	fixed := objs[1]
	assert.Equal(t, "ok", fixed["verdict"])
	assert.Equal(t, []any{}, fixed["problems"], "an empty list, not null")

	none := objs[2]
	assert.Nil(t, none["expect"])
	assert.Nil(t, none["as_expected"])
	assert.Equal(t, noPragma, none["file"])
	assert.Equal(t, "nopragma", none["scenario"])
}

func TestJSONTitleSkipsSeparators(t *testing.T) {
	t.Parallel()
	_, stdout, _ := ksim(t, "run", "--json", "lost-update")
	var r jsonResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	require.NotEmpty(t, r.Problems)
	assert.True(t, strings.HasPrefix(r.Problems[0].Report, "------------[ cut here ]------------"))
	assert.Equal(t, "kernel BUG at lost-update.c:24!", r.Problems[0].Title)
}

func TestHeadline(t *testing.T) {
	t.Parallel()
	for report, want := range map[string]string{
		"BUG: x\nmore":              "BUG: x",
		"\n=====\n  WARNING: y  \n": "WARNING: y",
		"------------[ cut here ]------------\nkernel BUG!": "kernel BUG!",
		"-----\n=====\n":      "fallback",
		"[ not a separator ]": "[ not a separator ]",
		"":                    "fallback",
	} {
		assert.Equal(t, want, headline(report, "fallback"), "%q", report)
	}
}

func TestCheckLibrary(t *testing.T) {
	t.Parallel()
	n := len(scenarios.List()) + len(scenarios.Modules())
	code, stdout, stderr := ksim(t, "check")
	assert.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, n+1)
	for _, l := range lines[:n] {
		assert.True(t, strings.HasPrefix(l, "ok    "), l)
	}
	assert.Contains(t, stdout, "ok    abba ")
	assert.Regexp(t, `ok    abba +deadlock \(9 executions\)`, stdout)
	assert.Equal(t, lines[n], strconv.Itoa(n)+" scenarios: "+strconv.Itoa(n)+" passed, 0 failed")

	code, stdout, _ = ksim(t, "check", "--quiet")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, strconv.Itoa(n)+" scenarios: "+strconv.Itoa(n)+" passed, 0 failed\n", stdout)
}

func TestCheckFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	abba := bundled(t, "abba")
	write := func(name, src string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	write("b-wrong.c", strings.ReplaceAll(abba, "#pragma ksim expect deadlock", "#pragma ksim expect ok"))
	write("a-right.c", abba)
	write("c-none.c", strings.ReplaceAll(abba, "#pragma ksim expect deadlock", ""))
	write("notes.txt", "not a scenario")

	code, stdout, stderr := ksim(t, "check", dir)
	assert.Equal(t, exitProblem, code, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 4, stdout)
	assert.Regexp(t, `^ok    .*a-right\.c +deadlock \(9 executions\)$`, lines[0])
	assert.Regexp(t, `^FAIL  .*b-wrong\.c +expected ok, found deadlock \(exploration complete\)$`, lines[1])
	assert.Regexp(t, `^FAIL  .*c-none\.c +no #pragma ksim expect line`, lines[2])
	assert.Equal(t, "3 scenarios: 1 passed, 2 failed", lines[3])

	// A search cut short proves nothing either way.
	code, stdout, _ = ksim(t, "check", "--max-executions", "2", "abba")
	assert.Equal(t, exitProblem, code)
	assert.Contains(t, stdout, "expected deadlock, but the search is not complete: execution limit reached (2)")
	assert.Contains(t, stdout, "1 scenario: 0 passed, 1 failed")

	// Bad input is exit 2, and the others are still checked.
	write("d-broken.c", "int f(void) { return 1 +; }\n")
	code, stdout, stderr = ksim(t, "check", dir, "abba-fixed")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "d-broken.c:1:25: ")
	assert.Contains(t, stdout, "ok    abba-fixed")
	assert.Contains(t, stdout, "5 scenarios: 2 passed, 3 failed")

	code, _, stderr = ksim(t, "check", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no .c files")
}

func TestHelp(t *testing.T) {
	t.Parallel()
	_, stdout, _ := ksim(t, "help")
	for _, want := range []string{"Usage:", "Examples:", "ksim run abba", "ksim check", "jq", "Exit status:", "NO_COLOR"} {
		assert.Contains(t, stdout, want)
	}
	_, h, _ := ksim(t, "--help")
	assert.Equal(t, stdout, h)

	for _, cmd := range []string{"run", "check", "replay", "list", "show", "help"} {
		code, out, _ := ksim(t, "help", cmd)
		assert.Equal(t, exitOK, code)
		assert.Contains(t, out, "Usage: ksim "+cmd)
	}
	// The examples' explanations start in one column.
	examples := stdout[strings.Index(stdout, "Examples:\n"):]
	examples = examples[:strings.Index(examples, "\n\n")]
	cols := map[int][]string{}
	for _, line := range strings.Split(examples, "\n")[1:] {
		if i := strings.LastIndex(line, "  "); i > 2 {
			cols[i] = append(cols[i], line)
		}
	}
	assert.Len(t, cols, 1, "%v", cols)

	_, out, _ := ksim(t, "help", "run")
	assert.Contains(t, out, "--strategy NAME")
	assert.Contains(t, out, "--timeout DURATION")
}

func TestShow(t *testing.T) {
	t.Parallel()
	_, stdout, _ := ksim(t, "show", "abba")
	assert.Equal(t, bundled(t, "abba"), stdout)
}

func TestReplayCommand(t *testing.T) {
	t.Parallel()
	o := &options{set: map[string]bool{"cpus": true}, cpus: 1, signals: true}
	assert.Equal(t, "ksim replay abba 'ksim1:0:1' --cpus 1 --signals", replayCommand("abba", "ksim1:0:1", o))
	assert.Equal(t, `ksim replay 'it'\''s.c' 'ksim1:0:1'`, replayCommand("it's.c", "ksim1:0:1", &options{}))
	assert.Equal(t, "ksim replay -- -odd.c 'ksim1:0:1'", replayCommand("-odd.c", "ksim1:0:1", &options{}))
}

func TestNoLockdepFlag(t *testing.T) {
	t.Parallel()
	code, out, _ := ksim(t, "run", "--all", "mutex-abba")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "WARNING: possible circular locking dependency detected")
	code, out, _ = ksim(t, "run", "--all", "--no-lockdep", "mutex-abba")
	assert.Equal(t, 1, code)
	assert.NotContains(t, out, "WARNING: possible circular locking dependency detected")
	assert.Contains(t, out, "INFO: task ")
	assert.Contains(t, out, "--no-lockdep", "the printed replay command keeps the flag")
}

func TestReplayInterrupts(t *testing.T) {
	t.Parallel()
	code, out, _ := ksim(t, "run", "irq-spinlock")
	require.Equal(t, 1, code)
	var replay []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Replay: ksim replay ") {
			fields := strings.Fields(strings.TrimPrefix(line, "Replay: ksim "))
			replay = append(fields[:2], strings.Trim(fields[2], "'"))
		}
	}
	require.NotEmpty(t, replay)
	code, out, _ = ksim(t, append(replay, "--interrupts")...)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "/proc/interrupts:\n")
	assert.Regexp(t, `\s+5:\s+1\s+IO-APIC\s+5-edge\s+mydev`, out)
}

// --cpus must not leave a `#pragma ksim irq N cpu C` line without its CPU: that
// ran as if the interrupt never fired, and said OK.
func TestCPUsFlagAgainstIRQPragma(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"run", "check", "replay"} {
		args := []string{cmd, "--cpus", "1", "irq-spinlock-other-cpu"}
		if cmd == "replay" {
			args = append(args, "ksim1:0:1")
		}
		code, stdout, stderr := ksim(t, args...)
		assert.Equal(t, exitUsage, code, cmd)
		assert.Contains(t, stderr, "irq-spinlock-other-cpu.c:8:1: irq 5 is delivered to CPU 1, but --cpus 1 leaves the scenario 1 CPU", cmd)
		assert.NotContains(t, stdout, "OK", cmd)
	}
	code, _, stderr := ksim(t, "run", "--quiet", "--cpus", "2", "irq-spinlock-other-cpu")
	assert.Equal(t, exitProblem, code, stderr)
}

// Bad input still gives a JSON line, for the machines reading --json.
func TestJSONBadInput(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, "bad.c", "int f(void) { return 1 +; }\nint g(void) { return x; }\n")
	for _, cmd := range []string{"run", "check"} {
		code, stdout, stderr := ksim(t, cmd, "--json", bad, "no-such-scenario", "abba-fixed")
		assert.Equal(t, exitUsage, code, stderr)
		lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		require.Len(t, lines, 3, stdout)
		var e1, e2 jsonError
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &e1))
		assert.Equal(t, jsonError{Scenario: "bad", File: bad, Error: []string{bad + ":1:25: unexpected ';', expected expression"}}, e1)
		require.NoError(t, json.Unmarshal([]byte(lines[1]), &e2))
		assert.Equal(t, "no-such-scenario", e2.Scenario)
		assert.Empty(t, e2.File)
		require.Len(t, e2.Error, 1)
		assert.Contains(t, e2.Error[0], "no-such-scenario")
		var ok jsonResult
		require.NoError(t, json.Unmarshal([]byte(lines[2]), &ok))
		assert.Equal(t, "abba-fixed", ok.Scenario)
	}
	code, stdout, _ := ksim(t, "run", "--json", "--cpus", "1", "irq-spinlock-other-cpu")
	assert.Equal(t, exitUsage, code)
	var e jsonError
	require.NoError(t, json.Unmarshal([]byte(stdout), &e))
	assert.Equal(t, "irq-spinlock-other-cpu", e.Scenario)
	assert.Equal(t, "irq-spinlock-other-cpu.c", e.File)
	require.Len(t, e.Error, 1)
	assert.Contains(t, e.Error[0], "irq-spinlock-other-cpu.c:8:1: irq 5 is delivered to CPU 1")
}

// as_expected is decided against the pragma as soon as a search finds a kind it
// does not list, and for it only by a complete search; null in between.
func TestJSONAsExpected(t *testing.T) {
	t.Parallel()
	asExpected := func(args ...string) any {
		t.Helper()
		_, stdout, stderr := ksim(t, append([]string{"run", "--json"}, args...)...)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout), &m), stderr)
		require.Contains(t, m, "as_expected")
		return m["as_expected"]
	}
	wrong := writeFile(t, "wrong.c", strings.ReplaceAll(bundled(t, "abba"), "#pragma ksim expect deadlock", "#pragma ksim expect ok"))
	other := writeFile(t, "other.c", strings.ReplaceAll(bundled(t, "abba"), "#pragma ksim expect deadlock", "#pragma ksim expect bug"))
	assert.Nil(t, asExpected("abba"), "stopped at the first problem: the rest could add another kind")
	assert.Equal(t, true, asExpected("--all", "abba"))
	assert.Equal(t, false, asExpected(wrong), "a deadlock where ok is expected: final")
	assert.Equal(t, false, asExpected(other), "a deadlock where only a bug is expected: final")
	assert.Nil(t, asExpected("--max-executions", "1", "abba-fixed"), "nothing found yet, search not complete")
	assert.Equal(t, true, asExpected("abba-fixed"))
	missing := writeFile(t, "missing.c", strings.ReplaceAll(bundled(t, "abba-fixed"), "#pragma ksim expect ok", "#pragma ksim expect deadlock"))
	assert.Equal(t, false, asExpected(missing), "complete, and the expected deadlock never happened")
}

// A loop that prints forever, under a large --max-steps: the execution keeps its
// trace (one event per step, so at most --max-steps of them) and the last 128 KiB of
// its log, as the kernel's log buffer does, not every line it printed.
func TestPrintingLoopKeepsBoundedLogAndTrace(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "printer.c", `
static void printer(void)
{
	int i = 0;

	while (1) {
		printk(KERN_INFO "line %d of a loop that prints forever\n", i);
		i++;
	}
}
`)
	const steps = 200 // the loop has a forced scheduling point every 1024 iterations
	code, stdout, stderr := ksim(t, "run", "--json", "--max-steps", strconv.Itoa(steps), file)
	require.Equal(t, exitProblem, code, stderr)
	var r jsonResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	require.Len(t, r.Problems, 1)
	p := r.Problems[0]
	assert.Equal(t, "hang", p.Kind)
	assert.Len(t, p.Trace, steps, "the trace kept is bounded by --max-steps")

	code, stdout, stderr = ksim(t, "replay", "--max-steps", strconv.Itoa(steps), file, p.Schedule)
	require.Equal(t, exitOK, code, stderr)
	_, dmesg, ok := strings.Cut(stdout, "\ndmesg:\n")
	require.True(t, ok, stdout)
	first, rest, _ := strings.Cut(dmesg, "\n")
	assert.Regexp(t, `^ksim: \d+ earlier lines dropped: the kernel's log buffer keeps the last 128 KiB \(log_buf_len, CONFIG_LOG_BUF_SHIFT=17\)$`, first)
	assert.LessOrEqual(t, len(rest), ksync.LogBufLen)
	assert.Greater(t, len(rest), ksync.LogBufLen-100, "the buffer is kept full")
	assert.Regexp(t, `^\[ *\d+\.\d{6}\] line \d+ of a loop`, rest, "whole lines")
	var lost, last int
	_, err := fmt.Sscanf(first, "ksim: %d earlier", &lost)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(rest, "\n"), "\n")
	_, msg, _ := strings.Cut(lines[len(lines)-1], "] ")
	_, err = fmt.Sscanf(msg, "line %d of a loop", &last)
	require.NoError(t, err)
	assert.Equal(t, last+1, lost+len(lines), "the last lines are kept, the ones before counted")
	assert.Greater(t, lost, steps, "many lines were printed")
}

// verdict is never "ok" unless complete is true: a search that a limit cut short
// before it found anything is "incomplete", with the exit status that says so. The
// time limit counts even inside one long execution.
func TestJSONVerdictNeverOKWhenIncomplete(t *testing.T) {
	t.Parallel()
	spinner := writeFile(t, "spinner.c", "static int x;\nstatic void spin(void) { while (1) x++; }\n")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		complete bool
		verdict  string
		cut      string
	}{
		{"complete, nothing found", []string{"abba-fixed"}, exitOK, true, "ok", ""},
		{"complete, a problem", []string{"--all", "abba"}, exitProblem, true, "deadlock", ""},
		{"two kinds", []string{"--all", "mutex-abba"}, exitProblem, true, "deadlock+warning", ""},
		{"stopped at the first problem", []string{"abba"}, exitProblem, false, "deadlock", "stopped at the first problem"},
		{"execution limit", []string{"--max-executions", "1", "abba-fixed"}, exitIncomplete, false, "incomplete", "execution limit reached (1)"},
		{"random search", []string{"--strategy", "random", "--max-executions", "3", "abba-fixed"}, exitIncomplete, false, "incomplete", "execution limit reached (3)"},
		{"bounded, execution limit", []string{"--strategy", "bounded", "--max-executions", "2", "philosophers-ordered"}, exitIncomplete, false, "incomplete", "execution limit reached (2)"},
		{"time limit inside one execution", []string{"--max-steps", "1000000000", "--timeout", "100ms", spinner}, exitIncomplete, false, "incomplete", "time limit reached (100ms)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			code, stdout, stderr := ksim(t, append([]string{"run", "--json"}, tc.args...)...)
			assert.Equal(t, tc.code, code, stderr)
			var r jsonResult
			require.NoError(t, json.Unmarshal([]byte(stdout), &r), stdout)
			assert.Equal(t, tc.complete, r.Complete)
			assert.Equal(t, tc.verdict, r.Verdict)
			assert.Equal(t, tc.cut, r.Cut)
			if r.Verdict == "ok" {
				assert.True(t, r.Complete, "ok only after a complete search")
			}
			assert.Less(t, time.Since(start), 30*time.Second)
		})
	}
}

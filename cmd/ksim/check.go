package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ksim-dev/ksim/scenarios"
	"github.com/ksim-dev/ksim/sched"
)

// checkCmd is `ksim check`: does each scenario find exactly what its
// `#pragma ksim expect` line says? It is the library's regression test, and a
// teacher's way to check a folder of exercises.
func (e *env) checkCmd(args []string) int {
	code := exitOK
	o, names, ok := e.parse("check", args, &code)
	if !ok {
		return code
	}
	if len(names) == 0 {
		for _, ent := range scenarios.List() {
			names = append(names, ent.Name)
		}
		for _, ent := range scenarios.Modules() {
			names = append(names, ent.Name)
		}
	}
	targets, good := e.targets("check", names, o)
	if !good {
		code = exitUsage
	}
	width := 0
	for _, t := range targets {
		width = max(width, len(t.label))
	}
	width += 2
	color := e.colorOn(o)
	failed := 0
	for _, tg := range targets {
		arg := tg.label
		line, pass := "", false
		l, msgs := e.load(tg, o)
		var res *sched.Result
		if l == nil {
			line = "cannot run: see the errors above"
			code = exitUsage
		} else if res = e.explore(arg, l, o, o.schedOptions(false)); res.Err != nil {
			fmt.Fprintf(e.stderr, "ksim: %s: %v\n", arg, res.Err)
			msgs = []string{res.Err.Error()}
			line = "cannot run: see the errors above"
			code = exitUsage
		} else {
			line, pass = checkLine(l.s.Config.Expect, res)
		}
		if !pass {
			failed++
			code = worse(code, exitProblem)
		}
		if o.json {
			if msgs != nil {
				if !e.writeJSONError(arg, l, msgs) {
					return exitUsage
				}
			} else if err := writeJSON(e.stdout, newJSONResult(l, res, o)); err != nil {
				fmt.Fprintf(e.stderr, "ksim: %v\n", err)
				return exitUsage
			}
			continue
		}
		if pass && o.quiet {
			continue
		}
		status := paint(color, green, "ok  ")
		if !pass {
			status = paint(color, red, "FAIL")
		}
		fmt.Fprintf(e.stdout, "%s  %-*s%s\n", status, width, arg, line)
	}
	if !o.json {
		fmt.Fprintf(e.stdout, "%s: %d passed, %d failed\n", plural(int64(len(targets)), "scenario"), len(targets)-failed, failed)
	}
	return code
}

// checkLine says how a result compares with an expect pragma.
func checkLine(expect []string, res *sched.Result) (string, bool) {
	found := strings.Join(scenarios.Kinds(res), " ")
	if expect == nil {
		return fmt.Sprintf("no #pragma ksim expect line (found %s, %s)", found, completeness(res)), false
	}
	switch scenarios.Compare(expect, res) {
	case scenarios.Matches:
		return fmt.Sprintf("%s (%s)", found, plural(res.Stats.Executions, "execution")), true
	case scenarios.Undecided:
		return fmt.Sprintf("expected %s, but the search is not complete: %s", strings.Join(expect, " "), res.Cut), false
	}
	return fmt.Sprintf("expected %s, found %s (%s)", strings.Join(expect, " "), found, completeness(res)), false
}

func completeness(res *sched.Result) string {
	if res.Complete {
		return "exploration complete"
	}
	return "search not complete: " + res.Cut
}

// expandDirs replaces each directory argument by its .c files in name order.
// It reports (and drops) directories that hold none: checking nothing must not
// pass silently.
func (e *env) expandDirs(args []string) ([]string, bool) {
	var out []string
	bad := false
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil || !fi.IsDir() {
			out = append(out, arg)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(arg, "*.c"))
		if err == nil && len(matches) == 0 {
			err = fmt.Errorf("%s: no .c files in this directory", arg)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "ksim: %v\n", err)
			bad = true
			continue
		}
		sort.Strings(matches)
		out = append(out, matches...)
	}
	return out, bad
}

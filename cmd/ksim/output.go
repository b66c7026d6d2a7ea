package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ksim-dev/ksim/scenarios"
	"github.com/ksim-dev/ksim/sched"
)

// ANSI colours for the verdict word: the only coloured text, so that the
// answer stands out and everything else stays plain to copy.
const (
	red    = "\x1b[1;31m"
	green  = "\x1b[1;32m"
	yellow = "\x1b[1;33m"
	reset  = "\x1b[0m"
)

func paint(on bool, color, s string) string {
	if !on {
		return s
	}
	return color + s + reset
}

// verdict is the first line printed for a scenario. It never overstates: "OK"
// only after a complete search, and a search that stopped early says so.
func verdict(res *sched.Result, color bool) string {
	st := res.Stats
	if len(res.Problems) > 0 {
		kinds := scenarios.Kinds(res)
		for i, k := range kinds {
			kinds[i] = strings.ToUpper(k)
		}
		return fmt.Sprintf("%s found in execution %d of %d (%s)",
			paint(color, red, joinAnd(kinds)), res.Problems[0].Execution, st.Executions, searchState(res))
	}
	if res.Complete {
		return paint(color, green, "OK") + fmt.Sprintf(": no problem in any of %s (exploration complete)",
			plural(st.Executions, "interleaving"))
	}
	return paint(color, yellow, "NO PROBLEM FOUND") + fmt.Sprintf(" in %s, but the search is not complete: %s",
		plural(st.Executions, "execution"), res.Cut)
}

// searchState says whether the search that found a problem was complete.
func searchState(res *sched.Result) string {
	if res.Complete {
		return "exploration complete"
	}
	if strings.HasPrefix(res.Cut, "stopped ") {
		return "search " + res.Cut // "search stopped at the first problem"
	}
	return "search stopped: " + res.Cut
}

// verdictNotes are the lines that qualify a verdict.
func verdictNotes(res *sched.Result, opts sched.Options) []string {
	var notes []string
	if res.FullSearch != "" {
		notes = append(notes, "note: DPOR was replaced by a full search: "+res.FullSearch)
	}
	if opts.StopAtFirst && len(res.Problems) > 0 && !res.Complete {
		notes = append(notes, "(run with --all to collect every distinct problem)")
	}
	return notes
}

// joinAnd joins words as English does: "A", "A and B", "A, B and C".
func joinAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// headline is the first line of a report that is not a separator such as
// "======" or "------------[ cut here ]------------": the line the kernel
// leads with, which is what a reader searches for.
func headline(report, fallback string) string {
	for _, line := range strings.Split(report, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || isSeparator(line) {
			continue
		}
		return line
	}
	return fallback
}

func isSeparator(line string) bool {
	inner := strings.Trim(line, "=-")
	if inner == "" {
		return true
	}
	// "------------[ cut here ]------------": bracketed text between rules.
	return inner != line && strings.HasPrefix(inner, "[") && strings.HasSuffix(inner, "]")
}

// block writes text followed by exactly one newline: reports and traces come
// with or without a final newline, and the layout around them must not vary.
func block(w io.Writer, text string) {
	fmt.Fprintln(w, strings.TrimRight(text, "\n"))
}

// printProblem prints one problem: header, report, interleaving, and the
// replay command if there is one.
func printProblem(w io.Writer, i, n int, p *sched.Found, replay string) {
	fmt.Fprintf(w, "Problem %d of %d: %s — %s\n\n", i, n, p.Kind, headline(p.Report, p.Title))
	block(w, p.Report)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Interleaving (%s, %s):\n", plural(int64(len(p.Trace)), "step"), plural(int64(p.Preemptions), "preemption"))
	block(w, p.FormatTrace())
	if replay != "" {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Replay: %s\n", replay)
	}
}

// shellQuote quotes s for a POSIX shell unless it is plainly safe, so that a
// printed command works when pasted.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// replayCommand is the command that re-runs the execution of a schedule,
// exactly as the user can type it: the scenario as they named it, and the flags
// that change the program.
func replayCommand(arg, schedule string, o *options) string {
	return replayCommandArgs([]string{arg}, schedule, o)
}

// replayCommandArgs is replayCommand for a scenario that takes several words to
// name: "--link a.c b.c", "--module NAME DIR".
func replayCommandArgs(args []string, schedule string, o *options) string {
	sch := "'" + strings.ReplaceAll(schedule, "'", `'\''`) + "'"
	var flags, pos []string
	switch {
	case len(args) > 0 && args[0] == "--link":
		flags, pos = args[:1], args[1:]
	case len(args) > 2 && args[0] == "--module":
		flags, pos = []string{"--module", shellQuote(args[1])}, args[2:]
	default:
		pos = args
	}
	quoted := make([]string, len(pos))
	dash := false
	for i, a := range pos {
		quoted[i] = shellQuote(a)
		dash = dash || strings.HasPrefix(a, "-")
	}
	lead := "ksim replay"
	if len(flags) > 0 {
		lead += " " + strings.Join(flags, " ")
	}
	if dash {
		// After "--" everything is positional, so the flags go first.
		return lead + o.replayFlags() + " -- " + strings.Join(quoted, " ") + " " + sch
	}
	return lead + " " + strings.Join(quoted, " ") + " " + sch + o.replayFlags()
}

// replay is the replay command of a loaded scenario.
func (l *loaded) replay(schedule string, o *options) string {
	if l.args != nil {
		return replayCommandArgs(l.args, schedule, o)
	}
	return replayCommand(l.arg, schedule, o)
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ksim-dev/ksim/scenarios"
	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/sched"
)

// runCmd is `ksim run`: explore each scenario and explain what was found.
func (e *env) runCmd(args []string) int {
	code := exitOK
	o, names, ok := e.parse("run", args, &code)
	if !ok {
		return code
	}
	if len(names) == 0 {
		e.usageError("run", "no scenario given: name a .c file or a bundled scenario (ksim list)")
		return exitUsage
	}
	targets, good := e.targets("run", names, o)
	if !good {
		code = exitUsage
		if len(targets) == 0 {
			return code
		}
	}
	color := e.colorOn(o)
	for i, tg := range targets {
		arg := tg.label
		l, msgs := e.load(tg, o)
		if l == nil {
			code = worse(code, exitUsage)
			if o.json && !e.writeJSONError(arg, l, msgs) {
				return exitUsage
			}
			continue
		}
		opts := o.schedOptions(true)
		res := e.explore(arg, l, o, opts)
		if res.Err != nil {
			fmt.Fprintf(e.stderr, "ksim: %s: %v\n", arg, res.Err)
			code = worse(code, exitUsage)
			if o.json && !e.writeJSONError(arg, l, []string{res.Err.Error()}) {
				return exitUsage
			}
			continue
		}
		code = worse(code, resultCode(res))
		if o.json {
			if err := writeJSON(e.stdout, newJSONResult(l, res, o)); err != nil {
				fmt.Fprintf(e.stderr, "ksim: %v\n", err)
				return exitUsage
			}
			continue
		}
		prefix := ""
		if len(targets) > 1 {
			prefix = arg + ": "
			if i > 0 && !o.quiet {
				fmt.Fprintln(e.stdout)
			}
		}
		fmt.Fprintln(e.stdout, prefix+verdict(res, color))
		if o.quiet {
			continue
		}
		for _, n := range verdictNotes(res, opts) {
			fmt.Fprintln(e.stdout, n)
		}
		for j, p := range res.Problems {
			fmt.Fprintln(e.stdout)
			printProblem(e.stdout, j+1, len(res.Problems), p, replayCommandArgs(tg.args, p.Schedule, o))
		}
	}
	return code
}

// resultCode is the exit code of one exploration.
func resultCode(res *sched.Result) int {
	switch {
	case res.Err != nil:
		return exitUsage
	case len(res.Problems) > 0:
		return exitProblem
	case !res.Complete:
		return exitIncomplete
	}
	return exitOK
}

// jsonResult is one line of --json output. Structs fix the field order, and
// there are no timings, so that the output is deterministic.
type jsonResult struct {
	Scenario   string        `json:"scenario"`
	File       string        `json:"file"`
	Strategy   string        `json:"strategy"`
	Complete   bool          `json:"complete"`
	Cut        string        `json:"cut"`
	FullSearch string        `json:"full_search"`
	Executions int64         `json:"executions"`
	Steps      int64         `json:"steps"`
	Problems   []jsonProblem `json:"problems"`
	Verdict    string        `json:"verdict"`
	Expect     []string      `json:"expect"` // null without an expect pragma
	// AsExpected compares the result with expect (scenarios.Compare): true when
	// the search is complete and found exactly the expected kinds; false when it
	// found a kind not expected (final even in an incomplete search) or, complete,
	// missed one; null without an expect pragma, or when an incomplete search has
	// found nothing against it.
	AsExpected *bool `json:"as_expected"`
}

// jsonError is the --json line of a scenario that could not run: bad input, an
// unknown scenario, a flag that does not fit it.
type jsonError struct {
	Scenario string   `json:"scenario"`
	File     string   `json:"file"`  // "" when arg named no file or bundled scenario
	Error    []string `json:"error"` // "file:line:col: message" each, as on standard error
}

// writeJSONError writes the jsonError line of arg; l is nil when it did not load.
// It reports whether the write succeeded.
func (e *env) writeJSONError(arg string, l *loaded, msgs []string) bool {
	j := jsonError{Scenario: strings.TrimSuffix(filepath.Base(arg), ".c"), Error: msgs}
	var list cfront.ErrorList
	if file, _, err := scenarios.Resolve(arg); err == nil {
		j.File = file
	} else if errors.As(err, &list) && len(list) > 0 {
		j.File = list[0].Filename // a file too large to read
	}
	if l != nil {
		j.Scenario, j.File = l.s.Name, l.file
	}
	if err := writeJSON(e.stdout, j); err != nil {
		fmt.Fprintf(e.stderr, "ksim: %v\n", err)
		return false
	}
	return true
}

type jsonProblem struct {
	Kind        string        `json:"kind"`
	Title       string        `json:"title"`
	Report      string        `json:"report"`
	Schedule    string        `json:"schedule"`
	Replay      string        `json:"replay"`
	Execution   int           `json:"execution"`
	Step        int           `json:"step"`
	Preemptions int           `json:"preemptions"`
	Count       int           `json:"count"`
	Trace       []jsonEvent   `json:"trace"`
	Pending     []jsonPending `json:"pending"`
}

type jsonEvent struct {
	Step   int    `json:"step"`
	Thread int    `json:"thread"`
	Task   string `json:"task"`
	Op     string `json:"op"`
	Object string `json:"object"`
	Pos    string `json:"pos"`
	CPU    string `json:"cpu"`
	Note   string `json:"note"`
}

type jsonPending struct {
	Thread  int    `json:"thread"`
	Task    string `json:"task"`
	Op      string `json:"op"`
	Object  string `json:"object"`
	Pos     string `json:"pos"`
	Enabled bool   `json:"enabled"`
}

func newJSONResult(l *loaded, res *sched.Result, o *options) *jsonResult {
	j := &jsonResult{
		Scenario:   l.s.Name,
		File:       l.file,
		Strategy:   res.Strategy.String(),
		Complete:   res.Complete,
		Cut:        res.Cut,
		FullSearch: res.FullSearch,
		Executions: res.Stats.Executions,
		Steps:      res.Stats.Steps,
		Problems:   []jsonProblem{},
		Verdict:    jsonVerdict(res),
		Expect:     l.s.Config.Expect,
	}
	if j.Expect != nil {
		if m := scenarios.Compare(j.Expect, res); m != scenarios.Undecided {
			as := m == scenarios.Matches
			j.AsExpected = &as
		}
	}
	for _, p := range res.Problems {
		name := func(t int) string {
			if t >= 0 && t < len(p.Threads) {
				return p.Threads[t]
			}
			return ""
		}
		jp := jsonProblem{
			Kind:        p.Kind,
			Title:       headline(p.Report, p.Title),
			Report:      p.Report,
			Schedule:    p.Schedule,
			Replay:      l.replay(p.Schedule, o),
			Execution:   p.Execution,
			Step:        p.Step,
			Preemptions: p.Preemptions,
			Count:       p.Count,
			Trace:       []jsonEvent{},
			Pending:     []jsonPending{},
		}
		for _, ev := range p.Trace {
			jp.Trace = append(jp.Trace, jsonEvent{ev.Step, ev.Thread, name(ev.Thread), ev.Op, ev.Obj, ev.Pos, ev.Where, ev.Note})
		}
		for _, pd := range p.Pending {
			jp.Pending = append(jp.Pending, jsonPending{pd.Thread, name(pd.Thread), pd.Op, pd.Obj, pd.Pos, pd.Enabled})
		}
		j.Problems = append(j.Problems, jp)
	}
	return j
}

// jsonVerdict is the kinds of problem found, joined by "+" ("deadlock+warning"). With
// none it is "ok" only after a complete search; a search that a limit cut short before
// it found anything is "incomplete", never "ok".
func jsonVerdict(res *sched.Result) string {
	if len(res.Problems) == 0 && !res.Complete {
		return "incomplete"
	}
	return strings.Join(scenarios.Kinds(res), "+")
}

// writeJSON writes v on one line. HTML escaping is off: reports hold "<TASK>",
// and jq users should see it as the kernel printed it.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

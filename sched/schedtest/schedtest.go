// Package schedtest turns a Go test into an exhaustive interleaving exploration, the
// way loom::model does for Rust:
//
//	func TestTransfer(t *testing.T) {
//		schedtest.Model(t, func(e *sched.Execution) {
//			// create shared objects, spawn threads
//		})
//	}
//
// On failure the test prints each problem's report, its interleaving as a table with
// one column per thread, and the command that replays exactly that execution:
// go test -run '^TestTransfer$' -ksim.replay='ksim1:…' (or KSIM_REPLAY=… in the
// environment). Explorations are independent, so tests may call t.Parallel.
package schedtest

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ksim-dev/ksim/sched"
)

var replay = flag.String("ksim.replay", "", "replay this ksim schedule instead of exploring (also: KSIM_REPLAY)")

// Model explores prog exhaustively (DPOR) and fails t for every problem found.
func Model(t testing.TB, prog sched.Program) *sched.Result {
	t.Helper()
	return Run(t, prog, sched.Options{})
}

// Run explores prog with opts and fails t for every problem found. When a schedule is
// given with -ksim.replay or KSIM_REPLAY, it replays that one execution instead.
func Run(t testing.TB, prog sched.Program, opts sched.Options) *sched.Result {
	t.Helper()
	if s := ReplaySchedule(); s != "" {
		opts.Strategy, opts.Schedule = sched.Replay, s
	}
	res := sched.Explore(prog, opts)
	if res.Err != nil {
		t.Fatalf("ksim: %v", res.Err)
		return res
	}
	for _, p := range res.Problems {
		t.Errorf("%s", Describe(t.Name(), p))
	}
	if !res.Failed() && !res.Complete && opts.Strategy != sched.Replay {
		t.Logf("ksim: %s", res.Verdict())
	}
	return res
}

// ReplaySchedule is the schedule asked for on the command line or in the environment.
func ReplaySchedule() string {
	if *replay != "" {
		return *replay
	}
	return os.Getenv("KSIM_REPLAY")
}

// Describe formats a problem for a test log: headline, report, trace, replay command.
func Describe(testName string, p *sched.Found) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ksim: %s (%d preemption(s))\n\n", p.Title, p.Preemptions)
	if p.Report != "" {
		b.WriteString(strings.TrimRight(p.Report, "\n"))
		b.WriteString("\n\n")
	}
	b.WriteString(p.FormatTrace())
	fmt.Fprintf(&b, "\nreplay: %s\n", ReplayCommand(testName, p.Schedule))
	return b.String()
}

// ReplayCommand is the go test command line that replays schedule in the named test,
// run from the test's package directory.
func ReplayCommand(testName, schedule string) string {
	parts := strings.Split(testName, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return fmt.Sprintf("go test -run %s -ksim.replay=%s .", shellQuote(strings.Join(parts, "/")), shellQuote(schedule))
}

// shellQuote single-quotes s for a POSIX shell: a test may be named "it's".
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

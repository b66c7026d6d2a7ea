package main

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// replayCmd is `ksim replay`: run the one execution a schedule describes, to
// look at it again (or under a debugger) with its kernel log.
func (e *env) replayCmd(args []string) int {
	code := exitOK
	o, pos, ok := e.parse("replay", args, &code)
	if !ok {
		return code
	}
	if len(pos) != 2 && !(o.link && len(pos) > 2) {
		e.usageError("replay", "want a scenario and a schedule, as printed by ksim run")
		return exitUsage
	}
	schedule := pos[len(pos)-1]
	targets, good := e.targets("replay", pos[:len(pos)-1], o)
	if !good {
		return exitUsage
	}
	if len(targets) != 1 {
		fmt.Fprintf(e.stderr, "ksim replay: %s builds %d modules: pick one with --module NAME\n", pos[0], len(targets))
		return exitUsage
	}
	arg := targets[0].label
	l, _ := e.load(targets[0], o)
	if l == nil {
		return exitUsage
	}
	// --max-steps: a hang found with a lower step limit only replays under it.
	res, run := l.s.Replay(o.kernelConfig(l.s), schedule, sched.Options{MaxSteps: o.maxSteps})
	if res.Err != nil {
		fmt.Fprintf(e.stderr, "ksim: %v\n", res.Err)
		return exitUsage
	}
	if run == nil {
		fmt.Fprintf(e.stderr, "ksim: schedule %q ran no execution of %s\n", schedule, arg)
		return exitUsage
	}
	k := run.Kernel
	color := e.colorOn(o)
	w := e.stdout
	fmt.Fprintf(w, "Replaying execution %s of %s:\n", schedule, l.s.Name)
	if len(res.Problems) == 0 {
		fmt.Fprintln(w, paint(color, green, "OK")+": no problem in this execution")
	} else {
		kinds := []string{}
		seen := map[string]bool{}
		for _, p := range res.Problems {
			if !seen[p.Kind] {
				seen[p.Kind] = true
				kinds = append(kinds, strings.ToUpper(p.Kind))
			}
		}
		fmt.Fprintln(w, paint(color, red, joinAnd(kinds))+" in this execution")
	}
	for i, p := range res.Problems {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Problem %d of %d: %s — %s\n\n", i+1, len(res.Problems), p.Kind, headline(p.Report, p.Title))
		block(w, p.Report)
	}
	fmt.Fprintln(w)
	if len(res.Problems) > 0 {
		// The problem's own rendering marks the step that reported it and
		// shows what the unfinished threads were waiting for.
		p := res.Problems[0]
		fmt.Fprintf(w, "Interleaving (%s, %s):\n", plural(int64(len(p.Trace)), "step"), plural(int64(p.Preemptions), "preemption"))
		block(w, p.FormatTrace())
	} else {
		fmt.Fprintf(w, "Interleaving (%s):\n", plural(int64(len(run.Trace)), "step"))
		block(w, sched.FormatTrace(run.Threads, run.Trace, nil, 0))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "dmesg:")
	if d := k.Dmesg(); d != "" {
		block(w, d)
	} else {
		fmt.Fprintln(w, "(empty)")
	}
	if o.interrupts {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "/proc/interrupts:")
		block(w, k.ProcInterrupts())
	}
	return exitOK
}

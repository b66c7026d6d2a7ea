package main

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/scenarios"
)

// listCmd is `ksim list`: the bundled scenarios, name and summary.
func (e *env) listCmd(args []string) int {
	code := exitOK
	_, pos, ok := e.parse("list", args, &code)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		e.usageError("list", "list takes no arguments")
		return exitUsage
	}
	list := scenarios.List()
	width := 0
	for _, ent := range list {
		width = max(width, len(ent.Name))
	}
	for _, ent := range list {
		fmt.Fprintln(e.stdout, strings.TrimRight(fmt.Sprintf("%-*s%s", width+2, ent.Name, ent.Summary), " "))
	}
	return exitOK
}

// showCmd is `ksim show NAME`: a bundled scenario's source, to read or to
// copy and edit (`ksim show abba > mine.c`).
func (e *env) showCmd(args []string) int {
	code := exitOK
	_, pos, ok := e.parse("show", args, &code)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		e.usageError("show", "want the name of one bundled scenario")
		return exitUsage
	}
	src, found := scenarios.Source(pos[0])
	if !found {
		var names []string
		for _, ent := range scenarios.List() {
			names = append(names, ent.Name)
		}
		fmt.Fprintf(e.stderr, "ksim show: no bundled scenario %q; the bundled scenarios are:\n  %s\n",
			pos[0], strings.Join(names, "\n  "))
		return exitUsage
	}
	e.stdout.Write(src)
	return exitOK
}

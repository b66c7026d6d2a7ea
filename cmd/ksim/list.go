package main

import (
	"fmt"
	"sort"
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
	list := append(scenarios.List(), scenarios.Modules()...)
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
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
	if files, texts, ok := scenarios.ModuleFiles(pos[0]); ok {
		// A module folder: each file under a heading, as head(1) prints several.
		for i, f := range files {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			fmt.Fprintf(e.stdout, "==> %s/%s <==\n", pos[0], f)
			e.stdout.Write(texts[i])
		}
		return exitOK
	}
	src, found := scenarios.Source(pos[0])
	if !found {
		var names []string
		for _, ent := range append(scenarios.List(), scenarios.Modules()...) {
			names = append(names, ent.Name)
		}
		fmt.Fprintf(e.stderr, "ksim show: no bundled scenario %q; the bundled scenarios are:\n  %s\n",
			pos[0], strings.Join(names, "\n  "))
		return exitUsage
	}
	e.stdout.Write(src)
	return exitOK
}

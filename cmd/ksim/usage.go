package main

import (
	"flag"
	"fmt"
	"strings"
)

const usageText = `ksim simulates Linux kernel locking. It runs a kernel-C scenario (the code
from an article, a lecture or your driver, pasted as is) under every
interleaving of its tasks, up to equivalence, and reports the deadlocks,
lockups, BUGs and WARNINGs the kernel would print, each with the interleaving
that shows it and a command that replays it.

Usage:
  ksim run [flags] FILE|DIR|NAME...        explore; print each problem's report,
                                           trace and replay command
  ksim check [flags] [FILE|DIR|NAME...]    compare scenarios with their
                                           #pragma ksim expect lines
                                           (default: the whole bundled library)
  ksim replay [flags] FILE|DIR|NAME SCHEDULE
                                           re-run exactly one execution; print
                                           its trace and dmesg
  ksim list                                list the bundled scenarios
  ksim show NAME                           print a bundled scenario's source
  ksim help [COMMAND]                      this text, or a command's flags

A FILE is a path to a .c scenario; a NAME is a bundled scenario (ksim list).
A file wins over a bundled scenario of the same name. A DIR is a module
directory: ksim runs the module its Kbuild file (or Makefile) builds, linking
its .c files as the kernel build does (--module NAME picks one of several);
--link a.c b.c links the files given into one module without a Makefile.

Examples:
  ksim run abba                                 find the ABBA deadlock
  ksim run --all --strategy bounded mydriver.c  every problem, fewest preemptions first
  ksim run --json abba | jq '.problems[0].title'
  ksim check                                    the bundled library against its pragmas
  ksim check exercises/                         every .c file of a folder
  ksim run ~/src/scull                          the module scull's Makefile builds
  ksim run --link start.c stop.c                two files, one module
  ksim replay abba 'ksim1:...'                  the execution a run printed, with dmesg
  ksim show abba > mine.c && ksim run mine.c    edit a copy of a scenario

Exit status:
  0  no problem, and the search was complete (check: all as expected)
  1  a problem was found (check: some scenario not as expected)
  2  bad input or usage: syntax or check errors, an unknown scenario or flag,
     a schedule that does not fit the scenario
  3  no problem found, but a limit stopped the search before it was complete
With several scenarios, the worst status wins: 2, then 1, then 3, then 0.

JSON (--json): one object per scenario, one per line, with scenario, file,
complete, executions, steps, problems (each with kind, title, report, schedule,
replay and trace), verdict, expect (null without an expect pragma) and
as_expected. verdict is the kinds of problem found joined by "+"
("deadlock+warning"); with none, "ok" only when the search is complete, and
"incomplete" when a limit cut it short. as_expected is:
  true   the search is complete and found exactly the expected kinds
  false  it found a kind that expect does not list (any problem, for expect
         ok), which is final even when the search is not complete; or it is
         complete and missed an expected kind
  null   no expect pragma, or the search is not complete and has found
         nothing against it yet
A scenario that cannot run gives {"scenario", "file", "error"}, error being
its "file:line:col: message" lines; the exit status is 2.

Colour appears only on a terminal, and never with --no-color or NO_COLOR set.
Run 'ksim help COMMAND' for a command's flags.
`

// commandUsage is the help of one command: synopsis, what it does, flags.
func commandUsage(cmd string) string {
	c := commands[cmd]
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s\n\n%s\n", c.synopsis, c.about)
	if len(c.flags) > 0 {
		b.WriteString("\nFlags (-x and --x both work; flags may follow the arguments):\n")
		fs := flagSet(cmd, &options{})
		for _, name := range c.flags {
			f := fs.Lookup(name)
			arg, usage := flag.UnquoteUsage(f)
			left := "--" + f.Name
			if arg != "" {
				left += " " + arg
			}
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "0s" {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(&b, "  %-24s %s\n", left, usage)
		}
	}
	b.WriteString("\nRun 'ksim help' for examples and exit codes.\n")
	return b.String()
}

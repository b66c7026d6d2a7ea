package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios"
	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/sched"
)

// Exit codes. Scripts rely on them, so they are part of the interface.
const (
	exitOK         = 0 // no problem, and the search was complete
	exitProblem    = 1 // a problem was found (check: not as expected)
	exitUsage      = 2 // bad input or usage
	exitIncomplete = 3 // no problem found, but a limit stopped the search
)

// worse returns the exit code that matters more when several scenarios run:
// bad input hides every other answer, a problem found matters more than a
// search cut short, and that matters more than a clean pass.
func worse(a, b int) int {
	rank := func(c int) int {
		switch c {
		case exitUsage:
			return 3
		case exitProblem:
			return 2
		case exitIncomplete:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// env is everything a command may touch: the output streams and what is known
// about them. It is built once per call of run, so tests can run in parallel
// and can pretend to be on a terminal.
type env struct {
	stdout, stderr io.Writer
	color          bool // stdout is a terminal and NO_COLOR is not set
	progress       bool // stderr is a terminal: a progress line may be drawn
}

// run is the whole command, minus os.Exit: tests call it directly.
func run(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	return newEnv(stdout, stderr, os.Getenv, isTerminal).main(args)
}

// newEnv decides colour and progress from the streams and the environment;
// getenv and isTTY are parameters so that tests can pretend to be a terminal.
func newEnv(stdout, stderr io.Writer, getenv func(string) string, isTTY func(io.Writer) bool) *env {
	return &env{
		stdout:   stdout,
		stderr:   stderr,
		color:    isTTY(stdout) && getenv("NO_COLOR") == "", // https://no-color.org: any non-empty value
		progress: isTTY(stderr),
	}
}

// isTerminal reports whether w is a character device (a terminal), without
// depending on x/term: a pipe or a file is never one.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (e *env) main(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usageText)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return e.runCmd(rest)
	case "check":
		return e.checkCmd(rest)
	case "replay":
		return e.replayCmd(rest)
	case "list":
		return e.listCmd(rest)
	case "show":
		return e.showCmd(rest)
	case "help", "-h", "-help", "--help":
		return e.helpCmd(rest)
	}
	fmt.Fprintf(e.stderr, "ksim: unknown command %q\n\n%s", cmd, usageText)
	return exitUsage
}

func (e *env) helpCmd(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, usageText)
		return exitOK
	}
	if len(args) > 1 {
		fmt.Fprintf(e.stderr, "ksim help: one command at a time\n\n%s", usageText)
		return exitUsage
	}
	if _, ok := commands[args[0]]; !ok {
		fmt.Fprintf(e.stderr, "ksim help: unknown command %q\n\n%s", args[0], usageText)
		return exitUsage
	}
	fmt.Fprint(e.stdout, commandUsage(args[0]))
	return exitOK
}

// options are the flags of run, check and replay.
type options struct {
	strategy       string
	seed           int64
	depth          int
	cpus           int
	maxExecutions  int
	maxSteps       int
	timeout        time.Duration
	all            bool
	json           bool
	quiet          bool
	noColor        bool
	signals        bool
	memoryPressure bool
	noLockdep      bool
	interrupts     bool
	stats          bool
	link           bool   // --link: the arguments are the files of one module
	module         string // --module NAME: the module of a directory's Kbuild file

	set map[string]bool // the flags given on the command line
}

// command describes a subcommand for its help text and its flag set.
type command struct {
	synopsis string
	about    string
	flags    []string // which of the common flags it takes
}

var commands = map[string]command{
	"run": {
		synopsis: "ksim run [flags] FILE|DIR|NAME...",
		about: `Explore every interleaving of each scenario (up to equivalence) and print,
for each problem found, the kernel's report, the interleaving that shows it
and the command that replays it. By default the search stops at the first
execution that shows a problem; --all collects every distinct problem.
A DIR is a module directory: the module its Kbuild file (or Makefile)
builds, from every object it lists; --module picks one of several.
--link a.c b.c links the files given into one module.`,
		flags: []string{"strategy", "seed", "depth", "cpus", "max-executions", "max-steps", "timeout",
			"all", "json", "quiet", "no-color", "signals", "memory-pressure", "no-lockdep", "stats", "link", "module"},
	},
	"check": {
		synopsis: "ksim check [flags] [FILE|DIR|NAME...]",
		about: `Explore each scenario completely, collecting every kind of problem, and
compare what was found with its #pragma ksim expect line. A DIR with a
Kbuild file or Makefile stands for the modules it builds; one without, for
its .c files, in name order. Without arguments, check the bundled library.`,
		flags: []string{"strategy", "seed", "depth", "cpus", "max-executions", "max-steps", "timeout",
			"all", "json", "quiet", "no-color", "signals", "memory-pressure", "no-lockdep", "stats", "link", "module"},
	},
	"replay": {
		synopsis: "ksim replay [flags] FILE|DIR|NAME SCHEDULE",
		about: `Run exactly the execution that SCHEDULE describes (as printed by ksim run)
and print its problems, its interleaving and the kernel log (dmesg). Give the
same --cpus, --signals, --memory-pressure and --max-steps as the run that
printed the schedule; ksim run prints them as part of the replay command.
--interrupts adds the execution's /proc/interrupts.`,
		flags: []string{"cpus", "max-steps", "no-color", "signals", "memory-pressure", "no-lockdep", "interrupts", "link", "module"},
	},
	"list": {
		synopsis: "ksim list",
		about:    "List the bundled scenarios, each with the first sentence of its comment.",
	},
	"show": {
		synopsis: "ksim show NAME",
		about:    "Print the source of a bundled scenario, to read it or to copy and edit it.",
	},
	"help": {
		synopsis: "ksim help [COMMAND]",
		about:    "Print the usage of ksim, or of one command with its flags.",
	},
}

// flagSet builds the flag set of cmd, bound to o. The flag package accepts
// both -x and --x; errors are printed by the caller, with the usage.
func flagSet(cmd string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("ksim "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, name := range commands[cmd].flags {
		switch name {
		case "strategy":
			fs.StringVar(&o.strategy, name, "dfs", "how to explore, by `NAME`: dfs (every interleaving, up to equivalence), naive, bounded (fewest preemptions first), random, pct")
		case "seed":
			fs.Int64Var(&o.seed, name, 1, "random seed (`N`) for --strategy random and pct")
		case "depth":
			fs.IntVar(&o.depth, name, 3, "bug depth (`N`) for --strategy pct")
		case "cpus":
			fs.IntVar(&o.cpus, name, 0, "simulate `N` CPUs, overriding the scenario's #pragma ksim cpus")
		case "max-executions":
			fs.IntVar(&o.maxExecutions, name, 0, "stop after `N` executions (default: none; 1000 for random and pct)")
		case "max-steps":
			fs.IntVar(&o.maxSteps, name, 0, "count an execution as hung after `N` steps (default 10000)")
		case "timeout":
			fs.DurationVar(&o.timeout, name, 0, "stop exploring after `DURATION` (e.g. 30s, 5m)")
		case "all":
			usage := "collect every distinct problem instead of stopping at the first"
			if cmd == "check" {
				usage = "accepted for symmetry with run: check always collects every problem"
			}
			fs.BoolVar(&o.all, name, false, usage)
		case "json":
			fs.BoolVar(&o.json, name, false, "print one JSON object per scenario, one per line")
		case "quiet":
			fs.BoolVar(&o.quiet, name, false, "print the verdict lines only")
		case "no-color":
			fs.BoolVar(&o.noColor, name, false, "no colour, even on a terminal (so does a non-empty NO_COLOR)")
		case "signals":
			fs.BoolVar(&o.signals, name, false, "let signals interrupt interruptible and killable sleeps (timeouts may always expire)")
		case "memory-pressure":
			fs.BoolVar(&o.memoryPressure, name, false, "let allocations sleep in reclaim or fail, as #pragma ksim memory pressure does")
		case "no-lockdep":
			fs.BoolVar(&o.noLockdep, name, false, "turn the lock validator off, as #pragma ksim lockdep off does")
		case "interrupts":
			fs.BoolVar(&o.interrupts, name, false, "print /proc/interrupts at the end of the execution")
		case "stats":
			fs.BoolVar(&o.stats, name, false, "print executions, steps and time taken on standard error")
		case "link":
			fs.BoolVar(&o.link, name, false, "link the .c files given into one module, as a Kbuild file listing them would")
		case "module":
			fs.StringVar(&o.module, name, "", "run the module `NAME` of a directory whose Kbuild file or Makefile builds several")
		}
	}
	return fs
}

// parse parses args for cmd, accepting flags before, between and after the
// positional arguments (`ksim run abba --all`); "--" ends the flags. It returns
// the positional arguments, or false after printing the error and the usage
// (or, for -h, the usage alone) and setting *code.
func (e *env) parse(cmd string, args []string, code *int) (*options, []string, bool) {
	o := &options{}
	fs := flagSet(cmd, o)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, commandUsage(cmd))
				*code = exitOK
				return nil, nil, false
			}
			e.usageError(cmd, err.Error())
			*code = exitUsage
			return nil, nil, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if msg := o.validate(); msg != "" {
		e.usageError(cmd, msg)
		*code = exitUsage
		return nil, nil, false
	}
	return o, pos, true
}

func (e *env) usageError(cmd, msg string) {
	fmt.Fprintf(e.stderr, "ksim %s: %s\n\n%s", cmd, msg, commandUsage(cmd))
}

func (o *options) validate() string {
	if o.set["strategy"] {
		st, err := sched.ParseStrategy(o.strategy)
		if err != nil {
			return fmt.Sprintf("--strategy %q: want dfs, naive, bounded, random or pct", o.strategy)
		}
		if st == sched.Replay {
			return "--strategy replay: use ksim replay FILE|NAME SCHEDULE"
		}
	}
	switch {
	case o.set["cpus"] && (o.cpus < 1 || o.cpus > scenarios.MaxCPUs):
		return fmt.Sprintf("--cpus %d: want 1 to %d", o.cpus, scenarios.MaxCPUs)
	case o.set["depth"] && o.depth < 1:
		return fmt.Sprintf("--depth %d: want at least 1", o.depth)
	case o.set["max-executions"] && o.maxExecutions < 1:
		return fmt.Sprintf("--max-executions %d: want at least 1", o.maxExecutions)
	case o.set["max-steps"] && o.maxSteps < 1:
		return fmt.Sprintf("--max-steps %d: want at least 1", o.maxSteps)
	case o.set["timeout"] && o.timeout <= 0:
		return fmt.Sprintf("--timeout %s: want a positive duration such as 30s", o.timeout)
	}
	return ""
}

// schedOptions turns the flags into exploration options; stopAtFirst is the
// command's default, which --all turns off.
func (o *options) schedOptions(stopAtFirst bool) sched.Options {
	st, _ := sched.ParseStrategy(o.strategy) // validated
	return sched.Options{
		Strategy:      st,
		Seed:          o.seed,
		Depth:         o.depth,
		MaxExecutions: o.maxExecutions,
		MaxSteps:      o.maxSteps,
		Timeout:       o.timeout,
		StopAtFirst:   stopAtFirst && !o.all,
	}
}

// kernelConfig is the scenario's kernel with the flags that change the
// program applied on top.
func (o *options) kernelConfig(s *scenarios.Scenario) ksync.Config {
	cfg := s.KernelConfig()
	if o.set["cpus"] {
		cfg.CPUs = o.cpus
	}
	if o.signals {
		cfg.Signals = true
	}
	if o.memoryPressure {
		cfg.MemoryPressure = true
	}
	if o.noLockdep {
		cfg.NoLockdep = true
	}
	return cfg
}

// replayFlags are the flags a replay needs to run the same program as the
// exploration that found the schedule.
func (o *options) replayFlags() string {
	var b strings.Builder
	if o.set["cpus"] {
		fmt.Fprintf(&b, " --cpus %d", o.cpus)
	}
	if o.signals {
		b.WriteString(" --signals")
	}
	if o.memoryPressure {
		b.WriteString(" --memory-pressure")
	}
	if o.noLockdep {
		b.WriteString(" --no-lockdep")
	}
	if o.set["max-steps"] {
		fmt.Fprintf(&b, " --max-steps %d", o.maxSteps)
	}
	return b.String()
}

// colorOn reports whether this command's standard output gets colour.
func (e *env) colorOn(o *options) bool { return e.color && !o.noColor }

// loaded is a scenario ready to run, with the argument that named it.
type loaded struct {
	arg  string   // as the user typed it: printed replay commands must work as printed
	args []string // a module's: how a command line names it again ("--link a.c b.c")
	file string   // the name used in positions ("abba.c" or the path)
	s    *scenarios.Scenario
}

// load resolves, parses, checks and vets arg, and checks it against the flags
// that change the program (--cpus); on failure it prints every error (the whole
// list, so a pasted listing is fixed in one round) and returns nil with the
// messages, one "file:line:col: message" each.
func (e *env) load(t target, o *options) (*loaded, []string) {
	if t.mod != nil {
		return e.loadModule(t, o)
	}
	arg := t.file
	file, src, err := scenarios.Resolve(arg)
	if err != nil {
		return nil, e.printError(err)
	}
	// A file of the user's may include headers of its own (#include "chardev.h"),
	// read from its directory; a bundled scenario has none.
	var dir fs.FS
	if st, serr := os.Stat(file); serr == nil && !st.IsDir() {
		dir = os.DirFS(filepath.Dir(file))
	}
	s, err := scenarios.LoadDir(file, src, dir)
	if err == nil && o.set["cpus"] {
		err = s.CheckCPUs(o.cpus, fmt.Sprintf("--cpus %d", o.cpus))
	}
	if err != nil {
		return nil, e.printError(err)
	}
	return &loaded{arg: arg, file: file, s: s}, nil
}

// printError prints an error list one "file:line:col: message" per line, as
// compilers do, and any other error after "ksim: ". It returns the messages.
func (e *env) printError(err error) []string {
	var list cfront.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		fmt.Fprint(e.stderr, list.Detail())
		msgs := make([]string, len(list))
		for i, m := range list {
			msgs[i] = m.Error()
		}
		return msgs
	}
	fmt.Fprintf(e.stderr, "ksim: %v\n", err)
	return []string{err.Error()}
}

// explore runs one exploration with the progress line (on a terminal, once it
// takes over a second) and the --stats line, both on standard error so that
// standard output stays deterministic.
func (e *env) explore(label string, l *loaded, o *options, opts sched.Options) *sched.Result {
	var p *progress
	if e.progress {
		p = &progress{w: e.stderr, name: label}
		opts.Progress = p.update
	}
	res := l.s.Explore(o.kernelConfig(l.s), opts)
	shown := p != nil && p.done()
	if o.stats || shown {
		st := res.Stats
		fmt.Fprintf(e.stderr, "%s: explored %d executions, %d steps in %s\n",
			label, st.Executions, st.Steps, st.Elapsed.Round(time.Millisecond))
	}
	return res
}

// progress draws "exploring NAME: N executions, T s..." on a terminal, over
// itself, once exploring has taken a second: shorter runs would only flicker.
type progress struct {
	w     io.Writer
	name  string
	drawn bool
}

func (p *progress) update(st sched.Stats) {
	if st.Elapsed < time.Second {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[Kexploring %s: %d executions, %d s...", p.name, st.Executions, int(st.Elapsed/time.Second))
	p.drawn = true
}

// done erases the progress line and reports whether one was drawn.
func (p *progress) done() bool {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	return p.drawn
}

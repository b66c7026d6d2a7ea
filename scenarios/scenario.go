package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/scenarios/interp"
	"github.com/ksim-dev/ksim/scenarios/kapi"
	"github.com/ksim-dev/ksim/sched"
)

// IRQConfig is the `#pragma ksim irq N ...` configuration of one interrupt
// line, for the interrupt model.
type IRQConfig struct {
	Times int // `irq N times K`: how often it may fire; 0 when not given
	CPU   int // `irq N cpu C`: the CPU it is delivered to; -1 when not given
}

// Config is what the `#pragma ksim` lines say.
type Config struct {
	CPUs           int      // `cpus N` (1..64); 2 when absent
	Threads        []string // `threads f g f`: functions started as tasks (may repeat)
	MemoryPressure bool     // `memory pressure`
	Expect         []string // `expect ok` or some of deadlock lockup bug warning hang; nil when absent
	NoLockdep      bool     // `lockdep off`
	IRQ            map[int]IRQConfig
	LoopBound      int            // `loop bound N`: ksync.Config.LoopBound (0: its default)
	ArmBound       int            // `arm bound N`: ksync.Config.ArmBound (0: its default)
	Processes      []kapi.Process // `process COMM [PATH] CALL...` (fops): nil for the default ones
	// Pos records where each directive was written, keyed "cpus",
	// "threads", "memory pressure", "expect", "lockdep off"; for interrupt
	// line N, "irq N times" and "irq N cpu", and "irq N" for the first
	// directive about it.
	Pos map[string]cfront.Pos
}

// DefaultCPUs is the CPU count of a scenario without `#pragma ksim cpus`.
const DefaultCPUs = 2

// ExpectKinds are the words `#pragma ksim expect` accepts.
var ExpectKinds = []string{"ok", "deadlock", "lockup", "bug", "warning", "hang"}

// Scenario is a loaded, checked scenario: a kernel-C file through the front end
// (cfront: preprocessor, parser, type checker over ksim's kernel headers) and
// compiled for the interpreter.
type Scenario struct {
	Name string // the file base without .c: "abba"; a module's name ("startstop")
	// File is the name positions use ("abba.c", or the path as given); of a
	// module of several files, the file that holds the `#pragma ksim` lines (or
	// its first), whose Source and Unit these are too.
	File   string
	Source []byte
	Config Config
	Unit   *cfront.Unit
	Prog   *interp.Program

	// Init and Exit are the module_init / module_exit functions, "" if none.
	Init, Exit string
	// Threads are the functions that start as tasks when there is no
	// module_init: the `threads` pragma list, or else every function of the
	// file that no other code names and that can be a thread entry ((void), ()
	// or one pointer parameter), in source order. With module_init it is nil:
	// module_init starts the tasks.
	Threads []string

	// units are the translation units: one, or a module's files (LoadModule);
	// module is the module of several files, nil for one file.
	units  []*cfront.Unit
	module *Module
}

// Files are the C files of the scenario, as positions name them: its file, or a
// module's files in link order.
func (s *Scenario) Files() []string {
	var out []string
	for _, u := range s.units {
		out = append(out, u.Name)
	}
	return out
}

// Load loads a scenario file. name is used in positions ("abba.c:3:5") and,
// without directory and .c suffix, as Scenario.Name. On failure it returns a nil
// Scenario and a cfront.ErrorList holding every error of the file.
func Load(name string, src []byte) (*Scenario, error) { return LoadDir(name, src, nil) }

// LoadDir is Load for a file whose own headers (#include "x.h") are in dir.
func LoadDir(name string, src []byte, dir fs.FS) (*Scenario, error) {
	u, err := cfront.Parse(name, src, cfront.Options{
		Headers:  kapi.Headers(),
		Dir:      dir,
		Modelled: func(n string) bool { return kapi.Lookup(n) != nil },
	})
	if err != nil {
		return nil, err
	}
	s := &Scenario{Name: scenarioName(name), File: name, Source: src, Unit: u, units: []*cfront.Unit{u}}
	var list cfront.ErrorList
	s.pragmas(&list)
	prog, err := interp.Compile(u.AST, interp.Options{
		Lookup: kapi.Lookup,
		Files:  func(f string) bool { return f == name },
		// Traces and reports name the file as the scenario, with .c, whatever
		// path or name it was loaded under ("abba.c:20").
		FileName: func(f string) string {
			if f == name {
				return s.Name + ".c"
			}
			return path.Base(f)
		},
	})
	if err != nil {
		var il interp.ErrorList
		if !errors.As(err, &il) {
			return nil, err
		}
		for _, e := range il {
			list.Add(e.File, cfront.Pos{Line: e.Line, Col: e.Col}, e.Msg)
		}
		list.Sort()
		return nil, list
	}
	s.Prog = prog
	s.modules(&list)
	s.threads(&list)
	s.processesCheck(&list) // fops (pragma.go)
	list.Sort()
	if err := list.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func scenarioName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	return strings.TrimSuffix(path.Base(name), ".c")
}

// func returns the file's function called name, nil if none.
func (s *Scenario) fn(name string) *interp.FuncInfo {
	return s.fnIn(name, "")
}

// fnIn returns the function called name defined in file, or else the one whose
// link name is name (with several files, a static function another file names
// too is "name@file.c"), nil if none.
func (s *Scenario) fnIn(name, file string) *interp.FuncInfo {
	for _, f := range s.Prog.Funcs() {
		if f.Name == name && f.File == file {
			return f
		}
	}
	for _, f := range s.Prog.Funcs() {
		if f.Key == name {
			return f
		}
	}
	return nil
}

// modules finds module_init and module_exit: the headers make each a global,
// __ksim_module_init / __ksim_module_exit, initialised to the function's address.
// Without them, a function init_module (cleanup_module) defined directly is the
// entry point, the old style (LKMPG's hello-1.c, start.c and stop.c): the
// kernel's module_init(fn) defines init_module as an alias of fn
// (include/linux/module.h), so two module_init, or module_init and a function
// init_module, define init_module twice.
func (s *Scenario) modules(list *cfront.ErrorList) {
	for _, d := range []struct {
		global, old string
		dst         *string
	}{{"__ksim_module_init", "init_module", &s.Init}, {"__ksim_module_exit", "cleanup_module", &s.Exit}} {
		macro := strings.TrimPrefix(d.global, "__ksim_")
		type use struct {
			name, file string
			pos        cfront.Pos
		}
		var uses []use
		for _, u := range s.units {
			if name, pos, ok := initialFunc(u.AST, d.global, u.Name); ok {
				uses = append(uses, use{name, u.Name, pos})
			}
		}
		var old *interp.FuncInfo
		for _, f := range s.Prog.Funcs() {
			if f.Name == d.old && f.Key == d.old {
				old = f
			}
		}
		if len(uses) > 1 {
			list.Add(uses[1].file, uses[1].pos, fmt.Sprintf("multiple definition of `%s' (%s defines it); %s:%d:%d: first defined here",
				d.old, macro, uses[0].file, uses[0].pos.Line, uses[0].pos.Col))
			continue
		}
		if len(uses) == 1 && old != nil && uses[0].name != d.old {
			list.Add(uses[0].file, uses[0].pos, fmt.Sprintf("%s(%s) defines %s, which %s:%d:%d defines too",
				macro, uses[0].name, d.old, old.File, old.Line, old.Col))
			continue
		}
		f, file, pos, name := old, "", cfront.Pos{}, d.old
		if len(uses) == 1 {
			file, pos, name = uses[0].file, uses[0].pos, uses[0].name
			f = s.fnIn(name, file)
		} else if old != nil {
			file, pos = old.File, cfront.Pos{Line: old.Line, Col: old.Col}
		} else {
			continue
		}
		switch {
		case f == nil:
			list.Add(file, pos, fmt.Sprintf("%s(%s): %s is not a function defined in this file", macro, name, name))
		case f.Params != 0:
			list.Add(file, pos, fmt.Sprintf("%s function %s must take no parameters: %s", macro, name,
				map[bool]string{true: "static int __init " + name + "(void)", false: "static void __exit " + name + "(void)"}[macro == "module_init"]))
		default:
			*d.dst = f.Key
		}
	}
}

// initialFunc finds the file-scope variable global defined in file and the
// function its initialiser names: module_init(fn) expands to one.
func initialFunc(ast *cc.AST, global, file string) (name string, pos cfront.Pos, ok bool) {
	for l := ast.TranslationUnit; l != nil; l = l.TranslationUnit {
		ed := l.ExternalDeclaration
		if ed == nil || ed.Declaration == nil || ed.Position().Filename != file {
			continue
		}
		for il := ed.Declaration.InitDeclaratorList; il != nil; il = il.InitDeclaratorList {
			id := il.InitDeclarator
			if id == nil || id.Declarator == nil || id.Declarator.Name() != global || id.Initializer == nil {
				continue
			}
			p := ed.Position()
			for _, t := range cc.NodeTokens(id.Initializer) {
				if t.Ch == rune(cc.IDENTIFIER) {
					name = t.SrcStr()
				}
			}
			return name, cfront.Pos{Line: p.Line, Col: p.Column}, name != ""
		}
	}
	return "", cfront.Pos{}, false
}

// threads decides which functions start as tasks, and validates the threads
// pragma.
func (s *Scenario) threads(list *cfront.ErrorList) {
	cfg := &s.Config
	if pos, ok := cfg.Pos["threads"]; ok {
		if s.Init != "" {
			list.Add(s.File, pos, "#pragma ksim threads cannot be combined with module_init (module_init starts the threads)")
			return
		}
		for _, name := range cfg.Threads {
			f := s.fn(name)
			if f == nil {
				list.Add(s.File, pos, fmt.Sprintf("#pragma ksim threads: %s is not a function defined in this file", name))
				continue
			}
			if !threadShape(f) {
				list.Add(s.File, pos, fmt.Sprintf("#pragma ksim threads: %s cannot start as a thread: a thread function takes (void) or one pointer: int fn(void *data)", name))
			}
		}
		s.Threads = nil
		for _, name := range cfg.Threads {
			if f := s.fn(name); f != nil {
				name = f.Key
			}
			s.Threads = append(s.Threads, name)
		}
		if n := len(s.Threads); n > s.maxThreads() {
			list.Add(s.File, pos, fmt.Sprintf("#pragma ksim threads starts %d tasks, but a scenario can run at most %d%s", n, s.maxThreads(), s.rmmodNote()))
		}
		return
	}
	if s.Init != "" {
		return
	}
	for _, f := range s.Prog.Funcs() {
		if f.Key != s.Exit && threadShape(f) && !f.Referenced {
			s.Threads = append(s.Threads, f.Key)
		}
	}
	switch n := len(s.Threads); {
	case n > s.maxThreads():
		list.Add(s.File, cfront.Pos{Line: 1, Col: 1}, fmt.Sprintf("%d functions could start as threads, but a scenario can run at most %d tasks%s (choose some with #pragma ksim threads)", n, s.maxThreads(), s.rmmodNote()))
	case n == 0 && len(*list) == 0:
		list.Add(s.File, cfront.Pos{Line: 1, Col: 1}, "nothing to run: no module_init, no #pragma ksim threads, and no function that could start as a thread")
	}
}

// threadShape: a thread entry takes (void), () or one pointer.
func threadShape(f *interp.FuncInfo) bool {
	return f.Params == 0 || f.Params == 1 && f.PointerParam
}

// maxThreads is how many tasks the scenario may start without module_init: the
// engine runs at most sched.MaxThreads, and module_exit's rmmod is one of them.
func (s *Scenario) maxThreads() int {
	if s.Exit != "" {
		return sched.MaxThreads - 1
	}
	return sched.MaxThreads
}

func (s *Scenario) rmmodNote() string {
	if s.Exit != "" {
		return " besides module_exit's rmmod"
	}
	return ""
}

// ModuleName is the name the kernel gives the module built from the scenario: its
// file's base name, with '-' as '_' (scripts/Makefile.lib's modname, KBUILD_MODNAME).
func (s *Scenario) ModuleName() string { return strings.ReplaceAll(s.Name, "-", "_") }

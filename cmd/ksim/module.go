package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ksim-dev/ksim/scenarios"
)

// target is one scenario a command runs: a file, a bundled scenario, or a module
// of several files (a directory's Kbuild module, a bundled module folder, or the
// files of --link).
type target struct {
	label string   // how the output names it: the argument, or "DIR --module NAME"
	args  []string // how a command line names it again (a replay command)
	file  string   // a file or bundled scenario: the argument as given
	// mod loads a module's description and the build file's warnings; nil for a
	// file.
	mod func() (*scenarios.Module, []string, error)
}

// targets turns the positional arguments into scenarios: with --link, all of them
// are the files of one module; a directory with a Kbuild file or Makefile is its
// modules (--module picks one); a directory without one is, for check, its .c
// files; a bundled module folder's name is that module; anything else is a file
// or a bundled scenario. It prints what is wrong and reports false then.
func (e *env) targets(cmd string, names []string, o *options) ([]target, bool) {
	if o.link {
		if o.module != "" {
			e.usageError(cmd, "--module picks a module of a directory's Kbuild file; --link names the files of one module: not both")
			return nil, false
		}
		files := append([]string(nil), names...)
		for _, f := range files {
			if fi, err := os.Stat(f); err != nil || fi.IsDir() {
				if err == nil {
					err = fmt.Errorf("%s is a directory; --link wants the module's .c files", f)
				}
				fmt.Fprintf(e.stderr, "ksim: %v\n", err)
				return nil, false
			}
		}
		return []target{{
			label: strings.Join(files, " "),
			args:  append([]string{"--link"}, files...),
			mod: func() (*scenarios.Module, []string, error) {
				return scenarios.LinkFiles(files, func(dir string) fs.FS {
					if f, err := scenarios.DirFS(dir); err == nil {
						return f
					}
					return os.DirFS(dir)
				}), nil, nil
			},
		}}, true
	}
	var out []target
	ok := true
	matched := o.module == ""
	for _, arg := range names {
		fi, err := os.Stat(arg)
		switch {
		case err == nil && fi.IsDir():
			kf, mods, err := scenarios.ModulesIn(arg)
			if err != nil {
				if cmd == "check" && !hasBuildFile(arg) {
					files, bad := e.expandDirs([]string{arg})
					ok = ok && !bad
					for _, f := range files {
						out = append(out, target{label: f, args: []string{f}, file: f})
					}
					continue
				}
				e.printError(err)
				ok = false
				continue
			}
			for _, m := range mods {
				if o.module != "" && m.Name != o.module {
					continue
				}
				matched = true
				t := target{label: arg, args: []string{arg}}
				if len(mods) > 1 || o.module != "" {
					t.label = arg + " --module " + m.Name
					t.args = []string{"--module", m.Name, arg}
				}
				m := m
				t.mod = func() (*scenarios.Module, []string, error) { return m, kf.Warnings, nil }
				out = append(out, t)
			}
			if o.module != "" && !matched {
				var have []string
				for _, m := range mods {
					have = append(have, m.Name)
				}
				fmt.Fprintf(e.stderr, "ksim: %s builds no module %q (obj-m names %s)\n", kf.Name, o.module, strings.Join(have, ", "))
				return nil, false
			}
		case err != nil && isBundledModule(arg):
			name := arg
			out = append(out, target{label: arg, args: []string{arg},
				mod: func() (*scenarios.Module, []string, error) { return scenarios.BundledModule(name) }})
		default:
			out = append(out, target{label: arg, args: []string{arg}, file: arg})
		}
	}
	if o.module != "" && !matched {
		e.usageError(cmd, "--module "+o.module+": no directory with a Kbuild file or Makefile among the arguments")
		return nil, false
	}
	return out, ok
}

// hasBuildFile reports whether dir has a Kbuild file or a Makefile.
func hasBuildFile(dir string) bool {
	for _, n := range []string{"Kbuild", "Makefile", "makefile", "GNUmakefile"} {
		if fi, err := os.Stat(filepath.Join(dir, n)); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

func isBundledModule(name string) bool {
	m, _, err := scenarios.BundledModule(name)
	return m != nil || err != nil
}

// loadModule loads a module target: its build file's warnings on standard error,
// then its files, linked.
func (e *env) loadModule(t target, o *options) (*loaded, []string) {
	m, warns, err := t.mod()
	for _, w := range warns {
		fmt.Fprintf(e.stderr, "ksim: %s\n", w)
	}
	if err != nil {
		return nil, e.printError(err)
	}
	s, err := scenarios.LoadModule(m)
	if err == nil && o.set["cpus"] {
		err = s.CheckCPUs(o.cpus, fmt.Sprintf("--cpus %d", o.cpus))
	}
	if err != nil {
		return nil, e.printError(err)
	}
	file := t.label
	if len(t.args) > 0 && t.args[0] != "--link" {
		file = t.args[len(t.args)-1]
	}
	return &loaded{arg: t.label, args: t.args, file: file, s: s}, nil
}

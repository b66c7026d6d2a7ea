package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"

	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/scenarios/interp"
	"github.com/ksim-dev/ksim/scenarios/kapi"
	"github.com/ksim-dev/ksim/scenarios/kbuild"
)

// Module describes a module of several C files, linked as the kernel build links
// them: a Kbuild module (ModuleOf) or `ksim run --link a.c b.c` (LinkFiles).
type Module struct {
	Name string // the module's name: KBUILD_MODNAME, and the scenario's name
	// Sources are the C files in link order, each named as positions name it
	// ("mod/start.c"); Mounts say where each may be read.
	Sources []string
	// Mounts are the directories anything is read from: the module's tree and
	// its declared include directories. Nothing outside them is read.
	Mounts   []cfront.Mount
	Includes []string // -I directories, named as Sources are ("mod/include")
	Defines  []string // -D flags
	// Short is how traces and reports print a file ("start.c"): its path inside
	// the module directory.
	Short func(file string) string
}

// ModuleOf is the Module that the build file of a module directory describes
// (buildFile names it in errors): dir is how positions name the directory ("corpus/startstop", or "" for none),
// fsys reads it, and outside reads a declared include directory outside the tree
// (relative to it: "../include"); nil refuses them.
func ModuleOf(buildFile, dir string, fsys fs.FS, m kbuild.Module, outside func(rel string) (fs.FS, error)) (*Module, error) {
	join := func(rel string) string {
		if dir == "" {
			return rel
		}
		return filepath.Join(dir, filepath.FromSlash(rel))
	}
	root := dir
	if root == "" {
		root = "."
	}
	mod := &Module{Name: m.Name, Mounts: []cfront.Mount{{Dir: root, FS: fsys}}, Defines: m.Defines,
		Short: func(f string) string {
			if r, err := filepath.Rel(root, f); err == nil {
				return filepath.ToSlash(r)
			}
			return path.Base(filepath.ToSlash(f))
		}}
	for _, s := range m.Sources {
		mod.Sources = append(mod.Sources, join(s.Path))
	}
	var list cfront.ErrorList
	for _, inc := range m.Includes {
		name := join(inc)
		if inc == "." || fs.ValidPath(inc) {
			mod.Includes = append(mod.Includes, name)
			continue
		}
		if outside == nil {
			list.Add(buildFile, m.Pos, fmt.Sprintf("-I%s: outside the module's directory, and nothing may be read there", inc))
			continue
		}
		f, err := outside(inc)
		if err != nil {
			list.Add(buildFile, m.Pos, fmt.Sprintf("-I%s: %v", inc, err))
			continue
		}
		mod.Includes = append(mod.Includes, name)
		mod.Mounts = append(mod.Mounts, cfront.Mount{Dir: name, FS: f})
	}
	return mod, list.Err()
}

// LinkFiles is the Module of `ksim run --link a.c b.c`: the files as given, named
// after the first file; each file's directory is where its own headers are read.
func LinkFiles(files []string, open func(dir string) fs.FS) *Module {
	mod := &Module{Name: scenarioName(files[0]), Sources: files, Short: func(f string) string { return path.Base(filepath.ToSlash(f)) }}
	seen := map[string]bool{}
	for _, f := range files {
		d := filepath.Dir(f)
		if !seen[d] {
			seen[d] = true
			mod.Mounts = append(mod.Mounts, cfront.Mount{Dir: d, FS: open(d)})
		}
	}
	return mod
}

// read reads a file of the module through its mounts.
func (m *Module) read(name string) ([]byte, error) {
	var dir fs.FS
	root := ""
	for _, mt := range m.Mounts {
		if r, err := filepath.Rel(mt.Dir, name); err == nil && fs.ValidPath(filepath.ToSlash(r)) && (dir == nil || len(mt.Dir) > len(root)) {
			dir, root = mt.FS, mt.Dir
		}
	}
	if dir == nil {
		return nil, fmt.Errorf("%s is outside the module's directory", name)
	}
	rel, _ := filepath.Rel(root, name)
	f, err := dir.Open(filepath.ToSlash(rel))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, cfront.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > cfront.MaxFileSize {
		return nil, tooLarge(name)
	}
	return b, nil
}

// LoadModule loads a module of several files: each file is a translation unit of
// its own, as the compiler sees it (its own static names, its own macros), and the
// units are linked as the kernel's build links them. A name with external linkage
// defined in two files, or used and defined in none (and not the kernel's), is an
// error as the linker and modpost report it. module_init and module_exit may be in
// any file; a module may define init_module and cleanup_module itself instead
// (the old style, LKMPG's start.c and stop.c). The `#pragma ksim` lines must all
// be in one file. The error is a cfront.ErrorList of every file's errors.
func LoadModule(m *Module) (*Scenario, error) {
	if len(m.Sources) == 0 {
		return nil, cfront.ErrorList{{Msg: "module " + m.Name + " has no source file"}}
	}
	s := &Scenario{Name: m.Name, module: m}
	var list cfront.ErrorList
	var units []*cfront.Unit
	var srcs [][]byte
	headers := kapi.Headers() // built once: it is the whole kernel API's text
	for _, name := range m.Sources {
		src, err := m.read(name)
		if err != nil {
			var l cfront.ErrorList
			if errors.As(err, &l) {
				list = append(list, l...)
			} else {
				list.Add(name, cfront.Pos{}, err.Error())
			}
			continue
		}
		u, err := cfront.Parse(name, src, cfront.Options{
			Headers:     headers,
			Mounts:      m.Mounts,
			IncludeDirs: m.Includes,
			Defines:     m.Defines,
			ModName:     m.Name,
			Linked:      true,
			Modelled:    func(n string) bool { return kapi.Lookup(n) != nil },
		})
		if err != nil {
			var l cfront.ErrorList
			if !errors.As(err, &l) {
				return nil, err
			}
			list = append(list, l...)
			continue
		}
		units = append(units, u)
		srcs = append(srcs, src)
	}
	if len(list) != 0 {
		implicit(list, externals(units, headers))
		list.Sort()
		return nil, list
	}
	s.units = units
	s.resolve(&list, headers)
	if len(list) != 0 {
		// The link failed: nothing to run.
		list.Sort()
		return nil, list
	}
	// The pragmas: all in one file, which names the scenario's positions.
	s.Unit, s.File, s.Source = units[0], units[0].Name, srcs[0]
	first := -1
	for i, u := range units {
		if len(u.Pragmas) == 0 {
			continue
		}
		if first >= 0 {
			list.Add(u.Name, u.Pragmas[0].Pos, fmt.Sprintf("#pragma ksim lines of a module go in one of its files; this module has them in %s already", units[first].Name))
			continue
		}
		first = i
		s.Unit, s.File, s.Source = u, u.Name, srcs[i]
	}
	s.pragmas(&list)
	lu := make([]interp.Unit, len(units))
	isSource := map[string]bool{}
	for i, u := range units {
		lu[i] = interp.Unit{File: u.Name, AST: u.AST}
		isSource[u.Name] = true
	}
	prog, err := interp.Link(lu, interp.Options{
		Lookup:   kapi.Lookup,
		Files:    func(f string) bool { return isSource[f] },
		Shared:   func(f string) bool { return cfront.Shared(f, headers) },
		FileName: m.Short,
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
	list.Sort()
	if err := list.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// resolve is the link's check of the names each file uses but does not define:
// another file defines it with external linkage, or the kernel API provides it;
// else modpost's "undefined!" at the first use, or, for the kernel's own
// declarations, ksim's `not modelled`.
func (s *Scenario) resolve(list *cfront.ErrorList, headers map[string]string) {
	external := externals(s.units, headers)
	reported := map[string]bool{}
	for _, u := range s.units {
		for _, r := range u.Undefined {
			if _, ok := external[r.Name]; ok || kapi.Lookup(r.Name) != nil || r.Name == "jiffies" || reported[r.Name] {
				continue
			}
			reported[r.Name] = true
			switch {
			case r.Kernel && r.Func:
				list.Add(r.File, r.Pos, "not modelled: "+r.Name+" (declared but defined nowhere, and not a kernel API ksim implements)")
			case r.Kernel:
				list.Add(r.File, r.Pos, "not modelled: "+r.Name+" (declared extern but defined nowhere, and not a kernel variable ksim provides)")
			default:
				// scripts/mod/modpost.c: check_exports, "\"%s\" [%s.ko] undefined!".
				list.Add(r.File, r.Pos, fmt.Sprintf("undefined reference to `%s' (declared at %s:%d:%d); no file of module %s defines it: ERROR: modpost: \"%s\" [%s.ko] undefined!",
					r.Name, r.DeclFile, r.DeclPos.Line, r.DeclPos.Col, s.Name, r.Name, s.ModuleName()))
			}
		}
	}
}

// place is where something is defined.
type place struct {
	file string
	pos  cfront.Pos
}

// externals are the names with external linkage the units' own code defines
// (functions, and objects not only declared extern), with where.
func externals(units []*cfront.Unit, headers map[string]string) map[string]place {
	external := map[string]place{}
	for _, u := range units {
		for l := u.AST.TranslationUnit; l != nil; l = l.TranslationUnit {
			ed := l.ExternalDeclaration
			if ed == nil || cfront.Shared(ed.Position().Filename, headers) {
				continue
			}
			def := func(d *cc.Declarator) {
				if d == nil || d.Linkage() != cc.External {
					return
				}
				if _, ok := external[d.Name()]; !ok {
					p := d.Position()
					external[d.Name()] = place{p.Filename, cfront.Pos{Line: p.Line, Col: p.Column}}
				}
			}
			switch {
			case ed.FunctionDefinition != nil:
				def(ed.FunctionDefinition.Declarator)
			case ed.Declaration != nil:
				for il := ed.Declaration.InitDeclaratorList; il != nil; il = il.InitDeclaratorList {
					id := il.InitDeclarator
					if id == nil || id.Declarator == nil || id.Declarator.IsTypename() || id.Declarator.Type().Kind() == cc.Function {
						continue
					}
					if !id.Declarator.IsExtern() || id.Initializer != nil {
						def(id.Declarator)
					}
				}
			}
		}
	}
	return external
}

// reNoDecl is the front end's error for a name nothing declares.
var reNoDecl = regexp.MustCompile(`^not modelled: ([A-Za-z_][A-Za-z0-9_]*) \(no kernel header ksim has declares it\)$`)

// implicit rewrites the error of a call of a function nothing declares when
// another file of the module defines it: C's error (the kernel builds with
// -Werror=implicit-function-declaration), with where the definition is.
func implicit(list cfront.ErrorList, external map[string]place) {
	for _, e := range list {
		m := reNoDecl.FindStringSubmatch(e.Msg)
		if m == nil {
			continue
		}
		if p, ok := external[m[1]]; ok {
			e.Msg = fmt.Sprintf("implicit declaration of function '%s' [-Werror=implicit-function-declaration]: %s:%d:%d defines it; declare it in a header both files include", m[1], p.file, p.pos.Line, p.pos.Col)
		}
	}
}

// ModulesIn reads the build file (Kbuild, else Makefile) of the module directory
// dir, a path of the host, and returns its modules ready for LoadModule, with the
// file's warnings. A declared include directory outside dir (LDD3's
// -I$(PWD)/../include) is read; nothing else outside dir is.
func ModulesIn(dir string) (*kbuild.File, []*Module, error) {
	fsys, err := DirFS(dir)
	if err != nil {
		return nil, nil, err
	}
	base := kbuild.Find(fsys)
	if base == "" {
		return nil, nil, fmt.Errorf("%s has no Kbuild file and no Makefile: name its .c files with --link", dir)
	}
	kf, err := kbuild.Read(fsys, base, filepath.Join(dir, base))
	if err != nil {
		return nil, nil, err
	}
	var mods []*Module
	var list cfront.ErrorList
	for _, km := range kf.Modules {
		m, err := ModuleOf(kf.Name, dir, fsys, km, func(rel string) (fs.FS, error) {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			fi, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !fi.IsDir() {
				return nil, fmt.Errorf("%s is not a directory", p)
			}
			return DirFS(p)
		})
		if err != nil {
			var l cfront.ErrorList
			if errors.As(err, &l) {
				list = append(list, l...)
				continue
			}
			return nil, nil, err
		}
		mods = append(mods, m)
	}
	if err := list.Err(); err != nil {
		return nil, nil, err
	}
	return kf, mods, nil
}

// DirFS reads the directory dir of the host and nothing outside it: a symbolic
// link that leads out of it is not followed (os.Root).
func DirFS(dir string) (fs.FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return r.FS(), nil
}

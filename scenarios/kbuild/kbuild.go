// Package kbuild reads the Kbuild file or Makefile of an out-of-tree kernel
// module the way ksim needs it: which modules obj-m names, the objects each is
// linked from (<name>-objs, <name>-y), and the -I and -D flags of ccflags-y and
// EXTRA_CFLAGS. Nothing in the file is ever executed: make's variables are
// expanded as far as they can be without a shell or a kernel tree, taking the
// branch a kernel build takes (`ifneq ($(KERNELRELEASE),)` is true), and what
// cannot be resolved is skipped with a warning.
package kbuild

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/ksim-dev/ksim/scenarios/cfront"
)

// Module is one module of obj-m.
type Module struct {
	Name     string     // "startstop" (from startstop.o)
	Pos      cfront.Pos // where obj-m names it
	Sources  []Source   // its C files, in link order
	Includes []string   // -I directories, slash paths relative to the module directory ("include", "../include")
	Defines  []string   // -D flags: "DEBUG", "N=4"
}

// Source is one C file of a module: the object Kbuild names, as its .c file.
type Source struct {
	Path string     // relative to the module directory ("start.c", "sub/x.c")
	Pos  cfront.Pos // where the object is named
}

// File is what a Kbuild file or Makefile describes.
type File struct {
	Name     string   // the file read, as positions name it ("dir/Kbuild")
	Modules  []Module // in obj-m order
	Warnings []string // "dir/Makefile:12: warning: ...", what was skipped
}

// MaxSize bounds the file read, as cfront.MaxFileSize bounds a C file.
const MaxSize = 1 << 20

// KernelRelease is what $(KERNELRELEASE) expands to: set, as in the kernel build
// that compiles the module.
const KernelRelease = "6.12.0-ksim"

// Find reports the build file of dir: Kbuild if there is one (kbuild reads it
// before the Makefile: scripts/Makefile.build's kbuild-file), else Makefile,
// else "" when neither exists.
func Find(dir fs.FS) string {
	for _, n := range []string{"Kbuild", "Makefile", "makefile", "GNUmakefile"} {
		if fi, err := fs.Stat(dir, n); err == nil && fi.Mode().IsRegular() {
			return n
		}
	}
	return ""
}

// Read reads the build file base ("Kbuild" or "Makefile") of dir, named name
// in positions, and the modules it builds. Every source file must exist in dir.
// The error is a cfront.ErrorList.
func Read(dir fs.FS, base, name string) (*File, error) {
	f, err := dir.Open(base)
	if err != nil {
		return nil, cfront.ErrorList{{Filename: name, Msg: err.Error()}}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, cfront.ErrorList{{Filename: name, Msg: err.Error()}}
	}
	if len(b) > MaxSize {
		return nil, cfront.ErrorList{{Filename: name, Msg: "larger than 1 MiB; ksim reads module Makefiles of at most 1 MiB"}}
	}
	r := &reader{name: name, dir: dir, vars: map[string]*variable{}, recipe: map[string]string{}}
	r.parse(string(b))
	r.modules()
	r.errs.Sort()
	if err := r.errs.Err(); err != nil {
		return nil, err
	}
	return &File{Name: name, Modules: r.mods, Warnings: r.warnings()}, nil
}

// line is one logical line: continuations joined.
type line struct {
	text string
	num  int
}

// variable is a make variable as the file sets it.
type variable struct {
	value     string // recursive (=): expanded at use; simple (:=): expanded already
	recursive bool
	sets      []set // each assignment, for the positions of words
}

// set is one assignment of a variable.
type set struct {
	op     string // "=", ":=", "+=", "?="
	simple bool   // expanded when set (:=, or += to a simple variable); else when used
	fields []field
	line   int
	base   int // the column of the value
	words  []word
}

type word struct {
	text string // expanded
	pos  cfront.Pos
	bad  []string // references that could not be resolved
}

type reader struct {
	name   string
	dir    fs.FS
	vars   map[string]*variable
	recipe map[string]string // NAME=VALUE of recipe lines (`$(MAKE) ... LDDINC=...`)
	errs   cfront.ErrorList
	warns  []warning
	warned map[string]bool
	mods   []Module
	steps  int // variable expansions so far, bounded by maxSteps
}

// maxSteps bounds the variable expansions of one Read: a file whose variables
// refer to each other many times over stops expanding, unresolved.
const maxSteps = 100000

type warning struct {
	line int
	msg  string
}

func (r *reader) warnf(n int, format string, args ...any) {
	msg := fmt.Sprintf("%s:%d: warning: %s", r.name, n, fmt.Sprintf(format, args...))
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	if !r.warned[msg] {
		r.warned[msg] = true
		r.warns = append(r.warns, warning{n, msg})
	}
}

// warnings are the warnings in line order.
func (r *reader) warnings() []string {
	sort.SliceStable(r.warns, func(i, j int) bool { return r.warns[i].line < r.warns[j].line })
	var out []string
	for _, w := range r.warns {
		out = append(out, w.msg)
	}
	return out
}

// logical joins continued lines and drops comments.
func logical(src string) []line {
	var out []line
	phys := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := 0; i < len(phys); i++ {
		start := i
		text := phys[i]
		for strings.HasSuffix(text, "\\") && i+1 < len(phys) {
			i++
			text = strings.TrimSuffix(text, "\\") + " " + strings.TrimLeft(phys[i], " \t")
		}
		if !strings.HasPrefix(text, "\t") {
			// A comment ends the line (make keeps '#' in recipes; they are
			// only scanned).
			if j := strings.Index(text, "#"); j >= 0 {
				text = text[:j]
			}
		}
		out = append(out, line{text: text, num: start + 1})
	}
	return out
}

var (
	reAssign = regexp.MustCompile(`^\s*(?:(?:export|override)\s+)*([^\s:#=+?!]+)\s*(::=|:=|\+=|\?=|!=|=)(.*)$`)
	reRecipe = regexp.MustCompile(`(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=(\S+)`)
)

// cond is one open conditional.
type cond struct {
	active bool // this branch is taken
	taken  bool // some branch was taken
	outer  bool // the enclosing branch is taken
}

// isRule reports whether a line that is not an assignment is a rule.
func isRule(text string) bool {
	return reAssign.FindStringSubmatch(text) == nil && strings.Contains(text, ":") && !strings.HasPrefix(text, "\t")
}

// recipes collects the NAME=VALUE words of every recipe, in any branch: the
// values a variable set only there may take (LDD3's LDDINC=$(PWD)/../include,
// on the command line of the make that builds the module). Recipes never run.
func (r *reader) recipes(lines []line) {
	inRule := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l.text, "\t") && inRule:
			for _, m := range reRecipe.FindAllStringSubmatch(l.text, -1) {
				if _, ok := r.recipe[m[1]]; !ok {
					r.recipe[m[1]] = m[2]
				}
			}
		case strings.TrimSpace(l.text) == "":
		default:
			inRule = isRule(l.text)
		}
	}
}

func (r *reader) parse(src string) {
	var stack []cond
	active := func() bool { return len(stack) == 0 || stack[len(stack)-1].active }
	inRule := false
	lines := logical(src)
	r.recipes(lines)
	for _, l := range lines {
		text := l.text
		if strings.HasPrefix(text, "\t") && inRule {
			continue // a recipe
		}
		trim := strings.TrimSpace(text)
		if trim == "" {
			continue
		}
		kw, rest, _ := strings.Cut(trim, " ")
		if k, r2, ok := strings.Cut(trim, "\t"); ok && len(k) < len(kw) {
			kw, rest = k, r2
		}
		rest = strings.TrimSpace(rest)
		switch kw {
		case "ifeq", "ifneq", "ifdef", "ifndef":
			inRule = false
			outer := active()
			v := outer && r.condition(kw, rest, l.num)
			stack = append(stack, cond{active: v, taken: v, outer: outer})
			continue
		case "else":
			if len(stack) == 0 {
				r.errs.Add(r.name, cfront.Pos{Line: l.num, Col: 1}, "extraneous 'else'")
				continue
			}
			c := &stack[len(stack)-1]
			if rest != "" {
				k2, r2, _ := strings.Cut(rest, " ")
				if k2 == "ifeq" || k2 == "ifneq" || k2 == "ifdef" || k2 == "ifndef" {
					v := c.outer && !c.taken && r.condition(k2, strings.TrimSpace(r2), l.num)
					c.active = v
					c.taken = c.taken || v
					continue
				}
			}
			c.active = c.outer && !c.taken
			c.taken = true
			continue
		case "endif":
			if len(stack) == 0 {
				r.errs.Add(r.name, cfront.Pos{Line: l.num, Col: 1}, "extraneous 'endif'")
				continue
			}
			stack = stack[:len(stack)-1]
			continue
		}
		m := reAssign.FindStringSubmatch(text)
		if m == nil && strings.Contains(trim, ":") {
			inRule = true // a rule: its recipe follows
			continue
		}
		if m != nil {
			inRule = false
		}
		if !active() {
			continue
		}
		switch {
		case m != nil:
			r.assign(m, text, l.num)
		case kw == "include" || kw == "-include" || kw == "sinclude":
			r.warnf(l.num, "%s not read (ksim reads only this file)", trim)
		case kw == "export" || kw == "unexport" || kw == "undefine" || kw == "vpath":
		default:
			r.warnf(l.num, "line not understood, skipped: %s", trim)
		}
	}
	if len(stack) != 0 {
		r.errs.Add(r.name, cfront.Pos{}, "missing 'endif'")
	}
}

// condition evaluates ifeq/ifneq/ifdef/ifndef as make does, an undefined
// variable being empty.
func (r *reader) condition(kw, arg string, n int) bool {
	switch kw {
	case "ifdef", "ifndef":
		name, _ := r.expand(arg, 0)
		v, _ := r.value(strings.TrimSpace(name), 0)
		return (v != "") == (kw == "ifdef")
	}
	a, b, ok := splitCond(arg)
	if !ok {
		r.errs.Add(r.name, cfront.Pos{Line: n, Col: 1}, "invalid syntax in conditional: "+kw+" "+arg)
		return false
	}
	x, _ := r.expand(a, 0)
	y, _ := r.expand(b, 0)
	return (strings.TrimSpace(x) == strings.TrimSpace(y)) == (kw == "ifeq")
}

// splitCond splits "(a,b)", "'a' 'b'" or "\"a\" \"b\"".
func splitCond(s string) (string, string, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		in := s[1 : len(s)-1]
		depth := 0
		for i, c := range in {
			switch c {
			case '(', '{':
				depth++
			case ')', '}':
				depth--
			case ',':
				if depth == 0 {
					return in[:i], in[i+1:], true
				}
			}
		}
		return "", "", false
	}
	var parts []string
	for len(s) > 0 && len(parts) < 2 {
		q := s[0]
		if q != '"' && q != '\'' {
			return "", "", false
		}
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return "", "", false
		}
		parts = append(parts, s[1:1+end])
		s = strings.TrimSpace(s[end+2:])
	}
	if len(parts) != 2 || s != "" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

func (r *reader) assign(m []string, text string, n int) {
	nameRaw, op, val := m[1], m[2], strings.TrimSpace(m[3])
	name, bad := r.expand(nameRaw, 0)
	if len(bad) != 0 {
		if strings.HasPrefix(nameRaw, "obj-$(") || strings.HasPrefix(nameRaw, "obj-${") {
			r.warnf(n, "%s: %s is not set (ksim has no kernel configuration); skipped", nameRaw, strings.Join(bad, ", "))
		}
		return
	}
	if op == "!=" {
		r.warnf(n, "%s != ...: a shell command, not run; skipped", name)
		return
	}
	v := r.vars[name]
	if op == "?=" && v != nil {
		return
	}
	if v == nil {
		v = &variable{}
		r.vars[name] = v
	}
	// Words, with their columns, for the error positions of objects: expanded
	// now for :=, when used otherwise, as make does.
	base := len(text) - len(m[3]) + 1 + len(m[3]) - len(strings.TrimLeft(m[3], " \t"))
	st := set{op: op, fields: fieldsAt(val), line: n, base: base}
	st.simple = op == ":=" || op == "::=" || op == "+=" && v != nil && !v.recursive && len(v.sets) > 0
	if st.simple {
		st.words = r.expandFields(st)
	}
	switch op {
	case "+=":
		if v.recursive && len(v.sets) > 0 {
			v.value += " " + val
		} else {
			e, _ := r.expand(val, 0)
			v.value += " " + e
		}
	case ":=", "::=":
		e, _ := r.expand(val, 0)
		v.value, v.recursive, v.sets = e, false, nil
	default: // "=", "?="
		v.value, v.recursive, v.sets = val, true, nil
	}
	v.sets = append(v.sets, st)
}

// expandFields expands the words of an assignment.
func (r *reader) expandFields(st set) []word {
	var words []word
	for _, f := range st.fields {
		exp, bad := r.expand(f.text, 0)
		pos := cfront.Pos{Line: st.line, Col: st.base + f.off}
		for _, w := range strings.Fields(exp) {
			words = append(words, word{text: w, pos: pos, bad: bad})
		}
		if strings.TrimSpace(exp) == "" && len(bad) != 0 {
			words = append(words, word{pos: pos, bad: bad})
		}
	}
	return words
}

type field struct {
	text string
	off  int
}

// fieldsAt splits on blanks outside $(...), with each word's offset.
func fieldsAt(s string) []field {
	var out []field
	depth, start := 0, -1
	for i := 0; i <= len(s); i++ {
		var c byte = ' '
		if i < len(s) {
			c = s[i]
		}
		switch {
		case c == '(' || c == '{':
			depth++
		case c == ')' || c == '}':
			depth--
		}
		blank := (c == ' ' || c == '\t') && depth <= 0
		if blank && start >= 0 {
			out = append(out, field{s[start:i], start})
			start = -1
		} else if !blank && start < 0 {
			start = i
		}
	}
	return out
}

// builtin are the variables a kernel build of an external module sets: the
// module directory is ".".
var builtin = map[string]string{
	"KERNELRELEASE": KernelRelease,
	"PWD":           ".",
	"CURDIR":        ".",
	"src":           ".",
	"obj":           ".",
	"M":             ".",
}

// value is a variable's expansion and the references it could not resolve.
func (r *reader) value(name string, depth int) (string, []string) {
	if r.steps++; r.steps > maxSteps {
		return "", []string{"$(" + name + ") (too many expansions)"}
	}
	switch name {
	case "PWD", "CURDIR", "src", "obj", "M", "KERNELRELEASE":
		// The module directory (and the build's release) whatever the file
		// says: `PWD := $(shell pwd)` is the directory make runs in.
		return builtin[name], nil
	}
	if v, ok := r.vars[name]; ok {
		if v.recursive {
			return r.expand(v.value, depth+1)
		}
		return v.value, nil
	}
	if v, ok := r.recipe[name]; ok {
		return r.expand(v, depth+1)
	}
	return "", []string{"$(" + name + ")"}
}

// expand expands $(NAME), ${NAME}, $X and $$; functions other than
// $(shell pwd) are unresolved.
func (r *reader) expand(s string, depth int) (string, []string) {
	if depth > 20 {
		return "", []string{"(recursive variable)"}
	}
	var b strings.Builder
	var bad []string
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch open := s[i]; open {
		case '$':
			b.WriteByte('$')
		case '(', '{':
			closer := map[byte]byte{'(': ')', '{': '}'}[open]
			d, j := 1, i+1
			for ; j < len(s) && d > 0; j++ {
				switch s[j] {
				case open:
					d++
				case closer:
					d--
				}
			}
			if d != 0 {
				bad = append(bad, s[i-1:])
				i = len(s)
				break
			}
			inner := s[i+1 : j-1]
			i = j - 1
			if strings.ContainsAny(inner, " \t") {
				if strings.Join(strings.Fields(inner), " ") == "shell pwd" {
					b.WriteString(".")
				} else {
					bad = append(bad, "$("+inner+")")
				}
				continue
			}
			name, more := r.expand(inner, depth+1)
			bad = append(bad, more...)
			v, more := r.value(name, depth)
			bad = append(bad, more...)
			b.WriteString(v)
		default:
			v, more := r.value(string(open), depth)
			bad = append(bad, more...)
			b.WriteString(v)
		}
	}
	return b.String(), bad
}

// words is the words of a variable with their positions, honouring the order
// of its assignments.
func (r *reader) words(name string) []word {
	v := r.vars[name]
	if v == nil {
		return nil
	}
	var out []word
	for _, s := range v.sets {
		ws := s.words
		if !s.simple {
			ws = r.expandFields(s)
		}
		switch s.op {
		case "+=":
			out = append(out, ws...)
		default:
			out = append([]word(nil), ws...)
		}
	}
	return out
}

// modules resolves obj-m into modules.
func (r *reader) modules() {
	objm := r.words("obj-m")
	if len(objm) == 0 {
		r.errs.Add(r.name, cfront.Pos{}, "no module: the file sets no obj-m (want obj-m := NAME.o)")
		return
	}
	flags := append(r.words("ccflags-y"), r.words("EXTRA_CFLAGS")...)
	flags = append(flags, r.words("subdir-ccflags-y")...)
	sort.SliceStable(flags, func(i, j int) bool { return flags[i].pos.Before(flags[j].pos) })
	includes, defines := r.flags(flags)
	seen := map[string]bool{}
	for _, w := range objm {
		if len(w.bad) != 0 && w.text == "" {
			r.warnf(w.pos.Line, "obj-m: %s is not set; skipped", strings.Join(w.bad, ", "))
			continue
		}
		if !strings.HasSuffix(w.text, ".o") {
			r.errs.Add(r.name, w.pos, fmt.Sprintf("obj-m names %q, not an object NAME.o", w.text))
			continue
		}
		name := strings.TrimSuffix(w.text, ".o")
		if seen[name] {
			continue
		}
		seen[name] = true
		if strings.Contains(name, "/") {
			r.errs.Add(r.name, w.pos, fmt.Sprintf("obj-m: %s is in a subdirectory; ksim builds the modules of this directory only", w.text))
			continue
		}
		m := Module{Name: name, Pos: w.pos, Includes: includes, Defines: defines}
		objs := append(r.words(name+"-objs"), r.words(name+"-y")...)
		sort.SliceStable(objs, func(i, j int) bool { return objs[i].pos.Before(objs[j].pos) })
		if len(objs) == 0 {
			objs = []word{w}
		}
		have := map[string]bool{}
		for _, o := range objs {
			if len(o.bad) != 0 {
				r.warnf(o.pos.Line, "%s: %s is not set; skipped", o.text, strings.Join(o.bad, ", "))
				if o.text == "" {
					continue
				}
			}
			if !strings.HasSuffix(o.text, ".o") {
				r.errs.Add(r.name, o.pos, fmt.Sprintf("%s: %q is not an object NAME.o", name, o.text))
				continue
			}
			src := path.Clean(strings.TrimSuffix(o.text, ".o") + ".c")
			if !fs.ValidPath(src) {
				r.errs.Add(r.name, o.pos, fmt.Sprintf("%s: object %s is outside the module's directory", name, o.text))
				continue
			}
			if have[src] {
				continue // kbuild links an object once
			}
			have[src] = true
			if fi, err := fs.Stat(r.dir, src); err != nil || !fi.Mode().IsRegular() {
				r.errs.Add(r.name, o.pos, fmt.Sprintf("No rule to make target '%s', needed by '%s.o' (there is no %s)", o.text, name, src))
				continue
			}
			m.Sources = append(m.Sources, Source{Path: src, Pos: o.pos})
		}
		r.mods = append(r.mods, m)
	}
}

// flags reads the -I and -D flags; others (-O2, -Wall, -g) change nothing ksim
// models.
func (r *reader) flags(ws []word) (includes, defines []string) {
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if len(w.bad) != 0 {
			r.warnf(w.pos.Line, "%s is not set where ksim reads the file (only a recipe or the environment sets it); flag %q skipped", strings.Join(w.bad, ", "), w.text)
			continue
		}
		switch {
		case strings.HasPrefix(w.text, "-I"):
			dir := strings.TrimPrefix(w.text, "-I")
			if dir == "" && i+1 < len(ws) {
				i++
				dir = ws[i].text
			}
			if path.IsAbs(dir) {
				r.warnf(w.pos.Line, "-I%s: an absolute directory (host headers are never read); skipped", dir)
				continue
			}
			includes = append(includes, path.Clean(dir))
		case strings.HasPrefix(w.text, "-D"):
			d := strings.TrimPrefix(w.text, "-D")
			if d == "" && i+1 < len(ws) {
				i++
				d = ws[i].text
			}
			if d != "" {
				defines = append(defines, d)
			}
		case w.text == "-include" || w.text == "-imacros":
			r.warnf(w.pos.Line, "%s: not supported; skipped", w.text)
			if i+1 < len(ws) {
				i++
			}
		}
	}
	return includes, defines
}

package cfront

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/cc/v4"
)

// Options configures Parse.
type Options struct {
	// Headers is the generated text of each header, keyed by path
	// ("linux/mutex.h"), from kapi.Headers(): the kernel API's declarations
	// and constants. It is appended to ksim's hand-written header of that
	// path, or makes a header of its own when there is none.
	Headers map[string]string
	// Dir is the directory of the user's file, for #include "x.h" (nil: the
	// user's file has no headers of its own).
	Dir fs.FS
	// Modelled reports whether the kernel API implements the function name
	// (kapi.Lookup(name) != nil). A function declared but defined nowhere
	// must be modelled. Nil means none is.
	Modelled func(name string) bool

	// The options of a file that is one of several of a module (a Kbuild
	// module's objects, or `ksim run --link a.c b.c`).

	// ModName is the module's name, KBUILD_MODNAME ("startstop"); "" means the
	// file's base name, as for a module of one file. KBUILD_BASENAME is always
	// the file's.
	ModName string
	// Defines are kbuild's -D flags (ccflags-y), "NAME" or "NAME=VALUE".
	Defines []string
	// IncludeDirs are kbuild's -I flags, named as the files are
	// ("mod/include"): #include "x.h" and <x.h> look there after the
	// including file's directory (and <linux/x.h> after ksim's headers).
	IncludeDirs []string
	// Mounts, when set, replace Dir: the directories a file name may lie in,
	// each named as the files are ("mod", "mod/../include"), with what reads
	// it. A name in none of them is not read: reading stays inside the
	// module's tree and its declared include directories.
	Mounts []Mount
	// Linked: the file is linked with others, so a function or object it
	// declares but does not define may be defined by another file. Parse does
	// not report those; it lists them in Unit.Undefined for the linker.
	Linked bool
}

// Mount is a directory Parse may read headers from.
type Mount struct {
	Dir string // as file names spell it ("." or "mod/include")
	FS  fs.FS
}

// Ref is a name a linked file uses but does not define (Options.Linked).
type Ref struct {
	Name   string
	File   string // where it is first used
	Pos    Pos
	Func   bool // a function (else an object)
	Kernel bool // what it resolves to is declared in ksim's headers: the kernel's
	// DeclFile, DeclPos: the declaration the use resolves to.
	DeclFile string
	DeclPos  Pos
}

// Unit is a parsed and type-checked C file.
type Unit struct {
	Name    string   // the file name as given to Parse ("abba.c" or a path)
	Source  []byte   // the source as given
	AST     *cc.AST  // the type-checked translation unit, ksim's headers included (sources named "include/linux/x.h")
	Pragmas []Pragma // every `#pragma ksim ...` line of the file, in order
	// Undefined are the names the file uses without defining them, each once,
	// in the order of first use, when Options.Linked (else nil).
	Undefined []Ref
}

// Pragma is a `#pragma ksim ...` line of the user's file (not of its headers;
// a _Pragma("ksim ...") operator has no line of its own and is ignored).
type Pragma struct {
	Pos  Pos      // of the word "ksim"
	Args []string // the words after "ksim"
}

// MaxFileSize is the largest source Parse accepts, 1 MiB: a kernel module's
// worth of C. Each header of the user's own (through Options.Dir) has the same
// limit.
const MaxFileSize = 1 << 20

// ExpansionLimit bounds the work macro expansion may do in one Parse (cc/v4's
// Config.ExpansionLimit, tokens processed). The prelude of ksim's headers and a
// large module take well under a tenth of it; a macro bomb reaches it in
// milliseconds.
const ExpansionLimit = 4 << 20

// includeRoot is where #include <linux/x.h> looks in the file system cc/v4
// sees. It is not a host path: cc/v4 reads only through Config.FS (FSOnly).
// Every ksim header is read once, before the user's file, as a source of its
// own named headerDir + "linux/x.h"; an #include of it is then served empty,
// the effect of an include guard without a line of it, so positions in a
// header are its own lines.
const includeRoot = "/ksim/include"

// endSource follows the user's file. cc/v4 v4.35.0 loops forever when the
// input ends inside a pointer declarator's qualifier list ("int *" at the end
// of a file, found by FuzzParse): its loop there stops only at a token such as
// "static". The sentinel gives it one; an error cc/v4 reports in it means the
// user's file ended too soon. It declares an unused object of its own.
const (
	endSource = "<end of input>"
	endText   = "\nstatic int __ksim_end_of_input;\n"
)

// headerDir prefixes the source names of ksim's headers, so that positions in
// them read like the kernel's ("include/linux/list.h:120").
const headerDir = "include/"

//go:embed include
var embedded embed.FS

var (
	handOnce sync.Once
	hand     map[string]string // embedded header path ("linux/mutex.h") -> text
)

func handHeaders() map[string]string {
	handOnce.Do(func() {
		hand = map[string]string{}
		err := fs.WalkDir(embedded, "include", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".h") {
				return nil
			}
			b, err := embedded.ReadFile(p)
			if err != nil {
				return err
			}
			hand[strings.TrimPrefix(p, "include/")] = string(b)
			return nil
		})
		if err != nil {
			panic("cfront: embedded headers: " + err.Error())
		}
	})
	return hand
}

// HeaderNames returns the paths of ksim's hand-written headers ("linux/mutex.h"),
// sorted.
func HeaderNames() []string {
	var names []string
	for n := range handHeaders() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// sourceCache keeps the scanned prelude and headers between Parse calls.
var sourceCache cc.SourceCache

// Parse preprocesses, parses and type-checks the kernel C file src with ksim's
// headers force-included, then applies ksim's own checks (calls of functions
// nothing declares or nothing implements, constructs the interpreter cannot
// run). The error, if any, is an ErrorList: one line per problem, at the
// user's file:line:col, at most ten then "too many errors". Parse does not
// panic on any input; the result Unit is nil when there are errors.
func Parse(name string, src []byte, opt Options) (u *Unit, err error) {
	p := &parse{name: name, opt: opt}
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			var list ErrorList
			list.Add(name, Pos{}, fmt.Sprintf("internal error in ksim's C front end (a bug in ksim): %v\n%s", r, buf))
			u, err = nil, list
		}
	}()
	ast, list := p.run(src)
	if len(list) != 0 {
		return nil, list
	}
	if ast == nil {
		list.Add(name, Pos{}, "internal error in ksim's C front end (a bug in ksim): no AST and no error")
		return nil, list
	}
	return &Unit{Name: name, Source: src, AST: ast, Pragmas: p.pragmas, Undefined: p.undefined}, nil
}

// parse is the state of one Parse call.
type parse struct {
	name    string
	src     []byte // the user's source as given
	dir     string // filepath.Dir(name), how cc/v4 joins #include "x.h"
	opt     Options
	pragmas []Pragma
	collect bool            // collect pragmas (the Translate pass, not the nesting pass)
	once    map[string]bool // files that said #pragma once
	errs    ErrorList       // errors found outside cc/v4 (user headers)

	// injected are the names nothing declares, declared by Parse in
	// injectedSource so that the rest of the file is checked.
	injected map[string]bool

	undefined []Ref // Options.Linked: names for the linker
}

func (p *parse) run(src []byte) (*cc.AST, ErrorList) {
	if len(src) > MaxFileSize {
		return nil, ErrorList{{Filename: p.name,
			Msg: "input is larger than 1 MiB; ksim reads kernel C source files of at most 1 MiB"}}
	}
	p.src = src
	p.dir = filepath.Dir(p.name)
	fixed, msg, pos := prepare(src)
	if msg != "" {
		return nil, ErrorList{{Filename: p.name, Pos: pos, Msg: msg}}
	}

	cfg := &cc.Config{
		ABI:             abi(),
		FS:              &overlay{p: p},
		FSOnly:          true,
		SysIncludePaths: append([]string{includeRoot}, p.opt.IncludeDirs...),
		IncludePaths:    append(append([]string{""}, p.opt.IncludeDirs...), includeRoot),
		ExpansionLimit:  ExpansionLimit,
		PragmaHandler:   p.pragma,
		ABILayout:       true,
		SourceCache:     &sourceCache,
	}
	cfg.Predefined = predefined
	if err := cfg.ApplyOptions("-std=gnu11", "-fno-builtin"); err != nil {
		panic(err)
	}
	sources := []cc.Source{
		{Name: "<predefined>", Value: predefined + modName(p.name, p.opt.ModName) + defines(p.opt.Defines)},
		{Name: "<builtin>", Value: cc.Builtin},
	}
	for _, rel := range headerOrder(p.opt.Headers) {
		text, _ := p.headerText(rel)
		sources = append(sources, cc.Source{Name: headerDir + rel, Value: text})
	}
	sources = append(sources, cc.Source{Name: p.name, Value: fixed}, cc.Source{Name: endSource, Value: endText})

	// First pass: preprocess only, to bound the nesting macro expansion can
	// build before cc/v4's recursive descent parser sees it.
	p.reset()
	nw := &nestWriter{}
	if err := cc.Preprocess(cfg, sources, nw); err != nil || nw.tooDeep || len(p.errs) != 0 {
		var list ErrorList
		if nw.tooDeep {
			list.Add(p.name, Pos{Line: 1, Col: 1}, "after macro expansion: "+tooDeep())
		} else if err != nil {
			p.ccErrors(&list, err)
		}
		list = append(list, p.errs...)
		if len(list) == 0 {
			list = p.unexplained(src, err)
		}
		return nil, p.finish(list)
	}

	p.reset()
	p.collect = true
	ast, err := cc.Translate(cfg, sources)
	var list ErrorList
	if err != nil {
		p.ccErrors(&list, err)
		list = append(list, p.errs...)
		if len(list) == 0 {
			// cc/v4 said only internal things ("TODO ..."), with no
			// position: find what it stumbled on, or say so plainly.
			list = p.unexplained(src, err)
		} else if names, undef := p.undeclared(err); len(names) != 0 && len(p.errs) == 0 {
			// Names nothing declares stop cc/v4's type checker: declare
			// them and check the rest, to list every error at once.
			more, ok, later := p.retry(cfg, sources, names)
			if ok {
				// The other errors of this round were follow-ons of
				// the names. The rest are independent of each other:
				// the first of a line is the leftmost.
				list = append(undef, more...)
				sort.SliceStable(list, func(i, j int) bool {
					a, b := list[i], list[j]
					return a.Filename == b.Filename && a.Pos.Before(b.Pos)
				})
			}
			usedBeforeDeclaration(list, later)
		}
		return nil, p.finish(list)
	}
	list = append(list, p.errs...)
	list = append(list, p.check(ast)...)
	return ast, p.finish(list)
}

func (p *parse) reset() {
	p.pragmas = nil
	p.once = map[string]bool{}
	p.errs = nil
	p.collect = false
}

// prepare runs the pre-pass over a source: nesting limit and the named
// variadic rewrite. msg is the error, if any, at pos.
func prepare(src []byte) (fixed []byte, msg string, pos Pos) {
	toks := scanTokens(src)
	if pos, ok := checkNesting(toks, src); !ok {
		return nil, tooDeep(), pos
	}
	return fixNamedVariadic(src, toks), "", Pos{}
}

// finish keeps the first error reported for each line (cc/v4 reports the
// cause first, then what it makes of the broken expression), sorts the list,
// drops an "unexpected end of file" that follows other errors (a follow-on:
// cc/v4 lost its way earlier), and caps the list at ten errors and a "too many
// errors" line.
func (p *parse) finish(list ErrorList) ErrorList {
	type line struct {
		file string
		line int
	}
	seen := map[line]bool{}
	kept := ErrorList{}
	inHeader := false
	for _, e := range list {
		if strings.HasPrefix(e.Msg, inKsimHeader) {
			// The first error in ksim's headers is the one to fix; cc/v4's
			// recovery from it says nothing more.
			if inHeader {
				continue
			}
			inHeader = true
		}
		if e.Pos.IsValid() {
			k := line{e.Filename, e.Pos.Line}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		kept = append(kept, e)
	}
	// Sort by position only: errors without one stay in cc/v4's order.
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Pos.Before(b.Pos)
	})
	// An unexpected end of the input after another error is a follow-on:
	// cc/v4 lost its way at the first.
	real := false
	for _, e := range kept {
		real = real || !reEOFAny.MatchString(e.Msg)
	}
	out := kept[:0]
	for _, e := range kept {
		if real && reEOFAny.MatchString(e.Msg) {
			continue
		}
		if n := len(out); n > 0 && *out[n-1] == *e {
			continue
		}
		out = append(out, e)
	}
	if len(out) > maxErrors {
		out[maxErrors] = &Error{Filename: out[maxErrors].Filename, Pos: out[maxErrors].Pos, Msg: "too many errors"}
		out = out[:maxErrors+1]
	}
	return out
}

const maxErrors = 10

var (
	abiOnce sync.Once
	theABI  *cc.ABI
)

// abi is cc/v4's linux/amd64 ABI: x86-64 LP64, little-endian, the kernel's.
func abi() *cc.ABI {
	abiOnce.Do(func() {
		var err error
		if theABI, err = cc.NewABI("linux", "amd64"); err != nil {
			panic(err)
		}
	})
	return theABI
}

// modName defines KBUILD_MODNAME as kbuild does for a module built from name
// (or called mod, when it is one of several files): the base name without .c,
// '-' replaced by '_' (scripts/Makefile.lib's modname-define, name-fix);
// KBUILD_BASENAME is the file's.
func modName(name, mod string) string {
	fix := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, s)
	}
	base := fix(strings.TrimSuffix(path.Base(filepath.ToSlash(name)), ".c"))
	m := base
	if mod != "" {
		m = fix(mod)
	}
	return "#define KBUILD_MODNAME \"" + m + "\"\n#define KBUILD_BASENAME \"" + base + "\"\n"
}

// defines is the text of -D flags: -DNAME defines NAME as 1, -DNAME=V as V.
func defines(ds []string) string {
	var b strings.Builder
	for _, d := range ds {
		name, val, ok := strings.Cut(d, "=")
		if !ok {
			val = "1"
		}
		fmt.Fprintf(&b, "#define %s %s\n", name, val)
	}
	return b.String()
}

// headerOrder is every header, ksim's and then the generated-only ones, in
// the order they are force-included (like gcc -include): each of ksim's after
// the headers it includes, so that it finds their types and macros defined.
func headerOrder(gen map[string]string) []string {
	hand := handHeaders()
	var order []string
	state := map[string]int{} // 1: being visited, 2: done
	var visit func(string)
	visit = func(h string) {
		if state[h] != 0 {
			return
		}
		state[h] = 1
		for _, dep := range reInclude.FindAllStringSubmatch(hand[h], -1) {
			if _, ok := hand[dep[1]]; ok {
				visit(dep[1])
			}
		}
		state[h] = 2
		order = append(order, h)
	}
	for _, h := range HeaderNames() {
		visit(h)
	}
	var extra []string
	for n := range gen {
		if _, ok := hand[n]; !ok {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	return append(order, extra...)
}

var reInclude = regexp.MustCompile(`(?m)^\s*#\s*include\s*<([^>]+)>`)

// isHeader reports whether rel is one of ksim's headers or a generated one.
func (p *parse) isHeader(rel string) bool {
	_, ok := handHeaders()[rel]
	_, gok := p.opt.Headers[rel]
	return ok || gok
}

// headerText is the text of the header rel: the hand-written part, then the
// generated part.
func (p *parse) headerText(rel string) (string, bool) {
	h, ok := handHeaders()[rel]
	g, gok := p.opt.Headers[rel]
	if !ok && !gok {
		return "", false
	}
	var b strings.Builder
	b.WriteString(h)
	if h != "" && !strings.HasSuffix(h, "\n") {
		b.WriteByte('\n')
	}
	if gok {
		fmt.Fprintf(&b, "/* generated by ksim's kernel API (kapi) */\n%s\n", g)
	}
	return b.String(), true
}

// pragma is cc/v4's PragmaHandler: toks follow "#pragma".
func (p *parse) pragma(toks []cc.Token) error {
	var words []cc.Token
	for _, t := range toks {
		if t.Ch == ' ' || t.Ch == '\n' {
			continue
		}
		words = append(words, t)
	}
	if len(words) == 0 {
		return nil
	}
	pos := words[0].Position()
	switch words[0].SrcStr() {
	case "once":
		// gcc's #pragma once, which cc/v4 leaves to its user.
		if p.once[pos.Filename] {
			return cc.SkipSource
		}
		p.once[pos.Filename] = true
	case "ksim":
		if !p.collect || pos.Filename != p.name {
			return nil
		}
		pr := Pragma{Pos: Pos{Line: pos.Line, Col: pos.Column}}
		for _, w := range words[1:] {
			pr.Args = append(pr.Args, w.SrcStr())
		}
		p.pragmas = append(p.pragmas, pr)
	}
	// Other pragmas (GCC diagnostic, pack, ...) are accepted silently, as
	// gcc accepts the ones it does not know.
	return nil
}

// nestWriter receives the preprocessed tokens, one Write per token, and stops
// the preprocessor when brackets nest deeper than MaxNesting.
type nestWriter struct {
	depth   int
	tooDeep bool
}

func (w *nestWriter) Write(b []byte) (int, error) {
	if len(b) == 1 {
		switch b[0] {
		case '(', '[', '{':
			w.depth++
			if w.depth > MaxNesting {
				w.tooDeep = true
				return 0, errTooDeep
			}
		case ')', ']', '}':
			if w.depth > 0 {
				w.depth--
			}
		}
	}
	return len(b), nil
}

var errTooDeep = fmt.Errorf("%s", tooDeep())

// overlay is the file system cc/v4 reads: ksim's headers under includeRoot
// (empty: they are sources of their own, read first), the user's directory
// (Options.Dir) elsewhere.
type overlay struct{ p *parse }

func (o *overlay) Open(name string) (fs.File, error) {
	p := o.p
	if rel, ok := strings.CutPrefix(name, includeRoot+"/"); ok {
		if !p.isHeader(rel) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		// Read already, before the user's file.
		return newMemFile(name, nil), nil
	}
	dir, root := p.opt.Dir, p.dir
	if p.opt.Mounts != nil {
		dir, root = nil, ""
		// The innermost directory that holds the name.
		for _, m := range p.opt.Mounts {
			if r, err := filepath.Rel(m.Dir, name); err == nil && fs.ValidPath(filepath.ToSlash(r)) &&
				(dir == nil || len(m.Dir) > len(root)) {
				dir, root = m.FS, m.Dir
			}
		}
	}
	if dir == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	rel := filepath.ToSlash(filepath.Clean(name))
	if root != "." {
		r, err := filepath.Rel(root, name)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		rel = filepath.ToSlash(r)
	}
	if !fs.ValidPath(rel) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := dir.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		p.errs.Add(name, Pos{}, "header is larger than 1 MiB; ksim reads headers of at most 1 MiB")
		return newMemFile(name, nil), nil
	}
	fixed, msg, pos := prepare(b)
	if msg != "" {
		p.errs.Add(name, pos, msg)
		return newMemFile(name, nil), nil
	}
	return newMemFile(name, fixed), nil
}

type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func newMemFile(name string, b []byte) *memFile {
	return &memFile{Reader: bytes.NewReader(b), name: name, size: int64(len(b))}
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return path.Base(f.name) }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }

// reNumber is a valid C integer or floating constant (C11 6.4.4.1, 6.4.4.2,
// with gcc's binary constants).
var reNumber = regexp.MustCompile(`^(?:(?:0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)(?:[uU](?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU]?)?|(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFlL]?)$`)

// unexplained is the error for a file cc/v4 rejected without a message fit for
// the user: the first invalid number in the user's source (cc/v4 reports those
// internally); else, at the position cc/v4's internal message gives in the user's
// file, what it means in plain words; else, at the end of the file, a plain
// statement. Every error has a position.
func (p *parse) unexplained(src []byte, err error) ErrorList {
	var list ErrorList
	for _, t := range scanTokens(src) {
		if t.kind == ptokNumber && !reNumber.Match(src[t.start:t.end]) {
			list.Add(p.name, t.pos, "invalid number: "+string(src[t.start:t.end]))
			return list
		}
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			file, pos, msg, ok := splitPos(line)
			if !ok || file != p.name || !pos.IsValid() {
				continue
			}
			what := "ksim's C front end cannot check this construct"
			if strings.Contains(msg, "DeclarationSpecifiers") {
				// cc/v4's type check of a declaration's specifiers failed: two
				// types in one declaration, usually a missing ';' before the
				// next one (or at the end of the file).
				what = "invalid combination of types in this declaration (a ';' missing?)"
			}
			list.Add(p.name, pos, what)
			return list
		}
	}
	lines := bytes.Count(src, []byte("\n")) + 1
	col := len(src) - bytes.LastIndexByte(src, '\n')
	list.Add(p.name, Pos{Line: lines, Col: col}, "ksim's C front end (cc/v4) rejected this file without saying where or why: a gap in ksim")
	return list
}

// reEOFAny matches cc/v4's ways of saying the input ended too soon.
var reEOFAny = regexp.MustCompile(`unexpected (<EOF>|EOF|end of file)`)

// ccPos matches the position cc/v4 puts before its messages.
var ccPos = regexp.MustCompile(`^(.*?):(\d+):(\d+): ?(.*)$`)

// splitPos splits "file:line:col: msg".
func splitPos(s string) (file string, pos Pos, msg string, ok bool) {
	if rest, ok := strings.CutPrefix(s, "-: "); ok {
		// cc/v4's form for a token without a position: the end of the
		// input, when its source came from the SourceCache.
		return "", Pos{}, rest, true
	}
	if f, rest, ok := strings.Cut(s, ": -: "); ok {
		return f, Pos{}, rest, true
	}
	m := ccPos.FindStringSubmatch(s)
	if m == nil {
		return "", Pos{}, s, false
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	return m[1], Pos{Line: line, Col: col}, m[4], true
}

// ccErrors turns cc/v4's error, one message per line, into the list.
func (p *parse) ccErrors(list *ErrorList, err error) {
	for _, s := range strings.Split(err.Error(), "\n") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		p.addCC(list, s)
	}
}

// injectedSource is the source, before the user's file, that declares the
// names nothing declares (see undeclared.go).
const injectedSource = "<undeclared>"

// Shared reports whether file, as positions name it, is a source every file
// Parse reads gets identically: ksim's headers and the front end's own sources
// ("<builtin>"). gen is the generated headers (Options.Headers).
func Shared(file string, gen map[string]string) bool {
	if strings.HasPrefix(file, "<") {
		return true
	}
	rel, ok := strings.CutPrefix(file, headerDir)
	if !ok {
		return false
	}
	_, hand := handHeaders()[rel]
	_, g := gen[rel]
	return hand || g
}

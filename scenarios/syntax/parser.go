package syntax

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxErrors = 10
	// maxNest bounds recursion so that pathological input such as ten
	// thousand '(' produces an error instead of a huge stack.
	maxNest = 1000
)

const unsupportedHint = "(ksim accepts kernel C: functions, globals, locks; see README)"

// bailout is the panic value used to abandon parsing once too many errors
// have been reported; ParseFile recovers it.
type bailout struct{}

// errorSink collects the errors of one ParseFile call. It is shared by the
// scanner, the main parser and the parsers for #define bodies.
type errorSink struct {
	filename string
	list     ErrorList
	lines    map[int]bool // lines that already have an error
	tooMany  *Error
}

// add records an error unconditionally (used by the scanner, whose errors
// are all independent).
func (s *errorSink) add(pos Pos, msg string) {
	if len(s.list) >= maxErrors {
		s.tooMany = &Error{Filename: s.filename, Pos: pos, Msg: "too many errors"}
		panic(bailout{})
	}
	s.list.Add(s.filename, pos, msg)
	s.lines[pos.Line] = true
}

// MaxFileSize is the largest source ParseFile accepts, 1 MiB: a scenario is a
// kernel module's worth of C, and parsing and checking take memory in proportion.
const MaxFileSize = 1 << 20

// TooLarge is the error for a source of more than MaxFileSize bytes: "FILE:
// input is larger than 1 MiB; …", with no line or column, as it is about the
// whole file.
func TooLarge(filename string) ErrorList {
	return ErrorList{{Filename: filename,
		Msg: "input is larger than 1 MiB; ksim reads kernel C source files of at most 1 MiB"}}
}

// ParseFile parses the kernel-C source src. filename is used only in error
// messages. It always returns a *File, partial if there were errors, and an
// ErrorList (as error) or nil. It does not panic on any input; a source larger
// than MaxFileSize is the TooLarge error, unparsed.
func ParseFile(filename string, src []byte) (file *File, err error) {
	if len(src) > MaxFileSize {
		return &File{Name: filename}, TooLarge(filename)
	}
	sink := &errorSink{filename: filename, lines: make(map[int]bool)}
	file = &File{Name: filename}
	var p *parser
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				// A parser bug must not take the simulator down with it,
				// but it must not look like a user error either: the
				// fuzz test fails on this message.
				pos := Pos{1, 1}
				if p != nil && p.tok.pos.IsValid() {
					pos = p.tok.pos
				}
				buf := make([]byte, 2048)
				buf = buf[:runtime.Stack(buf, false)]
				sink.list.Add(filename, pos, fmt.Sprintf("internal parser error: %v\n%s", r, buf))
			}
		}
		sink.list.RemoveMultiples()
		if sink.tooMany != nil {
			sink.list = append(sink.list, sink.tooMany)
		}
		err = sink.list.Err()
	}()

	toks, directives := tokenize(src, sink)
	p = newParser(sink, file, toks)
	for _, d := range directives {
		p.directive(d)
	}
	p.parseFile()
	return file, nil
}

// directive is a preprocessor line split out of the token stream.
type directive struct {
	hash token   // the DIRECTIVE token
	body []token // #define only: tokens up to the end of the line
}

// tokenize scans the whole input. Directives are removed from the token
// stream because they may appear anywhere (even mid-statement) and do not
// take part in the grammar.
func tokenize(src []byte, sink *errorSink) (toks []token, dirs []directive) {
	s := newScanner(src, sink.add)
	for {
		t := s.scan()
		switch t.tok {
		case DIRECTIVE:
			d := directive{hash: t}
			if t.lit == "define" {
				for {
					b := s.scan()
					if b.tok == EOD || b.tok == EOF {
						d.body = append(d.body, token{tok: EOF, pos: b.pos, end: b.pos, off: b.off})
						break
					}
					d.body = append(d.body, b)
				}
			}
			dirs = append(dirs, d)
			continue
		case EOD: // cannot happen outside a directive; be safe
			continue
		}
		toks = append(toks, t)
		if t.tok == EOF {
			return toks, dirs
		}
	}
}

type parser struct {
	sink *errorSink
	file *File
	toks []token // always ends in EOF
	i    int
	tok  token // toks[i]

	prevEnd Pos // end of the previous token, where a missing ';' belongs

	nest        int
	loops       int // iterations of all list loops, checked against maxLoops
	maxLoops    int
	switchDepth int
}

func newParser(sink *errorSink, file *File, toks []token) *parser {
	p := &parser{sink: sink, file: file, toks: toks}
	p.tok = toks[0]
	// Every list loop consumes a token per iteration (see progress), so the
	// total number of iterations is bounded by tokens times nesting depth.
	// Exceeding it means a loop stopped consuming: fail loudly rather than
	// hang.
	p.maxLoops = (len(toks) + 1) * (maxNest + 2)
	return p
}

// ----------------------------------------------------------------------------
// Token handling and errors

func (p *parser) next() {
	p.prevEnd = p.tok.end
	if p.i < len(p.toks)-1 {
		p.i++
	}
	p.tok = p.toks[p.i]
}

func (p *parser) peek(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

// progress is called once per iteration of every loop that parses a list.
// If the iteration consumed nothing (an error left the offending token in
// place), it skips that token so that the loop cannot spin.
func (p *parser) progress(start int) {
	p.loops++
	if p.loops > p.maxLoops {
		panic("parser made no progress")
	}
	if p.i == start && p.tok.tok != EOF {
		p.next()
	}
}

func (p *parser) enter() {
	p.nest++
	if p.nest > maxNest {
		p.sink.add(p.tok.pos, fmt.Sprintf("code nested more than %d levels deep", maxNest))
		panic(bailout{})
	}
}

func (p *parser) leave() { p.nest-- }

// error reports a parser error. Only the first error on a line is kept:
// later ones are almost always consequences of the first.
func (p *parser) error(pos Pos, msg string) {
	if !pos.IsValid() {
		pos = p.tok.pos
	}
	if p.sink.lines[pos.Line] {
		return
	}
	p.sink.add(pos, msg)
}

// describe names a token the way it appears in source, for "found ..."
// messages.
func describe(t token) string {
	switch t.tok {
	case EOF:
		return "end of file"
	case EOD:
		return "end of line"
	case STRING:
		return "string " + shorten(t.lit)
	case IDENT, INT, CHAR, ILLEGAL:
		return "'" + shorten(t.lit) + "'"
	}
	return "'" + t.tok.String() + "'"
}

// shorten keeps messages readable: long literals are cut (at a rune
// boundary) and invalid UTF-8 or control characters are escaped.
func shorten(s string) string {
	if r := []rune(s); len(r) > 24 {
		s = string(r[:20]) + "..."
	}
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			q := strconv.Quote(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

func (p *parser) errorExpected(what string) {
	p.error(p.tok.pos, "expected "+what+", found "+describe(p.tok))
}

// expect consumes tok or reports what was expected; context completes the
// message ("expected ')' to close call").
func (p *parser) expect(tok Token, context string) (Pos, bool) {
	pos := p.tok.pos
	if p.tok.tok != tok {
		what := "'" + tok.String() + "'"
		if context != "" {
			what += " " + context
		}
		p.errorExpected(what)
		return pos, false
	}
	p.next()
	return pos, true
}

// expectSemi consumes the ';' that ends a statement or declaration. When it
// is missing, the error goes where the ';' belongs, right after the previous
// token. If the next token is on a later line the ';' was probably just
// forgotten, so parsing continues as if it were there (recovered is true);
// otherwise the caller must resynchronise.
func (p *parser) expectSemi(after string) (recovered bool) {
	if p.tok.tok == SEMICOLON {
		p.next()
		return true
	}
	p.error(p.prevEnd, "expected ';' after "+after+", found "+describe(p.tok))
	return p.tok.tok == RBRACE || p.tok.pos.Line > p.prevEnd.Line
}

// syncStmt skips to the end of the current statement: past the next ';' or
// up to the next '}' at the same nesting level.
func (p *parser) syncStmt() {
	depth := 0
	for p.tok.tok != EOF {
		switch p.tok.tok {
		case LPAREN, LBRACK, LBRACE:
			depth++
		case RPAREN, RBRACK:
			if depth > 0 {
				depth--
			}
		case RBRACE:
			if depth == 0 {
				return
			}
			depth--
			if depth == 0 {
				// A block statement swallowed by the error is over.
				p.next()
				return
			}
		case SEMICOLON:
			if depth == 0 {
				p.next()
				return
			}
		}
		p.next()
	}
}

// syncDecl skips to the end of a top-level declaration: past the next ';'
// at brace level 0, or past the '}' that closes a body.
func (p *parser) syncDecl() {
	depth := 0
	first := true
	for p.tok.tok != EOF {
		switch p.tok.tok {
		case LBRACE:
			depth++
		case RBRACE:
			if depth <= 1 {
				p.next()
				return
			}
			depth--
		case SEMICOLON:
			if depth == 0 {
				p.next()
				return
			}
		default:
			// A declaration keyword at the start of a line is a good
			// place to restart even without a ';'.
			if depth == 0 && !first && p.tok.pos.Col == 1 && p.startsDecl() {
				return
			}
		}
		first = false
		p.next()
	}
}

// skipBraces skips a balanced {...} starting at the current '{'.
func (p *parser) skipBraces() {
	depth := 0
	for p.tok.tok != EOF {
		switch p.tok.tok {
		case LBRACE:
			depth++
		case RBRACE:
			depth--
			if depth <= 0 {
				p.next()
				return
			}
		}
		p.next()
	}
}

// ----------------------------------------------------------------------------
// Preprocessor lines

func (p *parser) directive(d directive) {
	h := d.hash
	switch h.lit {
	case "":
		// "#" alone is the null directive; "# 12 "file"" is a line marker
		// from preprocessed output, which we cannot honour.
		if strings.TrimSpace(h.text) != "" {
			p.sink.add(h.pos, "invalid preprocessing directive")
		}
	case "include":
		path := strings.TrimSpace(h.text)
		switch {
		case len(path) >= 2 && path[0] == '<' && path[len(path)-1] == '>':
			p.file.Includes = append(p.file.Includes, &Include{Hash: h.pos, Path: path[1 : len(path)-1], System: true})
		case len(path) >= 2 && path[0] == '"' && path[len(path)-1] == '"':
			p.file.Includes = append(p.file.Includes, &Include{Hash: h.pos, Path: path[1 : len(path)-1]})
		default:
			p.sink.add(h.pos, `#include expects <file> or "file"`)
		}
	case "pragma":
		words := strings.Fields(h.text)
		if len(words) > 0 && words[0] == "ksim" {
			p.file.Pragmas = append(p.file.Pragmas, &Pragma{Hash: h.pos, Words: words[1:]})
		}
		// Other pragmas (once, pack, GCC ...) mean nothing to ksim.
	case "define":
		p.define(d)
	default:
		p.sink.add(h.pos, fmt.Sprintf("unsupported preprocessor directive #%s (only #include, #define NAME value and #pragma ksim are accepted)", h.lit))
	}
}

// define parses an object-like macro with a sub-parser over the line's
// tokens, so the body gets the same expression grammar and positions.
func (p *parser) define(d directive) {
	sub := newParser(p.sink, p.file, d.body)
	if sub.tok.tok != IDENT {
		if sub.tok.tok == EOF {
			sub.error(d.hash.end, "expected macro name after #define")
		} else {
			sub.errorExpected("macro name after #define")
		}
		return
	}
	name := &Ident{NamePos: sub.tok.pos, Name: sub.tok.lit}
	nameEnd := sub.tok.off + len(sub.tok.lit)
	sub.next()
	if sub.tok.tok == LPAREN && sub.tok.off == nameEnd {
		sub.error(name.NamePos, fmt.Sprintf("function-like macros are not supported (#define %s(...)); write a function instead", name.Name))
		return
	}
	def := &Define{Hash: d.hash.pos, Name: name}
	if sub.tok.tok != EOF {
		def.Value = sub.parseExpr()
		if sub.tok.tok != EOF {
			sub.errorExpected("end of #define")
		}
	}
	p.file.Defines = append(p.file.Defines, def)
}

// ----------------------------------------------------------------------------
// Declarations

func (p *parser) parseFile() {
	for p.tok.tok != EOF {
		start := p.i
		if d := p.parseTopDecl(); d != nil {
			p.file.Decls = append(p.file.Decls, d)
		}
		p.progress(start)
	}
}

// startsDecl reports whether the current token can begin a declaration.
func (p *parser) startsDecl() bool {
	switch p.tok.tok {
	case STATIC, EXTERN, INLINE, REGISTER, AUTO, CONST, VOLATILE, STRUCT, UNION, ENUM, TYPEDEF:
		return true
	case IDENT:
		return typeNames[p.tok.lit] || qualifierNames[p.tok.lit]
	}
	return false
}

func startsType(t token) bool {
	switch t.tok {
	case STRUCT, UNION, ENUM, CONST, VOLATILE:
		return true
	case IDENT:
		return typeNames[t.lit]
	}
	return false
}

func (p *parser) parseTopDecl() Decl {
	switch p.tok.tok {
	case SEMICOLON:
		// Stray ';' after a function body is common and harmless.
		p.next()
		return nil
	case RBRACE:
		p.error(p.tok.pos, "unbalanced '}': no block is open here")
		p.next()
		return nil
	case STATIC:
		// static DEFINE_MUTEX(m);
		if n := p.peek(1); n.tok == IDENT && !typeNames[n.lit] && !qualifierNames[n.lit] && p.peek(2).tok == LPAREN {
			start := p.tok.pos
			p.next()
			return p.parseMacroDecl(start, true)
		}
	case IDENT:
		if !typeNames[p.tok.lit] && !qualifierNames[p.tok.lit] {
			if p.peek(1).tok == LPAREN {
				return p.parseMacroDecl(p.tok.pos, false)
			}
			if p.peek(1).tok == IDENT || p.peek(1).tok == MUL && p.peek(2).tok == IDENT {
				p.unknownType()
				p.syncDecl()
				return &BadDecl{From: p.tok.pos}
			}
		}
	}
	if !p.startsDecl() {
		from := p.tok.pos
		p.errorExpected("declaration (a function, variable or lock definition)")
		p.syncDecl()
		return &BadDecl{From: from}
	}
	return p.parseDecl(true)
}

func (p *parser) unknownType() {
	if p.floatType(p.tok) {
		return
	}
	p.error(p.tok.pos, fmt.Sprintf("unknown type name '%s' (ksim knows the kernel's common types but not typedefs)", p.tok.lit))
}

// floatType reports t if it names a floating-point type, and says whether it did.
// The kernel does not use floating point (outside kernel_fpu_begin), and neither
// does the simulator.
func (p *parser) floatType(t token) bool {
	if t.tok != IDENT || t.lit != "float" && t.lit != "double" {
		return false
	}
	p.error(t.pos, fmt.Sprintf("floating point is not supported: '%s' (the simulator has integers only, like the kernel)", t.lit))
	return true
}

// parseMacroDecl parses NAME(args); at file scope.
func (p *parser) parseMacroDecl(start Pos, static bool) Decl {
	d := &MacroDecl{Start: start, Static: static, Name: &Ident{NamePos: p.tok.pos, Name: p.tok.lit}}
	p.next()
	d.Lparen = p.tok.pos
	p.next()
	d.Args, d.Rparen = p.parseArgs("macro arguments")
	if p.tok.tok == LBRACE {
		p.error(d.Name.NamePos, fmt.Sprintf("function %s needs a return type (for example: static int %s(void))", d.Name.Name, d.Name.Name))
		p.skipBraces()
		return &BadDecl{From: start}
	}
	if !p.expectSemi("macro " + d.Name.Name + "(...)") {
		p.syncDecl()
	}
	return d
}

// specs is the result of parsing declaration specifiers.
type specs struct {
	start                            Pos
	static, extern, inline, register bool
	base                             *Type // Name, Struct, Const, Volatile, Quals
}

// parseSpecs parses storage classes, qualifiers and the base type. ok is
// false if an error was reported; the caller resynchronises.
func (p *parser) parseSpecs(allowStorage bool) (s specs, ok bool) {
	s.start = p.tok.pos
	s.base = &Type{TypePos: p.tok.pos}
	var words []token // int, unsigned, long ...
	named := false    // a single-word type such as u32 or struct foo
	for {
		t := p.tok
		switch t.tok {
		case STATIC, EXTERN, INLINE, REGISTER, AUTO:
			if !allowStorage {
				p.error(t.pos, fmt.Sprintf("'%s' is not allowed here", t.tok))
				return s, false
			}
			switch t.tok {
			case STATIC:
				s.static = true
			case EXTERN:
				s.extern = true
			case INLINE:
				s.inline = true
			case REGISTER:
				s.register = true
			}
			p.next()
			continue
		case CONST:
			s.base.Const = true
			p.next()
			continue
		case VOLATILE:
			s.base.Volatile = true
			p.next()
			continue
		case TYPEDEF:
			p.error(t.pos, "unsupported construct: typedef "+unsupportedHint)
			return s, false
		case UNION, ENUM:
			p.error(t.pos, fmt.Sprintf("unsupported construct: %s %s", t.tok, unsupportedHint))
			return s, false
		case STRUCT:
			if named || len(words) > 0 {
				p.error(t.pos, "two types in one declaration")
				return s, false
			}
			p.next()
			if p.tok.tok == LBRACE {
				p.error(t.pos, "struct definitions are not supported "+unsupportedHint)
				p.skipBraces()
				return s, false
			}
			if p.tok.tok != IDENT {
				p.errorExpected("struct name after 'struct'")
				return s, false
			}
			tag := p.tok.lit
			p.next()
			if p.tok.tok == LBRACE {
				p.error(t.pos, "struct definitions are not supported "+unsupportedHint)
				p.skipBraces()
				return s, false
			}
			if !named {
				s.base.TypePos = t.pos
			}
			named = true
			s.base.Name = "struct " + tag
			s.base.Struct = tag
			continue
		case IDENT:
			switch {
			case qualifierNames[t.lit]:
				s.base.Quals = append(s.base.Quals, t.lit)
				p.next()
				continue
			case t.lit == "__attribute__" || t.lit == "__attribute":
				p.skipAttribute()
				continue
			case typeNames[t.lit]:
				if named {
					p.error(t.pos, "two types in one declaration")
					return s, false
				}
				if len(words) == 0 {
					s.base.TypePos = t.pos
				}
				words = append(words, t)
				p.next()
				continue
			}
		}
		break
	}
	if !named {
		if len(words) == 0 {
			if p.tok.tok == IDENT && (p.peek(1).tok == IDENT || p.peek(1).tok == MUL) {
				p.unknownType()
			} else {
				p.errorExpected("type name")
			}
			return s, false
		}
		name, ok := canonicalType(words)
		if !ok {
			var spell []string
			for _, w := range words {
				spell = append(spell, w.lit)
			}
			p.error(words[0].pos, fmt.Sprintf("invalid type '%s'", strings.Join(spell, " ")))
			return s, false
		}
		s.base.Name = name
	}
	return s, true
}

// canonicalType folds the C multi-word integer types into one spelling:
// "long unsigned int" and "unsigned long" are both "unsigned long".
func canonicalType(words []token) (string, bool) {
	var signed, unsigned, short, long, char, intw int
	for _, w := range words {
		switch w.lit {
		case "signed":
			signed++
		case "unsigned":
			unsigned++
		case "short":
			short++
		case "long":
			long++
		case "char":
			char++
		case "int":
			intw++
		default:
			// a one-word type name: u32, bool, void, spinlock_t ...
			if len(words) != 1 {
				return "", false
			}
			return w.lit, true
		}
	}
	if signed+unsigned > 1 || short > 1 || long > 2 || char > 1 || intw > 1 ||
		short > 0 && (long > 0 || char > 0) || char > 0 && (long > 0 || intw > 0) {
		return "", false
	}
	var base string
	switch {
	case char > 0:
		base = "char"
		if signed > 0 {
			base = "signed char"
		}
	case short > 0:
		base = "short"
	case long == 2:
		base = "long long"
	case long == 1:
		base = "long"
	default:
		base = "int"
	}
	if unsigned > 0 {
		base = "unsigned " + base
	}
	return base, true
}

// skipAttribute skips GCC's __attribute__((...)), which has no meaning for
// the simulation.
func (p *parser) skipAttribute() {
	p.next()
	if p.tok.tok != LPAREN {
		p.errorExpected("'((' after __attribute__")
		return
	}
	depth := 0
	for p.tok.tok != EOF {
		switch p.tok.tok {
		case LPAREN:
			depth++
		case RPAREN:
			depth--
			if depth == 0 {
				p.next()
				return
			}
		}
		p.next()
	}
}

// parseDeclarator parses the part of a declaration after the specifiers:
// stars, the name and array suffixes. With abstract set the name is
// optional (parameters, casts, sizeof). attrs receives kernel annotations
// written between the stars and the name (void __init foo).
func (p *parser) parseDeclarator(base *Type, abstract bool) (t *Type, name *Ident, attrs []string, ok bool) {
	t = &Type{
		TypePos:  base.TypePos,
		Name:     base.Name,
		Struct:   base.Struct,
		Const:    base.Const,
		Volatile: base.Volatile,
		Quals:    append([]string(nil), base.Quals...),
	}
	for {
		switch {
		case p.tok.tok == MUL:
			t.Ptr++
		case p.tok.tok == CONST:
			t.Const = true
		case p.tok.tok == VOLATILE:
			t.Volatile = true
		case p.tok.tok == IDENT && qualifierNames[p.tok.lit]:
			attrs = append(attrs, p.tok.lit)
		case p.tok.tok == IDENT && (p.tok.lit == "__attribute__" || p.tok.lit == "__attribute"):
			p.skipAttribute()
			continue
		default:
			goto name
		}
		p.next()
	}
name:
	switch {
	case p.tok.tok == IDENT && !typeNames[p.tok.lit]:
		name = &Ident{NamePos: p.tok.pos, Name: p.tok.lit}
		p.next()
	case p.tok.tok == LPAREN && (p.peek(1).tok == MUL || p.peek(1).tok == LPAREN):
		p.error(p.tok.pos, "function pointer declarators are not supported "+unsupportedHint)
		return t, nil, attrs, false
	case !abstract:
		p.errorExpected("name in declaration")
		return t, nil, attrs, false
	}
	for p.tok.tok == LBRACK {
		p.next()
		var dim Expr
		if p.tok.tok != RBRACK {
			dim = p.parseCondExpr()
		}
		t.Dims = append(t.Dims, dim)
		if _, ok := p.expect(RBRACK, "to close array size"); !ok {
			return t, name, attrs, false
		}
	}
	// Annotations may also follow the name: int x __read_mostly;
	for p.tok.tok == IDENT && (qualifierNames[p.tok.lit] || p.tok.lit == "__attribute__") {
		if p.tok.lit == "__attribute__" {
			p.skipAttribute()
			continue
		}
		attrs = append(attrs, p.tok.lit)
		p.next()
	}
	return t, name, attrs, true
}

// parseDecl parses a variable declaration or, at file scope, a function.
// It is entered only when startsDecl is true.
func (p *parser) parseDecl(top bool) Decl {
	start := p.tok.pos
	s, ok := p.parseSpecs(true)
	if !ok {
		p.syncAfterBadDecl(top)
		return &BadDecl{From: start}
	}
	if p.tok.tok == SEMICOLON {
		p.next()
		if s.base.Struct != "" && !s.static {
			return nil // struct foo; is a harmless forward declaration
		}
		p.error(start, "declaration does not declare anything")
		return &BadDecl{From: start}
	}
	t, name, attrs, ok := p.parseDeclarator(s.base, false)
	if !ok {
		p.syncAfterBadDecl(top)
		return &BadDecl{From: start}
	}
	if p.tok.tok == LPAREN {
		if !top {
			p.error(p.tok.pos, "nested functions and local prototypes are not supported")
			p.syncAfterBadDecl(top)
			return &BadDecl{From: start}
		}
		return p.parseFunc(s, t, name, attrs)
	}
	if s.inline {
		p.error(start, "'inline' is only allowed on functions")
	}
	d := &VarDecl{Start: start, Static: s.static, Extern: s.extern, Register: s.register}
	t.Quals = append(t.Quals, attrs...)
	for {
		spec := &VarSpec{Name: name, Type: t}
		if p.tok.tok == ASSIGN {
			spec.Assign = p.tok.pos
			p.next()
			if p.tok.tok == LBRACE {
				spec.Init = p.parseInitList()
			} else {
				spec.Init = p.parseAssignExpr()
			}
		}
		d.Vars = append(d.Vars, spec)
		if p.tok.tok != COMMA {
			break
		}
		p.next()
		t, name, attrs, ok = p.parseDeclarator(s.base, false)
		if !ok {
			p.syncAfterBadDecl(top)
			return d
		}
		t.Quals = append(t.Quals, attrs...)
	}
	if !p.expectSemi("declaration") {
		p.syncAfterBadDecl(top)
	}
	return d
}

func (p *parser) syncAfterBadDecl(top bool) {
	if top {
		p.syncDecl()
	} else {
		p.syncStmt()
	}
}

// parseFunc parses the parameter list and body after `type name`.
func (p *parser) parseFunc(s specs, result *Type, name *Ident, attrs []string) Decl {
	f := &FuncDecl{
		Start:  s.start,
		Static: s.static,
		Inline: s.inline,
		Extern: s.extern,
		Result: result,
		Name:   name,
		Lparen: p.tok.pos,
	}
	// Annotations among the specifiers describe the function, not its
	// result type.
	f.Attrs = append(result.Quals, attrs...)
	result.Quals = nil
	if len(result.Dims) > 0 {
		// The size may be absent (int f[](void)), so report at the name.
		p.error(name.NamePos, "functions cannot return arrays")
	}
	p.next()
	if !p.parseParams(f) {
		p.syncDecl()
		return f
	}
	switch p.tok.tok {
	case SEMICOLON:
		p.next()
	case LBRACE:
		f.Body = p.parseBlock("function " + name.Name)
	default:
		p.errorExpected("'{' or ';' after the parameter list of " + name.Name)
		p.syncDecl()
	}
	return f
}

func (p *parser) parseParams(f *FuncDecl) bool {
	if p.tok.tok == IDENT && p.tok.lit == "void" && p.peek(1).tok == RPAREN {
		p.next()
	}
	for first := true; !first || p.tok.tok != RPAREN; first = false {
		start := p.i
		if p.tok.tok == ELLIPSIS {
			f.Variadic = true
			p.next()
			break
		}
		if !startsType(p.tok) && !(p.tok.tok == IDENT && qualifierNames[p.tok.lit]) {
			if p.tok.tok == IDENT && (p.peek(1).tok == IDENT || p.peek(1).tok == MUL) {
				p.unknownType()
			} else {
				p.errorExpected("parameter type")
			}
			return false
		}
		s, ok := p.parseSpecs(false)
		if !ok {
			return false
		}
		t, name, attrs, ok := p.parseDeclarator(s.base, true)
		if !ok {
			return false
		}
		t.Quals = append(t.Quals, attrs...)
		f.Params = append(f.Params, &Param{Type: t, Name: name})
		p.progress(start)
		if p.tok.tok != COMMA {
			break
		}
		p.next()
	}
	pos, ok := p.expect(RPAREN, "to close the parameter list of "+f.Name.Name)
	f.Rparen = pos
	return ok
}

// ----------------------------------------------------------------------------
// Statements

// parseBlock parses { ... }. what names the construct for the "missing '}'"
// message.
func (p *parser) parseBlock(what string) *BlockStmt {
	p.enter()
	defer p.leave()
	b := &BlockStmt{Lbrace: p.tok.pos}
	p.next()
	b.List = p.parseStmtList()
	if p.tok.tok == EOF {
		p.error(p.tok.pos, fmt.Sprintf("unexpected end of file: missing '}' to close %s at %s", what, b.Lbrace))
		b.Rbrace = p.tok.pos
		return b
	}
	b.Rbrace = p.tok.pos
	p.next()
	return b
}

// parseStmtList parses statements up to a '}' or end of file.
func (p *parser) parseStmtList() (list []Stmt) {
	for p.tok.tok != RBRACE && p.tok.tok != EOF {
		start := p.i
		if s := p.parseStmt(); s != nil {
			list = append(list, s)
		}
		p.progress(start)
	}
	return list
}

func (p *parser) parseStmt() Stmt {
	p.enter()
	defer p.leave()
	pos := p.tok.pos
	switch p.tok.tok {
	case LBRACE:
		return p.parseBlock("the block")
	case SEMICOLON:
		p.next()
		return &EmptyStmt{Semi: pos}
	case IF:
		return p.parseIf()
	case WHILE:
		p.next()
		s := &WhileStmt{While: pos}
		s.Cond = p.parseCond("while")
		s.Body = p.parseBody("while")
		return s
	case DO:
		return p.parseDo()
	case FOR:
		return p.parseFor()
	case SWITCH:
		return p.parseSwitch()
	case CASE, DEFAULT:
		if p.switchDepth > 0 {
			p.error(pos, fmt.Sprintf("'%s' labels inside nested blocks of a switch are not supported", p.tok.tok))
		} else {
			p.error(pos, fmt.Sprintf("'%s' label not within a switch statement", p.tok.tok))
		}
		p.syncStmt()
		return &BadStmt{From: pos}
	case ELSE:
		p.error(pos, "'else' without a previous 'if'")
		p.next()
		return &BadStmt{From: pos}
	case RETURN:
		p.next()
		s := &ReturnStmt{Return: pos}
		if p.tok.tok != SEMICOLON {
			s.Result = p.parseExpr()
		}
		if !p.expectSemi("return statement") {
			p.syncStmt()
		}
		return s
	case BREAK, CONTINUE:
		s := &BranchStmt{TokPos: pos, Tok: p.tok.tok}
		p.next()
		if !p.expectSemi(s.Tok.String()) {
			p.syncStmt()
		}
		return s
	case GOTO:
		p.next()
		s := &BranchStmt{TokPos: pos, Tok: GOTO}
		if p.tok.tok != IDENT {
			p.errorExpected("label name after goto")
			p.syncStmt()
			return &BadStmt{From: pos}
		}
		s.Label = &Ident{NamePos: p.tok.pos, Name: p.tok.lit}
		p.next()
		if !p.expectSemi("goto statement") {
			p.syncStmt()
		}
		return s
	case IDENT:
		next := p.peek(1)
		switch {
		case next.tok == COLON && !typeNames[p.tok.lit]:
			return p.parseLabeled()
		case typeNames[p.tok.lit] || qualifierNames[p.tok.lit]:
			return p.parseDeclStmt()
		case next.tok == IDENT && !kernLevels[p.tok.lit]:
			p.unknownType()
			p.syncStmt()
			return &BadStmt{From: pos}
		}
	}
	if p.startsDecl() {
		return p.parseDeclStmt()
	}
	x := p.parseExpr()
	if _, bad := x.(*BadExpr); bad {
		p.syncStmt()
		return &BadStmt{From: pos}
	}
	if !p.expectSemi("expression") {
		p.syncStmt()
	}
	return &ExprStmt{X: x}
}

func (p *parser) parseDeclStmt() Stmt {
	pos := p.tok.pos
	d := p.parseDecl(false)
	if vd, ok := d.(*VarDecl); ok {
		return &DeclStmt{Decl: vd}
	}
	if d == nil {
		return nil
	}
	return &BadStmt{From: pos}
}

func (p *parser) parseLabeled() Stmt {
	s := &LabeledStmt{Label: &Ident{NamePos: p.tok.pos, Name: p.tok.lit}}
	p.next()
	s.Colon = p.tok.pos
	p.next()
	if p.tok.tok == RBRACE {
		// "out: }" is accepted by GCC and common in kernel code.
		s.Stmt = &EmptyStmt{Semi: p.tok.pos, Implicit: true}
		return s
	}
	s.Stmt = p.parseStmt()
	if s.Stmt == nil {
		s.Stmt = &EmptyStmt{Semi: p.tok.pos, Implicit: true}
	}
	return s
}

// parseCond parses the parenthesised condition of if, while and switch.
func (p *parser) parseCond(what string) Expr {
	if _, ok := p.expect(LPAREN, "after "+what); !ok {
		return &BadExpr{From: p.tok.pos}
	}
	x := p.parseExpr()
	if _, ok := p.expect(RPAREN, "to close the "+what+" condition"); !ok {
		// Skip the rest of the condition but keep the body.
		for p.tok.tok != RPAREN && p.tok.tok != LBRACE && p.tok.tok != SEMICOLON && p.tok.tok != RBRACE && p.tok.tok != EOF {
			p.next()
		}
		if p.tok.tok == RPAREN {
			p.next()
		}
	}
	return x
}

// parseBody parses the statement controlled by if/else/while/for/do. A
// declaration there is not valid C, and a missing body is reported as such.
func (p *parser) parseBody(what string) Stmt {
	if p.tok.tok == RBRACE || p.tok.tok == EOF {
		p.errorExpected("statement after " + what)
		return &BadStmt{From: p.tok.pos}
	}
	s := p.parseStmt()
	if s == nil {
		return &EmptyStmt{Semi: p.prevEnd, Implicit: true}
	}
	return s
}

func (p *parser) parseIf() Stmt {
	s := &IfStmt{If: p.tok.pos}
	p.next()
	s.Cond = p.parseCond("if")
	s.Then = p.parseBody("if")
	if p.tok.tok == ELSE {
		p.next()
		s.Else = p.parseBody("else")
	}
	return s
}

func (p *parser) parseDo() Stmt {
	s := &DoWhileStmt{Do: p.tok.pos}
	p.next()
	s.Body = p.parseBody("do")
	if _, ok := p.expect(WHILE, "after the body of do"); !ok {
		p.syncStmt()
		s.Cond = &BadExpr{From: p.tok.pos}
		return s
	}
	s.Cond = p.parseCond("do-while")
	if !p.expectSemi("do-while statement") {
		p.syncStmt()
	}
	return s
}

func (p *parser) parseFor() Stmt {
	s := &ForStmt{For: p.tok.pos}
	p.next()
	if _, ok := p.expect(LPAREN, "after for"); !ok {
		p.syncStmt()
		return &BadStmt{From: s.For}
	}
	switch {
	case p.tok.tok == SEMICOLON:
		p.next()
	case p.startsDecl():
		// The declaration consumes its own ';'.
		s.Init = p.parseDeclStmt()
	default:
		s.Init = &ExprStmt{X: p.parseExpr()}
		if _, ok := p.expect(SEMICOLON, "after for-loop initialisation"); !ok {
			p.syncStmt()
			return &BadStmt{From: s.For}
		}
	}
	if p.tok.tok != SEMICOLON {
		s.Cond = p.parseExpr()
	}
	if _, ok := p.expect(SEMICOLON, "after for-loop condition"); !ok {
		p.syncStmt()
		return &BadStmt{From: s.For}
	}
	if p.tok.tok != RPAREN {
		s.Post = p.parseExpr()
	}
	if _, ok := p.expect(RPAREN, "to close the for-loop header"); !ok {
		p.syncStmt()
		return &BadStmt{From: s.For}
	}
	s.Body = p.parseBody("for")
	return s
}

func (p *parser) parseSwitch() Stmt {
	s := &SwitchStmt{Switch: p.tok.pos}
	p.next()
	s.Tag = p.parseCond("switch")
	if p.tok.tok != LBRACE {
		p.errorExpected("'{' after switch condition")
		p.syncStmt()
		return s
	}
	s.Lbrace = p.tok.pos
	p.next()
	p.switchDepth++
	defer func() { p.switchDepth-- }()
	var cur *CaseClause
	for p.tok.tok != RBRACE && p.tok.tok != EOF {
		start := p.i
		switch p.tok.tok {
		case CASE, DEFAULT:
			cur = &CaseClause{Case: p.tok.pos}
			if p.tok.tok == CASE {
				p.next()
				cur.Value = p.parseCondExpr()
			} else {
				p.next()
			}
			cur.Colon = p.tok.pos
			if _, ok := p.expect(COLON, "after case label"); !ok {
				p.syncStmt()
			}
			s.Clauses = append(s.Clauses, cur)
		default:
			// Nested case labels would be seen as errors by parseStmt,
			// so only one level of switch nesting counts here.
			saved := p.switchDepth
			p.switchDepth = 1
			st := p.parseStmt()
			p.switchDepth = saved
			if st == nil {
				break
			}
			if cur == nil {
				p.error(st.Pos(), "statement in switch before the first case label is never executed")
			} else {
				cur.Body = append(cur.Body, st)
			}
		}
		p.progress(start)
	}
	if p.tok.tok == EOF {
		p.error(p.tok.pos, fmt.Sprintf("unexpected end of file: missing '}' to close switch at %s", s.Lbrace))
	}
	s.Rbrace = p.tok.pos
	p.next()
	return s
}

// ----------------------------------------------------------------------------
// Expressions

// parseExpr parses a full expression, including the comma operator.
func (p *parser) parseExpr() Expr {
	x := p.parseAssignExpr()
	// Each operator of a chain (a, b, c) nests the tree one level deeper
	// on the left, so it counts towards maxNest like a parenthesis: the
	// checker and the interpreter recurse on the tree.
	n := 0
	defer func() { p.nest -= n }()
	for p.tok.tok == COMMA {
		p.enter()
		n++
		pos := p.tok.pos
		p.next()
		x = &BinaryExpr{X: x, OpPos: pos, Op: COMMA, Y: p.parseAssignExpr()}
	}
	return x
}

func (p *parser) parseAssignExpr() Expr {
	p.enter()
	defer p.leave()
	x := p.parseCondExpr()
	if p.tok.tok.IsAssignOp() {
		op, pos := p.tok.tok, p.tok.pos
		p.next()
		return &AssignExpr{LHS: x, OpPos: pos, Op: op, RHS: p.parseAssignExpr()}
	}
	return x
}

func (p *parser) parseCondExpr() Expr {
	x := p.parseBinaryExpr(1)
	if p.tok.tok != QUESTION {
		return x
	}
	c := &CondExpr{Cond: x, Question: p.tok.pos}
	p.next()
	if p.tok.tok != COLON { // GNU a ?: b leaves Then nil
		c.Then = p.parseExpr()
	}
	c.Colon = p.tok.pos
	if _, ok := p.expect(COLON, "in conditional expression"); !ok {
		c.Else = &BadExpr{From: p.tok.pos}
		return c
	}
	p.enter()
	defer p.leave()
	c.Else = p.parseCondExpr()
	return c
}

// parseBinaryExpr is precedence climbing over Token.Precedence, all binary
// operators being left-associative.
func (p *parser) parseBinaryExpr(prec1 int) Expr {
	x := p.parseUnaryExpr()
	// a + b + c ... is left-deep: each operator counts as a nesting level
	// (see parseExpr), or a long enough chain overflows the stack of
	// whatever walks the tree.
	n := 0
	defer func() { p.nest -= n }()
	for {
		op := p.tok.tok
		prec := op.Precedence()
		if prec < prec1 {
			return x
		}
		p.enter()
		n++
		pos := p.tok.pos
		p.next()
		y := p.parseBinaryExpr(prec + 1)
		x = &BinaryExpr{X: x, OpPos: pos, Op: op, Y: y}
	}
}

func (p *parser) parseUnaryExpr() Expr {
	p.enter()
	defer p.leave()
	pos := p.tok.pos
	switch p.tok.tok {
	case NOT, TILDE, SUB, ADD, MUL, AND, INC, DEC:
		op := p.tok.tok
		p.next()
		return &UnaryExpr{OpPos: pos, Op: op, X: p.parseUnaryExpr()}
	case SIZEOF:
		p.next()
		if p.tok.tok == LPAREN {
			p.floatType(p.peek(1)) // sizeof(double)
		}
		if p.tok.tok == LPAREN && startsType(p.peek(1)) {
			p.next()
			t := p.parseTypeName()
			p.expect(RPAREN, "to close sizeof")
			return &SizeofExpr{Sizeof: pos, Type: t}
		}
		return &SizeofExpr{Sizeof: pos, X: p.parseUnaryExpr()}
	case LPAREN:
		if n := p.peek(2); n.tok == RPAREN || n.tok == MUL {
			p.floatType(p.peek(1)) // (double)x, (float *)p
		}
		if startsType(p.peek(1)) {
			p.next()
			t := p.parseTypeName()
			rparen, ok := p.expect(RPAREN, "to close the cast")
			if !ok {
				return &BadExpr{From: pos}
			}
			if p.tok.tok == LBRACE {
				p.error(p.tok.pos, "compound literals are not supported")
				return &BadExpr{From: pos}
			}
			return &CastExpr{Lparen: pos, Type: t, Rparen: rparen, X: p.parseUnaryExpr()}
		}
	}
	return p.parsePostfixExpr(p.parsePrimaryExpr())
}

// parseTypeName parses an abstract type, as in a cast or sizeof.
func (p *parser) parseTypeName() *Type {
	s, ok := p.parseSpecs(false)
	if !ok {
		return s.base
	}
	t, name, attrs, _ := p.parseDeclarator(s.base, true)
	if name != nil {
		p.error(name.NamePos, fmt.Sprintf("unexpected name '%s' in type", name.Name))
	}
	t.Quals = append(t.Quals, attrs...)
	return t
}

func (p *parser) parsePrimaryExpr() Expr {
	t := p.tok
	switch t.tok {
	case IDENT:
		if typeNames[t.lit] {
			p.error(t.pos, fmt.Sprintf("expected expression, found type name '%s'", t.lit))
			return &BadExpr{From: t.pos}
		}
		p.next()
		if kernLevels[t.lit] && p.tok.tok == STRING {
			s := p.parseStringLit()
			s.Level, s.LevelPos, s.ValuePos = t.lit, t.pos, t.pos
			return s
		}
		return &Ident{NamePos: t.pos, Name: t.lit}
	case INT:
		p.next()
		return p.parseIntLit(t)
	case CHAR:
		p.next()
		return p.parseCharLit(t)
	case STRING:
		return p.parseStringLit()
	case LPAREN:
		p.next()
		if p.tok.tok == LBRACE {
			p.error(p.tok.pos, "statement expressions ({ ... }) are not supported")
			return &BadExpr{From: t.pos}
		}
		x := p.parseExpr()
		rparen, ok := p.expect(RPAREN, "to close '(' at "+t.pos.String())
		if !ok {
			return &BadExpr{From: t.pos}
		}
		return &ParenExpr{Lparen: t.pos, X: x, Rparen: rparen}
	}
	p.errorExpected("expression")
	return &BadExpr{From: t.pos}
}

// parseStringLit concatenates adjacent literals, as C does: "a" "b".
func (p *parser) parseStringLit() *StringLit {
	s := &StringLit{ValuePos: p.tok.pos}
	var val []byte
	for p.tok.tok == STRING {
		s.Raw = append(s.Raw, p.tok.lit)
		b, _ := p.unquote(p.tok.pos, p.tok.lit, '"')
		val = append(val, b...)
		p.next()
	}
	s.Value = string(val)
	return s
}

func (p *parser) parsePostfixExpr(x Expr) Expr {
	// a[0][0]..., f()()... and x++++ nest on the left too (see parseExpr).
	n := 0
	defer func() { p.nest -= n }()
	for {
		start := p.i
		switch p.tok.tok {
		case LPAREN, LBRACK, PERIOD, ARROW, INC, DEC:
			p.enter()
			n++
		}
		switch p.tok.tok {
		case LPAREN:
			c := &CallExpr{Fun: x, Lparen: p.tok.pos}
			p.next()
			c.Args, c.Rparen = p.parseArgs("call")
			x = c
		case LBRACK:
			ix := &IndexExpr{X: x, Lbrack: p.tok.pos}
			p.next()
			ix.Index = p.parseExpr()
			ix.Rbrack, _ = p.expect(RBRACK, "to close index")
			x = ix
		case PERIOD, ARROW:
			m := &MemberExpr{X: x, OpPos: p.tok.pos, Arrow: p.tok.tok == ARROW}
			p.next()
			if p.tok.tok != IDENT {
				p.errorExpected("field name after '" + map[bool]string{true: "->", false: "."}[m.Arrow] + "'")
				return &BadExpr{From: x.Pos()}
			}
			m.Sel = &Ident{NamePos: p.tok.pos, Name: p.tok.lit}
			p.next()
			x = m
		case INC, DEC:
			x = &PostfixExpr{X: x, OpPos: p.tok.pos, Op: p.tok.tok}
			p.next()
		default:
			return x
		}
		p.progress(start)
	}
}

// parseArgs parses arguments up to and including ')'. Kernel macros take
// type names as arguments (module_param(n, int, 0644), container_of), so
// an argument that starts with a type is parsed as a TypeExpr.
func (p *parser) parseArgs(what string) (args []Expr, rparen Pos) {
	// After a comma an argument is required, so the loop condition only
	// guards the first one: f() is fine, f(a,) is not.
	for first := true; !first || p.tok.tok != RPAREN; first = false {
		start := p.i
		if startsType(p.tok) {
			pos := p.tok.pos
			args = append(args, &TypeExpr{TypePos: pos, Type: p.parseTypeName()})
		} else {
			args = append(args, p.parseAssignExpr())
		}
		p.progress(start)
		if p.tok.tok != COMMA {
			break
		}
		p.next()
	}
	rparen, _ = p.expect(RPAREN, "to close "+what)
	return args, rparen
}

func (p *parser) parseInitList() Expr {
	p.enter()
	defer p.leave()
	l := &InitList{Lbrace: p.tok.pos}
	p.next()
	for p.tok.tok != RBRACE && p.tok.tok != EOF {
		start := p.i
		switch p.tok.tok {
		case LBRACE:
			l.Elts = append(l.Elts, p.parseInitList())
		case PERIOD, LBRACK:
			p.error(p.tok.pos, "designated initialisers are not supported")
			return &BadExpr{From: l.Lbrace}
		default:
			l.Elts = append(l.Elts, p.parseAssignExpr())
		}
		p.progress(start)
		if p.tok.tok != COMMA {
			break
		}
		p.next()
	}
	var ok bool
	if l.Rbrace, ok = p.expect(RBRACE, "to close initialiser list"); !ok {
		return &BadExpr{From: l.Lbrace}
	}
	return l
}

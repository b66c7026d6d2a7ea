package syntax

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// token is one lexical token. end is the position just after the token,
// which is where a missing ';' is reported.
type token struct {
	tok  Token
	pos  Pos
	end  Pos
	off  int    // byte offset of the first character
	lit  string // source text for IDENT, INT, CHAR, STRING; directive name for DIRECTIVE
	text string // DIRECTIVE (except define): rest of the line, comments removed
}

// scanner splits the source into tokens. It keeps going after errors
// (reporting them through errh) so that the parser sees a complete token
// stream and can report its own errors too.
type scanner struct {
	src  []byte
	errh func(pos Pos, msg string)

	off       int // current reading offset
	line, col int // position of src[off]

	lineStart   bool // only white space (and comments) since the last newline
	inDirective bool // inside a #define line: newline ends it with EOD
}

func newScanner(src []byte, errh func(Pos, string)) *scanner {
	s := &scanner{src: src, errh: errh, line: 1, col: 1, lineStart: true}
	// A UTF-8 byte order mark is invisible in editors and harmless.
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		s.off = 3
	}
	return s
}

func (s *scanner) pos() Pos { return Pos{s.line, s.col} }

func (s *scanner) peekByte(n int) byte {
	if s.off+n < len(s.src) {
		return s.src[s.off+n]
	}
	return 0
}

// advance consumes one byte, tracking line and column.
func (s *scanner) advance() {
	if s.off >= len(s.src) {
		return
	}
	if s.src[s.off] == '\n' {
		s.line++
		s.col = 1
	} else {
		s.col++
	}
	s.off++
}

// atContinuation reports whether a backslash-newline starts at off.
// Both LF and CRLF line endings occur in pasted code.
func (s *scanner) continuationLen() int {
	if s.peekByte(0) != '\\' {
		return 0
	}
	if s.peekByte(1) == '\n' {
		return 2
	}
	if s.peekByte(1) == '\r' && s.peekByte(2) == '\n' {
		return 3
	}
	return 0
}

// skipSpace skips white space, comments and line continuations. It stops at
// a newline that ends a directive, leaving it for scan to turn into EOD.
func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == '\n':
			if s.inDirective {
				return
			}
			s.lineStart = true
			s.advance()
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			s.advance()
		case c == '\\' && s.continuationLen() > 0:
			for n := s.continuationLen(); n > 0; n-- {
				s.advance()
			}
		case c == '/' && s.peekByte(1) == '/':
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.advance()
			}
		case c == '/' && s.peekByte(1) == '*':
			s.skipBlockComment()
		default:
			return
		}
	}
}

func (s *scanner) skipBlockComment() {
	start := s.pos()
	s.advance()
	s.advance()
	for s.off < len(s.src) {
		if s.src[s.off] == '*' && s.peekByte(1) == '/' {
			s.advance()
			s.advance()
			return
		}
		s.advance()
	}
	s.errh(start, "comment not terminated")
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scan returns the next token.
func (s *scanner) scan() token {
	s.skipSpace()
	t := token{pos: s.pos(), off: s.off}
	if s.off >= len(s.src) {
		if s.inDirective {
			s.inDirective = false
			t.tok = EOD
		} else {
			t.tok = EOF
		}
		t.end = t.pos
		return t
	}
	c := s.src[s.off]
	if c == '\n' { // only reached inside a directive
		s.inDirective = false
		t.tok = EOD
		t.end = t.pos
		return t
	}
	atLineStart := s.lineStart
	s.lineStart = false

	switch {
	case isLetter(c):
		for s.off < len(s.src) && (isLetter(s.src[s.off]) || isDigit(s.src[s.off])) {
			s.advance()
		}
		t.lit = string(s.src[t.off:s.off])
		if kw, ok := keywords[t.lit]; ok {
			t.tok = kw
		} else {
			t.tok = IDENT
		}
	case isDigit(c) || c == '.' && isDigit(s.peekByte(1)):
		s.scanNumber()
		t.tok = INT
		t.lit = string(s.src[t.off:s.off])
	case c == '"':
		s.scanQuoted('"')
		t.tok = STRING
		t.lit = string(s.src[t.off:s.off])
	case c == '\'':
		s.scanQuoted('\'')
		t.tok = CHAR
		t.lit = string(s.src[t.off:s.off])
	case c == '#':
		if !atLineStart || s.inDirective {
			s.advance()
			s.errh(t.pos, "'#' is only allowed at the start of a preprocessor line")
			t.tok = ILLEGAL
			t.lit = "#"
			break
		}
		s.scanDirective(&t)
	default:
		s.scanOperator(&t)
	}
	t.end = Pos{t.pos.Line, t.pos.Col + (s.off - t.off)}
	if t.end.Line != s.line { // a line continuation inside the token
		t.end = s.pos()
	}
	return t
}

// scanNumber consumes a pp-number: digits, letters, dots and exponent
// signs. Validating it is the parser's job (see parseIntLit), which keeps
// "0x" or "12abc" to a single token with a single, precise error.
func (s *scanner) scanNumber() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		if (c == '+' || c == '-') && s.off > 0 {
			p := s.src[s.off-1] | 0x20
			if p == 'e' || p == 'p' {
				s.advance()
				continue
			}
		}
		if !isLetter(c) && !isDigit(c) && c != '.' {
			return
		}
		s.advance()
	}
}

// scanQuoted consumes a string or character literal; decoding (and escape
// validation) happens in the parser, which knows the literal's position.
func (s *scanner) scanQuoted(quote byte) {
	start := s.pos()
	s.advance()
	for {
		if s.off >= len(s.src) || s.src[s.off] == '\n' {
			if quote == '"' {
				s.errh(start, "string literal not terminated")
			} else {
				s.errh(start, "character literal not terminated")
			}
			return
		}
		c := s.src[s.off]
		if c == '\\' && s.off+1 < len(s.src) && s.src[s.off+1] != '\n' {
			s.advance()
			s.advance()
			continue
		}
		s.advance()
		if c == quote {
			return
		}
	}
}

func (s *scanner) scanDirective(t *token) {
	s.advance() // '#'
	for s.off < len(s.src) && (s.src[s.off] == ' ' || s.src[s.off] == '\t') {
		s.advance()
	}
	nameOff := s.off
	for s.off < len(s.src) && (isLetter(s.src[s.off]) || isDigit(s.src[s.off])) {
		s.advance()
	}
	t.tok = DIRECTIVE
	t.lit = string(s.src[nameOff:s.off])
	if t.lit == "define" {
		// The body is ordinary tokens; the newline ends it.
		s.inDirective = true
		return
	}
	t.text = s.restOfLine()
}

// restOfLine returns the remainder of a directive line with continuations
// joined and comments replaced by a space, as the C preprocessor would.
func (s *scanner) restOfLine() string {
	var b strings.Builder
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == '\n':
			return b.String()
		case c == '\\' && s.continuationLen() > 0:
			for n := s.continuationLen(); n > 0; n-- {
				s.advance()
			}
		case c == '/' && s.peekByte(1) == '/':
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.advance()
			}
		case c == '/' && s.peekByte(1) == '*':
			s.skipBlockComment()
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
			s.advance()
		}
	}
	return b.String()
}

// operators maps operator spellings to tokens, longest first per leading
// byte, so scanOperator can take the first match.
var operators = func() map[byte][]struct {
	s string
	t Token
} {
	m := make(map[byte][]struct {
		s string
		t Token
	})
	for t := operatorBeg + 1; t < operatorEnd; t++ {
		sp := tokens[t]
		m[sp[0]] = append(m[sp[0]], struct {
			s string
			t Token
		}{sp, t})
	}
	for _, l := range m {
		// insertion sort by descending length; lists are tiny
		for i := 1; i < len(l); i++ {
			for j := i; j > 0 && len(l[j].s) > len(l[j-1].s); j-- {
				l[j], l[j-1] = l[j-1], l[j]
			}
		}
	}
	return m
}()

func (s *scanner) scanOperator(t *token) {
	c := s.src[s.off]
	for _, op := range operators[c] {
		if s.off+len(op.s) <= len(s.src) && string(s.src[s.off:s.off+len(op.s)]) == op.s {
			for range len(op.s) {
				s.advance()
			}
			t.tok = op.t
			return
		}
	}
	// Not an operator: report the character as the user sees it.
	t.tok = ILLEGAL
	if c < utf8.RuneSelf {
		s.advance()
		t.lit = string(c)
		if c < ' ' || c == 0x7f {
			s.errh(t.pos, fmt.Sprintf("invalid character %#U", rune(c)))
		} else {
			s.errh(t.pos, fmt.Sprintf("invalid character '%c'", c))
		}
		return
	}
	r, size := utf8.DecodeRune(s.src[s.off:])
	for range size {
		s.advance()
	}
	t.lit = string(s.src[t.off:s.off])
	if r == utf8.RuneError && size == 1 {
		s.errh(t.pos, "invalid UTF-8 encoding")
		return
	}
	if strings.ContainsRune("\u2018\u2019\u201C\u201D", r) {
		// Word processors and slide decks "smarten" quotes.
		s.errh(t.pos, fmt.Sprintf("invalid character %#U: a typographic quote, use ' or \" instead", r))
		return
	}
	s.errh(t.pos, fmt.Sprintf("invalid character %#U (only ASCII is allowed outside strings and comments)", r))
}

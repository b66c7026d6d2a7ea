package cfront

import (
	"bytes"
	"fmt"
)

// The pre-pass reads a source as the C preprocessor's first translation phases
// do (line splices, comments, string and character literals, identifiers,
// pp-numbers, punctuators) without expanding anything. It does two jobs before
// cc/v4 sees a file: it bounds nesting, so that hostile input cannot make cc's
// recursive descent parser overflow the stack, and it rewrites GNU named
// variadic macros, which cc/v4 v4.35.0 mishandles.

type ptokKind int

const (
	ptokIdent ptokKind = iota
	ptokNumber
	ptokString // string or character literal
	ptokPunct
)

// ptok is a pre-pass token: src[start:end], at line:col (1-based, col in
// bytes); bol is set for the first token of a line (after a newline that is not
// a line splice).
type ptok struct {
	kind       ptokKind
	start, end int
	pos        Pos
	bol        bool
}

// scanTokens splits src into pre-pass tokens. It never fails: an unterminated
// comment or literal ends at the end of the input or line, as cc/v4 will then
// report it.
func scanTokens(src []byte) []ptok {
	var toks []ptok
	line, lineStart := 1, 0
	bol := true
	i := 0
	n := len(src)
	// splice skips line splices (backslash newline) at i.
	splice := func() {
		for i+1 < n && src[i] == '\\' && (src[i+1] == '\n' || src[i+1] == '\r' && i+2 < n && src[i+2] == '\n') {
			if src[i+1] == '\r' {
				i++
			}
			i += 2
			line++
			lineStart = i
		}
	}
	for {
		splice()
		if i >= n {
			return toks
		}
		c := src[i]
		switch {
		case c == '\n':
			i++
			line++
			lineStart = i
			bol = true
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '/' && i+1 < n && src[i+1] == '/':
			for i < n && src[i] != '\n' {
				if src[i] == '\\' {
					splice()
					if i < n && src[i] == '\\' {
						i++
					}
					continue
				}
				i++
			}
			continue
		case c == '/' && i+1 < n && src[i+1] == '*':
			i += 2
			for i < n && !(src[i] == '*' && i+1 < n && src[i+1] == '/') {
				if src[i] == '\n' {
					line++
					lineStart = i + 1
				}
				i++
			}
			i += 2
			if i > n {
				i = n
			}
			continue
		}
		t := ptok{start: i, pos: Pos{Line: line, Col: i - lineStart + 1}, bol: bol}
		bol = false
		switch {
		case c == '"' || c == '\'':
			t.kind = ptokString
			i++
			for i < n && src[i] != c && src[i] != '\n' {
				if src[i] == '\\' && i+1 < n {
					if src[i+1] == '\n' {
						line++
						lineStart = i + 2
					}
					i++
				}
				i++
			}
			if i < n && src[i] == c {
				i++
			}
		case isIdentStart(c):
			t.kind = ptokIdent
			for i < n && isIdentChar(src[i]) {
				i++
				splice()
			}
		case isDigit(c) || c == '.' && i+1 < n && isDigit(src[i+1]):
			t.kind = ptokNumber
			for i < n {
				d := src[i]
				if (d == '+' || d == '-') && (src[i-1]|0x20 == 'e' || src[i-1]|0x20 == 'p') {
					i++
					continue
				}
				if !isIdentChar(d) && d != '.' {
					break
				}
				i++
			}
		case c == '.' && i+2 < n && src[i+1] == '.' && src[i+2] == '.':
			t.kind = ptokPunct
			i += 3
		default:
			t.kind = ptokPunct
			i++
		}
		t.end = i
		toks = append(toks, t)
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '$' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// MaxNesting is the deepest nesting of parentheses, brackets and braces (all
// kinds counted together) that Parse accepts, in the source as written and after
// macro expansion. Real kernel code stays far below it; cc/v4 parses by
// recursive descent, so unbounded nesting would exhaust the stack.
const MaxNesting = 256

// tooDeep is the error for nesting beyond MaxNesting.
func tooDeep() string {
	return fmt.Sprintf("nesting too deep: more than %d parentheses, brackets and braces open at once (ksim's limit)", MaxNesting)
}

// checkNesting reports the position of the first bracket that opens more than
// MaxNesting levels.
func checkNesting(toks []ptok, src []byte) (Pos, bool) {
	depth := 0
	for _, t := range toks {
		if t.kind != ptokPunct || t.end-t.start != 1 {
			continue
		}
		switch src[t.start] {
		case '(', '[', '{':
			depth++
			if depth > MaxNesting {
				return t.pos, false
			}
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return Pos{}, true
}

// fixNamedVariadic rewrites every GNU named variadic macro definition
//
//	#define PDEBUG(fmt, args...) printk(fmt, ## args)
//
// to the C99 form cc/v4 handles
//
//	#define PDEBUG(fmt, ...    ) printk(fmt, ## __VA_ARGS__)
//
// GCC documents the two as equivalent ("Variadic Macros" in the cpp manual),
// including the comma that `, ## args` drops when args is empty. cc/v4 v4.35.0
// keeps that comma for the named form, so PDEBUG("x\n") would be a syntax error.
// The parameter name is blanked to spaces and its uses in the body become
// __VA_ARGS__; line numbers do not change. src is not modified; the result is
// src itself when there is nothing to rewrite.
func fixNamedVariadic(src []byte, toks []ptok) []byte {
	type edit struct {
		start, end int
		repl       string
	}
	var edits []edit
	text := func(t ptok) string { return string(src[t.start:t.end]) }
	for i := 0; i+4 < len(toks); i++ {
		if !toks[i].bol || text(toks[i]) != "#" || text(toks[i+1]) != "define" || toks[i+2].kind != ptokIdent {
			continue
		}
		lp := toks[i+3]
		if text(lp) != "(" || lp.start != toks[i+2].end || lp.bol {
			continue
		}
		// Parameter list: identifiers separated by commas, the last one
		// possibly followed by "...".
		j := i + 4
		var name ptok
		found := false
		for j < len(toks) && !toks[j].bol && text(toks[j]) != ")" {
			if toks[j].kind == ptokIdent && j+1 < len(toks) && text(toks[j+1]) == "..." && !toks[j+1].bol {
				name, found = toks[j], true
			}
			j++
		}
		if !found || j >= len(toks) || toks[j].bol {
			continue
		}
		edits = append(edits, edit{name.start, name.end, string(bytes.Repeat([]byte(" "), name.end-name.start))})
		for j++; j < len(toks) && !toks[j].bol; j++ {
			if toks[j].kind == ptokIdent && text(toks[j]) == text(name) {
				edits = append(edits, edit{toks[j].start, toks[j].end, "__VA_ARGS__"})
			}
		}
		i = j - 1
	}
	if len(edits) == 0 {
		return src
	}
	var b bytes.Buffer
	b.Grow(len(src) + 16*len(edits))
	last := 0
	for _, e := range edits {
		b.Write(src[last:e.start])
		b.WriteString(e.repl)
		last = e.end
	}
	b.Write(src[last:])
	return b.Bytes()
}

package cfront

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a source position. Line and Col are 1-based; Col counts bytes, like
// go/token, so that a position can be turned back into a byte offset without
// knowing the encoding. The zero Pos means "no position".
type Pos struct {
	Line, Col int
}

// IsValid reports whether p refers to an actual source position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String returns "line:col", or "-" for an invalid position.
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Col)
}

// Before reports whether p comes strictly before q.
func (p Pos) Before(q Pos) bool {
	return p.Line < q.Line || p.Line == q.Line && p.Col < q.Col
}

// Position formats p as "file:line:col", the form editors and compilers use,
// or "file" alone when p is invalid.
func Position(filename string, p Pos) string {
	if !p.IsValid() {
		return filename
	}
	if filename == "" {
		return p.String()
	}
	return filename + ":" + p.String()
}

// Error is a single error in a C source: a syntax or type error, or a limit of ksim.
type Error struct {
	Filename string
	Pos      Pos
	Msg      string
}

// Error returns "file:line:col: msg".
func (e *Error) Error() string {
	return Position(e.Filename, e.Pos) + ": " + e.Msg
}

// ErrorList is a list of errors. The list that Parse returns is
// already sorted and de-duplicated.
type ErrorList []*Error

// Add appends an error.
func (l *ErrorList) Add(filename string, pos Pos, msg string) {
	*l = append(*l, &Error{Filename: filename, Pos: pos, Msg: msg})
}

func (l ErrorList) Len() int      { return len(l) }
func (l ErrorList) Swap(i, j int) { l[i], l[j] = l[j], l[i] }
func (l ErrorList) Less(i, j int) bool {
	a, b := l[i], l[j]
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	if a.Pos != b.Pos {
		return a.Pos.Before(b.Pos)
	}
	return a.Msg < b.Msg
}

// Sort orders the list by file, position and message.
func (l ErrorList) Sort() { sort.Stable(l) }

// RemoveMultiples sorts the list and drops exact duplicates (same file,
// position and message).
func (l *ErrorList) RemoveMultiples() {
	l.Sort()
	out := (*l)[:0]
	for i, e := range *l {
		if i > 0 {
			p := out[len(out)-1]
			if p.Filename == e.Filename && p.Pos == e.Pos && p.Msg == e.Msg {
				continue
			}
		}
		out = append(out, e)
	}
	*l = out
}

// Error implements the error interface. Like go/scanner it mentions how many
// further errors there are rather than printing all of them; use the list
// itself (or errors.As) to get every entry.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Detail returns every error, one per line.
func (l ErrorList) Detail() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// Err returns nil for an empty list, so that callers can write
// `return list.Err()` without returning a non-nil interface holding nil.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

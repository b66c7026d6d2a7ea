package interp

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Error is one construct Compile cannot run, at its position in the source.
type Error struct {
	File      string // as the front end named it
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", filepath.Base(e.File), e.Line, e.Col, e.Msg)
}

// ErrorList is every Error of a compilation, sorted by position, one per line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// sort orders the list by file, line and column and drops repeated messages at one
// position.
func (l *ErrorList) sort() {
	slices.SortStableFunc(*l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col), cmp.Compare(a.Msg, b.Msg))
	})
	*l = slices.CompactFunc(*l, func(a, b *Error) bool {
		return a.File == b.File && a.Line == b.Line && a.Col == b.Col && a.Msg == b.Msg
	})
}

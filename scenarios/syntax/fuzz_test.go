package syntax

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.c")
	for _, name := range seeds {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, tt := range errorTests {
		f.Add([]byte(tt.src))
	}
	f.Add([]byte("#pragma ksim threads a b\n#define N (1 << 2)\nstatic DEFINE_SPINLOCK(l);\nint f(int *p, ...) { switch (*p) { case 1: return sizeof(struct x); default: goto out; } out: return (int)p[0]--; }\n"))

	f.Fuzz(func(t *testing.T, src []byte) {
		// No timing assertion here (tests never assert on wall time): a
		// parser loop that stops consuming tokens trips the parser's own
		// progress check, which reports an internal error caught below.
		file, err := ParseFile("f.c", src)
		if file == nil {
			t.Fatal("nil file")
		}
		lines := strings.Count(string(src), "\n") + 1
		if err == nil {
			checkTree(t, file, lines)
			return
		}
		list, ok := err.(ErrorList)
		if !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if len(list) == 0 || len(list) > maxErrors+1 {
			t.Fatalf("%d errors", len(list))
		}
		for i, e := range list {
			if strings.Contains(e.Msg, "internal parser error") || strings.Contains(e.Msg, "no progress") {
				t.Fatalf("parser bug: %s", e.Msg)
			}
			if e.Pos.Line < 1 || e.Pos.Col < 1 || e.Pos.Line > lines {
				t.Fatalf("error outside the input (%d lines): %s", lines, e)
			}
			if !utf8.ValidString(e.Msg) {
				t.Fatalf("error message is not valid UTF-8: %q", e.Msg)
			}
			if i > 0 && list[i].Pos.Before(list[i-1].Pos) && e.Msg != "too many errors" {
				t.Fatalf("errors not sorted: %s before %s", list[i-1], e)
			}
		}
		checkTree(t, file, lines)
	})
}

// checkTree walks the (possibly partial) tree: it must be free of nil
// interface holes that would crash a checker, and every position must lie
// within the input.
func checkTree(t *testing.T, f *File, lines int) {
	Inspect(f, func(n Node) bool {
		if n == nil {
			return false
		}
		if missing := requiredMissing(n); missing != "" {
			t.Fatalf("%T at %v has nil %s", n, n.Pos(), missing)
		}
		p := n.Pos()
		if p.Line < 1 || p.Col < 1 || p.Line > lines {
			t.Fatalf("%T at %v is outside the input", n, p)
		}
		return true
	})
}

// requiredMissing names a field that the AST documentation promises is
// never nil but is, or returns "".
func requiredMissing(n Node) string {
	switch n := n.(type) {
	case *FuncDecl:
		switch {
		case n.Result == nil:
			return "Result"
		case n.Name == nil:
			return "Name"
		}
	case *Param:
		if n.Type == nil {
			return "Type"
		}
	case *VarSpec:
		switch {
		case n.Name == nil:
			return "Name"
		case n.Type == nil:
			return "Type"
		}
	case *MacroDecl:
		if n.Name == nil {
			return "Name"
		}
	case *Define:
		if n.Name == nil {
			return "Name"
		}
	case *DeclStmt:
		if n.Decl == nil {
			return "Decl"
		}
	case *ExprStmt:
		if n.X == nil {
			return "X"
		}
	case *IfStmt:
		switch {
		case n.Cond == nil:
			return "Cond"
		case n.Then == nil:
			return "Then"
		}
	case *WhileStmt:
		if n.Cond == nil || n.Body == nil {
			return "Cond/Body"
		}
	case *DoWhileStmt:
		if n.Cond == nil || n.Body == nil {
			return "Cond/Body"
		}
	case *ForStmt:
		if n.Body == nil {
			return "Body"
		}
	case *BranchStmt:
		if n.Tok == GOTO && n.Label == nil {
			return "Label"
		}
	case *LabeledStmt:
		if n.Label == nil || n.Stmt == nil {
			return "Label/Stmt"
		}
	case *SwitchStmt:
		if n.Tag == nil {
			return "Tag"
		}
	case *ParenExpr:
		if n.X == nil {
			return "X"
		}
	case *UnaryExpr:
		if n.X == nil {
			return "X"
		}
	case *PostfixExpr:
		if n.X == nil {
			return "X"
		}
	case *BinaryExpr:
		if n.X == nil || n.Y == nil {
			return "X/Y"
		}
	case *AssignExpr:
		if n.LHS == nil || n.RHS == nil {
			return "LHS/RHS"
		}
	case *CondExpr:
		if n.Cond == nil || n.Else == nil {
			return "Cond/Else"
		}
	case *CallExpr:
		if n.Fun == nil {
			return "Fun"
		}
	case *IndexExpr:
		if n.X == nil || n.Index == nil {
			return "X/Index"
		}
	case *MemberExpr:
		if n.X == nil || n.Sel == nil {
			return "X/Sel"
		}
	case *CastExpr:
		if n.Type == nil || n.X == nil {
			return "Type/X"
		}
	case *SizeofExpr:
		if (n.Type == nil) == (n.X == nil) {
			return "exactly one of Type/X"
		}
	case *TypeExpr:
		if n.Type == nil {
			return "Type"
		}
	}
	return ""
}

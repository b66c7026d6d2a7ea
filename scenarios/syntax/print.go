package syntax

import (
	"strconv"
	"strings"
)

// ExprString renders x as C source with every binary, assignment,
// conditional and comma expression wrapped in parentheses, so that the
// grouping the parser chose is visible: a + b * c becomes (a + (b * c)).
// A source-level ParenExpr around such an expression is not doubled. It is
// meant for diagnostics and tests, not for pretty-printing.
func ExprString(x Expr) string {
	var b strings.Builder
	writeExpr(&b, x)
	return b.String()
}

func writeExpr(b *strings.Builder, x Expr) {
	switch x := x.(type) {
	case nil:
		b.WriteString("<nil>")
	case *BadExpr:
		b.WriteString("<bad>")
	case *Ident:
		b.WriteString(x.Name)
	case *IntLit:
		b.WriteString(x.Raw)
	case *CharLit:
		b.WriteString(x.Raw)
	case *StringLit:
		if x.Level != "" {
			b.WriteString(x.Level)
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Quote(x.Value))
	case *ParenExpr:
		switch x.X.(type) {
		case *BinaryExpr, *AssignExpr, *CondExpr:
			// Already wrapped; doubling the parentheses adds nothing.
			writeExpr(b, x.X)
		default:
			b.WriteByte('(')
			writeExpr(b, x.X)
			b.WriteByte(')')
		}
	case *UnaryExpr:
		b.WriteString(x.Op.String())
		writeExpr(b, x.X)
	case *PostfixExpr:
		writeExpr(b, x.X)
		b.WriteString(x.Op.String())
	case *BinaryExpr:
		b.WriteByte('(')
		writeExpr(b, x.X)
		if x.Op == COMMA {
			b.WriteString(", ")
		} else {
			b.WriteString(" " + x.Op.String() + " ")
		}
		writeExpr(b, x.Y)
		b.WriteByte(')')
	case *AssignExpr:
		b.WriteByte('(')
		writeExpr(b, x.LHS)
		b.WriteString(" " + x.Op.String() + " ")
		writeExpr(b, x.RHS)
		b.WriteByte(')')
	case *CondExpr:
		b.WriteByte('(')
		writeExpr(b, x.Cond)
		if x.Then == nil {
			b.WriteString(" ?: ")
		} else {
			b.WriteString(" ? ")
			writeExpr(b, x.Then)
			b.WriteString(" : ")
		}
		writeExpr(b, x.Else)
		b.WriteByte(')')
	case *CallExpr:
		writeExpr(b, x.Fun)
		b.WriteByte('(')
		writeExprList(b, x.Args)
		b.WriteByte(')')
	case *IndexExpr:
		writeExpr(b, x.X)
		b.WriteByte('[')
		writeExpr(b, x.Index)
		b.WriteByte(']')
	case *MemberExpr:
		writeExpr(b, x.X)
		if x.Arrow {
			b.WriteString("->")
		} else {
			b.WriteByte('.')
		}
		b.WriteString(x.Sel.Name)
	case *CastExpr:
		b.WriteString("(" + typeString(x.Type) + ")")
		writeExpr(b, x.X)
	case *SizeofExpr:
		if x.Type != nil {
			b.WriteString("sizeof(" + typeString(x.Type) + ")")
		} else {
			b.WriteString("sizeof ")
			writeExpr(b, x.X)
		}
	case *TypeExpr:
		b.WriteString(typeString(x.Type))
	case *InitList:
		b.WriteByte('{')
		writeExprList(b, x.Elts)
		b.WriteByte('}')
	default:
		b.WriteString("<?>")
	}
}

func writeExprList(b *strings.Builder, list []Expr) {
	for i, a := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(b, a)
	}
}

// typeString renders an abstract type (no declarator name): qualifiers,
// base name, stars, then array dimensions.
func typeString(t *Type) string {
	if t == nil {
		return "<nil>"
	}
	var b strings.Builder
	if t.Const {
		b.WriteString("const ")
	}
	if t.Volatile {
		b.WriteString("volatile ")
	}
	b.WriteString(t.Name)
	if t.Ptr > 0 {
		b.WriteByte(' ')
		b.WriteString(strings.Repeat("*", t.Ptr))
	}
	for _, d := range t.Dims {
		b.WriteByte('[')
		if d != nil {
			writeExpr(&b, d)
		}
		b.WriteByte(']')
	}
	return b.String()
}

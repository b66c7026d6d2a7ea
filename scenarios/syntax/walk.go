package syntax

// Visitor is called by Walk for each node. If Visit returns a non-nil
// visitor w, Walk visits the node's children with w and then calls
// w.Visit(nil).
type Visitor interface {
	Visit(node Node) (w Visitor)
}

// Walk traverses the tree rooted at node in depth-first, source order,
// like ast.Walk. Nil children are skipped. The preprocessor lists of a File
// (Includes, Defines, Pragmas) are visited before its declarations.
func Walk(v Visitor, node Node) {
	if v = v.Visit(node); v == nil {
		return
	}
	switch n := node.(type) {
	case *File:
		for _, x := range n.Includes {
			Walk(v, x)
		}
		for _, x := range n.Defines {
			Walk(v, x)
		}
		for _, x := range n.Pragmas {
			Walk(v, x)
		}
		for _, x := range n.Decls {
			Walk(v, x)
		}
	case *Include, *Pragma:
	case *Define:
		walkIdent(v, n.Name)
		walkExpr(v, n.Value)
	case *Type:
		for _, d := range n.Dims {
			walkExpr(v, d)
		}

	// declarations
	case *FuncDecl:
		walkType(v, n.Result)
		walkIdent(v, n.Name)
		for _, p := range n.Params {
			Walk(v, p)
		}
		if n.Body != nil {
			Walk(v, n.Body)
		}
	case *Param:
		walkType(v, n.Type)
		walkIdent(v, n.Name)
	case *VarDecl:
		for _, s := range n.Vars {
			Walk(v, s)
		}
	case *VarSpec:
		walkIdent(v, n.Name)
		walkType(v, n.Type)
		walkExpr(v, n.Init)
	case *MacroDecl:
		walkIdent(v, n.Name)
		walkExprs(v, n.Args)
	case *BadDecl:

	// statements
	case *BlockStmt:
		walkStmts(v, n.List)
	case *DeclStmt:
		if n.Decl != nil {
			Walk(v, n.Decl)
		}
	case *ExprStmt:
		walkExpr(v, n.X)
	case *EmptyStmt, *BadStmt:
	case *IfStmt:
		walkExpr(v, n.Cond)
		walkStmt(v, n.Then)
		walkStmt(v, n.Else)
	case *WhileStmt:
		walkExpr(v, n.Cond)
		walkStmt(v, n.Body)
	case *DoWhileStmt:
		walkStmt(v, n.Body)
		walkExpr(v, n.Cond)
	case *ForStmt:
		walkStmt(v, n.Init)
		walkExpr(v, n.Cond)
		walkExpr(v, n.Post)
		walkStmt(v, n.Body)
	case *ReturnStmt:
		walkExpr(v, n.Result)
	case *BranchStmt:
		walkIdent(v, n.Label)
	case *LabeledStmt:
		walkIdent(v, n.Label)
		walkStmt(v, n.Stmt)
	case *SwitchStmt:
		walkExpr(v, n.Tag)
		for _, c := range n.Clauses {
			Walk(v, c)
		}
	case *CaseClause:
		walkExpr(v, n.Value)
		walkStmts(v, n.Body)

	// expressions
	case *Ident, *IntLit, *CharLit, *StringLit, *BadExpr:
	case *ParenExpr:
		walkExpr(v, n.X)
	case *UnaryExpr:
		walkExpr(v, n.X)
	case *PostfixExpr:
		walkExpr(v, n.X)
	case *BinaryExpr:
		walkExpr(v, n.X)
		walkExpr(v, n.Y)
	case *AssignExpr:
		walkExpr(v, n.LHS)
		walkExpr(v, n.RHS)
	case *CondExpr:
		walkExpr(v, n.Cond)
		walkExpr(v, n.Then)
		walkExpr(v, n.Else)
	case *CallExpr:
		walkExpr(v, n.Fun)
		walkExprs(v, n.Args)
	case *IndexExpr:
		walkExpr(v, n.X)
		walkExpr(v, n.Index)
	case *MemberExpr:
		walkExpr(v, n.X)
		walkIdent(v, n.Sel)
	case *CastExpr:
		walkType(v, n.Type)
		walkExpr(v, n.X)
	case *SizeofExpr:
		walkType(v, n.Type)
		walkExpr(v, n.X)
	case *InitList:
		walkExprs(v, n.Elts)
	case *TypeExpr:
		walkType(v, n.Type)
	}
	v.Visit(nil)
}

// The helpers below skip nil children. They take concrete or interface
// types so that a typed nil pointer is never handed to Visit as a non-nil
// Node.

func walkIdent(v Visitor, x *Ident) {
	if x != nil {
		Walk(v, x)
	}
}

func walkType(v Visitor, t *Type) {
	if t != nil {
		Walk(v, t)
	}
}

func walkExpr(v Visitor, x Expr) {
	if x != nil {
		Walk(v, x)
	}
}

func walkExprs(v Visitor, list []Expr) {
	for _, x := range list {
		walkExpr(v, x)
	}
}

func walkStmt(v Visitor, s Stmt) {
	if s != nil {
		Walk(v, s)
	}
}

func walkStmts(v Visitor, list []Stmt) {
	for _, s := range list {
		walkStmt(v, s)
	}
}

type inspector func(Node) bool

func (f inspector) Visit(node Node) Visitor {
	if f(node) {
		return f
	}
	return nil
}

// Inspect traverses the tree rooted at node in source order, calling f for
// each node; if f returns true, Inspect visits the node's children and then
// calls f(nil). It is the syntax counterpart of ast.Inspect.
func Inspect(node Node, f func(Node) bool) {
	Walk(inspector(f), node)
}

package syntax

// Node is any syntax tree node. Pos is the position of the node's first
// character, which is where diagnostics about the node point.
type Node interface {
	Pos() Pos
}

// Decl is a top-level declaration: *FuncDecl, *VarDecl, *MacroDecl or
// *BadDecl.
type Decl interface {
	Node
	declNode()
}

// Stmt is a statement inside a function body.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is an expression.
type Expr interface {
	Node
	exprNode()
}

// ----------------------------------------------------------------------------
// File and preprocessor lines

// File is a parsed source file. Preprocessor lines are kept apart from Decls
// because they may appear anywhere, even inside a function body.
type File struct {
	Name     string
	Decls    []Decl
	Includes []*Include
	Defines  []*Define
	Pragmas  []*Pragma
}

// Pos returns the position of the first declaration, or 1:1.
func (f *File) Pos() Pos {
	if len(f.Decls) > 0 {
		return f.Decls[0].Pos()
	}
	return Pos{1, 1}
}

// Include is an #include line. ksim has no headers to read; the line is
// kept so that tools can show it.
type Include struct {
	Hash   Pos    // position of '#'
	Path   string // linux/module.h
	System bool   // <path> rather than "path"
}

// Define is an object-like macro: #define NAME value. Value is nil for an
// empty body (#define DEBUG).
type Define struct {
	Hash  Pos
	Name  *Ident
	Value Expr
}

// Pragma is a "#pragma ksim ..." line: instructions to the simulator that a
// C compiler would ignore. Words are the white-space separated words after
// "ksim", so "#pragma ksim threads a b" has Words [threads a b].
type Pragma struct {
	Hash  Pos
	Words []string
}

func (n *Include) Pos() Pos { return n.Hash }
func (n *Define) Pos() Pos  { return n.Hash }
func (n *Pragma) Pos() Pos  { return n.Hash }

// ----------------------------------------------------------------------------
// Types

// Type is a type as written in a declaration, cast or sizeof. Each
// declarator gets its own Type because pointer and array parts belong to the
// declarator: in `int a, *p;` a is int and p is int*.
type Type struct {
	TypePos  Pos
	Name     string   // canonical base name: "int", "unsigned long", "spinlock_t", "struct mutex"
	Struct   string   // the tag when the base is a struct ("mutex"), else ""
	Ptr      int      // number of '*'
	Dims     []Expr   // array dimensions, outermost first; nil entry for []
	Const    bool     // const anywhere in the specifiers
	Volatile bool     // volatile anywhere in the specifiers
	Quals    []string // kernel annotations such as __user or __iomem, in source order
}

func (t *Type) Pos() Pos { return t.TypePos }

// String renders the type in C syntax, e.g. "const struct mutex *[5]".
func (t *Type) String() string { return typeString(t) }

// ----------------------------------------------------------------------------
// Declarations

// FuncDecl is a function definition, or a prototype when Body is nil.
type FuncDecl struct {
	Start    Pos // first token of the declaration (static, type, ...)
	Static   bool
	Inline   bool
	Extern   bool
	Result   *Type
	Attrs    []string // __init, __exit and similar, in source order
	Name     *Ident
	Lparen   Pos
	Params   []*Param // empty for both () and (void)
	Variadic bool     // parameter list ends in ...
	Rparen   Pos
	Body     *BlockStmt
}

// Param is a function parameter. Name is nil for unnamed parameters, which
// prototypes use.
type Param struct {
	Type *Type
	Name *Ident
}

func (p *Param) Pos() Pos { return p.Type.Pos() }

// VarDecl declares one or more variables sharing a base type:
// `static int a = 1, *p = NULL;`. It is used at file scope and, wrapped in a
// DeclStmt, inside blocks and for-loop headers.
type VarDecl struct {
	Start    Pos
	Static   bool
	Extern   bool
	Register bool
	Vars     []*VarSpec
}

// VarSpec is one declarator of a VarDecl.
type VarSpec struct {
	Name   *Ident
	Type   *Type
	Assign Pos  // position of '=', or invalid when there is no initialiser
	Init   Expr // nil, an expression, or an *InitList
}

func (v *VarSpec) Pos() Pos { return v.Name.Pos() }

// MacroDecl is a top-level macro invocation such as DEFINE_MUTEX(m);,
// module_init(fn); or MODULE_LICENSE("GPL");. The parser does not know what
// the macros mean; the checker does.
type MacroDecl struct {
	Start  Pos
	Static bool
	Name   *Ident
	Lparen Pos
	Args   []Expr
	Rparen Pos
}

// BadDecl stands for a declaration that could not be parsed, so that the
// tree has no nil holes.
type BadDecl struct {
	From Pos
}

func (d *FuncDecl) Pos() Pos  { return d.Start }
func (d *VarDecl) Pos() Pos   { return d.Start }
func (d *MacroDecl) Pos() Pos { return d.Start }
func (d *BadDecl) Pos() Pos   { return d.From }

func (*FuncDecl) declNode()  {}
func (*VarDecl) declNode()   {}
func (*MacroDecl) declNode() {}
func (*BadDecl) declNode()   {}

// ----------------------------------------------------------------------------
// Statements

type (
	// BlockStmt is { List }.
	BlockStmt struct {
		Lbrace Pos
		List   []Stmt
		Rbrace Pos
	}

	// DeclStmt is a local variable declaration.
	DeclStmt struct {
		Decl *VarDecl
	}

	// ExprStmt is an expression followed by ';'.
	ExprStmt struct {
		X Expr
	}

	// EmptyStmt is a lone ';', or the implicit statement after a label
	// that ends a block (`out: }`).
	EmptyStmt struct {
		Semi     Pos
		Implicit bool
	}

	// IfStmt is if (Cond) Then [else Else].
	IfStmt struct {
		If   Pos
		Cond Expr
		Then Stmt
		Else Stmt // nil when absent
	}

	// WhileStmt is while (Cond) Body.
	WhileStmt struct {
		While Pos
		Cond  Expr
		Body  Stmt
	}

	// DoWhileStmt is do Body while (Cond);.
	DoWhileStmt struct {
		Do   Pos
		Body Stmt
		Cond Expr
	}

	// ForStmt is for (Init; Cond; Post) Body. Init is nil, a *DeclStmt or an
	// *ExprStmt; Cond and Post may be nil.
	ForStmt struct {
		For  Pos
		Init Stmt
		Cond Expr
		Post Expr
		Body Stmt
	}

	// ReturnStmt is return [Result];.
	ReturnStmt struct {
		Return Pos
		Result Expr // nil for a bare return
	}

	// BranchStmt is break, continue or goto Label.
	BranchStmt struct {
		TokPos Pos
		Tok    Token // BREAK, CONTINUE or GOTO
		Label  *Ident
	}

	// LabeledStmt is Label: Stmt.
	LabeledStmt struct {
		Label *Ident
		Colon Pos
		Stmt  Stmt
	}

	// SwitchStmt is switch (Tag) { clauses }. As in C, execution falls
	// through from one clause into the next until a break.
	SwitchStmt struct {
		Switch  Pos
		Tag     Expr
		Lbrace  Pos
		Clauses []*CaseClause
		Rbrace  Pos
	}

	// CaseClause is case Value: Body, or default: Body when Value is nil.
	CaseClause struct {
		Case  Pos
		Value Expr
		Colon Pos
		Body  []Stmt
	}

	// BadStmt stands for a statement that could not be parsed.
	BadStmt struct {
		From Pos
	}
)

func (s *BlockStmt) Pos() Pos   { return s.Lbrace }
func (s *DeclStmt) Pos() Pos    { return s.Decl.Pos() }
func (s *ExprStmt) Pos() Pos    { return s.X.Pos() }
func (s *EmptyStmt) Pos() Pos   { return s.Semi }
func (s *IfStmt) Pos() Pos      { return s.If }
func (s *WhileStmt) Pos() Pos   { return s.While }
func (s *DoWhileStmt) Pos() Pos { return s.Do }
func (s *ForStmt) Pos() Pos     { return s.For }
func (s *ReturnStmt) Pos() Pos  { return s.Return }
func (s *BranchStmt) Pos() Pos  { return s.TokPos }
func (s *LabeledStmt) Pos() Pos { return s.Label.Pos() }
func (s *SwitchStmt) Pos() Pos  { return s.Switch }
func (s *CaseClause) Pos() Pos  { return s.Case }
func (s *BadStmt) Pos() Pos     { return s.From }

func (*BlockStmt) stmtNode()   {}
func (*DeclStmt) stmtNode()    {}
func (*ExprStmt) stmtNode()    {}
func (*EmptyStmt) stmtNode()   {}
func (*IfStmt) stmtNode()      {}
func (*WhileStmt) stmtNode()   {}
func (*DoWhileStmt) stmtNode() {}
func (*ForStmt) stmtNode()     {}
func (*ReturnStmt) stmtNode()  {}
func (*BranchStmt) stmtNode()  {}
func (*LabeledStmt) stmtNode() {}
func (*SwitchStmt) stmtNode()  {}
func (*CaseClause) stmtNode()  {}
func (*BadStmt) stmtNode()     {}

// ----------------------------------------------------------------------------
// Expressions

type (
	// Ident is a name. NULL, true and false are identifiers too; the checker
	// gives them meaning.
	Ident struct {
		NamePos Pos
		Name    string
	}

	// IntLit is an integer constant. Value holds the two's-complement bits
	// of the constant, so 0xFFFFFFFFFFFFFFFF is -1; Unsigned records a u
	// suffix and Long the number of l's.
	IntLit struct {
		ValuePos Pos
		Raw      string
		Value    int64
		Unsigned bool
		Long     int
	}

	// CharLit is a character constant such as 'a' or '\n'.
	CharLit struct {
		ValuePos Pos
		Raw      string
		Value    int64
	}

	// StringLit is one or more adjacent string literals ("a" "b"), with
	// Value the decoded, concatenated bytes. Level is set when the literal
	// is preceded by a printk level macro (KERN_INFO "x"), whose expansion
	// is left to the interpreter; LevelPos is then the macro's position and
	// the literal's Pos.
	StringLit struct {
		ValuePos Pos
		Raw      []string // each literal as written, quotes included
		Value    string
		Level    string
		LevelPos Pos
	}

	// ParenExpr is (X).
	ParenExpr struct {
		Lparen Pos
		X      Expr
		Rparen Pos
	}

	// UnaryExpr is a prefix operator: ! ~ - + * & ++ --.
	UnaryExpr struct {
		OpPos Pos
		Op    Token
		X     Expr
	}

	// PostfixExpr is X++ or X--.
	PostfixExpr struct {
		X     Expr
		OpPos Pos
		Op    Token // INC or DEC
	}

	// BinaryExpr is X Op Y, including the comma operator (Op COMMA).
	BinaryExpr struct {
		X     Expr
		OpPos Pos
		Op    Token
		Y     Expr
	}

	// AssignExpr is LHS Op RHS with Op ASSIGN or a compound assignment.
	AssignExpr struct {
		LHS   Expr
		OpPos Pos
		Op    Token
		RHS   Expr
	}

	// CondExpr is Cond ? Then : Else. Then is nil for the GNU form
	// Cond ?: Else, which yields Cond itself when it is non-zero.
	CondExpr struct {
		Cond     Expr
		Question Pos
		Then     Expr
		Colon    Pos
		Else     Expr
	}

	// CallExpr is Fun(Args).
	CallExpr struct {
		Fun    Expr
		Lparen Pos
		Args   []Expr
		Rparen Pos
	}

	// IndexExpr is X[Index].
	IndexExpr struct {
		X      Expr
		Lbrack Pos
		Index  Expr
		Rbrack Pos
	}

	// MemberExpr is X.Sel, or X->Sel when Arrow is set.
	MemberExpr struct {
		X     Expr
		OpPos Pos
		Arrow bool
		Sel   *Ident
	}

	// CastExpr is (Type)X.
	CastExpr struct {
		Lparen Pos
		Type   *Type
		Rparen Pos
		X      Expr
	}

	// SizeofExpr is sizeof(Type) or sizeof X; exactly one of Type and X is
	// set.
	SizeofExpr struct {
		Sizeof Pos
		Type   *Type
		X      Expr
	}

	// InitList is a brace initialiser {a, b}. It only appears as a VarSpec
	// Init or nested inside another InitList.
	InitList struct {
		Lbrace Pos
		Elts   []Expr
		Rbrace Pos
	}

	// TypeExpr is a type used as a macro or call argument, as in
	// module_param(n, int, 0644) or container_of(p, struct foo, list).
	TypeExpr struct {
		TypePos Pos
		Type    *Type
	}

	// BadExpr stands for an expression that could not be parsed.
	BadExpr struct {
		From Pos
	}
)

func (x *Ident) Pos() Pos       { return x.NamePos }
func (x *IntLit) Pos() Pos      { return x.ValuePos }
func (x *CharLit) Pos() Pos     { return x.ValuePos }
func (x *StringLit) Pos() Pos   { return x.ValuePos }
func (x *ParenExpr) Pos() Pos   { return x.Lparen }
func (x *UnaryExpr) Pos() Pos   { return x.OpPos }
func (x *PostfixExpr) Pos() Pos { return x.X.Pos() }
func (x *BinaryExpr) Pos() Pos  { return x.X.Pos() }
func (x *AssignExpr) Pos() Pos  { return x.LHS.Pos() }
func (x *CondExpr) Pos() Pos    { return x.Cond.Pos() }
func (x *CallExpr) Pos() Pos    { return x.Fun.Pos() }
func (x *IndexExpr) Pos() Pos   { return x.X.Pos() }
func (x *MemberExpr) Pos() Pos  { return x.X.Pos() }
func (x *CastExpr) Pos() Pos    { return x.Lparen }
func (x *SizeofExpr) Pos() Pos  { return x.Sizeof }
func (x *InitList) Pos() Pos    { return x.Lbrace }
func (x *TypeExpr) Pos() Pos    { return x.TypePos }
func (x *BadExpr) Pos() Pos     { return x.From }

func (*Ident) exprNode()       {}
func (*IntLit) exprNode()      {}
func (*CharLit) exprNode()     {}
func (*StringLit) exprNode()   {}
func (*ParenExpr) exprNode()   {}
func (*UnaryExpr) exprNode()   {}
func (*PostfixExpr) exprNode() {}
func (*BinaryExpr) exprNode()  {}
func (*AssignExpr) exprNode()  {}
func (*CondExpr) exprNode()    {}
func (*CallExpr) exprNode()    {}
func (*IndexExpr) exprNode()   {}
func (*MemberExpr) exprNode()  {}
func (*CastExpr) exprNode()    {}
func (*SizeofExpr) exprNode()  {}
func (*InitList) exprNode()    {}
func (*TypeExpr) exprNode()    {}
func (*BadExpr) exprNode()     {}

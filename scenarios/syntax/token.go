package syntax

// Token is the kind of a lexical token. Operator tokens double as the Op
// field of expression nodes, so that the interpreter can switch on them.
type Token int

// The token kinds. Type names such as int or spinlock_t are not keywords:
// they are identifiers that the parser recognises by name (see IsTypeName),
// which keeps the scanner independent of the kernel's typedef zoo.
const (
	ILLEGAL Token = iota
	EOF

	IDENT  // sem1
	INT    // 1024, 0x10, 017, 1UL
	CHAR   // 'a'
	STRING // "text"

	// Preprocessor tokens. DIRECTIVE is "#name" at the start of a line; a
	// #define body is tokenised normally and terminated by EOD.
	DIRECTIVE
	EOD

	operatorBeg
	ADD // +
	SUB // -
	MUL // *
	QUO // /
	REM // %

	AND    // &
	OR     // |
	XOR    // ^
	SHL    // <<
	SHR    // >>
	LAND   // &&
	LOR    // ||
	NOT    // !
	TILDE  // ~
	INC    // ++
	DEC    // --
	EQL    // ==
	NEQ    // !=
	LSS    // <
	LEQ    // <=
	GTR    // >
	GEQ    // >=
	ASSIGN // =
	ADD_ASSIGN
	SUB_ASSIGN
	MUL_ASSIGN
	QUO_ASSIGN
	REM_ASSIGN
	AND_ASSIGN
	OR_ASSIGN
	XOR_ASSIGN
	SHL_ASSIGN
	SHR_ASSIGN
	QUESTION // ?
	COLON    // :
	COMMA    // ,
	SEMICOLON
	PERIOD   // .
	ARROW    // ->
	ELLIPSIS // ...
	LPAREN
	RPAREN
	LBRACK
	RBRACK
	LBRACE
	RBRACE
	operatorEnd

	keywordBeg
	AUTO
	BREAK
	CASE
	CONST
	CONTINUE
	DEFAULT
	DO
	ELSE
	ENUM
	EXTERN
	FOR
	GOTO
	IF
	INLINE
	REGISTER
	RETURN
	SIZEOF
	STATIC
	STRUCT
	SWITCH
	TYPEDEF
	UNION
	VOLATILE
	WHILE
	keywordEnd
)

var tokens = [...]string{
	ILLEGAL:   "ILLEGAL",
	EOF:       "EOF",
	IDENT:     "IDENT",
	INT:       "INT",
	CHAR:      "CHAR",
	STRING:    "STRING",
	DIRECTIVE: "#",
	EOD:       "end of line",

	ADD:        "+",
	SUB:        "-",
	MUL:        "*",
	QUO:        "/",
	REM:        "%",
	AND:        "&",
	OR:         "|",
	XOR:        "^",
	SHL:        "<<",
	SHR:        ">>",
	LAND:       "&&",
	LOR:        "||",
	NOT:        "!",
	TILDE:      "~",
	INC:        "++",
	DEC:        "--",
	EQL:        "==",
	NEQ:        "!=",
	LSS:        "<",
	LEQ:        "<=",
	GTR:        ">",
	GEQ:        ">=",
	ASSIGN:     "=",
	ADD_ASSIGN: "+=",
	SUB_ASSIGN: "-=",
	MUL_ASSIGN: "*=",
	QUO_ASSIGN: "/=",
	REM_ASSIGN: "%=",
	AND_ASSIGN: "&=",
	OR_ASSIGN:  "|=",
	XOR_ASSIGN: "^=",
	SHL_ASSIGN: "<<=",
	SHR_ASSIGN: ">>=",
	QUESTION:   "?",
	COLON:      ":",
	COMMA:      ",",
	SEMICOLON:  ";",
	PERIOD:     ".",
	ARROW:      "->",
	ELLIPSIS:   "...",
	LPAREN:     "(",
	RPAREN:     ")",
	LBRACK:     "[",
	RBRACK:     "]",
	LBRACE:     "{",
	RBRACE:     "}",

	AUTO:     "auto",
	BREAK:    "break",
	CASE:     "case",
	CONST:    "const",
	CONTINUE: "continue",
	DEFAULT:  "default",
	DO:       "do",
	ELSE:     "else",
	ENUM:     "enum",
	EXTERN:   "extern",
	FOR:      "for",
	GOTO:     "goto",
	IF:       "if",
	INLINE:   "inline",
	REGISTER: "register",
	RETURN:   "return",
	SIZEOF:   "sizeof",
	STATIC:   "static",
	STRUCT:   "struct",
	SWITCH:   "switch",
	TYPEDEF:  "typedef",
	UNION:    "union",
	VOLATILE: "volatile",
	WHILE:    "while",
}

// String returns the token's spelling for operators and keywords, and its
// kind name otherwise.
func (t Token) String() string {
	if t >= 0 && int(t) < len(tokens) && tokens[t] != "" {
		return tokens[t]
	}
	return "token(?)"
}

// IsOperator reports whether t is an operator or punctuation token.
func (t Token) IsOperator() bool { return operatorBeg < t && t < operatorEnd }

// IsKeyword reports whether t is a C keyword token.
func (t Token) IsKeyword() bool { return keywordBeg < t && t < keywordEnd }

// IsAssignOp reports whether t is = or a compound assignment such as +=.
func (t Token) IsAssignOp() bool { return ASSIGN <= t && t <= SHR_ASSIGN }

// BinaryOp returns the plain operator behind a compound assignment
// (ADD for ADD_ASSIGN) and ILLEGAL for anything else, including plain =.
func (t Token) BinaryOp() Token {
	switch t {
	case ADD_ASSIGN:
		return ADD
	case SUB_ASSIGN:
		return SUB
	case MUL_ASSIGN:
		return MUL
	case QUO_ASSIGN:
		return QUO
	case REM_ASSIGN:
		return REM
	case AND_ASSIGN:
		return AND
	case OR_ASSIGN:
		return OR
	case XOR_ASSIGN:
		return XOR
	case SHL_ASSIGN:
		return SHL
	case SHR_ASSIGN:
		return SHR
	}
	return ILLEGAL
}

// Precedence returns the binding strength of t as a binary operator, higher
// binding tighter, or 0 if t is not a binary operator. Assignment, ?: and
// the comma operator are handled separately by the parser.
func (t Token) Precedence() int {
	switch t {
	case LOR:
		return 1
	case LAND:
		return 2
	case OR:
		return 3
	case XOR:
		return 4
	case AND:
		return 5
	case EQL, NEQ:
		return 6
	case LSS, LEQ, GTR, GEQ:
		return 7
	case SHL, SHR:
		return 8
	case ADD, SUB:
		return 9
	case MUL, QUO, REM:
		return 10
	}
	return 0
}

var keywords = func() map[string]Token {
	m := make(map[string]Token)
	for t := keywordBeg + 1; t < keywordEnd; t++ {
		m[tokens[t]] = t
	}
	// GCC spellings that kernel code uses interchangeably.
	m["__inline"] = INLINE
	m["__inline__"] = INLINE
	m["__volatile__"] = VOLATILE
	m["__const"] = CONST
	return m
}()

// typeNames are the identifiers that start a type. The kernel typedefs are
// listed because there is no typedef support: without them a declaration
// such as `spinlock_t l;` could not be told from an expression.
var typeNames = map[string]bool{
	"void": true, "char": true, "short": true, "int": true, "long": true,
	"signed": true, "unsigned": true, "bool": true, "_Bool": true,
	"u8": true, "u16": true, "u32": true, "u64": true,
	"s8": true, "s16": true, "s32": true, "s64": true,
	"__u8": true, "__u16": true, "__u32": true, "__u64": true,
	"uint8_t": true, "uint16_t": true, "uint32_t": true, "uint64_t": true,
	"int8_t": true, "int16_t": true, "int32_t": true, "int64_t": true,
	"size_t": true, "ssize_t": true, "loff_t": true, "pid_t": true,
	"gfp_t": true, "uintptr_t": true,
	"spinlock_t": true, "raw_spinlock_t": true, "rwlock_t": true,
	"atomic_t": true, "atomic64_t": true, "atomic_long_t": true,
	"irqreturn_t": true, "seqlock_t": true, "wait_queue_head_t": true,
}

// IsTypeName reports whether name is one of the built-in or kernel type
// names that the parser treats as starting a declaration or a cast.
func IsTypeName(name string) bool { return typeNames[name] }

// qualifierNames are kernel annotations that may appear among declaration
// specifiers or after '*'. They carry no meaning for the simulation beyond
// __init/__exit, so they are recorded verbatim and otherwise ignored.
var qualifierNames = map[string]bool{
	"__init": true, "__exit": true, "__user": true, "__iomem": true,
	"__percpu": true, "__rcu": true, "__force": true, "__must_check": true,
	"__maybe_unused": true, "__always_inline": true, "noinline": true,
	"__read_mostly": true, "__initdata": true, "__exitdata": true,
	"__cold": true, "__weak": true, "notrace": true, "asmlinkage": true,
	"__sched": true, "__kernel": true, "__deprecated": true,
}

// kernLevels are the printk level macros. They expand to string literals,
// so `KERN_INFO "text"` is a single string in C.
var kernLevels = map[string]bool{
	"KERN_EMERG": true, "KERN_ALERT": true, "KERN_CRIT": true, "KERN_ERR": true,
	"KERN_WARNING": true, "KERN_NOTICE": true, "KERN_INFO": true,
	"KERN_DEBUG": true, "KERN_DEFAULT": true, "KERN_CONT": true,
}

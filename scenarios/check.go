package scenarios

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/ksim-dev/ksim/scenarios/syntax"
	"github.com/ksim-dev/ksim/sched"
)

// maxErrors is how many errors Load reports before "too many errors", like
// the parser and the Go compiler: beyond ten, they are rarely independent.
const maxErrors = 10

// maxElems bounds the size of one global array. Scenarios model a handful
// of objects; a huge array is a typo, and it would make every state of the
// exploration huge.
const maxElems = 4096

// maxDefineDepth bounds how deeply #define values may use other macros.
// Each macro is checked recursively from the use of its name, and its value
// may itself be nested up to the parser's limit, so an unbounded chain of
// macros would overflow the stack.
const maxDefineDepth = 100

// scope is a block of declarations. The universe (kernel API and
// constants) is the outermost scope, then the file, then each function.
type scope struct {
	parent *scope
	names  map[string]*Symbol
}

func newScope(parent *scope) *scope {
	return &scope{parent: parent, names: map[string]*Symbol{}}
}

func (s *scope) lookup(name string) *Symbol {
	for ; s != nil; s = s.parent {
		if sym := s.names[name]; sym != nil {
			return sym
		}
	}
	return nil
}

// checker holds the state of one Load.
type checker struct {
	filename string
	s        *Scenario
	errs     syntax.ErrorList

	universe, file *scope

	// #define evaluation is lazy (a macro may use one defined below it, as
	// the C preprocessor allows): defineState is 0 before, 1 during and 2
	// after evaluation, so that a cycle is reported instead of recursing.
	defines     map[string]*syntax.Define
	defineState map[string]int
	defineDepth int  // macros being evaluated, one inside the other
	defineDeep  bool // maxDefineDepth was reported

	protos   map[string]*syntax.FuncDecl // first prototype of each name
	infos    map[string]*FuncInfo        // every function, prototype-only ones included
	initPos  syntax.Pos
	exitPos  syntax.Pos
	refs     map[string]map[string]bool // function -> functions (or "" for file level) that name it
	fnName   string                     // the function being checked ("" at file level)
	fn       *FuncInfo
	scope    *scope
	loops    int // enclosing loops
	switches int // enclosing switches
	// lists are the statement lists enclosing the statement being checked
	// (function body, blocks, case clauses): where a goto may find its label.
	lists [][]syntax.Stmt
}

// check runs every check on s.File and fills in s. It returns the sorted
// error list, capped at maxErrors.
func check(filename string, s *Scenario) (list syntax.ErrorList) {
	c := &checker{
		filename:    filename,
		s:           s,
		defines:     map[string]*syntax.Define{},
		defineState: map[string]int{},
		protos:      map[string]*syntax.FuncDecl{},
		infos:       map[string]*FuncInfo{},
		refs:        map[string]map[string]bool{},
	}
	defer func() {
		// A checker bug must not take the simulator down, but it must not
		// look like a user error either: the fuzz test fails on it.
		if r := recover(); r != nil {
			buf := make([]byte, 2048)
			buf = buf[:runtime.Stack(buf, false)]
			c.errs.Add(filename, syntax.Pos{Line: 1, Col: 1}, fmt.Sprintf("internal checker error: %v\n%s", r, buf))
		}
		list = c.finish()
	}()
	s.Funcs = map[string]*syntax.FuncDecl{}
	s.FuncInfo = map[string]*FuncInfo{}
	s.Defines = map[string]int64{}
	s.Strings = map[string]string{}
	s.Uses = map[*syntax.Ident]*Symbol{}
	s.Defs = map[*syntax.Ident]*Symbol{}
	s.Types = map[syntax.Expr]Type{}
	s.Calls = map[*syntax.CallExpr]*Builtin{}
	s.Consts = map[syntax.Expr]int64{}

	c.universe = universe()
	c.file = newScope(c.universe)
	c.scope = c.file

	c.pragmas()
	c.collectDefines()
	c.collectFuncs()
	c.collectGlobals()
	c.matchPrototypes()
	for _, name := range s.FuncOrder {
		c.funcBody(c.infos[name])
	}
	c.fnName, c.fn, c.scope = "", nil, c.file
	c.evalUnusedDefines()
	c.threads()
	return nil
}

// finish sorts and de-duplicates the errors and caps them at maxErrors.
func (c *checker) finish() syntax.ErrorList {
	c.errs.RemoveMultiples()
	if len(c.errs) > maxErrors {
		extra := c.errs[maxErrors]
		c.errs = append(c.errs[:maxErrors:maxErrors], &syntax.Error{Filename: extra.Filename, Pos: extra.Pos, Msg: "too many errors"})
	}
	return c.errs
}

func (c *checker) errorf(pos syntax.Pos, format string, args ...any) {
	if !pos.IsValid() {
		pos = syntax.Pos{Line: 1, Col: 1}
	}
	c.errs.Add(c.filename, pos, fmt.Sprintf(format, args...))
}

// universe is the scope of kernel names. Its symbols are shared by every
// scenario and never modified, so it is built once; sync.OnceValue makes
// concurrent Loads safe.
var universe = sync.OnceValue(func() *scope {
	u := newScope(nil)
	for _, b := range builtinOrder {
		u.names[b.Name] = &Symbol{Name: b.Name, Class: BuiltinFunc, Type: Type{Kind: b.Result}, Builtin: b}
	}
	for _, k := range Constants() {
		t := Type{Kind: k.Kind, Bits: 64, Name: "int"}
		if k.Kind == Ptr {
			t = Type{Kind: Ptr, Elem: Void, Name: "void"}
		}
		u.names[k.Name] = &Symbol{Name: k.Name, Class: Constant, Type: t, Value: k.Value}
	}
	u.names["jiffies"] = &Symbol{Name: "jiffies", Class: KernelVar, Type: Type{Kind: Int, Bits: 64, Unsigned: true, Const: true, Name: "unsigned long"}}
	return u
})

// ----------------------------------------------------------------------------
// File-level declarations

// declare adds sym to the file scope, reporting clashes with kernel names
// and earlier declarations.
func (c *checker) declare(id *syntax.Ident, sym *Symbol) bool {
	if k := c.universe.names[id.Name]; k != nil {
		c.errorf(id.NamePos, "cannot redefine %s %s", k.Class, id.Name)
		return false
	}
	if prev := c.file.names[id.Name]; prev != nil {
		c.errorf(id.NamePos, "%s redeclared (first declared as a %s at %s)", id.Name, prev.Class, prev.Pos)
		return false
	}
	c.file.names[id.Name] = sym
	c.s.Defs[id] = sym
	return true
}

func (c *checker) collectDefines() {
	for _, d := range c.s.File.Defines {
		if d == nil || d.Name == nil {
			continue
		}
		sym := &Symbol{Name: d.Name.Name, Class: Constant, Pos: d.Name.NamePos, Type: Type{Kind: Int, Bits: 64}}
		if c.declare(d.Name, sym) {
			c.defines[d.Name.Name] = d
		}
	}
}

// defineValue evaluates #define name on first use. It returns false if the
// macro has no usable value (the error is reported at the #define).
func (c *checker) defineValue(sym *Symbol) bool {
	d := c.defines[sym.Name]
	if d == nil {
		return true
	}
	switch c.defineState[sym.Name] {
	case 1:
		c.errorf(d.Name.NamePos, "#define %s refers to itself", sym.Name)
		c.defineState[sym.Name] = 3
		return false
	case 2:
		return true
	case 3:
		return false
	}
	if c.defineDepth >= maxDefineDepth {
		// A chain of macros is evaluated recursively: bound it before it
		// overflows the stack. One report is enough.
		if !c.defineDeep {
			c.errorf(d.Name.NamePos, "#define %s is nested too deeply (macros that use macros, more than %d levels)", sym.Name, maxDefineDepth)
			c.defineDeep = true
		}
		c.defineState[sym.Name] = 3
		return false
	}
	c.defineDepth++
	defer func() { c.defineDepth-- }()
	c.defineState[sym.Name] = 1
	ok := c.evalDefine(d, sym)
	if c.defineState[sym.Name] == 1 {
		c.defineState[sym.Name] = 2
	}
	if !ok {
		c.defineState[sym.Name] = 3
	}
	return c.defineState[sym.Name] == 2
}

func (c *checker) evalDefine(d *syntax.Define, sym *Symbol) bool {
	if d.Value == nil {
		c.errorf(d.Name.NamePos, "#define %s has no value (ksim supports only constant macros: #define %s 5)", sym.Name, sym.Name)
		return false
	}
	// A macro is evaluated at file level, whatever scope uses it.
	saveFn, saveScope, saveName := c.fn, c.scope, c.fnName
	c.fn, c.scope, c.fnName = nil, c.file, ""
	defer func() { c.fn, c.scope, c.fnName = saveFn, saveScope, saveName }()
	x := c.expr(d.Value)
	switch {
	case x.mode == invalid:
		return false
	case x.mode == strlit:
		sym.Type = Type{Kind: String}
		sym.Str = x.str
		c.s.Strings[sym.Name] = x.str
		return true
	case x.mode == constant && x.typ.Kind == Int:
		sym.Value = x.val
		c.s.Defines[sym.Name] = x.val
		return true
	}
	c.errorf(d.Value.Pos(), "#define %s must be an integer constant or a string, not %s (ksim supports only constant macros)", sym.Name, exprString(d.Value))
	return false
}

// evalUnusedDefines evaluates the macros no code used, so that
// Scenario.Defines is complete and their errors are reported too.
func (c *checker) evalUnusedDefines() {
	for _, d := range c.s.File.Defines {
		if d == nil || d.Name == nil || c.defines[d.Name.Name] != d {
			continue
		}
		c.defineValue(c.file.names[d.Name.Name])
	}
}

// collectFuncs declares every function, so that code may call a function
// defined further down (the scenario language is forgiving about order).
func (c *checker) collectFuncs() {
	for _, d := range c.s.File.Decls {
		f, ok := d.(*syntax.FuncDecl)
		if !ok || f.Name == nil {
			continue
		}
		name := f.Name.Name
		if f.Body == nil {
			if c.protos[name] == nil {
				c.protos[name] = f
			}
			continue
		}
		info := c.funcInfo(f)
		sym := &Symbol{Name: name, Class: FuncName, Type: info.Result, Pos: f.Name.NamePos, Func: info}
		info.Sym = sym
		if !c.declare(f.Name, sym) {
			continue
		}
		c.infos[name] = info
		c.s.Funcs[name] = f
		c.s.FuncInfo[name] = info
		c.s.FuncOrder = append(c.s.FuncOrder, name)
	}
	// Prototypes without a definition still get a symbol, so that their
	// calls are checked instead of reported as undefined.
	for _, d := range c.s.File.Decls {
		f, ok := d.(*syntax.FuncDecl)
		if !ok || f.Name == nil || f.Body != nil || c.protos[f.Name.Name] != f || c.infos[f.Name.Name] != nil {
			continue
		}
		if c.file.names[f.Name.Name] != nil || c.universe.names[f.Name.Name] != nil {
			continue
		}
		info := c.funcInfo(f)
		sym := &Symbol{Name: f.Name.Name, Class: FuncName, Type: info.Result, Pos: f.Name.NamePos, Func: info}
		info.Sym = sym
		c.file.names[f.Name.Name] = sym
		c.infos[f.Name.Name] = info
		c.errorf(f.Name.NamePos, "%s declared but not defined (a scenario is a single file: define it here)", f.Name.Name)
	}
}

// funcInfo checks a function's signature and builds its frame of
// parameters.
func (c *checker) funcInfo(f *syntax.FuncDecl) *FuncInfo {
	info := &FuncInfo{Name: f.Name.Name, Decl: f, Labels: map[string]*syntax.LabeledStmt{}}
	res, ok := c.resolveType(f.Result, false)
	switch {
	case !ok:
	case res.Kind == Void || res.Kind == Int || res.Kind == Ptr:
		info.Result = res
	default:
		c.errorf(f.Result.TypePos, "function %s cannot return a %s (return a pointer or an int)", f.Name.Name, res)
	}
	if info.Result.Kind == Invalid {
		info.Result = Type{Kind: Int, Bits: 32, Name: "int"}
	}
	if f.Variadic && f.Body != nil {
		c.errorf(f.Lparen, "unsupported construct: variadic function %s", f.Name.Name)
	}
	seen := map[string]bool{}
	for i, p := range f.Params {
		t, ok := c.resolveType(p.Type, false)
		if ok && !t.IsScalar() {
			switch {
			case t.Kind.IsObject():
				c.errorf(p.Type.TypePos, "a %s cannot be passed by value; pass a pointer (%s *%s)", t, t, paramName(p))
			case t.Kind == Void:
				c.errorf(p.Type.TypePos, "parameter %s of %s has type void", paramName(p), f.Name.Name)
			default:
				c.errorf(p.Type.TypePos, "unsupported construct: parameter of type %s (pass an int or a pointer)", t)
			}
			ok = false
		}
		if !ok {
			t = Type{Kind: Int, Bits: 64, Name: "long"}
		}
		sym := &Symbol{Class: ParamVar, Type: t, Slot: i}
		if p.Name != nil {
			sym.Name, sym.Pos = p.Name.Name, p.Name.NamePos
			if f.Body != nil {
				c.s.Defs[p.Name] = sym
				if seen[p.Name.Name] {
					c.errorf(p.Name.NamePos, "duplicate parameter %s in %s", p.Name.Name, f.Name.Name)
				}
				seen[p.Name.Name] = true
			}
		} else if f.Body != nil {
			c.errorf(p.Pos(), "parameter %d of %s has no name", i+1, f.Name.Name)
		}
		info.Params = append(info.Params, sym)
		info.Locals = append(info.Locals, sym)
	}
	return info
}

func paramName(p *syntax.Param) string {
	if p.Name != nil {
		return p.Name.Name
	}
	return "p"
}

// matchPrototypes checks that every prototype agrees with its definition.
func (c *checker) matchPrototypes() {
	for _, d := range c.s.File.Decls {
		f, ok := d.(*syntax.FuncDecl)
		if !ok || f.Body != nil || f.Name == nil {
			continue
		}
		def := c.s.Funcs[f.Name.Name]
		if def == nil {
			if c.infos[f.Name.Name] == nil && c.universe.names[f.Name.Name] != nil {
				c.errorf(f.Name.NamePos, "cannot redeclare kernel API %s", f.Name.Name)
			} else if c.infos[f.Name.Name] == nil && c.file.names[f.Name.Name] != nil {
				prev := c.file.names[f.Name.Name]
				c.errorf(f.Name.NamePos, "%s redeclared (first declared as a %s at %s)", f.Name.Name, prev.Class, prev.Pos)
			}
			continue
		}
		c.s.Defs[f.Name] = c.infos[f.Name.Name].Sym
		pres, _ := c.resolveType(f.Result, false)
		dres := c.infos[f.Name.Name].Result
		if len(f.Params) != len(def.Params) || pres.Kind != dres.Kind {
			c.errorf(f.Name.NamePos, "conflicting declarations of %s: prototype %s, definition at %s %s", f.Name.Name, signature(f), def.Name.NamePos, signature(def))
		}
	}
}

// signature renders a function's parameter list for messages: "(int a, void *data)".
func signature(f *syntax.FuncDecl) string {
	if len(f.Params) == 0 {
		return "(void)"
	}
	var parts []string
	for _, p := range f.Params {
		s := p.Type.String()
		if p.Name != nil {
			if strings.HasSuffix(s, "*") {
				s += p.Name.Name
			} else {
				s += " " + p.Name.Name
			}
		}
		parts = append(parts, s)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// collectGlobals declares the global variables and handles the top-level
// macros, in source order, so that Scenario.Globals is in declaration
// order.
func (c *checker) collectGlobals() {
	for _, d := range c.s.File.Decls {
		switch d := d.(type) {
		case *syntax.VarDecl:
			if d.Extern {
				c.errorf(d.Start, "extern declarations are not supported (a scenario is a single file: define the variable here)")
			}
			for _, v := range d.Vars {
				c.globalVar(v)
			}
		case *syntax.MacroDecl:
			c.macroDecl(d)
		}
	}
}

func (c *checker) newGlobal(id *syntax.Ident, t Type) *Global {
	g := &Global{Name: id.Name, Pos: id.NamePos, Type: t, Init: make([]int64, t.Len())}
	sym := &Symbol{Name: id.Name, Class: GlobalVar, Type: t, Pos: id.NamePos, Global: g}
	g.Sym = sym
	if c.declare(id, sym) {
		c.s.Globals = append(c.s.Globals, g)
	}
	return g
}

// staticInits are the kernel's static initialiser macros, accepted as
// `struct mutex m = __MUTEX_INITIALIZER(m);`.
var staticInits = map[string]Kind{
	"__MUTEX_INITIALIZER":     Mutex,
	"__SPIN_LOCK_UNLOCKED":    Spinlock,
	"__RW_LOCK_UNLOCKED":      RWLock,
	"__RWSEM_INITIALIZER":     RWSem,
	"COMPLETION_INITIALIZER":  Completion,
	"__SEMAPHORE_INITIALIZER": Semaphore,
	"ATOMIC_INIT":             Atomic,
}

var defineMacro = map[Kind]string{
	Semaphore:  "DEFINE_SEMAPHORE(name)",
	Mutex:      "DEFINE_MUTEX(name)",
	Spinlock:   "DEFINE_SPINLOCK(name)",
	RWLock:     "DEFINE_RWLOCK(name)",
	RWSem:      "DECLARE_RWSEM(name)",
	Completion: "DECLARE_COMPLETION(name)",
	Atomic:     "atomic_t name = ATOMIC_INIT(0)",
	Tasklet:    "DECLARE_TASKLET(name, fn)",
}

func (c *checker) globalVar(v *syntax.VarSpec) {
	if v == nil || v.Name == nil {
		return
	}
	t, ok := c.resolveType(v.Type, true)
	if !ok {
		// Declare it anyway, so its uses are not reported as undefined;
		// the Invalid kind keeps them quiet.
		c.newGlobal(v.Name, Type{Kind: Invalid})
		return
	}
	if len(t.Dims) > 0 && t.Dims[0] < 0 {
		// int a[] = {1, 2}: the initialiser gives the length.
		l, isList := v.Init.(*syntax.InitList)
		if !isList {
			c.errorf(v.Name.NamePos, "array %s needs a size", v.Name.Name)
			t.Dims[0] = 1
		} else {
			t.Dims[0] = max(1, len(l.Elts))
			if t.Len() > maxElems {
				c.errorf(v.Name.NamePos, "array %s is too large (%d elements; at most %d)", v.Name.Name, t.Len(), maxElems)
				t.Dims = []int{1}
			}
		}
	}
	switch t.Kind {
	case Void:
		c.errorf(v.Type.TypePos, "variable %s has type void", v.Name.Name)
		return
	case Func, Invalid, String:
		return
	}
	g := c.newGlobal(v.Name, t)
	if v.Init == nil {
		return
	}
	c.globalInit(g, v.Init)
}

// globalInit evaluates a global's initialiser into g.Init. Global
// initialisers must be constant: a scenario's initial state is fixed
// before any task runs.
func (c *checker) globalInit(g *Global, init syntax.Expr) {
	if l, ok := init.(*syntax.InitList); ok {
		if len(g.Type.Dims) == 0 {
			c.errorf(l.Lbrace, "braces around the initialiser of scalar %s", g.Name)
			return
		}
		c.fillInit(g, l, g.Type, 0)
		return
	}
	if len(g.Type.Dims) > 0 {
		c.errorf(init.Pos(), "array %s needs a brace initialiser ({1, 2, 3})", g.Name)
		return
	}
	if v, ok := c.elemInit(g, init, g.Type); ok {
		g.Init[0] = v
	}
}

func (c *checker) fillInit(g *Global, l *syntax.InitList, t Type, base int) {
	sub := t.elem()
	n := sub.Len()
	for i, e := range l.Elts {
		if i >= t.Dims[0] {
			c.errorf(e.Pos(), "too many initialisers for %s (%d elements)", g.Name, t.Dims[0])
			return
		}
		if inner, ok := e.(*syntax.InitList); ok {
			if len(sub.Dims) == 0 {
				c.errorf(inner.Lbrace, "braces around a scalar initialiser of %s", g.Name)
				continue
			}
			c.fillInit(g, inner, sub, base+i*n)
			continue
		}
		if len(sub.Dims) > 0 {
			c.errorf(e.Pos(), "initialiser of %s needs nested braces for each row", g.Name)
			return
		}
		if v, ok := c.elemInit(g, e, sub); ok {
			g.Init[base+i*n] = v
		}
	}
}

// elemInit evaluates the initialiser of one element of type t.
func (c *checker) elemInit(g *Global, e syntax.Expr, t Type) (int64, bool) {
	if call, ok := e.(*syntax.CallExpr); ok {
		if id, ok := call.Fun.(*syntax.Ident); ok {
			if k, ok := staticInits[id.Name]; ok {
				return c.staticInit(g, call, id, k, t)
			}
		}
	}
	if t.Kind.IsObject() {
		c.errorf(e.Pos(), "a %s cannot be initialised with = (use %s, or initialise it at run time)", t.Kind, defineMacro[t.Kind])
		return 0, false
	}
	x := c.expr(e)
	switch {
	case x.mode == invalid:
		return 0, false
	case x.mode != constant && t.Kind == Ptr:
		c.errorf(e.Pos(), "global pointer %s can only be initialised to NULL (assign it at run time, e.g. in module_init)", g.Name)
		return 0, false
	case x.mode != constant:
		c.errorf(e.Pos(), "the initialiser of global %s must be a constant expression, not %s", g.Name, exprString(e))
		return 0, false
	case t.Kind == Ptr:
		if x.val != 0 {
			c.errorf(e.Pos(), "global pointer %s can only be initialised to NULL", g.Name)
			return 0, false
		}
		return 0, true
	case x.typ.Kind != Int:
		c.errorf(e.Pos(), "cannot initialise %s %s with %s", t, g.Name, exprString(e))
		return 0, false
	}
	return truncate(x.val, t), true
}

func (c *checker) staticInit(g *Global, call *syntax.CallExpr, id *syntax.Ident, k Kind, t Type) (int64, bool) {
	if t.Kind != k {
		c.errorf(id.NamePos, "%s initialises a %s, but %s is a %s", id.Name, k, g.Name, t)
		return 0, false
	}
	switch k {
	case Atomic:
		if len(call.Args) != 1 {
			c.errorf(call.Pos(), "wrong argument count in call to ATOMIC_INIT: got %d, want 1", len(call.Args))
			return 0, false
		}
		v, ok := c.constInt(call.Args[0], "the ATOMIC_INIT value")
		if ok {
			g.Macro, g.Static = "ATOMIC_INIT", true
		}
		return truncate(v, Type{Kind: Int, Bits: 32}), ok
	case Semaphore:
		if len(call.Args) != 2 {
			c.errorf(call.Pos(), "wrong argument count in call to __SEMAPHORE_INITIALIZER: got %d, want 2 (__SEMAPHORE_INITIALIZER(%s, 1))", len(call.Args), g.Name)
			return 0, false
		}
	default:
		if len(call.Args) != 1 {
			c.errorf(call.Pos(), "wrong argument count in call to %s: got %d, want 1 (%s(%s))", id.Name, len(call.Args), id.Name, g.Name)
			return 0, false
		}
	}
	if a, ok := call.Args[0].(*syntax.Ident); !ok || a.Name != g.Name || len(g.Type.Dims) > 0 {
		c.errorf(call.Args[0].Pos(), "%s must name the variable it initialises: %s(%s)", id.Name, id.Name, g.Name)
		return 0, false
	}
	g.Macro, g.Static = id.Name, true
	if k == Semaphore {
		v, ok := c.constInt(call.Args[1], "the semaphore count")
		if ok && v < 0 {
			c.errorf(call.Args[1].Pos(), "semaphore count must not be negative")
			return 0, false
		}
		return v, ok
	}
	return 0, true
}

// truncate converts v to the width of the integer type t, as a store to a
// variable of that type does.
func truncate(v int64, t Type) int64 {
	switch {
	case t.Kind != Int || t.Bits == 0 || t.Bits >= 64:
		return v
	case t.Bits == 1:
		if v != 0 {
			return 1
		}
		return 0
	case t.Unsigned:
		return v & (1<<t.Bits - 1)
	default:
		shift := 64 - t.Bits
		return v << shift >> shift
	}
}

// defineMacros are the DEFINE_*/DECLARE_* macros: the kind they declare
// and their argument counts.
var defineMacros = map[string]struct {
	kind     Kind
	min, max int
	usage    string
}{
	"DEFINE_SEMAPHORE":   {Semaphore, 1, 2, "DEFINE_SEMAPHORE(name) or DEFINE_SEMAPHORE(name, count)"},
	"DEFINE_MUTEX":       {Mutex, 1, 1, "DEFINE_MUTEX(name)"},
	"DEFINE_SPINLOCK":    {Spinlock, 1, 1, "DEFINE_SPINLOCK(name)"},
	"DEFINE_RWLOCK":      {RWLock, 1, 1, "DEFINE_RWLOCK(name)"},
	"DECLARE_RWSEM":      {RWSem, 1, 1, "DECLARE_RWSEM(name)"},
	"DECLARE_COMPLETION": {Completion, 1, 1, "DECLARE_COMPLETION(name)"},
	"DECLARE_TASKLET":    {Tasklet, 2, 2, "DECLARE_TASKLET(name, fn)"},
}

// ignoredMacros describe the module and may be written but mean nothing to
// the simulation.
var ignoredMacros = map[string]bool{
	"MODULE_LICENSE": true, "MODULE_AUTHOR": true, "MODULE_DESCRIPTION": true,
	"MODULE_VERSION": true, "MODULE_ALIAS": true, "EXPORT_SYMBOL": true, "EXPORT_SYMBOL_GPL": true,
}

func (c *checker) macroDecl(d *syntax.MacroDecl) {
	name := d.Name.Name
	if m, ok := defineMacros[name]; ok {
		if len(d.Args) < m.min || len(d.Args) > m.max {
			want := fmt.Sprint(m.min)
			if m.max != m.min {
				want = fmt.Sprintf("%d or %d", m.min, m.max)
			}
			c.errorf(d.Name.NamePos, "wrong argument count in %s: got %d, want %s (%s)", name, len(d.Args), want, m.usage)
			return
		}
		id, ok := d.Args[0].(*syntax.Ident)
		if !ok {
			c.errorf(d.Args[0].Pos(), "%s wants the name of the new variable, not %s (%s)", name, exprString(d.Args[0]), m.usage)
			return
		}
		g := c.newGlobal(id, Type{Kind: m.kind, Name: m.kind.String()})
		g.Macro, g.Static = name, true
		switch m.kind {
		case Semaphore:
			g.Init[0] = 1
			if len(d.Args) == 2 {
				v, ok := c.constInt(d.Args[1], "the semaphore count")
				if ok && v < 0 {
					c.errorf(d.Args[1].Pos(), "semaphore count must not be negative")
				}
				g.Init[0] = v
			}
		case Tasklet:
			if fn := c.funcArg(d.Args[1], name, TaskletFn); fn != nil {
				g.TaskletFunc = fn.Name
			}
		}
		return
	}
	switch name {
	case "module_init", "module_exit":
		if len(d.Args) != 1 {
			c.errorf(d.Name.NamePos, "wrong argument count in %s: got %d, want 1 (%s(fn))", name, len(d.Args), name)
			return
		}
		prev := &c.initPos
		if name == "module_exit" {
			prev = &c.exitPos
		}
		if prev.IsValid() {
			c.errorf(d.Name.NamePos, "duplicate %s (first at %s)", name, *prev)
			return
		}
		*prev = d.Name.NamePos
		id, ok := d.Args[0].(*syntax.Ident)
		if !ok {
			c.errorf(d.Args[0].Pos(), "%s wants a function name, not %s", name, exprString(d.Args[0]))
			return
		}
		sym := c.file.lookup(id.Name)
		if sym == nil {
			c.undefined(id)
			return
		}
		c.s.Uses[id] = sym
		if sym.Class != FuncName || c.s.Funcs[id.Name] == nil {
			if sym.Class != FuncName {
				c.errorf(id.NamePos, "%s wants a function, but %s is a %s", name, id.Name, sym.Class)
			}
			return
		}
		c.ref(id.Name)
		info := sym.Func
		if len(info.Params) > 0 {
			c.errorf(id.NamePos, "%s function %s must take no parameters: static %s %s(void)", name, id.Name, map[bool]string{true: "int __init", false: "void __exit"}[name == "module_init"], id.Name)
		}
		if info.Result.Kind == Ptr {
			c.errorf(id.NamePos, "%s function %s must return int or void", name, id.Name)
		}
		if name == "module_init" {
			c.s.Init = id.Name
		} else {
			c.s.Exit = id.Name
		}
		return
	}
	if ignoredMacros[name] {
		return
	}
	if b := c.universe.names[name]; b != nil && b.Class == BuiltinFunc {
		c.errorf(d.Name.NamePos, "%s(...) is a statement: it must be inside a function (module_init runs at load time)", name)
		return
	}
	c.errorf(d.Name.NamePos, "unknown top-level macro %s (ksim knows DEFINE_MUTEX, DEFINE_SPINLOCK, DEFINE_SEMAPHORE, DEFINE_RWLOCK, DECLARE_RWSEM, DECLARE_COMPLETION, DECLARE_TASKLET, module_init, module_exit and MODULE_*)", name)
}

// ref records that the current function (or the file level) names fn.
func (c *checker) ref(fn string) {
	m := c.refs[fn]
	if m == nil {
		m = map[string]bool{}
		c.refs[fn] = m
	}
	m[c.fnName] = true
}

func (c *checker) undefined(id *syntax.Ident) {
	if hint, ok := unmodelled[id.Name]; ok {
		c.errorf(id.NamePos, "%s is not modelled by ksim (%s)", id.Name, hint)
		return
	}
	c.errorf(id.NamePos, "undefined: %s (no function, variable or kernel API of that name)", id.Name)
}

// ----------------------------------------------------------------------------
// Types

var intTypes = map[string]struct {
	bits     int
	unsigned bool
}{
	"char": {8, false}, "signed char": {8, false}, "unsigned char": {8, true},
	"short": {16, false}, "unsigned short": {16, true},
	"int": {32, false}, "unsigned int": {32, true},
	"long": {64, false}, "unsigned long": {64, true},
	"long long": {64, false}, "unsigned long long": {64, true},
	"bool": {1, true}, "_Bool": {1, true},
	"u8": {8, true}, "u16": {16, true}, "u32": {32, true}, "u64": {64, true},
	"s8": {8, false}, "s16": {16, false}, "s32": {32, false}, "s64": {64, false},
	"__u8": {8, true}, "__u16": {16, true}, "__u32": {32, true}, "__u64": {64, true},
	"uint8_t": {8, true}, "uint16_t": {16, true}, "uint32_t": {32, true}, "uint64_t": {64, true},
	"int8_t": {8, false}, "int16_t": {16, false}, "int32_t": {32, false}, "int64_t": {64, false},
	"size_t": {64, true}, "ssize_t": {64, false}, "loff_t": {64, false}, "pid_t": {32, false},
	"gfp_t": {32, true}, "uintptr_t": {64, true}, "irqreturn_t": {32, false},
}

var objectTypes = map[string]Kind{
	"struct semaphore":      Semaphore,
	"struct mutex":          Mutex,
	"spinlock_t":            Spinlock,
	"rwlock_t":              RWLock,
	"struct rw_semaphore":   RWSem,
	"struct completion":     Completion,
	"atomic_t":              Atomic,
	"struct tasklet_struct": Tasklet,
}

var unsupportedTypes = map[string]string{
	"raw_spinlock_t":         "use spinlock_t",
	"struct spinlock":        "use spinlock_t",
	"struct raw_spinlock":    "use spinlock_t",
	"atomic64_t":             "use atomic_t",
	"atomic_long_t":          "use atomic_t",
	"seqlock_t":              "seqlocks are not modelled",
	"wait_queue_head_t":      "wait queues are not modelled; use a struct completion",
	"struct wait_queue_head": "wait queues are not modelled; use a struct completion",
	"struct work_struct":     "workqueues are not modelled; use kthread_run or a tasklet",
	"struct timer_list":      "timers are not modelled",
}

// resolveType turns a declared type into a Type. global allows array
// dimensions (locals and parameters are scalars); an unsized outermost
// dimension is returned as -1 for the initialiser to fill in.
func (c *checker) resolveType(st *syntax.Type, global bool) (Type, bool) {
	if st == nil {
		return Type{}, false
	}
	var t Type
	t.Name = st.Name
	t.Const = st.Const
	if hint, ok := unsupportedTypes[st.Name]; ok {
		c.errorf(st.TypePos, "unsupported type %s (%s)", st.Name, hint)
		return t, false
	}
	switch {
	case st.Name == "void":
		t.Kind = Void
	case intTypes[st.Name].bits > 0:
		it := intTypes[st.Name]
		t.Kind, t.Bits, t.Unsigned = Int, it.bits, it.unsigned
	case objectTypes[st.Name] != Invalid:
		t.Kind = objectTypes[st.Name]
	case st.Struct != "":
		if st.Ptr == 0 {
			c.errorf(st.TypePos, "unsupported construct: %s (ksim's scenario language has no structs; use separate globals)", st.Name)
			return t, false
		}
		// An opaque pointer such as struct task_struct *.
		t.Kind = Void
	default:
		c.errorf(st.TypePos, "unsupported type %s", st.Name)
		return t, false
	}
	switch {
	case st.Ptr > 1:
		c.errorf(st.TypePos, "unsupported construct: pointer to pointer (%s)", st)
		return t, false
	case st.Ptr == 1:
		t.Elem, t.Kind = t.Kind, Ptr
	}
	if len(st.Dims) == 0 {
		return t, true
	}
	if !global {
		return Type{Kind: Invalid, Name: st.String(), Dims: []int{1}}, true
	}
	total := 1
	for i, d := range st.Dims {
		if d == nil {
			if i > 0 {
				c.errorf(st.TypePos, "only the first dimension of an array may be left out")
				return t, false
			}
			t.Dims = append(t.Dims, -1)
			continue
		}
		n, ok := c.constInt(d, "an array size")
		if !ok {
			return t, false
		}
		if n <= 0 || n > maxElems {
			c.errorf(d.Pos(), "array size %d out of range (1 to %d elements in all)", n, maxElems)
			return t, false
		}
		if int64(total)*n > maxElems {
			c.errorf(d.Pos(), "array too large: %d elements in all (at most %d)", int64(total)*n, maxElems)
			return t, false
		}
		total *= int(n)
		t.Dims = append(t.Dims, int(n))
	}
	return t, true
}

// sizeOf is what sizeof yields: x86-64 sizes, and the size of a
// non-debug kernel's lock structures, so that kmalloc(sizeof(*p)) is
// plausible.
func sizeOf(t Type) int64 {
	var n int64
	switch t.Kind {
	case Int:
		n = max(1, int64(t.Bits)/8)
	case Ptr:
		n = 8
	case Semaphore:
		n = 24
	case Mutex, Completion:
		n = 32
	case Spinlock, Atomic:
		n = 4
	case RWLock:
		n = 8
	case RWSem:
		n = 40
	case Tasklet:
		n = 40
	default:
		n = 1
	}
	return n * int64(max(1, t.Len()))
}

// ----------------------------------------------------------------------------
// Functions and statements

func (c *checker) funcBody(info *FuncInfo) {
	c.fn, c.fnName = info, info.Name
	c.scope = newScope(c.file)
	c.loops, c.switches = 0, 0
	for _, p := range info.Params {
		if p.Name != "" {
			c.scope.names[p.Name] = p
		}
	}
	body := info.Decl.Body
	// Labels are function-wide, so collect them before checking gotos.
	syntax.Inspect(body, func(n syntax.Node) bool {
		if l, ok := n.(*syntax.LabeledStmt); ok && l.Label != nil {
			if prev := info.Labels[l.Label.Name]; prev != nil {
				c.errorf(l.Label.NamePos, "label %s defined twice (first at %s)", l.Label.Name, prev.Label.NamePos)
			} else {
				info.Labels[l.Label.Name] = l
			}
		}
		return true
	})
	// The parameters and the outermost block share one scope, as in C.
	c.lists = append(c.lists[:0], body.List)
	for _, s := range body.List {
		c.stmt(s)
	}
	c.lists = c.lists[:0]
}

func (c *checker) openScope()  { c.scope = newScope(c.scope) }
func (c *checker) closeScope() { c.scope = c.scope.parent }

func (c *checker) stmt(s syntax.Stmt) {
	switch s := s.(type) {
	case nil, *syntax.EmptyStmt, *syntax.BadStmt:
	case *syntax.BlockStmt:
		c.openScope()
		c.lists = append(c.lists, s.List)
		for _, x := range s.List {
			c.stmt(x)
		}
		c.lists = c.lists[:len(c.lists)-1]
		c.closeScope()
	case *syntax.DeclStmt:
		c.localDecl(s.Decl)
	case *syntax.ExprStmt:
		x := c.expr(s.X)
		switch x.mode {
		case funcname:
			c.errorf(s.X.Pos(), "function %s is not called (add parentheses: %s())", exprString(s.X), exprString(s.X))
		case builtinname:
			c.errorf(s.X.Pos(), "kernel API %s is not called (%s)", exprString(s.X), x.sym.Builtin.Usage)
		}
	case *syntax.IfStmt:
		c.cond(s.Cond, "if")
		c.body(s.Then)
		c.body(s.Else)
	case *syntax.WhileStmt:
		c.cond(s.Cond, "while")
		c.loops++
		c.body(s.Body)
		c.loops--
	case *syntax.DoWhileStmt:
		c.loops++
		c.body(s.Body)
		c.loops--
		c.cond(s.Cond, "do-while")
	case *syntax.ForStmt:
		c.openScope()
		c.stmt(s.Init)
		if s.Cond != nil {
			c.cond(s.Cond, "for")
		}
		if s.Post != nil {
			c.expr(s.Post)
		}
		c.loops++
		c.body(s.Body)
		c.loops--
		c.closeScope()
	case *syntax.SwitchStmt:
		c.switchStmt(s)
	case *syntax.BranchStmt:
		switch s.Tok {
		case syntax.BREAK:
			if c.loops == 0 && c.switches == 0 {
				c.errorf(s.TokPos, "break is not in a loop or switch")
			}
		case syntax.CONTINUE:
			if c.loops == 0 {
				c.errorf(s.TokPos, "continue is not in a loop")
			}
		case syntax.GOTO:
			if s.Label == nil {
				break
			}
			if c.fn.Labels[s.Label.Name] == nil {
				c.errorf(s.Label.NamePos, "label %s not defined in %s", s.Label.Name, c.fnName)
			} else if !c.labelEncloses(s.Label.Name) {
				c.errorf(s.Label.NamePos, "goto %s jumps into a block or another case (label at %s); ksim supports a goto to a label in the same or an enclosing block, as kernel error paths use",
					s.Label.Name, c.fn.Labels[s.Label.Name].Label.NamePos)
			}
		}
	case *syntax.LabeledStmt:
		c.stmt(s.Stmt)
	case *syntax.ReturnStmt:
		c.returnStmt(s)
	default:
		c.errorf(s.Pos(), "unsupported construct: statement %T", s)
	}
}

// labelEncloses reports whether label is on a statement of a list enclosing the
// goto being checked: the interpreter finds a goto's label by leaving lists until
// one holds it, so it cannot jump into a block (C can, but kernel code does not).
func (c *checker) labelEncloses(label string) bool {
	for i := len(c.lists) - 1; i >= 0; i-- {
		if findLabel(c.lists[i], label) >= 0 {
			return true
		}
	}
	return false
}

// body checks the statement controlled by if/else/while/for/do, which gets
// its own scope in C even without braces.
func (c *checker) body(s syntax.Stmt) {
	if s == nil {
		return
	}
	c.openScope()
	c.stmt(s)
	c.closeScope()
}

func (c *checker) cond(e syntax.Expr, what string) {
	if e == nil {
		return
	}
	c.scalar(e, "the "+what+" condition")
}

func (c *checker) switchStmt(s *syntax.SwitchStmt) {
	if s.Tag != nil {
		if x := c.scalar(s.Tag, "the switch value"); x.mode != invalid && x.typ.Kind != Int {
			c.errorf(s.Tag.Pos(), "switch needs an int, but %s is a %s", exprString(s.Tag), x.typ)
		}
	}
	seen := map[int64]syntax.Pos{}
	var dflt syntax.Pos
	c.switches++
	c.openScope()
	for _, cl := range s.Clauses {
		if cl.Value == nil {
			if dflt.IsValid() {
				c.errorf(cl.Case, "multiple default labels in one switch (first at %s)", dflt)
			}
			dflt = cl.Case
		} else if v, ok := c.constInt(cl.Value, "a case label"); ok {
			if prev, dup := seen[v]; dup {
				c.errorf(cl.Value.Pos(), "duplicate case %d in switch (first at %s)", v, prev)
			} else {
				seen[v] = cl.Value.Pos()
			}
		}
		c.lists = append(c.lists, cl.Body)
		for _, st := range cl.Body {
			c.stmt(st)
		}
		c.lists = c.lists[:len(c.lists)-1]
	}
	c.closeScope()
	c.switches--
}

func (c *checker) returnStmt(s *syntax.ReturnStmt) {
	res := c.fn.Result
	if s.Result == nil {
		if res.Kind != Void {
			c.errorf(s.Return, "%s must return a value (it returns %s)", c.fnName, res)
		}
		return
	}
	if res.Kind == Void {
		x := c.expr(s.Result)
		if x.mode != invalid && x.mode != novalue {
			c.errorf(s.Result.Pos(), "%s returns void, so return cannot have a value", c.fnName)
		}
		return
	}
	c.assignTo(s.Result, c.expr(s.Result), res, "return value of "+c.fnName)
}

// localDecl declares local variables. Locals are invisible to the other
// tasks, so only scalars are allowed: a lock in a local would protect
// nothing.
func (c *checker) localDecl(d *syntax.VarDecl) {
	if d == nil {
		return
	}
	switch {
	case d.Static:
		c.errorf(d.Start, "unsupported construct: static local variable (declare it as a global)")
	case d.Extern:
		c.errorf(d.Start, "extern declarations are not supported (a scenario is a single file)")
	}
	for _, v := range d.Vars {
		if v == nil || v.Name == nil {
			continue
		}
		t, ok := c.resolveType(v.Type, false)
		if ok {
			switch {
			case t.Kind == Invalid && len(t.Dims) > 0:
				c.errorf(v.Name.NamePos, "local arrays are not supported (declare %s as a global array)", v.Name.Name)
				ok = false
			case t.Kind.IsObject():
				if t.Kind.IsLock() || t.Kind == Semaphore {
					c.errorf(v.Type.TypePos, "locks must be global in a scenario (a local lock is private to one task)")
				} else {
					c.errorf(v.Type.TypePos, "a %s must be global in a scenario (a local one is private to one task)", t.Kind)
				}
				ok = false
			case t.Kind == Void:
				c.errorf(v.Type.TypePos, "variable %s has type void", v.Name.Name)
				ok = false
			}
		}
		if !ok {
			t = Type{Kind: Invalid} // reported; keep its uses quiet
		}
		// As in C, the name is in scope in its own initialiser, for the
		// kernel idiom p = kmalloc(sizeof(*p), GFP_KERNEL).
		c.declareLocal(v.Name, t)
		if v.Init != nil {
			if l, isList := v.Init.(*syntax.InitList); isList {
				c.errorf(l.Lbrace, "unsupported construct: initialiser list for a local variable")
			} else {
				x := c.expr(v.Init)
				if ok {
					c.assignTo(v.Init, x, t, "the initialisation of "+v.Name.Name)
				}
			}
		}
	}
}

func (c *checker) declareLocal(id *syntax.Ident, t Type) {
	if c.defines[id.Name] != nil {
		c.errorf(id.NamePos, "%s is a #define constant and cannot be a variable name", id.Name)
		return
	}
	if prev := c.scope.names[id.Name]; prev != nil {
		c.errorf(id.NamePos, "%s redeclared in this block (first declared at %s)", id.Name, prev.Pos)
		return
	}
	sym := &Symbol{Name: id.Name, Class: LocalVar, Type: t, Pos: id.NamePos, Slot: len(c.fn.Locals)}
	c.fn.Locals = append(c.fn.Locals, sym)
	c.scope.names[id.Name] = sym
	c.s.Defs[id] = sym
}

// ----------------------------------------------------------------------------
// Threads

// threads decides which functions start as tasks, and validates the
// threads pragma.
func (c *checker) threads() {
	cfg := &c.s.Config
	if pos, ok := cfg.Pos["threads"]; ok {
		if c.s.Init != "" {
			c.errorf(pos, "#pragma ksim threads cannot be combined with module_init (module_init starts the threads; see %s)", c.initPos)
			return
		}
		for _, name := range cfg.Threads {
			info := c.s.FuncInfo[name]
			if info == nil {
				c.errorf(pos, "#pragma ksim threads: %s is not a defined function", name)
				continue
			}
			if !fits(info, ThreadFn) {
				c.errorf(pos, "#pragma ksim threads: %s cannot start as a thread: %s, but it takes %s", name, shapeHints[ThreadFn], signature(info.Decl))
			}
		}
		c.s.Threads = append([]string(nil), cfg.Threads...)
		if n := len(c.s.Threads); n > c.maxThreads() {
			c.errorf(pos, "#pragma ksim threads starts %d tasks, but a scenario can run at most %d%s", n, c.maxThreads(), c.rmmodNote())
		}
		return
	}
	if c.s.Init != "" {
		return
	}
	defer func() {
		if n := len(c.s.Threads); n > c.maxThreads() {
			c.errorf(syntax.Pos{Line: 1, Col: 1}, "%d functions could start as threads, but a scenario can run at most %d tasks%s (choose some with #pragma ksim threads)", n, c.maxThreads(), c.rmmodNote())
		}
	}()
	for _, name := range c.s.FuncOrder {
		if name == c.s.Exit || !fits(c.s.FuncInfo[name], ThreadFn) {
			continue
		}
		named := false
		for by := range c.refs[name] {
			if by != name {
				named = true
			}
		}
		if !named {
			c.s.Threads = append(c.s.Threads, name)
		}
	}
	// Without threads there is nothing to explore, but after other errors
	// (say, module_init naming an undefined function) this is only noise.
	if len(c.s.Threads) == 0 && len(c.errs) == 0 && !c.initPos.IsValid() {
		c.errorf(syntax.Pos{Line: 1, Col: 1}, "nothing to run: no module_init, no #pragma ksim threads, and no function that could start as a thread")
	}
}

// maxThreads is how many tasks the scenario may start without module_init: the
// engine runs at most sched.MaxThreads, and module_exit's rmmod is one of them.
func (c *checker) maxThreads() int {
	if c.s.Exit != "" {
		return sched.MaxThreads - 1
	}
	return sched.MaxThreads
}

func (c *checker) rmmodNote() string {
	if c.s.Exit != "" {
		return " besides module_exit's rmmod"
	}
	return ""
}

// fits reports whether a function has a parameter list that the kernel API
// can call it with.
func fits(info *FuncInfo, shape FuncShape) bool {
	ps := info.Params
	switch shape {
	case ThreadFn:
		return len(ps) == 0 || len(ps) == 1 && ps[0].Type.Kind == Ptr
	case IRQHandler:
		return len(ps) == 0 || ps[0].Type.Kind == Int && (len(ps) == 1 || len(ps) == 2 && ps[1].Type.Kind == Ptr)
	case TaskletFn:
		return len(ps) <= 1
	}
	return false
}

// ----------------------------------------------------------------------------
// Helpers for messages

// exprString renders an expression for a message, shortened.
func exprString(e syntax.Expr) string {
	if e == nil {
		return "nothing"
	}
	s := syntax.ExprString(e)
	switch unparen(e).(type) {
	case *syntax.BinaryExpr, *syntax.AssignExpr, *syntax.CondExpr:
		// ExprString shows the grouping with parentheses; the outermost
		// pair only adds noise to a message.
		if _, paren := e.(*syntax.ParenExpr); !paren {
			s = strings.TrimSuffix(strings.TrimPrefix(s, "("), ")")
		}
	}
	if r := []rune(s); len(r) > 40 {
		s = string(r[:36]) + "..."
	}
	return s
}

// article returns "a" or "an" for the phrase s.
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// objectExample is how each kernel object is used, for "not a number"
// messages.
var objectExample = map[Kind]string{
	Semaphore:  "down(&%s)",
	Mutex:      "mutex_lock(&%s)",
	Spinlock:   "spin_lock(&%s)",
	RWLock:     "read_lock(&%s)",
	RWSem:      "down_read(&%s)",
	Completion: "wait_for_completion(&%s)",
	Atomic:     "atomic_read(&%s)",
	Tasklet:    "tasklet_schedule(&%s)",
}

// ----------------------------------------------------------------------------
// Expressions

// mode is what an expression is, beyond its type.
type mode uint8

const (
	invalid     mode = iota // an error was reported: stay quiet about it
	novalue                 // a call of a void function
	value                   // an rvalue
	constant                // a folded constant (Int, or a null pointer)
	variable                // an lvalue: a variable, an array element, *p
	funcname                // a function name, not called
	builtinname             // a kernel API name, not called
	strlit                  // a string literal or string #define
)

type operand struct {
	mode mode
	typ  Type
	val  int64       // constant
	str  string      // strlit
	sym  *Symbol     // the symbol when the expression is a (parenthesised) name
	root *Symbol     // variable: the variable the lvalue belongs to (nil for *p and p[i])
	expr syntax.Expr // for messages
}

var intType = Type{Kind: Int, Bits: 64, Name: "int"}

func (c *checker) record(e syntax.Expr, x operand) operand {
	switch x.mode {
	case invalid, funcname, builtinname:
	default:
		c.s.Types[e] = x.typ
		if x.mode == constant {
			c.s.Consts[e] = x.val
		}
	}
	x.expr = e
	return x
}

func (c *checker) lookup(name string) *Symbol { return c.scope.lookup(name) }

// expr checks e and returns what it is. Errors are reported once, at the
// innermost offending node; callers stay quiet about invalid operands.
func (c *checker) expr(e syntax.Expr) operand {
	if e == nil {
		return operand{}
	}
	return c.record(e, c.expr1(e))
}

func (c *checker) expr1(e syntax.Expr) operand {
	switch e := e.(type) {
	case *syntax.BadExpr:
		return operand{}
	case *syntax.Ident:
		return c.ident(e)
	case *syntax.IntLit:
		return operand{mode: constant, typ: intType, val: e.Value}
	case *syntax.CharLit:
		return operand{mode: constant, typ: intType, val: e.Value}
	case *syntax.StringLit:
		return operand{mode: strlit, typ: Type{Kind: String}, str: e.Value}
	case *syntax.ParenExpr:
		x := c.expr(e.X)
		return x
	case *syntax.UnaryExpr:
		return c.unary(e)
	case *syntax.PostfixExpr:
		return c.incDec(e.X, e.Op)
	case *syntax.BinaryExpr:
		return c.binary(e)
	case *syntax.AssignExpr:
		return c.assign(e)
	case *syntax.CondExpr:
		return c.condExpr(e)
	case *syntax.CallExpr:
		return c.call(e)
	case *syntax.IndexExpr:
		return c.index(e)
	case *syntax.MemberExpr:
		c.errorf(e.Pos(), "unsupported construct: struct member access (ksim's scenario language has no structs; use separate globals)")
		return operand{}
	case *syntax.CastExpr:
		return c.cast(e)
	case *syntax.SizeofExpr:
		return c.sizeof(e)
	case *syntax.TypeExpr:
		c.errorf(e.Pos(), "unexpected type %s (only sizeof and casts take a type)", e.Type)
		return operand{}
	case *syntax.InitList:
		c.errorf(e.Pos(), "unsupported construct: initialiser list {...} outside a global declaration")
		return operand{}
	}
	c.errorf(e.Pos(), "unsupported construct: expression %T", e)
	return operand{}
}

func (c *checker) ident(id *syntax.Ident) operand {
	sym := c.lookup(id.Name)
	if sym == nil {
		c.undefined(id)
		return operand{}
	}
	c.s.Uses[id] = sym
	if sym.Type.Kind == Invalid {
		return operand{} // its declaration was reported
	}
	x := operand{sym: sym, typ: sym.Type}
	switch sym.Class {
	case GlobalVar, LocalVar, ParamVar, KernelVar:
		x.mode, x.root = variable, sym
	case Constant:
		if !c.defineValue(sym) {
			return operand{}
		}
		if sym.Type.Kind == String {
			x.mode, x.str = strlit, sym.Str
		} else {
			x.mode, x.val = constant, sym.Value
		}
	case FuncName:
		x.mode = funcname
		c.ref(sym.Name)
	case BuiltinFunc:
		x.mode = builtinname
	}
	return x
}

// isValue reports whether x is a plain int or pointer value, and reports
// a tailored error otherwise. what says where it is used.
func (c *checker) isValue(x operand, what string) bool {
	e := x.expr
	switch x.mode {
	case invalid:
		return false
	case value, constant, variable:
		if x.typ.IsScalar() {
			return true
		}
		if len(x.typ.Dims) > 0 {
			c.errorf(e.Pos(), "%s is an array; use one element (%s[i]) in %s", exprString(e), exprString(e), what)
			return false
		}
		if x.typ.Kind.IsObject() {
			ex := fmt.Sprintf(objectExample[x.typ.Kind], exprString(e))
			c.errorf(e.Pos(), "%s is %s, not a number (use it through the kernel API, e.g. %s)", exprString(e), article(x.typ.String()), ex)
			return false
		}
		c.errorf(e.Pos(), "invalid use of %s (%s) in %s", exprString(e), x.typ, what)
	case novalue:
		c.errorf(e.Pos(), "%s returns void; it has no value to use in %s", exprString(e), what)
	case funcname:
		c.errorf(e.Pos(), "function %s used as a value in %s (function pointers are not supported; call it: %s())", exprString(e), what, exprString(e))
	case builtinname:
		c.errorf(e.Pos(), "kernel API %s used without a call in %s (%s)", exprString(e), what, x.sym.Builtin.Usage)
	case strlit:
		c.errorf(e.Pos(), "string %s used in %s (ksim has strings only as printk formats, kthread_run thread names and request_irq names)", exprString(e), what)
	}
	return false
}

// scalar checks e as an int or pointer value.
func (c *checker) scalar(e syntax.Expr, what string) operand {
	x := c.expr(e)
	if !c.isValue(x, what) {
		return operand{}
	}
	return x
}

// integer checks e as an int value. Pointer arithmetic is not part of the
// language: a pointer may be compared, tested, indexed and passed on.
func (c *checker) integer(e syntax.Expr, what string) operand {
	x := c.scalar(e, what)
	if x.mode != invalid && x.typ.Kind != Int {
		c.errorf(e.Pos(), "unsupported construct: pointer arithmetic on %s (a pointer may be compared, indexed as p[i] or cast to long)", exprString(e))
		return operand{}
	}
	return x
}

// constInt checks that e is an integer constant expression.
func (c *checker) constInt(e syntax.Expr, what string) (int64, bool) {
	x := c.expr(e)
	if !c.isValue(x, what) {
		return 0, false
	}
	if x.mode != constant || x.typ.Kind != Int {
		c.errorf(e.Pos(), "%s must be a constant expression, not %s", what, exprString(e))
		return 0, false
	}
	return x.val, true
}

func (c *checker) unary(e *syntax.UnaryExpr) operand {
	switch e.Op {
	case syntax.AND:
		return c.addrOf(e)
	case syntax.MUL:
		x := c.scalar(e.X, "a dereference")
		if x.mode == invalid {
			return x
		}
		switch {
		case x.typ.Kind != Ptr:
			c.errorf(e.OpPos, "cannot dereference %s: it is %s, not a pointer", exprString(e.X), article(x.typ.String()))
			return operand{}
		case x.typ.Elem == Void:
			c.errorf(e.OpPos, "cannot dereference %s: it is a %s (cast it first: *(int *)%s)", exprString(e.X), x.typ, exprString(e.X))
			return operand{}
		}
		t := x.typ
		t.Kind, t.Elem, t.Const = t.Elem, Invalid, false
		return operand{mode: variable, typ: t}
	case syntax.INC, syntax.DEC:
		return c.incDec(e.X, e.Op)
	case syntax.NOT:
		x := c.scalar(e.X, "operand of !")
		if x.mode == constant {
			return operand{mode: constant, typ: intType, val: b2i(x.val == 0)}
		}
		if x.mode == invalid {
			return x
		}
		return operand{mode: value, typ: intType}
	case syntax.SUB, syntax.ADD, syntax.TILDE:
		x := c.integer(e.X, "operand of "+e.Op.String())
		if x.mode == constant {
			v := x.val
			switch e.Op {
			case syntax.SUB:
				v = -v
			case syntax.TILDE:
				v = ^v
			}
			return operand{mode: constant, typ: intType, val: v}
		}
		if x.mode == invalid {
			return x
		}
		return operand{mode: value, typ: intType}
	}
	c.errorf(e.OpPos, "unsupported construct: unary %s", e.Op)
	return operand{}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// addrOf checks &x. Only globals and their elements have addresses in a
// scenario: a local is private to its task, and pointer arithmetic is not
// part of the language.
func (c *checker) addrOf(e *syntax.UnaryExpr) operand {
	x := c.expr(e.X)
	what := exprString(e.X)
	switch x.mode {
	case invalid:
		return x
	case funcname:
		c.errorf(e.OpPos, "unsupported construct: function pointer &%s (pass the function by name to kthread_run and friends)", what)
		return operand{}
	case variable:
	default:
		c.errorf(e.OpPos, "cannot take the address of %s (only of a global variable or an array element)", what)
		return operand{}
	}
	switch {
	case x.root == nil:
		c.errorf(e.OpPos, "cannot take the address of %s (only of a global variable or an array element)", what)
		return operand{}
	case x.root.Class == LocalVar || x.root.Class == ParamVar:
		c.errorf(e.OpPos, "cannot take the address of local %s (locals are private to one task; make it a global)", what)
		return operand{}
	case x.root.Class == KernelVar:
		c.errorf(e.OpPos, "cannot take the address of %s", what)
		return operand{}
	case len(x.typ.Dims) > 0:
		c.errorf(e.OpPos, "&%s is the address of a whole array; take one element: &%s[i]", what, what)
		return operand{}
	case x.typ.Kind == Ptr:
		c.errorf(e.OpPos, "unsupported construct: pointer to pointer (&%s)", what)
		return operand{}
	}
	t := x.typ
	t.Elem, t.Kind, t.Const = t.Kind, Ptr, false
	return operand{mode: value, typ: t}
}

func (c *checker) incDec(e syntax.Expr, op syntax.Token) operand {
	x := c.expr(e)
	if !c.assignable(x, op.String()) {
		return operand{}
	}
	if x.typ.Kind != Int {
		c.errorf(e.Pos(), "unsupported construct: pointer arithmetic (%s%s)", exprString(e), op)
		return operand{}
	}
	return operand{mode: value, typ: x.typ}
}

// assignable reports whether x may be assigned to, reporting why not.
func (c *checker) assignable(x operand, op string) bool {
	e := x.expr
	switch x.mode {
	case invalid:
		return false
	case variable:
	case constant:
		if x.sym != nil {
			c.errorf(e.Pos(), "cannot assign to %s: it is a constant", exprString(e))
		} else {
			c.errorf(e.Pos(), "cannot assign to %s: it is not a variable", exprString(e))
		}
		return false
	case funcname, builtinname:
		c.errorf(e.Pos(), "cannot assign to %s: it is a function", exprString(e))
		return false
	default:
		c.errorf(e.Pos(), "cannot assign to %s: it is not a variable", exprString(e))
		return false
	}
	switch {
	case x.typ.Kind.IsObject():
		c.errorf(e.Pos(), "cannot assign to %s: %s changes only through the kernel API", exprString(e), article(x.typ.String()))
	case len(x.typ.Dims) > 0:
		c.errorf(e.Pos(), "cannot assign to array %s; assign its elements", exprString(e))
	case x.root != nil && x.root.Class == KernelVar:
		c.errorf(e.Pos(), "cannot assign to %s: it is read-only", exprString(e))
	case x.typ.Const:
		c.errorf(e.Pos(), "cannot assign to %s: it is declared const", exprString(e))
	default:
		return true
	}
	return false
}

// assignTo checks that x (the value of e) can be stored in a variable of
// type t; what names the destination for the message.
func (c *checker) assignTo(e syntax.Expr, x operand, t Type, what string) bool {
	if t.Kind == Ptr && x.mode == variable && len(x.typ.Dims) == 0 && x.typ.Kind.IsObject() && (t.Elem == x.typ.Kind || t.Elem == Void) {
		c.errorf(e.Pos(), "%s is %s; pass its address in %s (write &%s)", exprString(e), article(x.typ.String()), what, exprString(e))
		return false
	}
	if !c.isValue(x, what) {
		return false
	}
	switch t.Kind {
	case Int:
		if x.typ.Kind == Ptr {
			c.errorf(e.Pos(), "cannot use %s (%s) as %s in %s (cast it: (long)%s)", exprString(e), x.typ, article(t.String()), what, exprString(e))
			return false
		}
	case Ptr:
		if x.typ.Kind == Int {
			if x.mode == constant && x.val == 0 {
				return true
			}
			c.errorf(e.Pos(), "cannot use %s (%s) as a pointer in %s (cast it: (void *)%s)", exprString(e), x.typ, what, exprString(e))
			return false
		}
		if !ptrCompatible(t, x.typ) {
			c.errorf(e.Pos(), "cannot use %s (%s) as %s in %s", exprString(e), x.typ, article(t.String()), what)
			return false
		}
	}
	return true
}

// ptrCompatible reports whether pointers of types a and b may be mixed:
// the same pointee kind, or one of them is void * (as C converts it
// implicitly).
func ptrCompatible(a, b Type) bool {
	return a.Elem == b.Elem || a.Elem == Void || b.Elem == Void
}

func isNull(x operand) bool { return x.mode == constant && x.val == 0 }

func (c *checker) binary(e *syntax.BinaryExpr) operand {
	op := e.Op
	switch op {
	case syntax.COMMA:
		c.expr(e.X)
		y := c.expr(e.Y)
		if y.mode == variable {
			y.mode, y.root = value, nil
		}
		if y.mode == constant {
			y.mode = value
		}
		return y
	case syntax.LAND, syntax.LOR:
		x := c.scalar(e.X, "operand of "+op.String())
		y := c.scalar(e.Y, "operand of "+op.String())
		if x.mode == invalid || y.mode == invalid {
			return operand{}
		}
		if x.mode == constant && y.mode == constant {
			if op == syntax.LAND {
				return operand{mode: constant, typ: intType, val: b2i(x.val != 0 && y.val != 0)}
			}
			return operand{mode: constant, typ: intType, val: b2i(x.val != 0 || y.val != 0)}
		}
		return operand{mode: value, typ: intType}
	case syntax.EQL, syntax.NEQ, syntax.LSS, syntax.LEQ, syntax.GTR, syntax.GEQ:
		x := c.scalar(e.X, "comparison")
		y := c.scalar(e.Y, "comparison")
		if x.mode == invalid || y.mode == invalid {
			return operand{}
		}
		if x.typ.Kind != y.typ.Kind {
			p, i := x, y
			if p.typ.Kind != Ptr {
				p, i = y, x
			}
			if !isNull(i) {
				c.errorf(e.OpPos, "comparison of pointer %s with integer %s (cast one of them)", exprString(p.expr), exprString(i.expr))
				return operand{}
			}
		} else if x.typ.Kind == Ptr && !ptrCompatible(x.typ, y.typ) {
			c.errorf(e.OpPos, "comparison of %s (%s) with %s (%s)", exprString(e.X), x.typ, exprString(e.Y), y.typ)
			return operand{}
		}
		if x.mode == constant && y.mode == constant {
			var r bool
			a, b := x.val, y.val
			switch op {
			case syntax.EQL:
				r = a == b
			case syntax.NEQ:
				r = a != b
			case syntax.LSS:
				r = a < b
			case syntax.LEQ:
				r = a <= b
			case syntax.GTR:
				r = a > b
			case syntax.GEQ:
				r = a >= b
			}
			return operand{mode: constant, typ: intType, val: b2i(r)}
		}
		return operand{mode: value, typ: intType}
	}
	what := "operand of " + op.String()
	x := c.integer(e.X, what)
	y := c.integer(e.Y, what)
	if x.mode == invalid || y.mode == invalid {
		return operand{}
	}
	if y.mode == constant {
		if (op == syntax.QUO || op == syntax.REM) && y.val == 0 {
			c.errorf(e.Y.Pos(), "division by zero")
			return operand{}
		}
		if (op == syntax.SHL || op == syntax.SHR) && (y.val < 0 || y.val > 63) {
			c.errorf(e.Y.Pos(), "shift count %d out of range (0 to 63)", y.val)
			return operand{}
		}
	}
	if x.mode == constant && y.mode == constant {
		v, ok := fold(op, x.val, y.val)
		if !ok {
			c.errorf(e.OpPos, "unsupported construct: operator %s", op)
			return operand{}
		}
		return operand{mode: constant, typ: intType, val: v}
	}
	return operand{mode: value, typ: intType}
}

// fold evaluates a binary integer operator in 64-bit two's complement, as
// the interpreter does. The caller has excluded division by zero and
// out-of-range shifts.
func fold(op syntax.Token, a, b int64) (int64, bool) {
	switch op {
	case syntax.ADD:
		return a + b, true
	case syntax.SUB:
		return a - b, true
	case syntax.MUL:
		return a * b, true
	case syntax.QUO:
		if b == -1 {
			return -a, true // avoid the MinInt64 / -1 trap
		}
		return a / b, true
	case syntax.REM:
		if b == -1 {
			return 0, true
		}
		return a % b, true
	case syntax.AND:
		return a & b, true
	case syntax.OR:
		return a | b, true
	case syntax.XOR:
		return a ^ b, true
	case syntax.SHL:
		return a << uint(b), true
	case syntax.SHR:
		return a >> uint(b), true
	}
	return 0, false
}

func (c *checker) assign(e *syntax.AssignExpr) operand {
	x := c.expr(e.LHS)
	y := c.expr(e.RHS)
	if !c.assignable(x, e.Op.String()) {
		c.isValue(y, "assignment")
		return operand{}
	}
	if e.Op == syntax.ASSIGN {
		if !c.assignTo(e.RHS, y, x.typ, "assignment to "+exprString(e.LHS)) {
			return operand{}
		}
		return operand{mode: value, typ: x.typ}
	}
	if !c.isValue(y, "assignment") {
		return operand{}
	}
	if x.typ.Kind != Int || y.typ.Kind != Int {
		c.errorf(e.OpPos, "unsupported construct: pointer arithmetic (%s)", e.Op)
		return operand{}
	}
	if op := e.Op.BinaryOp(); (op == syntax.QUO || op == syntax.REM) && isNull(y) {
		c.errorf(e.RHS.Pos(), "division by zero")
	}
	return operand{mode: value, typ: x.typ}
}

func (c *checker) condExpr(e *syntax.CondExpr) operand {
	cond := c.scalar(e.Cond, "the ?: condition")
	then := cond
	if e.Then != nil {
		then = c.scalar(e.Then, "?: operand")
	}
	els := c.scalar(e.Else, "?: operand")
	if cond.mode == invalid || then.mode == invalid || els.mode == invalid {
		return operand{}
	}
	t := then.typ
	switch {
	case then.typ.Kind == els.typ.Kind:
		if t.Kind == Ptr && !ptrCompatible(then.typ, els.typ) {
			c.errorf(e.Colon, "?: mixes %s and %s", then.typ, els.typ)
			return operand{}
		}
		if t.Kind == Int {
			t = intType
		}
	case then.typ.Kind == Ptr && isNull(els):
	case els.typ.Kind == Ptr && isNull(then):
		t = els.typ
	default:
		c.errorf(e.Colon, "?: mixes %s and %s", then.typ, els.typ)
		return operand{}
	}
	if cond.mode == constant && then.mode == constant && els.mode == constant {
		if cond.val != 0 {
			return operand{mode: constant, typ: t, val: then.val}
		}
		return operand{mode: constant, typ: t, val: els.val}
	}
	return operand{mode: value, typ: t}
}

func (c *checker) index(e *syntax.IndexExpr) operand {
	x := c.expr(e.X)
	i := c.integer(e.Index, "an array index")
	if x.mode == invalid || i.mode == invalid {
		return operand{}
	}
	switch {
	case x.mode == variable && len(x.typ.Dims) > 0:
		if i.mode == constant && (i.val < 0 || i.val >= int64(x.typ.Dims[0])) {
			c.errorf(e.Index.Pos(), "index %d out of range (%s has %d elements)", i.val, exprString(e.X), x.typ.Dims[0])
			return operand{}
		}
		return operand{mode: variable, typ: x.typ.elem(), root: x.root}
	case (x.mode == variable || x.mode == value) && x.typ.Kind == Ptr && len(x.typ.Dims) == 0:
		switch x.typ.Elem {
		case Int:
			t := x.typ
			t.Kind, t.Elem, t.Const = Int, Invalid, false
			return operand{mode: variable, typ: t}
		case Void:
			c.errorf(e.Lbrack, "cannot index %s: it is a %s (cast it first: ((char *)%s)[i])", exprString(e.X), x.typ, exprString(e.X))
		default:
			c.errorf(e.Lbrack, "unsupported construct: indexing a %s (keep the objects in a global array instead)", x.typ)
		}
		return operand{}
	}
	if c.isValue(x, "an index expression") {
		c.errorf(e.Lbrack, "cannot index %s: it is %s, not an array or a pointer", exprString(e.X), article(x.typ.String()))
	}
	return operand{}
}

func (c *checker) cast(e *syntax.CastExpr) operand {
	t, ok := c.resolveType(e.Type, false)
	if !ok {
		c.expr(e.X)
		return operand{}
	}
	if t.Kind == Void {
		// (void)f(); discards a result.
		x := c.expr(e.X)
		if x.mode == invalid {
			return x
		}
		return operand{mode: novalue, typ: Type{Kind: Void}}
	}
	if !t.IsScalar() {
		c.expr(e.X)
		c.errorf(e.Lparen, "cannot convert to %s (only to an integer or pointer type)", t)
		return operand{}
	}
	x := c.scalar(e.X, "a cast")
	if x.mode == invalid {
		return x
	}
	if x.mode == constant {
		v := x.val
		if t.Kind == Int {
			v = truncate(v, t)
		}
		return operand{mode: constant, typ: t, val: v}
	}
	return operand{mode: value, typ: t}
}

func (c *checker) sizeof(e *syntax.SizeofExpr) operand {
	if e.Type != nil {
		t, ok := c.resolveType(e.Type, true)
		if !ok {
			return operand{}
		}
		if t.Kind == Void || len(t.Dims) > 0 && t.Dims[0] < 0 {
			c.errorf(e.Sizeof, "sizeof of an incomplete type %s", e.Type)
			return operand{}
		}
		return operand{mode: constant, typ: Type{Kind: Int, Bits: 64, Unsigned: true, Name: "size_t"}, val: sizeOf(t)}
	}
	x := c.expr(e.X)
	var n int64
	switch x.mode {
	case invalid:
		return x
	case strlit:
		n = int64(len(x.str)) + 1
	case value, constant, variable:
		n = sizeOf(x.typ)
	default:
		c.errorf(e.Sizeof, "sizeof of %s, which has no size", exprString(e.X))
		return operand{}
	}
	return operand{mode: constant, typ: Type{Kind: Int, Bits: 64, Unsigned: true, Name: "size_t"}, val: n}
}

// ----------------------------------------------------------------------------
// Calls

func unparen(e syntax.Expr) syntax.Expr {
	for {
		p, ok := e.(*syntax.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

func (c *checker) call(e *syntax.CallExpr) operand {
	id, ok := unparen(e.Fun).(*syntax.Ident)
	if !ok {
		c.errorf(e.Fun.Pos(), "unsupported construct: call through a pointer or an expression (call functions by name)")
		c.looseArgs(e.Args)
		return operand{}
	}
	sym := c.lookup(id.Name)
	if sym == nil {
		c.undefined(id)
		c.looseArgs(e.Args)
		return operand{}
	}
	c.s.Uses[id] = sym
	switch sym.Class {
	case BuiltinFunc:
		return c.builtinCall(e, sym.Builtin)
	case FuncName:
		c.ref(sym.Name)
		return c.userCall(e, sym.Func)
	case GlobalVar, LocalVar, ParamVar:
		if sym.Type.Kind == Ptr {
			c.errorf(id.NamePos, "unsupported construct: call through a pointer (%s is a variable; function pointers are not supported)", id.Name)
		} else {
			c.errorf(id.NamePos, "%s is a %s, not a function", id.Name, sym.Type)
		}
	default:
		c.errorf(id.NamePos, "%s is a %s, not a function", id.Name, sym.Class)
	}
	c.looseArgs(e.Args)
	return operand{}
}

// looseArgs checks the arguments of a call that could not be checked
// against a signature, to find the errors inside them.
func (c *checker) looseArgs(args []syntax.Expr) {
	for _, a := range args {
		c.expr(a)
	}
}

func resultOperand(t Type) operand {
	if t.Kind == Void {
		return operand{mode: novalue, typ: t}
	}
	return operand{mode: value, typ: t}
}

func (c *checker) userCall(e *syntax.CallExpr, info *FuncInfo) operand {
	if len(e.Args) != len(info.Params) {
		c.errorf(e.Pos(), "wrong argument count in call to %s: got %d, want %d (%s%s)", info.Name, len(e.Args), len(info.Params), info.Name, signature(info.Decl))
		c.looseArgs(e.Args)
		return resultOperand(info.Result)
	}
	for i, a := range e.Args {
		p := info.Params[i]
		name := p.Name
		if name == "" {
			name = fmt.Sprint(i + 1)
		}
		c.assignTo(a, c.expr(a), p.Type, fmt.Sprintf("argument %s of %s", name, info.Name))
	}
	return resultOperand(info.Result)
}

func (c *checker) builtinCall(e *syntax.CallExpr, b *Builtin) operand {
	c.s.Calls[e] = b
	n, want := len(e.Args), len(b.Params)
	if n < want || !b.Variadic && n > want {
		w := fmt.Sprint(want)
		if b.Variadic {
			w = "at least " + w
		}
		c.errorf(e.Pos(), "wrong argument count in call to %s: got %d, want %s (%s)", b.Name, n, w, b.Usage)
		c.looseArgs(e.Args)
		return resultOperand(Type{Kind: b.Result})
	}
	res := Type{Kind: b.Result}
	switch b.Result {
	case Int:
		res = intType
	case Ptr:
		res = Type{Kind: Ptr, Elem: Void, Name: "void"}
	}
	if b.Op == OpPtrErr {
		res = Type{Kind: Int, Bits: 64, Name: "long"}
	}
	format, formatIdx := "", -1
	for i, p := range b.Params {
		a := e.Args[i]
		switch p.Kind {
		case PInt, PGFP:
			c.intArg(b, i, a)
		case PCond:
			c.scalar(a, b.Name)
		case PLvalue:
			c.lvalueArg(b, a)
		case PObject, PAnyLock:
			c.objectArg(b, p, a)
		case PGlobal:
			if t, ok := c.globalArg(b, a); ok && b.Op == OpReadOnce {
				res = t
			}
		case PFunc:
			c.funcArg(a, b.Name, p.Shape)
		case PString, PFormat:
			x := c.expr(a)
			if x.mode == invalid {
				continue
			}
			if x.mode != strlit {
				c.errorf(a.Pos(), "%s expects a string literal as its %s, not %s", b.Name, p.Name, exprString(a))
				continue
			}
			if p.Kind == PFormat {
				format, formatIdx = x.str, i
			}
		case PPtr:
			c.ptrArg(b, p, a)
		}
	}
	for _, a := range e.Args[want:] {
		x := c.expr(a)
		if x.mode != strlit {
			c.isValue(x, "an argument of "+b.Name)
		}
	}
	if formatIdx >= 0 {
		if verbs := countVerbs(format); verbs != n-formatIdx-1 {
			c.errorf(e.Args[formatIdx].Pos(), "%s format has %d verb%s but %d argument%s follow%s", b.Name, verbs, plural(verbs), n-formatIdx-1, plural(n-formatIdx-1), map[bool]string{true: "s", false: ""}[n-formatIdx-1 == 1])
		}
	}
	return resultOperand(res)
}

// countVerbs counts the arguments a printf format consumes: each
// conversion, plus each '*' width or precision. Kernel pointer extensions
// (%pS, %pK) are one conversion.
func countVerbs(f string) int {
	n := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			continue
		}
		for i < len(f) && strings.IndexByte("-+ #0123456789.*hlzjtL", f[i]) >= 0 {
			if f[i] == '*' {
				n++
			}
			i++
		}
		if i < len(f) {
			n++
		}
	}
	return n
}

func (c *checker) intArg(b *Builtin, i int, a syntax.Expr) {
	x := c.scalar(a, "an argument of "+b.Name)
	if x.mode != invalid && x.typ.Kind != Int {
		c.errorf(a.Pos(), "%s expects an int as its %s, but %s is %s (%s)", b.Name, b.Params[i].Name, exprString(a), article(x.typ.String()), b.Usage)
	}
}

// lvalueArg checks the flags argument of the irqsave macros, which assign
// to it: it must be a variable, and not its address.
func (c *checker) lvalueArg(b *Builtin, a syntax.Expr) {
	if u, ok := unparen(a).(*syntax.UnaryExpr); ok && u.Op == syntax.AND {
		c.errorf(a.Pos(), "%s takes %s itself, not %s (it is a macro that assigns to its argument)", b.Name, exprString(u.X), exprString(a))
		return
	}
	x := c.expr(a)
	if x.mode == invalid {
		return
	}
	if x.mode != variable || x.typ.Kind != Int || len(x.typ.Dims) > 0 {
		c.errorf(a.Pos(), "%s stores the irq state in its flags argument, so it needs an unsigned long variable, not %s", b.Name, exprString(a))
		return
	}
	c.assignable(x, "=")
}

// objectArg checks a pointer to a kernel object: &x, &arr[i], or a pointer
// variable of the right kind.
func (c *checker) objectArg(b *Builtin, p Param, a syntax.Expr) {
	x := c.expr(a)
	if x.mode == invalid {
		return
	}
	want := p.Object
	ok := func(k Kind) bool { return k == want || p.Kind == PAnyLock && k.IsLock() }
	wantStr := article(want.String() + " *")
	if p.Kind == PAnyLock {
		wantStr = "a pointer to a lock lockdep tracks (a mutex, spinlock, rwlock or rw_semaphore)"
	}
	desc := exprString(a)
	scalar := (x.mode == value || x.mode == variable || x.mode == constant) && len(x.typ.Dims) == 0
	switch {
	case scalar && x.typ.Kind == Ptr && ok(x.typ.Elem):
		return
	case isNull(x):
		c.errorf(a.Pos(), "%s expects %s, but %s is a null pointer", b.Name, wantStr, desc)
	case scalar && x.typ.Kind == Ptr && x.typ.Elem.IsObject():
		hint := ""
		switch {
		case p.Kind == PAnyLock && x.typ.Elem == Semaphore:
			hint = " (lockdep does not track semaphores)"
		case p.Kind == PObject:
			if s := suggest(b, x.typ.Elem); s != "" {
				hint = " (use " + s + ")"
			}
		}
		c.errorf(a.Pos(), "%s expects %s, but %s is a %s%s", b.Name, wantStr, desc, x.typ, hint)
	case scalar && x.typ.Kind == Ptr && x.typ.Elem == Void && p.Kind == PObject:
		c.errorf(a.Pos(), "%s expects %s, but %s is a %s (cast it: (%s *)%s)", b.Name, wantStr, desc, x.typ, want, desc)
	case x.mode == variable && x.typ.Kind.IsObject() && len(x.typ.Dims) == 0:
		if ok(x.typ.Kind) {
			c.errorf(a.Pos(), "%s expects %s, but %s is %s (write &%s)", b.Name, wantStr, desc, article(x.typ.Kind.String()), desc)
			return
		}
		hint := ""
		if s := suggest(b, x.typ.Kind); s != "" {
			hint = fmt.Sprintf(" (use %s(&%s))", s, desc)
		}
		c.errorf(a.Pos(), "%s expects %s, but %s is %s%s", b.Name, wantStr, desc, article(x.typ.Kind.String()), hint)
	case x.mode == variable && len(x.typ.Dims) > 0:
		c.errorf(a.Pos(), "%s expects %s, but %s is an array of %s (write &%s[i])", b.Name, wantStr, desc, x.typ.elem(), desc)
	default:
		if c.isValue(x, "an argument of "+b.Name) {
			c.errorf(a.Pos(), "%s expects %s, but %s is %s (%s)", b.Name, wantStr, desc, article(x.typ.String()), b.Usage)
		}
	}
}

// globalArg checks READ_ONCE/WRITE_ONCE's target: a marked access is about
// shared memory, so it must be a global int or pointer (or an element).
func (c *checker) globalArg(b *Builtin, a syntax.Expr) (Type, bool) {
	x := c.expr(a)
	if x.mode == invalid {
		return Type{}, false
	}
	if x.mode != variable || x.root == nil || !(x.root.Class == GlobalVar || x.root.Class == KernelVar) {
		c.errorf(a.Pos(), "%s needs a global variable (shared memory), not %s", b.Name, exprString(a))
		return Type{}, false
	}
	if !c.isValue(x, "an argument of "+b.Name) {
		return Type{}, false
	}
	if b.Op == OpWriteOnce && !c.assignable(x, "=") {
		return Type{}, false
	}
	t := x.typ
	t.Const = false
	return t, true
}

func (c *checker) ptrArg(b *Builtin, p Param, a syntax.Expr) {
	x := c.scalar(a, "an argument of "+b.Name)
	if x.mode == invalid || x.typ.Kind == Ptr || isNull(x) {
		return
	}
	c.errorf(a.Pos(), "%s expects a pointer as its %s, but %s is %s (cast it: (void *)%s)", b.Name, p.Name, exprString(a), article(x.typ.String()), exprString(a))
}

// funcArg checks that a names a defined function that the kernel API can
// call with the given shape, and returns it.
func (c *checker) funcArg(a syntax.Expr, api string, shape FuncShape) *FuncInfo {
	e := unparen(a)
	if u, ok := e.(*syntax.UnaryExpr); ok && u.Op == syntax.AND {
		e = unparen(u.X) // &fn is the same as fn
	}
	id, ok := e.(*syntax.Ident)
	if !ok {
		c.expr(a)
		c.errorf(a.Pos(), "%s expects the name of a function, not %s", api, exprString(a))
		return nil
	}
	sym := c.lookup(id.Name)
	if sym == nil {
		c.undefined(id)
		return nil
	}
	c.s.Uses[id] = sym
	if sym.Class != FuncName {
		c.errorf(id.NamePos, "%s expects the name of a function, but %s is a %s", api, id.Name, sym.Class)
		return nil
	}
	c.ref(id.Name)
	if c.s.FuncInfo[id.Name] == nil {
		return nil // declared but not defined: reported at the prototype
	}
	if !fits(sym.Func, shape) {
		c.errorf(id.NamePos, "%s cannot call %s: %s, but %s takes %s", api, id.Name, shapeHints[shape], id.Name, signature(sym.Func.Decl))
		return nil
	}
	return sym.Func
}

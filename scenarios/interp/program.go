package interp

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"

	"modernc.org/cc/v4"
)

// Options is what Compile needs besides the AST.
type Options struct {
	// Lookup is the kernel API: the Builtin a call to a declared function without a
	// definition runs; nil when ksim does not model it.
	Lookup func(name string) *Builtin
	// Files says which source files are the user's: their function definitions are
	// listed by Program.Funcs. Functions defined in headers (static inline) compile
	// and run all the same.
	Files func(filename string) bool
	// Shared says which sources every unit of a Link includes identically (ksim's
	// headers, the front end's predefined sources): their definitions are one copy,
	// whatever the unit. Nil: none is.
	Shared func(filename string) bool
	// FileName is how traces and reports print a source file (default: its base
	// name). The CLI prints the user's file as its scenario name with .c.
	FileName func(filename string) string
}

// Program is a compiled module: every function lowered to closures, every global
// with its initialiser. It is immutable once compiled, and shared by the
// executions (Worlds) of an exploration.
type Program struct {
	funcs   []*Func // every function with an address: definitions, then builtins whose address is taken
	byName  map[string]*Func
	globals []*global
	gByName map[string]int
	strs    [][]byte // string literals, NUL included
	infos   []*FuncInfo
	types   map[string]cc.Type // struct, union and typedef names, for Offsetof
	// roundTrips: the program can observe a lock taken and released (a trylock or an
	// is_locked), so a loop taking and releasing a lock makes progress another task
	// can count: it is no await (see ksync.Loop).
	roundTrips bool
}

// FuncInfo describes a function the user's files define.
type FuncInfo struct {
	Name string
	// Key is how World.Func finds it: Name, or for a static function whose name
	// another file of the module also uses, "name@file.c".
	Key          string
	File         string // as the front end named it
	Line, Col    int
	EndLine      int  // the line of its closing brace
	Params       int  // number of parameters
	PointerParam bool // the first parameter is a pointer
	IntParam     bool // the first parameter is an integer
	Void         bool // it returns void
	// Referenced: some code other than its own body names it (a call, or its
	// address passed to kthread_run or stored in a table).
	Referenced bool
}

// Func is a C function of the module, as a function pointer reaches it.
type Func struct {
	name    string
	idx     int       // its index in Program.funcs: its text object
	code    *function // nil for a kernel API function
	builtin *Builtin
	ftype   *cc.FunctionType
	// addrTaken: code takes its address (a function pointer, a table of
	// them), so it needs an address in every execution; a function only ever
	// called directly needs none.
	addrTaken bool
}

// Name is the function's C name.
func (f *Func) Name() string { return f.name }

// function is a compiled C function definition.
type function struct {
	name      string
	file      string // base name, for reports
	line      int    // where the function begins (its name)
	endLine   int    // its closing brace
	params    []param
	nslots    int
	stackSize int64
	body      execFn
	variadic  bool
}

// param initialises one parameter of a new frame from its argument.
type param struct {
	init func(r *runner, f *frame, v int64)
}

// global is a variable with static storage: a file-scope variable, a block-scope
// static, an anonymous compound literal at file scope.
type global struct {
	name   string
	size   int64
	rodata bool
	inits  []initLeaf
	jiffy  bool // the kernel's jiffies: read from the model's clock
	// used: code or an initialiser refers to it, or the user's file defines it;
	// a header's global nothing uses gets no object in an execution.
	used bool
}

// observesLocks names the calls that see a lock held without waiting for it (see
// Program.roundTrips): spin_trylock, mutex_trylock, down_trylock,
// spin_trylock_irqsave, mutex_is_locked, spin_is_locked ... Any function whose name
// says so counts when code the user's can reach names it, whether or not it is
// called: erring that way only makes a loop run on.
var observesLocks = regexp.MustCompile(`trylock|is_locked`)

// Funcs lists the function definitions of the user's files, in source order.
func (p *Program) Funcs() []*FuncInfo { return p.infos }

// Global reports whether the module defines a variable of that name at file scope.
func (p *Program) Global(name string) bool {
	i, ok := p.gByName[name]
	return ok && !p.globals[i].jiffy && p.globals[i].size >= 0
}

// Compile lowers a type-checked translation unit into a Program. It reports every
// construct it cannot run, as an ErrorList sorted by position.
func Compile(ast *cc.AST, opt Options) (p *Program, err error) {
	return Link([]Unit{{AST: ast}}, opt)
}

// Unit is one translation unit of a module: a .c file as the front end parsed it.
type Unit struct {
	File string // the .c file, as the front end named it
	AST  *cc.AST
}

// Link lowers the translation units of one module into one Program, as the
// linker joins object files: one namespace for the names with external linkage
// (a call or an extern declaration in one file reaches the definition in
// another), a name with internal linkage (static) private to its file, and a
// definition of the same external name in two files an error at the second
// ("multiple definition of `x'; a.c:3:5: first defined here", ld's words; the
// kernel builds with -fno-common, so two tentative definitions `int x;`
// collide too). What Options.Shared names (ksim's headers, identical in every
// unit) is compiled once. A name used but defined nowhere is the caller's to
// report (the front end knows which are the kernel's): here it is an error
// only where the code needs it ("not modelled: x").
func Link(units []Unit, opt Options) (p *Program, err error) {
	c := newCompiler(opt)
	defer func() {
		if x := recover(); x != nil {
			// A construct the compiler failed on in a way it did not foresee: an
			// error at the construct being compiled, never a crash.
			c.errorf(c.cur, "not modelled: this construct (internal error: %v)", x)
			c.errs.sort()
			p, err = nil, c.errs
		}
	}()
	c.link(units)
	if len(c.errs) > 0 {
		c.errs.sort()
		return nil, c.errs
	}
	return c.p, nil
}

type compiler struct {
	p    *Program
	opt  Options
	errs ErrorList
	cur  cc.Node // the node being compiled, for an internal error's position
	poss map[string]map[int]*pos

	defs      map[string]*cc.FunctionDefinition // by link key
	funcDecls map[string]*cc.Declarator
	globDecl  map[*cc.Declarator]int // block-scope statics
	strIdx    map[string]int

	// Linking: the unit being compiled, each unit's file, and per unit the link
	// keys of the names with internal linkage that another unit also uses
	// ("name@file.c").
	tu     int
	units  []string
	mangle []map[string]string

	// The function being compiled.
	fn       *function
	fnName   string // its C name (__func__)
	fnKey    string // its link key
	fnFunc   *Func
	locals   map[*cc.Declarator]*local
	taken    map[*cc.Declarator]bool // locals whose address is taken
	labels   map[string]int
	scopes   [][]string // label names visible in enclosing blocks
	breaks   int        // enclosing loops and switches
	conts    int        // enclosing loops
	sx       []sxMark   // enclosing statement expressions
	static   bool       // compiling a static initialiser: no loads, no calls
	floatPos map[*pos]bool
	refd     map[string]bool // functions named outside their own body
	// calls maps a function (or "" for the initialisers of globals) to the
	// functions its code names; lazy holds the errors of the functions the headers
	// define, reported only when the user's code can reach them.
	calls map[string]map[string]bool
	lazy  map[string]ErrorList
	cases map[*cc.LabeledStatement]bool
}

type sxMark struct{ scopes, breaks, conts int }

// local is where a local variable lives.
type local struct {
	slot int // a Go slot of the frame, or -1
	off  int64
	typ  cc.Type
}

func newCompiler(opt Options) *compiler {
	if opt.Lookup == nil {
		opt.Lookup = func(string) *Builtin { return nil }
	}
	if opt.Files == nil {
		opt.Files = func(string) bool { return true }
	}
	return &compiler{
		p:         &Program{byName: map[string]*Func{}, gByName: map[string]int{}, types: map[string]cc.Type{}},
		opt:       opt,
		poss:      map[string]map[int]*pos{},
		defs:      map[string]*cc.FunctionDefinition{},
		funcDecls: map[string]*cc.Declarator{},
		globDecl:  map[*cc.Declarator]int{},
		strIdx:    map[string]int{},
		floatPos:  map[*pos]bool{},
		refd:      map[string]bool{},
		calls:     map[string]map[string]bool{},
		lazy:      map[string]ErrorList{},
		cases:     map[*cc.LabeledStatement]bool{},
	}
}

func (c *compiler) errorf(n cc.Node, format string, args ...any) {
	e := &Error{Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p := n.Position()
		e.File, e.Line, e.Col = p.Filename, p.Line, p.Column
	}
	c.errs = append(c.errs, e)
}

// pos is n's position as traces print it.
func (c *compiler) pos(n cc.Node) *pos {
	var file string
	var line int
	if n != nil {
		p := n.Position()
		file, line = p.Filename, p.Line
	}
	m := c.poss[file]
	if m == nil {
		m = map[int]*pos{}
		c.poss[file] = m
	}
	if p := m[line]; p != nil {
		return p
	}
	p := &pos{s: c.fileName(file) + ":" + strconv.Itoa(line), line: line}
	m[line] = p
	return p
}

// key is the link key of a file-scope name of the unit being compiled: the name,
// or for a static one another unit also uses, "name@file.c".
func (c *compiler) key(name string) string {
	if c.tu < len(c.mangle) {
		if k, ok := c.mangle[c.tu][name]; ok {
			return k
		}
	}
	return name
}

// shared reports whether file is a source every unit includes identically.
func (c *compiler) shared(file string) bool { return c.opt.Shared != nil && c.opt.Shared(file) }

// linkNames computes c.mangle: a name with internal linkage in one unit that
// another unit's own code (not a shared source) also declares gets a key of its
// unit, so that the two stay apart.
func (c *compiler) linkNames(units []Unit) {
	c.mangle = make([]map[string]string, len(units))
	if len(units) < 2 {
		return
	}
	names := make([]map[string]bool, len(units)) // name -> internal linkage
	for i, u := range units {
		names[i] = map[string]bool{}
		for l := u.AST.TranslationUnit; l != nil; l = l.TranslationUnit {
			ed := l.ExternalDeclaration
			if ed == nil || c.shared(ed.Position().Filename) {
				continue
			}
			note := func(d *cc.Declarator) {
				if d == nil || d.IsTypename() || d.Name() == "" {
					return
				}
				names[i][d.Name()] = names[i][d.Name()] || d.Linkage() == cc.Internal
			}
			switch {
			case ed.FunctionDefinition != nil:
				note(ed.FunctionDefinition.Declarator)
			case ed.Declaration != nil:
				for il := ed.Declaration.InitDeclaratorList; il != nil; il = il.InitDeclaratorList {
					if il.InitDeclarator != nil {
						note(il.InitDeclarator.Declarator)
					}
				}
			}
		}
	}
	for i, u := range units {
		c.mangle[i] = map[string]string{}
		for name, internal := range names[i] {
			if !internal {
				continue
			}
			for j := range units {
				if _, ok := names[j][name]; ok && j != i {
					c.mangle[i][name] = name + "@" + c.fileName(u.File)
					break
				}
			}
		}
	}
}

// definedAt is where a name with external linkage was first defined.
type definedAt struct {
	tu   int
	file string
	line int
	col  int
}

// defined records an external definition of key at d, reporting one in another
// unit as the linker does.
func (c *compiler) defined(seen map[string]definedAt, key string, d *cc.Declarator) {
	if d == nil || key != d.Name() || d.Linkage() != cc.External || c.shared(d.Position().Filename) {
		return
	}
	p := d.Position()
	if first, ok := seen[key]; ok {
		if first.tu != c.tu {
			// ld names the objects; a header both include is in both.
			note := ""
			if first.file != c.units[first.tu] || p.Filename != c.units[c.tu] {
				note = fmt.Sprintf(" (in %s, and in %s)", c.fileName(c.units[first.tu]), c.fileName(c.units[c.tu]))
			}
			c.errorf(d, "multiple definition of `%s'; %s:%d:%d: first defined here%s", key, first.file, first.line, first.col, note)
		}
		return
	}
	seen[key] = definedAt{tu: c.tu, file: p.Filename, line: p.Line, col: p.Column}
}

// unitDef is a function definition of a unit.
type unitDef struct {
	fd *cc.FunctionDefinition
	tu int
}

// link compiles every declaration of every unit: first it learns every name, then
// it compiles initialisers and bodies.
func (c *compiler) link(units []Unit) {
	c.linkNames(units)
	for _, u := range units {
		c.units = append(c.units, u.File)
	}
	var defs []unitDef
	type unitDecl struct {
		id *cc.InitDeclarator
		tu int
	}
	var decls []unitDecl
	seen := map[string]definedAt{}
	for tu, u := range units {
		c.tu = tu
		for l := u.AST.TranslationUnit; l != nil; l = l.TranslationUnit {
			ed := l.ExternalDeclaration
			c.cur = ed
			switch ed.Case {
			case cc.ExternalDeclarationFuncDef:
				fd := ed.FunctionDefinition
				key := c.key(fd.Declarator.Name())
				c.defined(seen, key, fd.Declarator)
				if _, dup := c.defs[key]; !dup {
					c.defs[key] = fd
					defs = append(defs, unitDef{fd, tu})
				}
			case cc.ExternalDeclarationDecl:
				d := ed.Declaration
				c.collectTypes(d)
				for il := d.InitDeclaratorList; il != nil; il = il.InitDeclaratorList {
					id := il.InitDeclarator
					dd := id.Declarator
					switch {
					case dd.IsTypename():
						if _, ok := c.p.types[dd.Name()]; !ok || tu == 0 {
							c.p.types[dd.Name()] = dd.Type()
						}
					case dd.Type().Kind() == cc.Function:
						if _, ok := c.funcDecls[dd.Name()]; !ok {
							c.funcDecls[dd.Name()] = dd
						}
					default:
						if !dd.IsExtern() || id.Initializer != nil {
							c.defined(seen, c.key(dd.Name()), dd)
						}
						decls = append(decls, unitDecl{id, tu})
					}
				}
			case cc.ExternalDeclarationAsmStmt:
				c.errorf(ed, "not modelled: asm")
			}
		}
	}
	for _, d := range defs {
		c.tu = d.tu
		f := &Func{name: d.fd.Declarator.Name(), idx: len(c.p.funcs), ftype: funcType(d.fd.Declarator.Type())}
		c.p.funcs = append(c.p.funcs, f)
		c.p.byName[c.key(f.name)] = f
	}
	// Globals: one per link key; the definition with an initialiser wins over
	// tentative ones and extern declarations.
	var inits []unitDecl
	for _, ud := range decls {
		c.tu = ud.tu
		id := ud.id
		dd := id.Declarator
		name := dd.Name()
		key := c.key(name)
		i, ok := c.p.gByName[key]
		if !ok {
			i = len(c.p.globals)
			c.p.globals = append(c.p.globals, &global{name: name})
			c.p.gByName[key] = i
			inits = append(inits, unitDecl{})
		}
		g := c.p.globals[i]
		if c.opt.Files == nil || c.opt.Files(dd.Position().Filename) {
			g.used = true
		}
		if dd.IsExtern() && id.Initializer == nil {
			if g.size == 0 {
				g.jiffy = true // no definition so far: only jiffies may stay so
			}
			continue
		}
		g.jiffy = false
		if s := dd.Type().Size(); s > g.size {
			g.size = s
		}
		g.rodata = isConst(dd.Type()) && !isVolatile(dd.Type())
		if id.Initializer != nil {
			inits[i] = ud
		}
	}
	for i, g := range c.p.globals {
		if g.jiffy && g.name != "jiffies" {
			g.jiffy = false
			g.size = -1 // declared extern, never defined: an error where it is used
		}
		if ud := inits[i]; ud.id != nil {
			id := ud.id
			c.tu = ud.tu
			c.cur = id
			c.static = true
			g.inits = c.initLeaves(id.Initializer, id.Declarator.Type(), 0, nil)
			c.static = false
			if t := id.Initializer.Type(); t != nil && t.Size() > g.size {
				g.size = t.Size() // char s[] = "abc": the initialiser completes the type
			}
		}
	}
	for _, d := range defs {
		c.tu = d.tu
		c.cur = d.fd
		c.compileFunc(d.fd)
	}
	c.fn, c.fnName, c.fnKey, c.locals = nil, "", "", nil
	c.reachableErrors(defs)
	for _, ud := range defs {
		c.tu = ud.tu
		fd := ud.fd
		d := fd.Declarator
		dp := d.Position()
		if !c.opt.Files(dp.Filename) {
			continue
		}
		key := c.key(d.Name())
		fi := &FuncInfo{Name: d.Name(), Key: key, File: dp.Filename, Line: dp.Line, Col: dp.Column,
			EndLine: fd.CompoundStatement.Token2.Position().Line, Referenced: c.refd[key]}
		if ft := funcType(d.Type()); ft != nil {
			fi.Void = ft.Result().Kind() == cc.Void
			for _, pa := range ft.Parameters() {
				if pa.Type().Kind() == cc.Void {
					continue
				}
				if fi.Params == 0 {
					pt := pa.Type().Decay()
					fi.PointerParam = pt.Kind() == cc.Ptr
					fi.IntParam = cc.IsIntegerType(pt) || pt.Kind() == cc.Enum
				}
				fi.Params++
			}
		}
		c.p.infos = append(c.p.infos, fi)
	}
}

// collectTypes records the struct and union tags a declaration defines.
func (c *compiler) collectTypes(d *cc.Declaration) {
	walk(d.DeclarationSpecifiers, func(n cc.Node) bool {
		if s, ok := n.(*cc.StructOrUnionSpecifier); ok && s.Case == cc.StructOrUnionSpecifierDef && s.Token.SrcStr() != "" {
			if tag := s.Token.SrcStr(); tag != "" {
				c.p.types[tag] = s.Type()
			}
		}
		return true
	})
}

// reachableErrors reports the errors of the header functions that the user's
// functions or the initialisers of globals can reach: an unused static inline
// function of a header is no error. The same code decides Program.roundTrips.
func (c *compiler) reachableErrors(defs []unitDef) {
	seen := map[string]bool{}
	todo := []string{""}
	for _, d := range defs {
		if c.opt.Files(d.fd.Declarator.Position().Filename) {
			c.tu = d.tu
			todo = append(todo, c.key(d.fd.Declarator.Name()))
		}
	}
	for len(todo) > 0 {
		n := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		c.errs = append(c.errs, c.lazy[n]...)
		for m := range c.calls[n] {
			if observesLocks.MatchString(m) {
				c.p.roundTrips = true
			}
			todo = append(todo, m)
		}
	}
}

// fileName is how positions print file (Options.FileName).
func (c *compiler) fileName(file string) string {
	if c.opt.FileName != nil {
		return c.opt.FileName(file)
	}
	return filepath.Base(file)
}

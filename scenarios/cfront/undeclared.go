package cfront

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"modernc.org/cc/v4"
)

// Names nothing declares.
//
// cc/v4 reports every use of a name nothing declares ("undefined: x") but
// returns no AST then, so ksim's own checks (argument counts, pointer types,
// calls of functions nothing implements) would wait for the user to fix those
// names first and try again. Parse instead declares each such name in a source
// of its own (injectedSource) placed before the user's file, type-checks again,
// and reports the undeclared names together with whatever the checks find in
// the rest of the file.
//
// The declaration must not make errors of its own wherever the name is used,
// and no one C type fits every use, so each name gets a type built from its
// uses in the parsed (not yet type-checked) file: a name called gets a function
// type, one dereferenced or indexed a pointer, one whose members are selected a
// struct with those members (their types built from their own uses in turn),
// one used in a constant expression an enumeration constant, any other an int.
// If the declarations still leave errors, Parse reports what it found before
// (cc/v4's own errors) and nothing of the injected round: no error it reports
// comes from a stand-in declaration.

// maxRounds bounds the type-checks after the first: each round declares the
// names the round before found undeclared.
const maxRounds = 3

// undeclared returns the names cc/v4's error text reports undeclared in the
// user's files, sorted, and those errors.
func (p *parse) undeclared(err error) (names []string, errs ErrorList) {
	seen := map[string]bool{}
	for _, s := range strings.Split(err.Error(), "\n") {
		s = strings.TrimSpace(s)
		file, _, msg, ok := splitPos(s)
		msg = strings.TrimSpace(reInternal.ReplaceAllString(msg, ""))
		m := reUndefined.FindStringSubmatch(msg)
		if !ok || m == nil || !p.isUser(file) {
			continue
		}
		p.addCC(&errs, s)
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	sort.Strings(names)
	return names, errs
}

// retry type-checks sources again with the undeclared names declared. It
// returns the errors to add to the undeclared names' of the first round: ksim's
// checks of the resulting AST and the names later rounds found undeclared; ok
// is false when the declarations do not give an AST. later are the names the
// user's files declare further down.
func (p *parse) retry(cfg *cc.Config, sources []cc.Source, names []string) (more ErrorList, ok bool, later map[string]bool) {
	defer func() { p.injected = nil }()
	p.reset()
	parsed, err := cc.Parse(cfg, sources)
	if err != nil || parsed == nil {
		return nil, false, nil
	}
	shapes := shapesOf(p, parsed)
	fileScope := p.fileScopeNames(parsed)
	later = map[string]bool{}
	for _, n := range names {
		if _, ok := fileScope[n]; ok {
			later[n] = true
		}
	}
	user := len(sources) - 2 // the user's file, before endSource
	injected := map[string]bool{}
	for round := 0; round < maxRounds; round++ {
		for _, n := range names {
			injected[n] = true
		}
		text := declare(injected, fileScope, shapes)
		with := append(append(append([]cc.Source{}, sources[:user]...), cc.Source{Name: injectedSource, Value: text}), sources[user:]...)
		p.reset()
		p.collect = true
		p.injected = injected
		ast, err := cc.Translate(cfg, with)
		if err == nil {
			more = append(more, p.errs...)
			return append(more, p.check(ast)...), true, later
		}
		found, undef := p.undeclared(err)
		names = names[:0]
		for _, n := range found {
			if !injected[n] {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			break
		}
		// Names no round declared before: more of the user's errors.
		for _, e := range undef {
			for _, n := range names {
				if strings.HasPrefix(e.Msg, "not modelled: "+n+" ") {
					more = append(more, e)
				}
			}
		}
	}
	return nil, false, later
}

// fileScopeNames are the names the user's files declare at file scope, each
// with a declaration of it to inject ("" if there is none): a use before the
// declaration is undeclared in C, and a stand-in declaration would conflict
// with the user's, so the injected one repeats the user's (a prototype of a
// function defined further down, the object's declaration without its
// initialiser). If it cannot stand before the user's file (its types are the
// user's), the round fails.
func (p *parse) fileScopeNames(ast *cc.AST) map[string]string {
	names := map[string]string{}
	for tu := ast.TranslationUnit; tu != nil; tu = tu.TranslationUnit {
		ed := tu.ExternalDeclaration
		if ed == nil || !p.isUser(ed.Position().Filename) {
			continue
		}
		if fd := ed.FunctionDefinition; fd != nil && fd.Declarator != nil {
			text := ""
			if fd.DeclarationList == nil && fd.DeclarationSpecifiers != nil {
				text = cc.NodeSource(fd.DeclarationSpecifiers, fd.Declarator) + ";"
			}
			names[fd.Declarator.Name()] = text
		}
		d := ed.Declaration
		if d == nil {
			continue
		}
		for l := d.InitDeclaratorList; l != nil; l = l.InitDeclaratorList {
			if id := l.InitDeclarator; id != nil && id.Declarator != nil {
				text := ""
				if d.DeclarationSpecifiers != nil {
					text = cc.NodeSource(d.DeclarationSpecifiers, id.Declarator) + ";"
				}
				names[id.Declarator.Name()] = text
			}
		}
		walk(d.DeclarationSpecifiers, func(n cc.Node) {
			if x, ok := n.(*cc.Enumerator); ok {
				names[x.Token.SrcStr()] = ""
			}
		})
	}
	return names
}

// shape is what the uses of a name (or of a member of it) require of its type.
type shape struct {
	call     bool              // called
	lvalue   bool              // assigned, incremented, its address taken
	constant bool              // in a constant expression
	elem     *shape            // dereferenced or indexed: what the pointer points to
	members  map[string]*shape // members selected with '.'
	order    []string          // the members, in the order first seen
}

func (s *shape) pointee() *shape {
	if s.elem == nil {
		s.elem = &shape{}
	}
	return s.elem
}

func (s *shape) member(name string) *shape {
	if s.members == nil {
		s.members = map[string]*shape{}
	}
	m := s.members[name]
	if m == nil && len(s.order) >= maxMembers {
		// Not declared: the round fails, rather than cc/v4 spend
		// quadratic time on a hostile input.
		return &shape{}
	}
	if m == nil {
		m = &shape{}
		s.members[name] = m
		s.order = append(s.order, name)
	}
	return m
}

// maxMembers bounds the members of a stand-in struct.
const maxMembers = 256

// shapesOf collects the shape of every identifier used in an expression of
// the user's files, by name (uses of a local of the same name count too: at
// worst they add a requirement, and the round fails to an earlier answer).
func shapesOf(p *parse, ast *cc.AST) map[string]*shape {
	shapes := map[string]*shape{}
	for tu := ast.TranslationUnit; tu != nil; tu = tu.TranslationUnit {
		ed := tu.ExternalDeclaration
		if ed == nil || !p.isUser(ed.Position().Filename) {
			continue
		}
		walkPath(ed, nil, func(n cc.Node, path []cc.Node) {
			x, ok := n.(*cc.PrimaryExpression)
			if !ok || x.Case != cc.PrimaryExpressionIdent {
				return
			}
			name := x.Token.SrcStr()
			s := shapes[name]
			if s == nil {
				s = &shape{}
				shapes[name] = s
			}
			use(s, x, path)
		})
	}
	return shapes
}

// use adds to s what the use of the expression e, below the nodes of path
// (outermost first), requires.
func use(s *shape, e cc.Node, path []cc.Node) {
	cur, child := s, e
	i := len(path) - 1
climb:
	for ; i >= 0; i-- {
		switch x := path[i].(type) {
		case *cc.PrimaryExpression:
			if x.Case != cc.PrimaryExpressionExpr {
				break climb
			}
		case *cc.ExpressionList:
			if x.ExpressionList != nil {
				// Not the last of a comma expression: its value is unused.
				break climb
			}
		case *cc.PostfixExpression:
			if !same(x.PostfixExpression, child) {
				break climb
			}
			switch x.Case {
			case cc.PostfixExpressionCall:
				cur.call = true
				return
			case cc.PostfixExpressionIndex:
				cur = cur.pointee()
			case cc.PostfixExpressionSelect:
				cur = cur.member(x.Token2.SrcStr())
			case cc.PostfixExpressionPSelect:
				cur = cur.pointee().member(x.Token2.SrcStr())
			case cc.PostfixExpressionInc, cc.PostfixExpressionDec:
				cur.lvalue = true
				return
			default:
				break climb
			}
		case *cc.UnaryExpression:
			if !same(x.CastExpression, child) && !same(x.UnaryExpression, child) {
				break climb
			}
			switch x.Case {
			case cc.UnaryExpressionDeref:
				cur = cur.pointee()
			case cc.UnaryExpressionAddrof, cc.UnaryExpressionInc, cc.UnaryExpressionDec:
				cur.lvalue = true
				return
			default:
				break climb
			}
		case *cc.AssignmentExpression:
			if same(x.UnaryExpression, child) {
				cur.lvalue = true
				return
			}
			break climb
		default:
			break climb
		}
		child = path[i]
	}
	if cur == s && inConstant(path, e) {
		s.constant = true
	}
}

// same reports whether the child field f of a node is the node n.
func same(f, n cc.Node) bool {
	if f == nil || n == nil {
		return false
	}
	return reflect.ValueOf(f).Pointer() == reflect.ValueOf(n).Pointer()
}

// maxConstantDepth bounds how far up inConstant looks for a constant
// expression's context (an expression nested deeper in one counts as not
// constant; the stand-in is then an int and the round may fail).
const maxConstantDepth = 64

// inConstant reports whether e, below the nodes of path (outermost first), is
// in a constant expression: a case label, an array size, an enumerator's
// value, a bit-field's width, a static assertion, a file-scope initialiser.
func inConstant(path []cc.Node, e cc.Node) bool {
	below := e
	for i := len(path) - 1; i >= 0 && i >= len(path)-maxConstantDepth; i-- {
		switch x := path[i].(type) {
		case *cc.LabeledStatement:
			return same(x.ConstantExpression, below) || same(x.ConstantExpression2, below)
		case *cc.Enumerator:
			return same(x.ConstantExpression, below)
		case *cc.StructDeclarator:
			return same(x.ConstantExpression, below)
		case *cc.DirectDeclarator:
			if same(x.AssignmentExpression, below) {
				return true
			}
		case *cc.StaticAssertDeclaration:
			return true
		case *cc.Initializer:
			// At file scope (path[0] is the external declaration).
			ed, ok := path[0].(*cc.ExternalDeclaration)
			return ok && ed.FunctionDefinition == nil
		case *cc.CompoundStatement, *cc.FunctionDefinition, *cc.Statement:
			return false
		}
		below = path[i]
	}
	return false
}

// declare is the text of the injected source: a declaration of each name in
// names, in name order: the user's own for those declared further down at file
// scope, else one of a type built from shapes.
func declare(names map[string]bool, fileScope map[string]string, shapes map[string]*shape) string {
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	g := &declGen{}
	for _, n := range sorted {
		if text, ok := fileScope[n]; ok {
			g.b.WriteString(text + "\n")
			continue
		}
		s := shapes[n]
		if s == nil {
			s = &shape{}
		}
		switch {
		case !s.call && s.elem == nil && len(s.members) == 0 && s.constant && !s.lvalue:
			// A value that fits an array size, a shift or a case label.
			fmt.Fprintf(&g.b, "enum { %s = 64 };\n", n)
		default:
			t := g.typeOf(s, 0)
			fmt.Fprintf(&g.b, "extern %s %s;\n", t, n)
		}
	}
	return g.b.String()
}

// declGen writes the typedefs the stand-in declarations use.
type declGen struct {
	b strings.Builder
	n int
}

// standInPrefix begins the names of the stand-in types.
const standInPrefix = "__ksim_undeclared_t"

// maxShapeDepth bounds the nesting of the stand-in types (x->a->b->...).
const maxShapeDepth = 8

// typeOf returns the name of a type for a declaration of the shape s
// ("T name"); a called shape is a function type.
func (g *declGen) typeOf(s *shape, depth int) string {
	if depth > maxShapeDepth {
		return "int"
	}
	switch {
	case s.call:
		return g.typedef("int %s()")
	case s.elem != nil:
		return g.typedef(g.objectOf(s.elem, depth+1) + " *%s")
	case len(s.members) != 0:
		var b strings.Builder
		b.WriteString("struct {")
		for _, m := range s.order {
			fmt.Fprintf(&b, " %s %s;", g.objectOf(s.members[m], depth+1), m)
		}
		b.WriteString(" } %s")
		return g.typedef(b.String())
	}
	return "int"
}

// objectOf is typeOf for what an object can hold: a pointer to a function
// rather than a function.
func (g *declGen) objectOf(s *shape, depth int) string {
	t := g.typeOf(s, depth)
	if s.call && depth <= maxShapeDepth {
		return g.typedef(t + " *%s")
	}
	return t
}

// typedef writes "typedef <decl with %s for the name>;" and returns the name.
func (g *declGen) typedef(decl string) string {
	g.n++
	name := fmt.Sprintf("%s%d", standInPrefix, g.n)
	fmt.Fprintf(&g.b, "typedef "+decl+";\n", name)
	return name
}

// walkPath is walk with the path to each node: its ancestors, outermost
// first. The slice is f's only during the call.
func walkPath(n cc.Node, path []cc.Node, f func(cc.Node, []cc.Node)) {
	var stack []cc.Node
	var visit func(n cc.Node)
	visit = func(n cc.Node) {
		v := reflect.ValueOf(n)
		if !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
			return
		}
		f(n, stack)
		e := v
		if e.Kind() == reflect.Pointer {
			e = e.Elem()
		}
		if e.Kind() != reflect.Struct {
			return
		}
		stack = append(stack, n)
		t := e.Type()
		for i := 0; i < e.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			fv := e.Field(i)
			switch fv.Kind() {
			case reflect.Pointer, reflect.Interface:
				if fv.IsNil() || !fv.Type().Implements(nodeType) && fv.Kind() != reflect.Interface {
					continue
				}
				if c, ok := fv.Interface().(cc.Node); ok {
					visit(c)
				}
			}
		}
		stack = stack[:len(stack)-1]
	}
	stack = append(stack, path...)
	visit(n)
}

// usedBeforeDeclaration rewrites the errors of the names in later, which the
// user's files declare further down, from "not modelled" to what they are.
func usedBeforeDeclaration(list ErrorList, later map[string]bool) {
	for i, e := range list {
		name, ok := strings.CutPrefix(e.Msg, "not modelled: ")
		if !ok {
			continue
		}
		name, ok = strings.CutSuffix(name, " (no kernel header ksim has declares it)")
		if ok && later[name] {
			c := *e
			c.Msg = "undeclared: " + name + " (declared further down; C requires a declaration before the use)"
			list[i] = &c
		}
	}
}

package cfront

import (
	"reflect"
	"strconv"
	"strings"

	"modernc.org/cc/v4"
	"modernc.org/token"
)

// check applies ksim's own checks to the user's code (the file and its own
// headers; ksim's headers are trusted): every function called must be declared
// and either defined in the unit or implemented by the kernel API, and the
// code must not use what the interpreter cannot run.
func (p *parse) check(ast *cc.AST) ErrorList {
	var list ErrorList
	defined := map[string]bool{}    // functions defined
	objDefined := map[string]bool{} // objects defined (not only declared extern)
	var user []*cc.ExternalDeclaration
	for tu := ast.TranslationUnit; tu != nil; tu = tu.TranslationUnit {
		ed := tu.ExternalDeclaration
		if ed == nil {
			continue
		}
		if fd := ed.FunctionDefinition; fd != nil && fd.Declarator != nil {
			defined[fd.Declarator.Name()] = true
		}
		if d := ed.Declaration; d != nil {
			for l := d.InitDeclaratorList; l != nil; l = l.InitDeclaratorList {
				if id := l.InitDeclarator; id != nil && id.Declarator != nil && !id.Declarator.IsExtern() {
					objDefined[id.Declarator.Name()] = true
				}
			}
		}
		if p.isUser(ed.Position().Filename) {
			user = append(user, ed)
		}
	}
	reported := map[string]bool{}
	for name := range p.injected {
		// Reported already: nothing declares it.
		reported[name] = true
	}
	notModelled := func(pos token.Position, name, why string) {
		if reported[name] {
			return
		}
		reported[name] = true
		p.addAt(&list, pos, "not modelled: "+name+why)
	}
	for _, ed := range user {
		var result cc.Type // of the function ed defines
		fnName := ""
		if fd := ed.FunctionDefinition; fd != nil && fd.Declarator != nil {
			if ft, ok := fd.Declarator.Type().(*cc.FunctionType); ok {
				result, fnName = ft.Result(), fd.Declarator.Name()
			}
		}
		kinds := map[string]bool{} // construct kinds reported in this declaration
		construct := func(pos token.Position, what string) {
			if kinds[what] {
				return
			}
			kinds[what] = true
			p.addAt(&list, pos, "not modelled: "+what+" (ksim's interpreter does not run it)")
		}
		walk(ed, func(n cc.Node) {
			switch x := n.(type) {
			case *cc.PrimaryExpression:
				if x.Case == cc.PrimaryExpressionFloat {
					construct(x.Position(), "floating point")
				}
				if x.Case != cc.PrimaryExpressionIdent {
					return
				}
				d, ok := x.ResolvedTo().(*cc.Declarator)
				if !ok || d == nil {
					return
				}
				name := x.Token.SrcStr()
				if d.IsSynthetic() {
					notModelled(x.Position(), name, " (no kernel header ksim has declares it)")
					return
				}
				if _, fn := d.Type().(*cc.FunctionType); !fn {
					// An object: the kernel's own (extern, defined
					// nowhere here) must be one the kernel API
					// provides; jiffies is the kernel model's clock.
					if d.IsExtern() && !objDefined[name] && name != "jiffies" && p.linked(x, d, false) {
						return
					}
					if d.IsExtern() && !objDefined[name] && name != "jiffies" && (p.opt.Modelled == nil || !p.opt.Modelled(name)) {
						notModelled(x.Position(), name, " (declared extern but defined nowhere, and not a kernel variable ksim provides)")
					}
					return
				}
				if defined[name] || p.linked(x, d, true) {
					return
				}
				if p.opt.Modelled == nil || !p.opt.Modelled(name) {
					notModelled(x.Position(), name, " (declared but defined nowhere, and not a kernel API ksim implements)")
				}
			case *cc.PostfixExpression:
				if x.Case == cc.PostfixExpressionCall {
					checkArgs(p, &list, x)
					p.checkArgPointers(&list, x)
				}
			case *cc.Initializer:
				if x.Case == cc.InitializerExpr && x.AssignmentExpression != nil {
					p.checkPointer(&list, x.Type(), x.AssignmentExpression, func(to, src, from string) string {
						return "initializing " + to + " with " + src + ", which is " + from
					})
				}
			case *cc.JumpStatement:
				if x.Case == cc.JumpStatementReturn && x.ExpressionList != nil && result != nil {
					p.checkPointer(&list, result, x.ExpressionList, func(to, src, from string) string {
						return fnName + " returns " + to + ", but " + src + " is " + from
					})
				}
			case *cc.AssignmentExpression:
				if x.Case == cc.AssignmentExpressionAssign && x.UnaryExpression != nil && x.AssignmentExpression != nil {
					p.checkPointer(&list, x.UnaryExpression.Type(), x.AssignmentExpression, func(to, src, from string) string {
						return "assigning " + src + " (" + from + ") to " + cc.NodeSource(x.UnaryExpression) + " (" + to + ")"
					})
				}
			case *cc.Asm:
				construct(x.Position(), "inline assembly")
			case *cc.AsmStatement:
				construct(x.Position(), "inline assembly")
			case *cc.Declarator:
				if !p.involvesInjected(x) {
					// (An array sized by a stand-in declaration
					// may look variable.)
					checkType(x.Type(), x.Position(), construct)
				}
			case *cc.TypeName:
				if !p.involvesInjected(x) {
					checkType(x.Type(), x.Position(), construct)
				}
			case cc.ExpressionNode:
				if t := x.Type(); t != nil {
					switch {
					case cc.IsComplexType(t):
						construct(x.Position(), "_Complex")
					case cc.IsFloatingPointType(t):
						construct(x.Position(), "floating point")
					}
				}
			}
		})
	}
	return list
}

// checkArgs reports a call with more or fewer arguments than the prototype
// of the function takes, which gcc rejects and cc/v4 v4.35.0 accepts.
func checkArgs(p *parse, list *ErrorList, call *cc.PostfixExpression) {
	callee := call.PostfixExpression
	if callee == nil || callee.Type() == nil {
		return
	}
	t := callee.Type()
	if pt, ok := t.(*cc.PointerType); ok {
		t = pt.Elem()
	}
	ft, ok := t.(*cc.FunctionType)
	if !ok {
		return
	}
	n := 0
	for l := call.ArgumentExpressionList; l != nil; l = l.ArgumentExpressionList {
		n++
	}
	name := "the function"
	if pe, ok := callee.(*cc.PrimaryExpression); ok && pe.Case == cc.PrimaryExpressionIdent {
		name = pe.Token.SrcStr()
	}
	takes := func(k int) string {
		if k == 1 {
			return "1 argument"
		}
		return strconv.Itoa(k) + " arguments"
	}
	switch min, max := ft.MinArgs(), ft.MaxArgs(); {
	case n < min:
		if max == min {
			p.addAt(list, call.Position(), "too few arguments in call to "+name+" (it takes "+takes(min)+")")
		} else {
			p.addAt(list, call.Position(), "too few arguments in call to "+name+" (it takes at least "+takes(min)+")")
		}
	case max >= 0 && n > max:
		p.addAt(list, call.Position(), "too many arguments in call to "+name+" (it takes "+takes(max)+")")
	}
}

// checkArgPointers reports an argument whose type is a pointer to a struct or
// union other than the one the parameter points to (check does the same for
// initialisers, assignments and returns): gcc's
// -Wincompatible-pointer-types, which Linux 6.12 builds with as an error
// (scripts/Makefile.extrawarn) and cc/v4 v4.35.0 accepts silently. Only
// struct and union pointees count: those mismatches corrupt a lock; pointers to
// functions (pre-GCC 14 compilers accepted `void f(void)` for a thread
// function, and the articles ksim reads rely on it), void, integer and
// character pointers, and integers passed for pointers are left alone.
func (p *parse) checkArgPointers(list *ErrorList, call *cc.PostfixExpression) {
	callee := call.PostfixExpression
	if callee == nil || callee.Type() == nil {
		return
	}
	t := callee.Type()
	if pt, ok := t.(*cc.PointerType); ok {
		t = pt.Elem()
	}
	ft, ok := t.(*cc.FunctionType)
	if !ok {
		return
	}
	name := cc.NodeSource(callee) // "spin_lock", "d->ops->start"
	params := ft.Parameters()
	i := 0
	for l := call.ArgumentExpressionList; l != nil && i < len(params); l, i = l.ArgumentExpressionList, i+1 {
		if params[i] == nil || l.AssignmentExpression == nil {
			continue
		}
		p.checkPointer(list, params[i].Type(), l.AssignmentExpression, func(to, src, from string) string {
			return name + " expects " + to + ", but " + src + " is " + from
		})
	}
}

// checkPointer reports the expression e, converted to the type to, when both
// are pointers to different struct or union types. msg words the error from
// the two types as C writes them and e's source text.
func (p *parse) checkPointer(list *ErrorList, to cc.Type, e cc.ExpressionNode, msg func(to, src, from string) string) {
	if to == nil || e == nil || p.involvesInjected(e) {
		return
	}
	from := e.Type()
	if from == nil {
		return
	}
	tp, ok := to.(*cc.PointerType)
	if !ok {
		return
	}
	var fe cc.Type
	switch x := from.(type) {
	case *cc.PointerType:
		fe = x.Elem()
	case *cc.ArrayType:
		fe = x.Elem()
	default:
		return
	}
	te := tp.Elem()
	if te == nil || fe == nil || !isRecord(te) || !isRecord(fe) {
		return
	}
	if te.IsCompatible(fe) || fe.IsCompatible(te) {
		return
	}
	if strings.HasPrefix(typeString(te), standInPrefix) || strings.HasPrefix(typeString(fe), standInPrefix) {
		// A stand-in for a name nothing declares: reported already.
		return
	}
	fromType := typeString(fe) + " *"
	if _, ok := from.(*cc.ArrayType); ok {
		fromType = "an array of " + typeString(fe)
	} else if from.Typedef() != nil {
		fromType = from.Typedef().Name()
	}
	toType := typeString(te) + " *"
	if to.Typedef() != nil {
		toType = to.Typedef().Name()
	}
	p.addAt(list, e.Position(), "incompatible pointer type: "+msg(toType, cc.NodeSource(e), fromType))
}

// isRecord reports whether t is a struct or union type.
func isRecord(t cc.Type) bool {
	k := t.Kind()
	return k == cc.Struct || k == cc.Union
}

// typeString names a struct or union type as C source does: its typedef name
// or "struct tag".
func typeString(t cc.Type) string {
	if d := t.Typedef(); d != nil {
		return d.Name()
	}
	var tag cc.Token
	kw := "struct"
	switch x := t.(type) {
	case *cc.StructType:
		tag = x.Tag()
	case *cc.UnionType:
		tag, kw = x.Tag(), "union"
	default:
		return t.String()
	}
	if s := tag.SrcStr(); s != "" {
		return kw + " " + s
	}
	return "an unnamed " + kw
}

// checkType reports the type kinds the interpreter cannot run.
func checkType(t cc.Type, pos token.Position, construct func(token.Position, string)) {
	for i := 0; t != nil && i < 64; i++ {
		switch {
		case cc.IsComplexType(t):
			construct(pos, "_Complex")
			return
		case cc.IsFloatingPointType(t):
			construct(pos, "floating point")
			return
		}
		switch x := t.(type) {
		case *cc.ArrayType:
			if x.IsVLA() {
				construct(pos, "variable length arrays")
				return
			}
			t = x.Elem()
		case *cc.PointerType:
			t = x.Elem()
		case *cc.FunctionType:
			checkType(x.Result(), pos, construct)
			for _, p := range x.Parameters() {
				checkType(p.Type(), pos, construct)
			}
			return
		default:
			return
		}
	}
}

// isUser reports whether file is the user's file or one of its headers (not
// ksim's, not cc/v4's built-in sources).
func (p *parse) isUser(file string) bool {
	if file == p.name {
		return true
	}
	_, header := p.headerSource(file)
	return file != "" && !header && !strings.HasPrefix(file, "<")
}

var nodeType = reflect.TypeOf((*cc.Node)(nil)).Elem()

// walk calls f for n and every node below it, depth first. It follows the
// exported fields of the generated AST types, which are the children.
func walk(n cc.Node, f func(cc.Node)) {
	v := reflect.ValueOf(n)
	if !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return
	}
	f(n)
	e := v
	if e.Kind() == reflect.Pointer {
		e = e.Elem()
	}
	if e.Kind() != reflect.Struct {
		return
	}
	t := e.Type()
	for i := 0; i < e.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		fv := e.Field(i)
		switch fv.Kind() {
		case reflect.Pointer, reflect.Interface:
			if fv.IsNil() || !fv.Type().Implements(nodeType) && fv.Kind() != reflect.Interface {
				continue
			}
			c, ok := fv.Interface().(cc.Node)
			if !ok {
				continue
			}
			walk(c, f)
		}
	}
}

// involvesInjected reports whether the expression e refers to a declaration
// Parse injected for a name nothing declares: its types are stand-ins.
func (p *parse) involvesInjected(e cc.Node) bool {
	if len(p.injected) == 0 {
		return false
	}
	found := false
	walk(e, func(n cc.Node) {
		if x, ok := n.(*cc.PrimaryExpression); ok && x.Case == cc.PrimaryExpressionIdent {
			if d, ok := x.ResolvedTo().(*cc.Declarator); ok && d != nil && p.injected[d.Name()] && d.Position().Filename == injectedSource {
				found = true
			}
		}
	})
	return found
}

// linked records a name x uses, declared by d and defined nowhere in the file, for
// the linker, when the file is linked with others (Options.Linked). It reports
// whether it did.
func (p *parse) linked(x *cc.PrimaryExpression, d *cc.Declarator, fn bool) bool {
	if !p.opt.Linked {
		return false
	}
	name := x.Token.SrcStr()
	for _, r := range p.undefined {
		if r.Name == name {
			return true
		}
	}
	use, decl := x.Position(), d.Position()
	_, kernel := p.headerSource(decl.Filename)
	p.undefined = append(p.undefined, Ref{Name: name, File: use.Filename, Pos: Pos{Line: use.Line, Col: use.Column},
		Func: fn, Kernel: kernel, DeclFile: decl.Filename, DeclPos: Pos{Line: decl.Line, Col: decl.Column}})
	return true
}

package interp

import (
	"strings"

	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/ksync"
)

// primary compiles identifiers, constants, strings, parentheses, statement
// expressions and _Generic.
func (c *compiler) primary(x *cc.PrimaryExpression) evalFn {
	switch x.Case {
	case cc.PrimaryExpressionIdent:
		switch d := x.ResolvedTo().(type) {
		case *cc.Declarator:
			if d.Type().Kind() == cc.Function {
				return c.funcRef(x, d.Name())
			}
			return c.load(c.identLval(x))
		case *cc.Enumerator:
			if v, ok := constant(d.ConstantExpression); ok {
				return constFn(v)
			}
		}
		c.errorf(x, "not modelled: %s", x.Token.SrcStr())
		return zeroFn
	case cc.PrimaryExpressionString:
		sv, ok := x.Value().(cc.StringValue)
		if !ok {
			break
		}
		s := []byte(string(sv))
		if len(s) == 0 || s[len(s)-1] != 0 {
			s = append(s, 0)
		}
		i := c.str(s)
		return func(r *runner, f *frame) int64 { return r.w.saddr[i] }
	case cc.PrimaryExpressionLString:
		c.errorf(x, "not modelled: wide strings")
		return zeroFn
	case cc.PrimaryExpressionExpr:
		return c.expr(x.ExpressionList)
	case cc.PrimaryExpressionStmt:
		return c.stmtExpr(x)
	case cc.PrimaryExpressionGeneric:
		if a := x.GenericSelection.Associated(); a != nil {
			return c.expr(a.AssignmentExpression)
		}
	}
	c.errorf(x, "not modelled: this expression")
	return zeroFn
}

// str is the index of a string literal with these bytes.
func (c *compiler) str(b []byte) int {
	if i, ok := c.strIdx[string(b)]; ok {
		return i
	}
	i := len(c.p.strs)
	c.p.strs = append(c.p.strs, b)
	c.strIdx[string(b)] = i
	return i
}

// function resolves a name that designates a function: a definition, or a kernel
// API entry (nil after an error).
func (c *compiler) fnByName(n cc.Node, name string) *Func {
	key := c.key(name)
	if c.calls[c.fnKey] == nil {
		c.calls[c.fnKey] = map[string]bool{}
	}
	c.calls[c.fnKey][key] = true
	if f := c.p.byName[key]; f != nil {
		if f.code != nil || c.defs[key] != nil {
			if key != c.fnKey {
				c.refd[key] = true
			}
		}
		return f
	}
	b := c.opt.Lookup(name)
	if b == nil && strings.HasPrefix(name, "__builtin_") {
		b = c.opt.Lookup(strings.TrimPrefix(name, "__builtin_")) // __builtin_memcpy is memcpy
	}
	if b == nil || b.Impl == nil {
		c.errorf(n, "not modelled: %s", name)
		return nil
	}
	var ft *cc.FunctionType
	if d := c.funcDecls[name]; d != nil {
		ft = funcType(d.Type())
	}
	f := &Func{name: name, idx: len(c.p.funcs), builtin: b, ftype: ft}
	c.p.funcs = append(c.p.funcs, f)
	c.p.byName[name] = f
	return f
}

// funcRef is a function designator's value: the function's address.
func (c *compiler) funcRef(n cc.Node, name string) evalFn {
	f := c.fnByName(n, name)
	if f == nil {
		return zeroFn
	}
	f.addrTaken = true
	i := f.idx
	return func(r *runner, _ *frame) int64 { return r.w.faddr[i] }
}

// call compiles a function call: to a definition, to the kernel API, or through a
// pointer.
func (c *compiler) call(x *cc.PostfixExpression) evalFn {
	p := c.pos(x)
	var args []cc.ExpressionNode
	for l := x.ArgumentExpressionList; l != nil; l = l.ArgumentExpressionList {
		args = append(args, l.AssignmentExpression)
	}
	callee := strip(x.PostfixExpression)
	if c.static {
		c.errorf(x, "initializer element is not constant")
		return zeroFn
	}
	rt := x.Type()
	if !c.checkType(x, rt) {
		return zeroFn
	}
	ft := funcType(callee.Type())
	if ft == nil {
		c.errorf(x, "not modelled: a call of %s", callee.Type())
		return zeroFn
	}
	if id, ok := callee.(*cc.PrimaryExpression); ok && id.Case == cc.PrimaryExpressionIdent {
		if d, ok := id.ResolvedTo().(*cc.Declarator); ok && d.Type().Kind() == cc.Function {
			name := d.Name()
			switch name {
			case "__builtin_expect":
				if len(args) == 2 {
					return c.expr(args[0])
				}
			case "__ccgo__types_compatible_p": // cc's expansion of __builtin_types_compatible_p
				if len(args) == 2 {
					a, b := undecayed(args[0].Type()), undecayed(args[1].Type())
					return constFn(b2i(a.IsCompatible(b) || b.IsCompatible(a)))
				}
			case "__builtin_constant_p":
				if len(args) == 1 {
					_, ok := constant(args[0])
					return constFn(b2i(ok))
				}
			}
			f := c.fnByName(id, name)
			if f == nil {
				return zeroFn
			}
			fns, types, texts := c.args(x, ft, args)
			if f.builtin != nil {
				if isAggregate(rt) {
					c.errorf(x, "not modelled: %s returns a struct", name)
					return zeroFn
				}
				site := &Site{Pos: p.s, Builtin: f.builtin, ArgTypes: types, ArgText: texts}
				return c.builtinCall(p, f.builtin, site, fns, rt)
			}
			if d := c.defs[c.key(name)]; d != nil && funcType(d.Declarator.Type()).IsVariadic() {
				c.errorf(x, "not modelled: a variadic function (%s)", name)
				return zeroFn
			}
			return c.result(p, rt, c.userCall(p, f, fns))
		}
	}
	fe := c.expr(x.PostfixExpression)
	fns, types, texts := c.args(x, ft, args)
	n := len(fns)
	cv := cvNone
	if isScalar(rt) {
		cv = cvtOf(rt)
	}
	call := func(r *runner, f *frame) int64 {
		addr := fe(r, f)
		base := r.argWindow(n)
		for i, a := range fns {
			v := a(r, f)
			r.args[base+i] = v
		}
		a := r.args[base : base+n : base+n]
		fn := r.w.FuncAt(uint64(addr))
		var v int64
		switch {
		case fn == nil:
			r.at(f, p)
			if uint64(addr) < 4096 {
				r.t.NullDeref(false)
			}
			r.t.BadAddress(addr)
		case fn.code != nil:
			f.line = p.line
			v = r.call(fn.code, a)
		default:
			site := &Site{Pos: p.s, Builtin: fn.builtin, ArgTypes: types, ArgText: texts}
			v = r.builtin(f, p, fn.builtin, site, a)
		}
		r.args = r.args[:base]
		return cv.apply(v)
	}
	return c.result(p, rt, call)
}

// args compiles a call's arguments, converted to the parameter types (default
// promotions past them), with their types and source texts.
func (c *compiler) args(n cc.Node, ft *cc.FunctionType, args []cc.ExpressionNode) (fns []evalFn, types []cc.Type, texts []string) {
	switch {
	case len(args) < ft.MinArgs():
		c.errorf(n, "too few arguments to function call")
	case ft.MaxArgs() >= 0 && len(args) > ft.MaxArgs():
		c.errorf(n, "too many arguments to function call")
	}
	var params []*cc.Parameter
	for _, pa := range ft.Parameters() {
		if pa.Type().Kind() != cc.Void {
			params = append(params, pa)
		}
	}
	for i, a := range args {
		var pt cc.Type
		if i < len(params) {
			pt = params[i].Type().Decay()
		} else {
			pt = promote(a.Type())
		}
		e := c.expr(a)
		if isScalar(pt) {
			if cv := cvtOf(pt); cv != cvNone {
				inner := e
				e = func(r *runner, f *frame) int64 { return cv.apply(inner(r, f)) }
			}
		}
		fns = append(fns, e)
		types = append(types, pt)
		texts = append(texts, cc.NodeSource(a))
	}
	return fns, types, texts
}

// userCall calls a function the module defines.
func (c *compiler) userCall(p *pos, fn *Func, fns []evalFn) evalFn {
	n := len(fns)
	return func(r *runner, f *frame) int64 {
		base := r.argWindow(n)
		for i, a := range fns {
			v := a(r, f)
			r.args[base+i] = v
		}
		f.line = p.line
		v := r.call(fn.code, r.args[base:base+n:base+n])
		r.args = r.args[:base]
		return v
	}
}

// result makes a call returning a struct leave it in a temporary of the caller's
// frame, whose address is the call's value.
func (c *compiler) result(p *pos, rt cc.Type, call evalFn) evalFn {
	if rt.Kind() != cc.Struct && rt.Kind() != cc.Union {
		return call
	}
	off := c.alloc(rt.Size(), rt.Align())
	return func(r *runner, f *frame) int64 {
		call(r, f)
		a := f.base + off
		r.storeBytes(f, p, a, r.rets)
		return a
	}
}

// builtinCall calls a kernel API function.
func (c *compiler) builtinCall(p *pos, b *Builtin, site *Site, fns []evalFn, rt cc.Type) evalFn {
	n := len(fns)
	cv := cvNone
	if isScalar(rt) {
		cv = cvtOf(rt)
	}
	void := rt.Kind() == cc.Void
	return func(r *runner, f *frame) int64 {
		base := r.argWindow(n)
		for i, a := range fns {
			v := a(r, f)
			r.args[base+i] = v
		}
		v := r.builtin(f, p, b, site, r.args[base:base+n:base+n])
		r.args = r.args[:base]
		if void {
			return 0
		}
		return cv.apply(v)
	}
}

// builtin runs a kernel API call: the addresses of private locals among its
// arguments escape first (the kernel may hand them to another task).
func (r *runner) builtin(f *frame, p *pos, b *Builtin, site *Site, args []int64) int64 {
	for _, v := range args {
		if ksync.InStack(uint64(v)) {
			r.k.EscapeAt(uint64(v), nil)
		}
	}
	if p.s != "" {
		r.at(f, p)
	}
	// A Call of its own, with its own copy of the arguments, in one allocation: an
	// implementation may keep it (a kernel thread's closure that reads its data
	// argument when it runs), and may re-enter the interpreter, which reuses the
	// argument window.
	cl := &callBox{}
	cl.T, cl.W, cl.Site = r.t, r.w, site
	if len(args) <= len(cl.buf) {
		cl.Args = cl.buf[:len(args)]
	} else {
		cl.Args = make([]int64, len(args))
	}
	copy(cl.Args, args)
	return b.Impl(&cl.Call)
}

// callBox is a Call with room for its arguments.
type callBox struct {
	Call
	buf [6]int64
}

// callBuiltinDirect runs a kernel API function reached through a pointer from Go
// (World.Run with a Func that is no definition).
func (r *runner) callBuiltinDirect(fn *Func, args []int64) int64 {
	site := &Site{Builtin: fn.builtin}
	if ft := fn.ftype; ft != nil {
		for _, pa := range ft.Parameters() {
			if pa.Type().Kind() != cc.Void {
				site.ArgTypes = append(site.ArgTypes, pa.Type())
			}
		}
	}
	var f frame
	f.fn = &function{name: fn.name}
	return r.builtin(&f, &pos{}, fn.builtin, site, args)
}

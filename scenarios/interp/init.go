package interp

import (
	"modernc.org/cc/v4"
)

// initLeaf is one store an initialiser makes into its object.
type initLeaf struct {
	off  int64
	size int
	val  evalFn // the value; for copy, the address of the struct to copy
	data []byte // a string's bytes (char s[] = "...")
	bf   *cc.Field
	copy bool
	p    *pos
}

// initLeaves compiles an initialiser of an object of type t at offset base of
// the object being initialised.
func (c *compiler) initLeaves(in *cc.Initializer, t cc.Type, base int64, out []initLeaf) []initLeaf {
	if in == nil {
		return out
	}
	c.cur = in
	if in.Case == cc.InitializerInitList {
		return c.listLeaves(in.InitializerList, base, out)
	}
	lt := in.Type()
	if lt == nil || lt.Kind() == cc.InvalidKind {
		lt = t
	}
	if !c.checkType(in, lt) {
		return out
	}
	e := in.AssignmentExpression
	off := base + in.Offset()
	p := c.pos(in)
	if lt.Kind() == cc.Array {
		if sv, ok := in.Value().(cc.StringValue); ok {
			data := []byte(string(sv))
			if n := lt.Size(); n >= 0 && int64(len(data)) > n {
				data = data[:n]
			}
			return append(out, initLeaf{off: off, data: data, p: p})
		}
		c.errorf(in, "not modelled: this array initialiser")
		return out
	}
	if lt.Kind() == cc.Struct || lt.Kind() == cc.Union {
		if cl, ok := strip(e).(*cc.PostfixExpression); ok && cl.Case == cc.PostfixExpressionComplit {
			return c.listLeaves(cl.InitializerList, off, out)
		}
		if c.static {
			c.errorf(in, "initializer element is not constant")
			return out
		}
		return append(out, initLeaf{off: off, size: int(lt.Size()), val: c.expr(e), copy: true, p: p})
	}
	if !isScalar(lt) {
		c.errorf(in, "not modelled: an initialiser of type %s", lt)
		return out
	}
	v := c.expr(e)
	if cv := cvtOf(lt); cv != cvNone {
		inner := v
		v = func(r *runner, f *frame) int64 { return cv.apply(inner(r, f)) }
	}
	leaf := initLeaf{off: off, size: int(lt.Size()), val: v, p: p}
	if fd := in.Field(); fd != nil && fd.IsBitfield() {
		leaf.bf = fd
		leaf.size = int(fd.AccessBytes())
	}
	for k := range in.Len() {
		l := leaf
		l.off += k * lt.Size()
		out = append(out, l)
	}
	return out
}

func (c *compiler) listLeaves(l *cc.InitializerList, base int64, out []initLeaf) []initLeaf {
	for ; l != nil; l = l.InitializerList {
		if l.Initializer != nil {
			out = c.initLeaves(l.Initializer, l.Initializer.Type(), base, out)
		}
	}
	return out
}

// applyInits makes an initialiser's stores into the object at base.
func applyInits(r *runner, f *frame, base int64, leaves []initLeaf) {
	for i := range leaves {
		l := &leaves[i]
		a := base + l.off
		switch {
		case l.data != nil:
			r.storeBytes(f, l.p, a, l.data)
		case l.copy:
			r.storeBytes(f, l.p, a, r.loadBytes(f, l.p, l.val(r, f), l.size))
		case l.bf != nil:
			v := uint64(l.val(r, f))
			shift, mask := uint(l.bf.OffsetBits()), uint64(1)<<uint(l.bf.ValueBits())-1
			old := uint64(r.load(f, l.p, a, l.size))
			r.store(f, l.p, a, l.size, int64(old&^(mask<<shift)|(v&mask)<<shift), false)
		default:
			r.store(f, l.p, a, l.size, l.val(r, f), false)
		}
	}
}

// localDecl compiles the declarations of a block: locals with their initialisers,
// block-scope statics (globals).
func (c *compiler) localDecl(d *cc.Declaration) execFn {
	if d == nil || d.Case == cc.DeclarationAssert {
		return nil
	}
	if d.Case == cc.DeclarationAuto {
		return c.localVar(d.Declarator, d.Initializer)
	}
	var fns []execFn
	for il := d.InitDeclaratorList; il != nil; il = il.InitDeclaratorList {
		id := il.InitDeclarator
		if f := c.localVar(id.Declarator, id.Initializer); f != nil {
			fns = append(fns, f)
		}
	}
	switch len(fns) {
	case 0:
		return nil
	case 1:
		return fns[0]
	}
	return func(r *runner, f *frame) ctl {
		for _, s := range fns {
			s(r, f)
		}
		return ctlNone
	}
}

func (c *compiler) localVar(dd *cc.Declarator, in *cc.Initializer) execFn {
	t := dd.Type()
	switch {
	case dd.IsTypename(), t.Kind() == cc.Function, dd.IsExtern():
		return nil
	case !c.checkType(dd, t):
		return nil
	case hasCleanup(t):
		// guard(mutex)(&m) and scoped_guard expand to it: running the body without
		// the cleanup would leave the lock held.
		c.errorf(dd, "not modelled: __attribute__((cleanup)) (guard, scoped_guard)")
		return nil
	case dd.IsStatic():
		g := &global{name: dd.Name(), size: t.Size(), rodata: isConst(t) && !isVolatile(t)} // used once code refers to it
		if in != nil {
			saved := c.static
			c.static = true
			g.inits = c.initLeaves(in, t, 0, nil)
			c.static = saved
			if it := in.Type(); it != nil && it.Size() > g.size {
				g.size = it.Size()
			}
		}
		c.globDecl[dd] = len(c.p.globals)
		c.p.globals = append(c.p.globals, g)
		return nil
	}
	if at, ok := t.(*cc.ArrayType); ok && at.IsVLA() || t.Size() < 0 && in == nil {
		c.errorf(dd, "not modelled: a variable length array")
		return nil
	}
	if t.Kind() == cc.Array && t.Size() < 0 && in != nil {
		t = in.Type()
	}
	l := c.newLocal(dd, t)
	c.locals[dd] = l
	line := c.pos(dd).line
	if l.slot >= 0 {
		i := l.slot
		if in == nil {
			return func(r *runner, f *frame) ctl { f.slots[i] = 0; return ctlNone }
		}
		leaves := c.initLeaves(in, t, 0, nil)
		var v evalFn = zeroFn
		for _, lf := range leaves {
			if lf.off == 0 && lf.val != nil {
				v = lf.val
			}
		}
		return func(r *runner, f *frame) ctl {
			f.line = line
			f.slots[i] = v(r, f)
			return ctlNone
		}
	}
	if in == nil {
		return nil
	}
	off, size, p := l.off, int(t.Size()), c.pos(dd)
	leaves := c.initLeaves(in, t, 0, nil)
	whole := in.Case == cc.InitializerInitList || isAggregate(t)
	return func(r *runner, f *frame) ctl {
		f.line = line
		a := f.base + off
		if whole {
			r.zero(f, p, a, size)
		}
		applyInits(r, f, a, leaves)
		return ctlNone
	}
}

// complit compiles a compound literal: a temporary of the frame (or, at file
// scope, an anonymous global), initialised each time it is evaluated. Its value is
// its address.
func (c *compiler) complit(x *cc.PostfixExpression) evalFn {
	t := undecayed(x.Type())
	if !c.checkType(x, t) {
		return zeroFn
	}
	if c.static {
		g := &global{name: "compound literal", size: t.Size(), used: true}
		g.inits = c.listLeaves(x.InitializerList, 0, nil)
		i := len(c.p.globals)
		c.p.globals = append(c.p.globals, g)
		return func(r *runner, _ *frame) int64 { return r.w.gaddr[i] }
	}
	if c.fn == nil {
		c.errorf(x, "not modelled: this compound literal")
		return zeroFn
	}
	off, size, p := c.alloc(t.Size(), t.Align()), int(t.Size()), c.pos(x)
	leaves := c.listLeaves(x.InitializerList, 0, nil)
	return func(r *runner, f *frame) int64 {
		a := f.base + off
		r.zero(f, p, a, size)
		applyInits(r, f, a, leaves)
		return a
	}
}

func hasCleanup(t cc.Type) bool {
	a := t.Attributes()
	return a != nil && (a.IsAttrSet("cleanup") || a.IsAttrSet("__cleanup__"))
}

package interp

import (
	"fmt"
	"strings"

	"modernc.org/cc/v4"
)

// strip removes parentheses and the single-child wrappers of cc's grammar.
func strip(n cc.ExpressionNode) cc.ExpressionNode {
	for {
		switch x := n.(type) {
		case *cc.PrimaryExpression:
			if x.Case != cc.PrimaryExpressionExpr {
				return n
			}
			l, ok := x.ExpressionList.(*cc.ExpressionList)
			if ok && l.ExpressionList != nil {
				return n
			}
			if ok {
				n = l.AssignmentExpression
			} else {
				n = x.ExpressionList
			}
		case *cc.ExpressionList:
			if x.ExpressionList != nil {
				return n
			}
			n = x.AssignmentExpression
		case *cc.CastExpression:
			if x.Case != cc.CastExpressionUnary {
				return n
			}
			n = x.UnaryExpression
		case *cc.UnaryExpression:
			if x.Case != cc.UnaryExpressionPostfix {
				return n
			}
			n = x.PostfixExpression
		case *cc.AssignmentExpression:
			if x.Case != cc.AssignmentExpressionCond {
				return n
			}
			n = x.ConditionalExpression
		case *cc.ConditionalExpression:
			if x.Case != cc.ConditionalExpressionLOr {
				return n
			}
			n = x.LogicalOrExpression
		case *cc.ConstantExpression:
			n = x.ConditionalExpression
		default:
			return n
		}
	}
}

// derefOfAddr recognises *(T *)&x with T of x's size: READ_ONCE(x) and
// WRITE_ONCE(x, v) expand to it. It returns x, so that a scalar local stays in its
// slot and jiffies stays the kernel's clock.
func derefOfAddr(n cc.ExpressionNode) cc.ExpressionNode {
	u, ok := strip(n).(*cc.UnaryExpression)
	if !ok || u.Case != cc.UnaryExpressionDeref {
		return nil
	}
	e := strip(u.CastExpression)
	for {
		ce, ok := e.(*cc.CastExpression)
		if !ok || ce.Case != cc.CastExpressionCast {
			break
		}
		e = strip(ce.CastExpression)
	}
	a, ok := e.(*cc.UnaryExpression)
	if !ok || a.Case != cc.UnaryExpressionAddrof {
		return nil
	}
	x := strip(a.CastExpression)
	if p, ok := x.(*cc.PrimaryExpression); !ok || p.Case != cc.PrimaryExpressionIdent {
		return nil
	}
	xt, ut := x.Type(), u.Type()
	if !isScalar(xt) || !isScalar(ut) || xt.Size() != ut.Size() {
		return nil
	}
	return x
}

// volatileDeref reports whether *e accesses a volatile object.
func volatileDeref(e cc.ExpressionNode) bool {
	if pt := pointee(e.Type().Decay()); pt != nil {
		return isVolatile(pt)
	}
	return false
}

// lvalue compiles the location n designates; nil (after an error) if it designates
// none ksim can run.
func (c *compiler) lvalue(n cc.ExpressionNode) *lval {
	c.cur = n
	t := n.Type()
	if u := undecayed(t); u.Kind() == cc.Array {
		t = u
	}
	p := c.pos(n)
	if x := derefOfAddr(n); x != nil {
		lv := c.lvalue(x)
		if lv != nil {
			cp := *lv
			cp.vol = true
			cp.typ = strip(n).Type()
			if cp.slot >= 0 && cvtOf(cp.typ) != cvtOf(lv.typ) {
				cp.slotCv, cp.reinterp = cvtOf(lv.typ), true // *(unsigned *)&i
			}
			return &cp
		}
		return nil
	}
	switch x := strip(n).(type) {
	case *cc.PrimaryExpression:
		switch x.Case {
		case cc.PrimaryExpressionIdent:
			return c.identLval(x)
		case cc.PrimaryExpressionExpr:
			return c.lvalue(x.ExpressionList)
		}
	case *cc.PostfixExpression:
		switch x.Case {
		case cc.PostfixExpressionIndex:
			base, idx := x.PostfixExpression, x.ExpressionList
			if base.Type().Decay().Kind() != cc.Ptr {
				base, idx = idx, base
			}
			bt := base.Type().Decay()
			es := elemSize(bt)
			b, i := c.expr(base), c.expr(idx)
			vol := volatileDeref(base) || isVolatile(t)
			if at, ok := undecayed(base.Type()).(*cc.ArrayType); ok && at.Len() > 0 {
				// CONFIG_UBSAN_BOUNDS: an index out of a declared array's bounds
				// is reported (lib/ubsan.c: __ubsan_handle_out_of_bounds), and the
				// access goes on to whatever lies there.
				n, typ := at.Len(), ubsanType(at)
				ip := idx.Position()
				where := fmt.Sprintf("%s:%d:%d", c.fileName(ip.Filename), ip.Line, ip.Column)
				unsigned := !isSigned(idx.Type())
				return &lval{typ: t, slot: -1, p: p, vol: vol, addr: func(r *runner, f *frame) int64 {
					a, x := b(r, f), i(r, f)
					if x < 0 && !unsigned || uint64(x) >= uint64(n) {
						r.at(f, p)
						r.t.IndexOutOfBounds(where, int(x), typ)
					}
					return a + x*es
				}}
			}
			return &lval{typ: t, slot: -1, p: p, vol: vol, addr: func(r *runner, f *frame) int64 { return b(r, f) + i(r, f)*es }}
		case cc.PostfixExpressionSelect, cc.PostfixExpressionPSelect:
			fd := x.Field()
			if fd == nil {
				break
			}
			b := c.expr(x.PostfixExpression)
			off := fd.Offset()
			vol := isVolatile(t) || isVolatile(fd.Type())
			if x.Case == cc.PostfixExpressionPSelect {
				vol = vol || volatileDeref(x.PostfixExpression)
			} else {
				vol = vol || isVolatile(x.PostfixExpression.Type())
			}
			lv := &lval{typ: t, slot: -1, p: p, vol: vol}
			if fd.IsBitfield() {
				lv.bf = fd
				lv.typ = fd.Type()
			}
			if off == 0 {
				lv.addr = b
			} else {
				lv.addr = func(r *runner, f *frame) int64 { return b(r, f) + off }
			}
			return lv
		case cc.PostfixExpressionComplit:
			a := c.complit(x)
			return &lval{typ: t, slot: -1, p: p, addr: a}
		}
	case *cc.UnaryExpression:
		if x.Case == cc.UnaryExpressionDeref {
			a := c.expr(x.CastExpression)
			return &lval{typ: t, slot: -1, p: p, addr: a, vol: volatileDeref(x.CastExpression) || isVolatile(t)}
		}
	}
	c.errorf(n, "not modelled: this is not a location ksim can assign")
	return nil
}

// identLval is the variable an identifier names.
func (c *compiler) identLval(x *cc.PrimaryExpression) *lval {
	p := c.pos(x)
	d, ok := x.ResolvedTo().(*cc.Declarator)
	if !ok {
		c.errorf(x, "not modelled: %s is not a variable", x.Token.SrcStr())
		return nil
	}
	t := x.Type()
	if u := undecayed(t); u.Kind() == cc.Array {
		t = u
	}
	vol := d.IsVolatile() || isVolatile(d.Type())
	if l := c.locals[d]; l != nil {
		if l.slot >= 0 {
			return &lval{typ: l.typ, slot: l.slot, p: p}
		}
		off := l.off
		return &lval{typ: l.typ, slot: -1, p: p, vol: vol, addr: func(r *runner, f *frame) int64 { return f.base + off }}
	}
	if i, ok := c.globDecl[d]; ok {
		c.p.globals[i].used = true
		return &lval{typ: d.Type(), slot: -1, p: p, vol: vol, addr: func(r *runner, f *frame) int64 { return r.w.gaddr[i] }}
	}
	name := d.Name()
	if name == "__func__" {
		i := c.str(append([]byte(c.fnName), 0))
		return &lval{typ: t, slot: -1, p: p, addr: func(r *runner, f *frame) int64 { return r.w.saddr[i] }}
	}
	i, ok := c.p.gByName[c.key(name)]
	if !ok {
		c.errorf(x, "not modelled: %s", name)
		return nil
	}
	g := c.p.globals[i]
	g.used = true
	switch {
	case g.jiffy:
		return &lval{typ: t, slot: -1, p: p, jiffy: true}
	case g.size < 0:
		c.errorf(x, "not modelled: %s", name)
		return nil
	}
	return &lval{typ: t, slot: -1, p: p, vol: vol, addr: func(r *runner, f *frame) int64 { return r.w.gaddr[i] }}
}

// access compiles the three parts of using a location: finding it, reading it, and
// writing a value to it (converted to its type; the value written is returned).
func (c *compiler) access(lv *lval) (ref evalFn, get binGet, set binSet) {
	t := lv.typ
	p := lv.p
	cv := cvtOf(t)
	switch {
	case lv.jiffy:
		if c.static {
			c.errorf(c.cur, "initializer element is not constant")
		}
		return zeroFn, func(r *runner, f *frame, _ int64) int64 {
			r.t.ReadClock()
			return int64(r.k.Jiffies())
		}, func(r *runner, f *frame, _ int64, v int64) int64 { return v }
	case lv.slot >= 0 && lv.reinterp:
		i, scv := lv.slot, lv.slotCv
		return zeroFn, func(r *runner, f *frame, _ int64) int64 { return cv.apply(f.slots[i]) },
			func(r *runner, f *frame, _ int64, v int64) int64 {
				v = cv.apply(v)
				f.slots[i] = scv.apply(v)
				return v
			}
	case lv.slot >= 0:
		i := lv.slot
		return zeroFn, func(r *runner, f *frame, _ int64) int64 { return f.slots[i] },
			func(r *runner, f *frame, _ int64, v int64) int64 {
				v = cv.apply(v)
				f.slots[i] = v
				return v
			}
	}
	if c.static {
		c.errorf(c.cur, "initializer element is not constant")
	}
	ref = lv.addr
	if bf := lv.bf; bf != nil {
		size := int(bf.AccessBytes())
		shift, bits := uint(bf.OffsetBits()), uint(bf.ValueBits())
		mask := uint64(1)<<bits - 1
		signed := isSigned(t)
		vol := lv.vol
		get = func(r *runner, f *frame, a int64) int64 {
			v := uint64(r.load(f, p, a, size)) >> shift & mask
			if signed && v>>(bits-1) != 0 {
				v |= ^mask
			}
			return int64(v)
		}
		set = func(r *runner, f *frame, a int64, v int64) int64 {
			old := uint64(r.load(f, p, a, size))
			nv := old&^(mask<<shift) | (uint64(v)&mask)<<shift
			r.store(f, p, a, size, int64(nv), vol)
			w := uint64(v) & mask
			if signed && w>>(bits-1) != 0 {
				w |= ^mask
			}
			return int64(w)
		}
		return ref, get, set
	}
	size := int(t.Size())
	if size != 1 && size != 2 && size != 4 && size != 8 {
		c.errorf(c.cur, "not modelled: an access of %d bytes", size)
		return zeroFn, func(*runner, *frame, int64) int64 { return 0 }, func(_ *runner, _ *frame, _, v int64) int64 { return v }
	}
	if lv.vol {
		get = func(r *runner, f *frame, a int64) int64 { return cv.apply(r.loadOnce(f, p, a, size)) }
	} else {
		get = func(r *runner, f *frame, a int64) int64 { return cv.apply(r.load(f, p, a, size)) }
	}
	vol := lv.vol
	set = func(r *runner, f *frame, a int64, v int64) int64 {
		v = cv.apply(v)
		r.store(f, p, a, size, v, vol)
		return v
	}
	return ref, get, set
}

type (
	binGet func(r *runner, f *frame, ref int64) int64
	binSet func(r *runner, f *frame, ref int64, v int64) int64
)

// load compiles reading a location: its value, or its address for an aggregate.
func (c *compiler) load(lv *lval) evalFn {
	if lv == nil {
		return zeroFn
	}
	if isAggregate(lv.typ) || lv.typ.Kind() == cc.Function {
		if lv.addr == nil {
			c.errorf(c.cur, "not modelled: this aggregate")
			return zeroFn
		}
		return lv.addr
	}
	if !isScalar(lv.typ) {
		c.errorf(c.cur, "not modelled: a value of type %s", lv.typ)
		return zeroFn
	}
	ref, get, _ := c.access(lv)
	if lv.slot >= 0 && !lv.reinterp {
		i := lv.slot
		return func(r *runner, f *frame) int64 { return f.slots[i] }
	}
	if lv.jiffy || lv.slot >= 0 {
		return func(r *runner, f *frame) int64 { return get(r, f, 0) }
	}
	if lv.bf == nil && !lv.vol {
		size, cv, p := int(lv.typ.Size()), cvtOf(lv.typ), lv.p
		return func(r *runner, f *frame) int64 { return cv.apply(r.load(f, p, ref(r, f), size)) }
	}
	return func(r *runner, f *frame) int64 { return get(r, f, ref(r, f)) }
}

// addrOf compiles &n.
func (c *compiler) addrOf(n cc.ExpressionNode) evalFn {
	x := strip(n)
	if p, ok := x.(*cc.PrimaryExpression); ok && p.Case == cc.PrimaryExpressionIdent {
		if d, ok := p.ResolvedTo().(*cc.Declarator); ok && d.Type().Kind() == cc.Function {
			return c.expr(x) // &fn is fn
		}
	}
	if u, ok := x.(*cc.UnaryExpression); ok && u.Case == cc.UnaryExpressionDeref {
		return c.expr(u.CastExpression) // &*p is p
	}
	lv := c.lvalue(n)
	if lv == nil {
		return zeroFn
	}
	switch {
	case lv.jiffy:
		c.errorf(n, "not modelled: the address of jiffies")
		return zeroFn
	case lv.slot >= 0:
		c.errorf(n, "not modelled: the address of a register variable")
		return zeroFn
	case lv.bf != nil:
		c.errorf(n, "cannot take the address of a bit-field")
		return zeroFn
	}
	return lv.addr
}

// ubsanType is an array type as UBSAN's report names it: 'int [2]', 'char *[1]',
// 'int [3][4]'.
func ubsanType(t *cc.ArrayType) string {
	dims := ""
	var e cc.Type = t
	for {
		a, ok := e.(*cc.ArrayType)
		if !ok {
			break
		}
		dims += fmt.Sprintf("[%d]", a.Len())
		e = a.Elem()
	}
	s := cTypeName(e)
	if !strings.HasSuffix(s, "*") {
		s += " "
	}
	return s + dims
}

// cTypeName is a type as C (and the kernel's reports) spell it.
func cTypeName(t cc.Type) string {
	if d := t.Typedef(); d != nil {
		return d.Name()
	}
	switch x := t.(type) {
	case *cc.PointerType:
		s := cTypeName(x.Elem())
		if !strings.HasSuffix(s, "*") {
			s += " "
		}
		return s + "*"
	case *cc.StructType:
		tag := x.Tag()
		return "struct " + tag.SrcStr()
	case *cc.UnionType:
		tag := x.Tag()
		return "union " + tag.SrcStr()
	case *cc.EnumType:
		tag := x.Tag()
		return "enum " + tag.SrcStr()
	}
	names := map[cc.Kind]string{cc.Void: "void", cc.Bool: "_Bool", cc.Char: "char", cc.SChar: "signed char",
		cc.UChar: "unsigned char", cc.Short: "short", cc.UShort: "unsigned short", cc.Int: "int",
		cc.UInt: "unsigned int", cc.Long: "long", cc.ULong: "unsigned long", cc.LongLong: "long long",
		cc.ULongLong: "unsigned long long"}
	if n, ok := names[t.Kind()]; ok {
		return n
	}
	return t.String()
}

package interp

import (
	"modernc.org/cc/v4"
)

// lval is a location an expression designates.
type lval struct {
	typ   cc.Type
	slot  int    // >= 0: a Go slot of the frame
	addr  evalFn // otherwise: its address
	vol   bool   // volatile: READ_ONCE/WRITE_ONCE
	jiffy bool   // the kernel's jiffies
	bf    *cc.Field
	p     *pos
	// reinterp: a slot read and written as another type of its size; slotCv is
	// the conversion to the slot's own type.
	reinterp bool
	slotCv   cvt
}

func constFn(v int64) evalFn { return func(*runner, *frame) int64 { return v } }

var zeroFn = constFn(0)

// constant is the value of n when the type checker computed it and evaluating n has
// no effect.
func constant(n cc.ExpressionNode) (int64, bool) {
	switch x := n.(type) {
	case *cc.AssignmentExpression:
		if x.Case != cc.AssignmentExpressionCond {
			return 0, false
		}
	case *cc.PostfixExpression:
		switch x.Case {
		case cc.PostfixExpressionCall, cc.PostfixExpressionInc, cc.PostfixExpressionDec, cc.PostfixExpressionComplit:
			return 0, false
		}
	case *cc.UnaryExpression:
		switch x.Case {
		case cc.UnaryExpressionInc, cc.UnaryExpressionDec:
			return 0, false
		}
	case *cc.ExpressionList:
		if x.ExpressionList != nil {
			return 0, false
		}
	case *cc.PrimaryExpression:
		if x.Case == cc.PrimaryExpressionStmt {
			return 0, false
		}
	}
	// cc/v4 gives `(f(), 0)` the value 0: a value is folded only when computing
	// it has no side effect, or f() would never run (a wrong OK).
	// sizeof and _Alignof do not evaluate their operand: their value stands.
	unevaluated := false
	if u, ok := n.(*cc.UnaryExpression); ok {
		switch u.Case {
		case cc.UnaryExpressionSizeofExpr, cc.UnaryExpressionSizeofType, cc.UnaryExpressionAlignofExpr, cc.UnaryExpressionAlignofType:
			unevaluated = true
		}
	}
	if !unevaluated && !n.Pure() {
		return 0, false
	}
	switch v := n.Value().(type) {
	case cc.Int64Value:
		return int64(v), true
	case cc.UInt64Value:
		return int64(v), true
	}
	return 0, false
}

// checkType rejects what ksim does not model in a type.
func (c *compiler) checkType(n cc.Node, t cc.Type) bool {
	switch {
	case isFloat(t):
		p := c.pos(n)
		if !c.floatPos[p] {
			c.floatPos[p] = true
			c.errorf(n, "not modelled: floating point")
		}
		return false
	case t.Kind() == cc.Int128 || t.Kind() == cc.UInt128:
		c.errorf(n, "not modelled: __int128")
		return false
	}
	return true
}

// expr compiles n to the function computing its value.
func (c *compiler) expr(n cc.ExpressionNode) evalFn {
	if n == nil {
		return zeroFn
	}
	c.cur = n
	t := n.Type()
	if !c.checkType(n, t) {
		return zeroFn
	}
	if v, ok := constant(n); ok {
		if isScalar(t) {
			v = cvtOf(t).apply(v)
		}
		return constFn(v)
	}
	switch x := n.(type) {
	case *cc.ExpressionList:
		if x.ExpressionList == nil {
			return c.expr(x.AssignmentExpression)
		}
		var list []evalFn
		for l := x; l != nil; l = l.ExpressionList {
			list = append(list, c.expr(l.AssignmentExpression))
		}
		return func(r *runner, f *frame) (v int64) {
			for _, e := range list {
				v = e(r, f)
			}
			return v
		}
	case *cc.ConstantExpression:
		return c.expr(x.ConditionalExpression)
	case *cc.PrimaryExpression:
		return c.primary(x)
	case *cc.PostfixExpression:
		return c.postfix(x)
	case *cc.UnaryExpression:
		return c.unary(x)
	case *cc.CastExpression:
		if x.Case == cc.CastExpressionUnary {
			return c.expr(x.UnaryExpression)
		}
		return c.cast(x)
	case *cc.MultiplicativeExpression:
		if x.Case == cc.MultiplicativeExpressionCast {
			return c.expr(x.CastExpression)
		}
		op := map[cc.MultiplicativeExpressionCase]byte{cc.MultiplicativeExpressionMul: '*',
			cc.MultiplicativeExpressionDiv: '/', cc.MultiplicativeExpressionMod: '%'}[x.Case]
		return c.binary(x, op, x.MultiplicativeExpression, x.CastExpression)
	case *cc.AdditiveExpression:
		switch x.Case {
		case cc.AdditiveExpressionAdd:
			return c.binary(x, '+', x.AdditiveExpression, x.MultiplicativeExpression)
		case cc.AdditiveExpressionSub:
			return c.binary(x, '-', x.AdditiveExpression, x.MultiplicativeExpression)
		}
		return c.expr(x.MultiplicativeExpression)
	case *cc.ShiftExpression:
		switch x.Case {
		case cc.ShiftExpressionLsh:
			return c.binary(x, 'l', x.ShiftExpression, x.AdditiveExpression)
		case cc.ShiftExpressionRsh:
			return c.binary(x, 'r', x.ShiftExpression, x.AdditiveExpression)
		}
		return c.expr(x.AdditiveExpression)
	case *cc.RelationalExpression:
		op := map[cc.RelationalExpressionCase]byte{cc.RelationalExpressionLt: '<', cc.RelationalExpressionGt: '>',
			cc.RelationalExpressionLeq: 'L', cc.RelationalExpressionGeq: 'G'}[x.Case]
		if op == 0 {
			return c.expr(x.ShiftExpression)
		}
		return c.binary(x, op, x.RelationalExpression, x.ShiftExpression)
	case *cc.EqualityExpression:
		switch x.Case {
		case cc.EqualityExpressionEq:
			return c.binary(x, '=', x.EqualityExpression, x.RelationalExpression)
		case cc.EqualityExpressionNeq:
			return c.binary(x, '!', x.EqualityExpression, x.RelationalExpression)
		}
		return c.expr(x.RelationalExpression)
	case *cc.AndExpression:
		if x.Case == cc.AndExpressionAnd {
			return c.binary(x, '&', x.AndExpression, x.EqualityExpression)
		}
		return c.expr(x.EqualityExpression)
	case *cc.ExclusiveOrExpression:
		if x.Case == cc.ExclusiveOrExpressionXor {
			return c.binary(x, '^', x.ExclusiveOrExpression, x.AndExpression)
		}
		return c.expr(x.AndExpression)
	case *cc.InclusiveOrExpression:
		if x.Case == cc.InclusiveOrExpressionOr {
			return c.binary(x, '|', x.InclusiveOrExpression, x.ExclusiveOrExpression)
		}
		return c.expr(x.ExclusiveOrExpression)
	case *cc.LogicalAndExpression:
		if x.Case == cc.LogicalAndExpressionLAnd {
			a, b := c.expr(x.LogicalAndExpression), c.expr(x.InclusiveOrExpression)
			return func(r *runner, f *frame) int64 {
				if a(r, f) != 0 && b(r, f) != 0 {
					return 1
				}
				return 0
			}
		}
		return c.expr(x.InclusiveOrExpression)
	case *cc.LogicalOrExpression:
		if x.Case == cc.LogicalOrExpressionLOr {
			a, b := c.expr(x.LogicalOrExpression), c.expr(x.LogicalAndExpression)
			return func(r *runner, f *frame) int64 {
				if a(r, f) != 0 || b(r, f) != 0 {
					return 1
				}
				return 0
			}
		}
		return c.expr(x.LogicalAndExpression)
	case *cc.ConditionalExpression:
		if x.Case == cc.ConditionalExpressionLOr {
			return c.expr(x.LogicalOrExpression)
		}
		return c.conditional(x)
	case *cc.AssignmentExpression:
		if x.Case == cc.AssignmentExpressionCond {
			return c.expr(x.ConditionalExpression)
		}
		return c.assign(x)
	}
	c.errorf(n, "not modelled: this expression")
	return zeroFn
}

func (c *compiler) conditional(x *cc.ConditionalExpression) evalFn {
	t := x.Type()
	cv := cvNone
	if isScalar(t) {
		cv = cvtOf(t)
	}
	cond := c.expr(x.LogicalOrExpression)
	els := c.expr(x.ConditionalExpression)
	if x.ExpressionList == nil { // GNU a ?: b
		return func(r *runner, f *frame) int64 {
			if v := cond(r, f); v != 0 {
				return cv.apply(v)
			}
			return cv.apply(els(r, f))
		}
	}
	then := c.expr(x.ExpressionList)
	return func(r *runner, f *frame) int64 {
		if cond(r, f) != 0 {
			return cv.apply(then(r, f))
		}
		return cv.apply(els(r, f))
	}
}

func (c *compiler) cast(x *cc.CastExpression) evalFn {
	t := x.Type()
	e := c.expr(x.CastExpression)
	switch {
	case t.Kind() == cc.Void:
		return func(r *runner, f *frame) int64 { e(r, f); return 0 }
	case isScalar(t):
		if isAggregate(x.CastExpression.Type()) && x.CastExpression.Type().Kind() != cc.Array {
			c.errorf(x, "not modelled: cast of a struct to %s", t)
			return zeroFn
		}
		cv := cvtOf(t)
		if cv == cvNone {
			return e
		}
		return func(r *runner, f *frame) int64 { return cv.apply(e(r, f)) }
	case t.Kind() == cc.Struct || t.Kind() == cc.Union:
		if x.CastExpression.Type().Kind() == t.Kind() {
			return e
		}
		c.errorf(x, "not modelled: cast to a union")
		return zeroFn
	}
	return e
}

// binary compiles x op y. Operators: + - * / % & | ^, 'l' <<, 'r' >>, comparisons
// < > 'L' <= 'G' >= '=' == '!' !=.
func (c *compiler) binary(n cc.ExpressionNode, op byte, xn, yn cc.ExpressionNode) evalFn {
	xt, yt, rt := xn.Type().Decay(), yn.Type().Decay(), n.Type()
	x, y := c.expr(xn), c.expr(yn)
	p := c.pos(n)
	xp, yp := xt.Kind() == cc.Ptr, yt.Kind() == cc.Ptr
	switch {
	case (op == '+' || op == '-') && xp && !yp:
		es := elemSize(xt)
		if op == '-' {
			es = -es
		}
		return func(r *runner, f *frame) int64 { return x(r, f) + y(r, f)*es }
	case op == '+' && yp && !xp:
		es := elemSize(yt)
		return func(r *runner, f *frame) int64 { return x(r, f)*es + y(r, f) }
	case op == '-' && xp && yp:
		es := elemSize(xt)
		return func(r *runner, f *frame) int64 { return (x(r, f) - y(r, f)) / es }
	}
	switch op {
	case '<', '>', 'L', 'G', '=', '!':
		unsigned := xp || yp
		cx, cy := cvNone, cvNone
		if !unsigned {
			ct := cc.UsualArithmeticConversions(xt, yt)
			if ct == nil || !isScalar(ct) {
				c.errorf(n, "not modelled: this comparison")
				return zeroFn
			}
			unsigned = !isSigned(ct)
			cx, cy = cvtOf(ct), cvtOf(ct)
		}
		return compare(op, unsigned, x, y, cx, cy)
	}
	if !isScalar(rt) {
		c.errorf(n, "not modelled: this operation")
		return zeroFn
	}
	ct := rt
	cv := cvtOf(ct)
	unsigned := !isSigned(ct)
	bits := int(ct.Size() * 8)
	if op == 'l' || op == 'r' {
		mask := int64(bits - 1)
		if op == 'l' {
			return func(r *runner, f *frame) int64 { return cv.apply(cv.apply(x(r, f)) << (y(r, f) & mask)) }
		}
		if unsigned {
			return func(r *runner, f *frame) int64 {
				return cv.apply(int64(uint64(cv.apply(x(r, f))) >> (y(r, f) & mask)))
			}
		}
		return func(r *runner, f *frame) int64 { return cv.apply(cv.apply(x(r, f)) >> (y(r, f) & mask)) }
	}
	return arith(op, cv, unsigned, bits, p, x, y)
}

// binFn applies a binary operator to two values.
type binFn func(r *runner, f *frame, a, b int64) int64

// arith is x op y in a type of bits bits converted by cv.
func arith(op byte, cv cvt, unsigned bool, bits int, p *pos, x, y evalFn) evalFn {
	switch op {
	case '+':
		return func(r *runner, f *frame) int64 { return cv.apply(x(r, f) + y(r, f)) }
	case '-':
		return func(r *runner, f *frame) int64 { return cv.apply(x(r, f) - y(r, f)) }
	case '&':
		return func(r *runner, f *frame) int64 { return cv.apply(x(r, f) & y(r, f)) }
	case '|':
		return func(r *runner, f *frame) int64 { return cv.apply(x(r, f) | y(r, f)) }
	case '^':
		return func(r *runner, f *frame) int64 { return cv.apply(x(r, f) ^ y(r, f)) }
	}
	bin := arithBin(op, cv, unsigned, bits, p)
	return func(r *runner, f *frame) int64 {
		a := x(r, f)
		return bin(r, f, a, y(r, f))
	}
}

// arithBin is op on two values, in a type of bits bits converted by cv.
func arithBin(op byte, cv cvt, unsigned bool, bits int, p *pos) binFn {
	switch op {
	case '+':
		return func(_ *runner, _ *frame, a, b int64) int64 { return cv.apply(a + b) }
	case '-':
		return func(_ *runner, _ *frame, a, b int64) int64 { return cv.apply(a - b) }
	case '*':
		return func(_ *runner, _ *frame, a, b int64) int64 { return cv.apply(cv.apply(a) * cv.apply(b)) }
	case '/', '%':
		rem := op == '%'
		return func(r *runner, f *frame, a, b int64) int64 {
			return cv.apply(r.divide(f, p, cv.apply(a), cv.apply(b), rem, unsigned, bits))
		}
	case '&':
		return func(_ *runner, _ *frame, a, b int64) int64 { return cv.apply(a & b) }
	case '|':
		return func(_ *runner, _ *frame, a, b int64) int64 { return cv.apply(a | b) }
	case '^':
		return func(_ *runner, _ *frame, a, b int64) int64 { return cv.apply(a ^ b) }
	}
	return func(*runner, *frame, int64, int64) int64 { return 0 }
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func compare(op byte, unsigned bool, x, y evalFn, cx, cy cvt) evalFn {
	if unsigned {
		switch op {
		case '<':
			return func(r *runner, f *frame) int64 { return b2i(uint64(cx.apply(x(r, f))) < uint64(cy.apply(y(r, f)))) }
		case '>':
			return func(r *runner, f *frame) int64 { return b2i(uint64(cx.apply(x(r, f))) > uint64(cy.apply(y(r, f)))) }
		case 'L':
			return func(r *runner, f *frame) int64 { return b2i(uint64(cx.apply(x(r, f))) <= uint64(cy.apply(y(r, f)))) }
		case 'G':
			return func(r *runner, f *frame) int64 { return b2i(uint64(cx.apply(x(r, f))) >= uint64(cy.apply(y(r, f)))) }
		}
	}
	switch op {
	case '<':
		return func(r *runner, f *frame) int64 { return b2i(cx.apply(x(r, f)) < cy.apply(y(r, f))) }
	case '>':
		return func(r *runner, f *frame) int64 { return b2i(cx.apply(x(r, f)) > cy.apply(y(r, f))) }
	case 'L':
		return func(r *runner, f *frame) int64 { return b2i(cx.apply(x(r, f)) <= cy.apply(y(r, f))) }
	case 'G':
		return func(r *runner, f *frame) int64 { return b2i(cx.apply(x(r, f)) >= cy.apply(y(r, f))) }
	case '=':
		return func(r *runner, f *frame) int64 { return b2i(cx.apply(x(r, f)) == cy.apply(y(r, f))) }
	}
	return func(r *runner, f *frame) int64 { return b2i(cx.apply(x(r, f)) != cy.apply(y(r, f))) }
}

func (c *compiler) unary(x *cc.UnaryExpression) evalFn {
	t := x.Type()
	switch x.Case {
	case cc.UnaryExpressionPostfix:
		return c.expr(x.PostfixExpression)
	case cc.UnaryExpressionInc, cc.UnaryExpressionDec:
		return c.incdec(x, x.UnaryExpression, x.Case == cc.UnaryExpressionInc, false)
	case cc.UnaryExpressionAddrof:
		return c.addrOf(x.CastExpression)
	case cc.UnaryExpressionDeref:
		e := x.CastExpression
		if ft := e.Type(); funcType(ft) != nil && (ft.Kind() == cc.Function || undecayed(ft).Kind() == cc.Function || pointee(ft).Kind() == cc.Function) {
			return c.expr(e) // *fn is fn
		}
		if isAggregate(undecayed(t)) || isAggregate(t) {
			return c.expr(e)
		}
		return c.load(c.lvalue(x))
	case cc.UnaryExpressionPlus:
		e, cv := c.expr(x.CastExpression), cvtOf(t)
		return func(r *runner, f *frame) int64 { return cv.apply(e(r, f)) }
	case cc.UnaryExpressionMinus:
		e, cv := c.expr(x.CastExpression), cvtOf(t)
		return func(r *runner, f *frame) int64 { return cv.apply(-cv.apply(e(r, f))) }
	case cc.UnaryExpressionCpl:
		e, cv := c.expr(x.CastExpression), cvtOf(t)
		return func(r *runner, f *frame) int64 { return cv.apply(^cv.apply(e(r, f))) }
	case cc.UnaryExpressionNot:
		e := c.expr(x.CastExpression)
		return func(r *runner, f *frame) int64 { return b2i(e(r, f) == 0) }
	case cc.UnaryExpressionSizeofExpr, cc.UnaryExpressionSizeofType, cc.UnaryExpressionAlignofExpr, cc.UnaryExpressionAlignofType:
		c.errorf(x, "not modelled: sizeof of a variable length array")
		return zeroFn
	case cc.UnaryExpressionLabelAddr:
		c.errorf(x, "not modelled: the address of a label")
		return zeroFn
	}
	c.errorf(x, "not modelled: complex numbers")
	return zeroFn
}

// incdec is ++x, --x, x++, x--.
func (c *compiler) incdec(n, xn cc.ExpressionNode, inc, post bool) evalFn {
	lv := c.lvalue(xn)
	if lv == nil {
		return zeroFn
	}
	if lv.jiffy {
		c.errorf(n, "not modelled: writing jiffies")
	}
	d := int64(1)
	if t := lv.typ; t.Kind() == cc.Ptr {
		d = elemSize(t)
	}
	if !inc {
		d = -d
	}
	ref, get, set := c.access(lv)
	if lv.typ.Kind() == cc.Bool && inc {
		return func(r *runner, f *frame) int64 {
			a := ref(r, f)
			old := get(r, f, a)
			nv := set(r, f, a, 1)
			if post {
				return old
			}
			return nv
		}
	}
	return func(r *runner, f *frame) int64 {
		a := ref(r, f)
		old := get(r, f, a)
		nv := set(r, f, a, old+d)
		if post {
			return old
		}
		return nv
	}
}

// assign compiles x = y and x op= y.
func (c *compiler) assign(x *cc.AssignmentExpression) evalFn {
	lv := c.lvalue(x.UnaryExpression)
	if lv == nil {
		return zeroFn
	}
	if lv.jiffy {
		c.errorf(x, "not modelled: writing jiffies")
	}
	lt := lv.typ
	p := c.pos(x)
	if x.Case == cc.AssignmentExpressionAssign && (lt.Kind() == cc.Struct || lt.Kind() == cc.Union) {
		dst, src, n := lv.addr, c.expr(x.AssignmentExpression), int(lt.Size())
		if dst == nil {
			return zeroFn
		}
		return func(r *runner, f *frame) int64 {
			d := dst(r, f)
			s := src(r, f)
			r.storeBytes(f, p, d, r.loadBytes(f, p, s, n))
			return d
		}
	}
	if !isScalar(lt) {
		c.errorf(x, "not modelled: assignment to %s", lt)
		return zeroFn
	}
	ref, get, set := c.access(lv)
	y := c.expr(x.AssignmentExpression)
	if x.Case == cc.AssignmentExpressionAssign {
		return func(r *runner, f *frame) int64 {
			a := ref(r, f)
			return set(r, f, a, y(r, f))
		}
	}
	var op byte
	switch x.Case {
	case cc.AssignmentExpressionMul:
		op = '*'
	case cc.AssignmentExpressionDiv:
		op = '/'
	case cc.AssignmentExpressionMod:
		op = '%'
	case cc.AssignmentExpressionAdd:
		op = '+'
	case cc.AssignmentExpressionSub:
		op = '-'
	case cc.AssignmentExpressionLsh:
		op = 'l'
	case cc.AssignmentExpressionRsh:
		op = 'r'
	case cc.AssignmentExpressionAnd:
		op = '&'
	case cc.AssignmentExpressionXor:
		op = '^'
	case cc.AssignmentExpressionOr:
		op = '|'
	}
	yt := x.AssignmentExpression.Type().Decay()
	var bin binFn
	switch {
	case lt.Kind() == cc.Ptr && (op == '+' || op == '-'):
		es := elemSize(lt)
		if op == '-' {
			es = -es
		}
		bin = func(_ *runner, _ *frame, a, b int64) int64 { return a + b*es }
	case op == 'l' || op == 'r':
		ct := cc.IntegerPromotion(lt)
		cv, bits := cvtOf(ct), ct.Size()*8
		mask := bits - 1
		unsigned := !isSigned(ct)
		bin = func(_ *runner, _ *frame, a, b int64) int64 {
			s := b & mask
			switch {
			case op == 'l':
				return cv.apply(cv.apply(a) << s)
			case unsigned:
				return cv.apply(int64(uint64(cv.apply(a)) >> s))
			}
			return cv.apply(cv.apply(a) >> s)
		}
	default:
		ct := cc.UsualArithmeticConversions(lt, yt)
		if ct == nil || !isScalar(ct) {
			c.errorf(x, "not modelled: this assignment")
			return zeroFn
		}
		cv := cvtOf(ct)
		inner := arithBin(op, cv, !isSigned(ct), int(ct.Size()*8), p)
		bin = func(r *runner, f *frame, a, b int64) int64 { return inner(r, f, cv.apply(a), cv.apply(b)) }
	}
	return func(r *runner, f *frame) int64 {
		a := ref(r, f)
		v := y(r, f)
		return set(r, f, a, bin(r, f, get(r, f, a), v))
	}
}

func (c *compiler) postfix(x *cc.PostfixExpression) evalFn {
	switch x.Case {
	case cc.PostfixExpressionPrimary:
		return c.expr(x.PrimaryExpression)
	case cc.PostfixExpressionCall:
		return c.call(x)
	case cc.PostfixExpressionInc, cc.PostfixExpressionDec:
		return c.incdec(x, x.PostfixExpression, x.Case == cc.PostfixExpressionInc, true)
	case cc.PostfixExpressionComplit:
		a := c.complit(x)
		if t := undecayed(x.Type()); isScalar(t) {
			lv := &lval{typ: t, slot: -1, p: c.pos(x), addr: a}
			return c.load(lv)
		}
		return a
	}
	return c.load(c.lvalue(x))
}

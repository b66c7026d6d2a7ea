package interp

import (
	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/ksync"
)

// labelAt is a goto target in a statement list: the item it labels.
type labelAt struct {
	id  int
	idx int
	p   *pos
}

// caseAt is a case (or default) label of a switch body: the item it labels.
type caseAt struct {
	lo, hi int64
	def    bool
	idx    int
}

// compileFunc compiles a function definition.
func (c *compiler) compileFunc(fd *cc.FunctionDefinition) {
	d := fd.Declarator
	name := d.Name()
	key := c.key(name)
	fo := c.p.byName[key]
	ft := funcType(d.Type())
	dp := d.Position()
	fn := &function{name: name, file: c.fileName(dp.Filename), line: dp.Line,
		endLine: fd.CompoundStatement.Token2.Position().Line}
	c.fn, c.fnName, c.fnKey, c.fnFunc = fn, name, key, fo
	c.locals = map[*cc.Declarator]*local{}
	c.labels = map[string]int{}
	c.scopes, c.sx, c.breaks, c.conts = nil, nil, 0, 0
	c.taken = addrTaken(fd.CompoundStatement)
	user := c.opt.Files(dp.Filename)
	if !user {
		n := len(c.errs)
		defer func() {
			c.lazy[key] = append(c.lazy[key], c.errs[n:]...)
			c.errs = c.errs[:n]
		}()
	}
	if ft == nil {
		c.errorf(d, "not modelled: %s", name)
		return
	}
	if ft.IsVariadic() {
		fn.variadic = true
		if user {
			c.errorf(d, "not modelled: a variadic function (%s)", name)
		}
	}
	c.checkType(d, ft.Result())
	for _, pa := range ft.Parameters() {
		pt := pa.Type()
		if pt.Kind() == cc.Void {
			continue
		}
		if !c.checkType(pa, pt) {
			fn.params = append(fn.params, param{init: func(*runner, *frame, int64) {}})
			continue
		}
		pd := pa.Declarator
		if pd == nil || pd.Name() == "" {
			fn.params = append(fn.params, param{init: func(*runner, *frame, int64) {}})
			continue
		}
		pt = pt.Decay()
		l := c.newLocal(pd, pt)
		c.locals[pd] = l
		switch {
		case l.slot >= 0:
			i, cv := l.slot, cvtOf(pt)
			fn.params = append(fn.params, param{init: func(_ *runner, f *frame, v int64) { f.slots[i] = cv.apply(v) }})
		case isScalar(pt):
			off, size, cv := l.off, int(pt.Size()), cvtOf(pt)
			fn.params = append(fn.params, param{init: func(r *runner, f *frame, v int64) {
				if size == 8 && ksync.InStack(uint64(v)) {
					r.k.EscapeAt(uint64(v), f.stack)
				}
				r.k.Poke(uint64(f.base+off), size, uint64(cv.apply(v)))
			}})
		default: // a struct passed by value: v is the address of the caller's copy
			off, size, p := l.off, int(pt.Size()), c.pos(pa)
			fn.params = append(fn.params, param{init: func(r *runner, f *frame, v int64) {
				r.storeBytes(f, p, f.base+off, r.loadBytes(f, p, v, size))
			}})
		}
	}
	body := c.block(fd.CompoundStatement)
	fn.body = body
	fo.code = fn
}

// addrTaken finds the locals whose address the body takes (other than in
// READ_ONCE/WRITE_ONCE's *(T *)&x, which reads x itself).
func addrTaken(body cc.Node) map[*cc.Declarator]bool {
	m := map[*cc.Declarator]bool{}
	walk(body, func(n cc.Node) bool {
		u, ok := n.(*cc.UnaryExpression)
		if !ok {
			return true
		}
		switch u.Case {
		case cc.UnaryExpressionDeref:
			if derefOfAddr(u) != nil {
				return false
			}
		case cc.UnaryExpressionAddrof:
			x := strip(u.CastExpression)
			if inner := derefOfAddr(x); inner != nil {
				x = inner // &*(T *)&v takes v's address after all
			}
			if p, ok := x.(*cc.PrimaryExpression); ok && p.Case == cc.PrimaryExpressionIdent {
				if d, ok := p.ResolvedTo().(*cc.Declarator); ok {
					m[d] = true
				}
			}
		}
		return true
	})
	return m
}

// newLocal places a local: a Go slot for a scalar whose address is never taken,
// the frame's stack object otherwise.
func (c *compiler) newLocal(d *cc.Declarator, t cc.Type) *local {
	if isScalar(t) && !c.taken[d] {
		l := &local{slot: c.fn.nslots, typ: t}
		c.fn.nslots++
		return l
	}
	return &local{slot: -1, off: c.alloc(t.Size(), t.Align()), typ: t}
}

// alloc reserves size bytes of the frame's stack object.
func (c *compiler) alloc(size int64, align int) int64 {
	a := int64(max(align, 1))
	off := (c.fn.stackSize + a - 1) &^ (a - 1)
	c.fn.stackSize = off + max(size, 1)
	return off
}

func (c *compiler) block(cs *cc.CompoundStatement) execFn {
	var items []*cc.BlockItem
	for l := cs.BlockItemList; l != nil; l = l.BlockItemList {
		items = append(items, l.BlockItem)
	}
	fns, labs, _ := c.itemList(items, false)
	return runList(fns, labs)
}

// labelChain lists the labels on an item: goto labels, and case labels.
func labelChain(s *cc.Statement) (names []string, cases []*cc.LabeledStatement) {
	for s != nil && s.Case == cc.StatementLabeled {
		ls := s.LabeledStatement
		if ls.Case == cc.LabeledStatementLabel {
			names = append(names, ls.Token.SrcStr())
		} else {
			cases = append(cases, ls)
		}
		s = ls.Statement
	}
	return names, cases
}

// itemList compiles a block's items, with the goto labels and (for a switch body)
// the case labels on them.
func (c *compiler) itemList(items []*cc.BlockItem, sw bool) (fns []execFn, labs []labelAt, cases []caseAt) {
	var names []string
	for _, it := range items {
		if it.Case == cc.BlockItemStmt {
			ns, cs := labelChain(it.Statement)
			names = append(names, ns...)
			if sw {
				for _, ls := range cs {
					c.cases[ls] = true
				}
			}
		}
	}
	c.scopes = append(c.scopes, names)
	defer func() { c.scopes = c.scopes[:len(c.scopes)-1] }()
	for i, it := range items {
		c.cur = it
		switch it.Case {
		case cc.BlockItemDecl:
			fns = append(fns, c.localDecl(it.Declaration))
		case cc.BlockItemStmt:
			ns, cs := labelChain(it.Statement)
			for _, n := range ns {
				labs = append(labs, labelAt{id: c.labelID(n), idx: i, p: c.pos(it.Statement)})
			}
			if sw {
				for _, ls := range cs {
					cases = append(cases, c.caseOf(ls, i))
				}
			}
			fns = append(fns, c.stmt(it.Statement))
		case cc.BlockItemLabel:
			fns = append(fns, nil)
		default:
			c.errorf(it, "not modelled: nested functions")
			fns = append(fns, nil)
		}
	}
	for i, f := range fns {
		if f == nil {
			fns[i] = func(*runner, *frame) ctl { return ctlNone }
		}
	}
	return fns, labs, cases
}

func (c *compiler) labelID(name string) int {
	if id, ok := c.labels[name]; ok {
		return id
	}
	id := len(c.labels) + 1
	c.labels[name] = id
	return id
}

func (c *compiler) caseOf(ls *cc.LabeledStatement, idx int) caseAt {
	switch ls.Case {
	case cc.LabeledStatementDefault:
		return caseAt{def: true, idx: idx}
	case cc.LabeledStatementRange:
		lo, ok1 := constant(ls.ConstantExpression)
		hi, ok2 := constant(ls.ConstantExpression2)
		if !ok1 || !ok2 {
			c.errorf(ls, "case label does not reduce to an integer constant")
		}
		return caseAt{lo: lo, hi: hi, idx: idx}
	}
	v, ok := constant(ls.ConstantExpression)
	if !ok {
		c.errorf(ls, "case label does not reduce to an integer constant")
	}
	return caseAt{lo: v, hi: v, idx: idx}
}

// runList runs a statement list from its first item; a goto whose label is in the
// list jumps there, otherwise it leaves the list for an enclosing one.
func runList(fns []execFn, labs []labelAt) execFn {
	if len(labs) == 0 {
		switch len(fns) {
		case 0:
			return func(*runner, *frame) ctl { return ctlNone }
		case 1:
			return fns[0]
		}
		return func(r *runner, f *frame) ctl {
			for _, s := range fns {
				if c := s(r, f); c != ctlNone {
					return c
				}
			}
			return ctlNone
		}
	}
	return func(r *runner, f *frame) ctl { return runItems(r, f, fns, labs, 0) }
}

func runItems(r *runner, f *frame, fns []execFn, labs []labelAt, start int) ctl {
	for i := start; i < len(fns); i++ {
		c := fns[i](r, f)
		if c == ctlNone {
			continue
		}
		if c == ctlGoto {
			if j := findLabel(labs, r.label); j >= 0 {
				l := labs[j]
				if l.idx <= i {
					// A backward goto makes a loop: it needs the forced
					// scheduling point of the others, or l: goto l; spins
					// inside one step forever.
					r.loopTick(f, l.p)
				}
				i = l.idx - 1
				continue
			}
		}
		return c
	}
	return ctlNone
}

func findLabel(labs []labelAt, id int) int {
	for j, l := range labs {
		if l.id == id {
			return j
		}
	}
	return -1
}

func (c *compiler) stmt(s *cc.Statement) execFn {
	if s == nil {
		return func(*runner, *frame) ctl { return ctlNone }
	}
	c.cur = s
	switch s.Case {
	case cc.StatementLabeled:
		ls := s.LabeledStatement
		if ls.Case != cc.LabeledStatementLabel && !c.cases[ls] {
			c.errorf(ls, "not modelled: a case label inside a nested statement of its switch")
		}
		return c.stmt(ls.Statement)
	case cc.StatementCompound:
		return c.block(s.CompoundStatement)
	case cc.StatementExpr:
		es := s.ExpressionStatement
		if es.ExpressionList == nil {
			return func(*runner, *frame) ctl { return ctlNone }
		}
		e, line := c.expr(es.ExpressionList), c.pos(es).line
		return func(r *runner, f *frame) ctl {
			f.line = line
			e(r, f)
			return ctlNone
		}
	case cc.StatementSelection:
		return c.selection(s.SelectionStatement)
	case cc.StatementIteration:
		return c.iteration(s.IterationStatement)
	case cc.StatementJump:
		return c.jump(s.JumpStatement)
	}
	c.errorf(s, "not modelled: asm")
	return func(*runner, *frame) ctl { return ctlNone }
}

func (c *compiler) selection(s *cc.SelectionStatement) execFn {
	line := c.pos(s).line
	cond := c.expr(s.ExpressionList)
	switch s.Case {
	case cc.SelectionStatementIf:
		then := c.stmt(s.Statement)
		return func(r *runner, f *frame) ctl {
			f.line = line
			if cond(r, f) != 0 {
				return then(r, f)
			}
			return ctlNone
		}
	case cc.SelectionStatementIfElse:
		then, els := c.stmt(s.Statement), c.stmt(s.Statement2)
		return func(r *runner, f *frame) ctl {
			f.line = line
			if cond(r, f) != 0 {
				return then(r, f)
			}
			return els(r, f)
		}
	}
	// switch
	tt := cc.IntegerPromotion(s.ExpressionList.Type())
	cv, unsigned := cvtOf(tt), !isSigned(tt)
	var items []*cc.BlockItem
	if body := s.Statement; body.Case == cc.StatementCompound {
		for l := body.CompoundStatement.BlockItemList; l != nil; l = l.BlockItemList {
			items = append(items, l.BlockItem)
		}
	} else {
		items = []*cc.BlockItem{{Case: cc.BlockItemStmt, Statement: body}}
	}
	c.breaks++
	fns, labs, cases := c.itemList(items, true)
	c.breaks--
	def := -1
	var vals []caseAt
	for _, cs := range cases {
		if cs.def {
			def = cs.idx
			continue
		}
		cs.lo, cs.hi = cv.apply(cs.lo), cv.apply(cs.hi)
		vals = append(vals, cs)
	}
	return func(r *runner, f *frame) ctl {
		f.line = line
		v := cv.apply(cond(r, f))
		start := def
		for _, cs := range vals {
			if unsigned && uint64(v) >= uint64(cs.lo) && uint64(v) <= uint64(cs.hi) || !unsigned && v >= cs.lo && v <= cs.hi {
				start = cs.idx
				break
			}
		}
		if start < 0 {
			return ctlNone
		}
		if c := runItems(r, f, fns, labs, start); c != ctlBreak {
			return c
		}
		return ctlNone
	}
}

func (c *compiler) iteration(s *cc.IterationStatement) execFn {
	p := c.pos(s)
	var init execFn
	var cond, post evalFn
	switch s.Case {
	case cc.IterationStatementFor:
		if s.ExpressionList != nil {
			e := c.expr(s.ExpressionList)
			init = func(r *runner, f *frame) ctl { e(r, f); return ctlNone }
		}
		if s.ExpressionList2 != nil {
			cond = c.expr(s.ExpressionList2)
		}
		if s.ExpressionList3 != nil {
			post = c.expr(s.ExpressionList3)
		}
	case cc.IterationStatementForDecl:
		init = c.localDecl(s.Declaration)
		if s.ExpressionList != nil {
			cond = c.expr(s.ExpressionList)
		}
		if s.ExpressionList2 != nil {
			post = c.expr(s.ExpressionList2)
		}
	default:
		cond = c.expr(s.ExpressionList)
	}
	c.breaks++
	c.conts++
	body := c.stmt(s.Statement)
	c.breaks--
	c.conts--
	if s.Case == cc.IterationStatementDo {
		if v, ok := constant(s.ExpressionList); ok && v == 0 {
			// do { ... } while (0), the shape of every statement-like macro: the
			// body once, no loop.
			return func(r *runner, f *frame) ctl {
				switch c := body(r, f); c {
				case ctlReturn, ctlGoto:
					return c
				}
				return ctlNone
			}
		}
		line := c.pos(s.ExpressionList).line
		return func(r *runner, f *frame) ctl {
			lp := r.loopEnter(f, p)
			for {
				switch c := body(r, f); c {
				case ctlBreak:
					r.loopLeave(lp)
					return ctlNone
				case ctlReturn, ctlGoto:
					r.loopLeave(lp)
					return c
				}
				f.line = line
				if cond(r, f) == 0 {
					r.loopLeave(lp)
					return ctlNone
				}
				r.loopNext(f, lp, p)
			}
		}
	}
	return func(r *runner, f *frame) ctl {
		if init != nil {
			init(r, f)
		}
		lp := r.loopEnter(f, p)
		for {
			f.line = p.line
			if cond != nil && cond(r, f) == 0 {
				r.loopLeave(lp)
				return ctlNone
			}
			switch c := body(r, f); c {
			case ctlBreak:
				r.loopLeave(lp)
				return ctlNone
			case ctlReturn, ctlGoto:
				r.loopLeave(lp)
				return c
			}
			if post != nil {
				post(r, f)
			}
			r.loopNext(f, lp, p)
		}
	}
}

func (c *compiler) jump(s *cc.JumpStatement) execFn {
	line := c.pos(s).line
	var sx *sxMark
	if n := len(c.sx); n > 0 {
		sx = &c.sx[n-1]
	}
	switch s.Case {
	case cc.JumpStatementGoto:
		name := s.Token2.SrcStr()
		found := -1
		for i := len(c.scopes) - 1; i >= 0 && found < 0; i-- {
			for _, n := range c.scopes[i] {
				if n == name {
					found = i
					break
				}
			}
		}
		switch {
		case found < 0:
			c.errorf(s, "not modelled: goto into a block (label %s)", name)
		case sx != nil && found < sx.scopes:
			c.errorf(s, "not modelled: goto out of a statement expression")
		}
		id := c.labelID(name)
		return func(r *runner, f *frame) ctl {
			f.line = line
			r.label = id
			return ctlGoto
		}
	case cc.JumpStatementGotoExpr:
		c.errorf(s, "not modelled: computed goto")
	case cc.JumpStatementContinue:
		if sx != nil && c.conts <= sx.conts {
			c.errorf(s, "not modelled: continue out of a statement expression")
		}
		return func(*runner, *frame) ctl { return ctlContinue }
	case cc.JumpStatementBreak:
		if sx != nil && c.breaks <= sx.breaks {
			c.errorf(s, "not modelled: break out of a statement expression")
		}
		return func(*runner, *frame) ctl { return ctlBreak }
	case cc.JumpStatementReturn:
		if sx != nil {
			c.errorf(s, "not modelled: return inside a statement expression")
		}
		rt := funcType(c.fnFunc.ftype).Result()
		if s.ExpressionList == nil || rt.Kind() == cc.Void {
			if s.ExpressionList == nil {
				return func(r *runner, f *frame) ctl { f.line = line; return ctlReturn }
			}
			e := c.expr(s.ExpressionList)
			return func(r *runner, f *frame) ctl { f.line = line; e(r, f); return ctlReturn }
		}
		e := c.expr(s.ExpressionList)
		if rt.Kind() == cc.Struct || rt.Kind() == cc.Union {
			size, p := int(rt.Size()), c.pos(s)
			return func(r *runner, f *frame) ctl {
				f.line = line
				r.rets = r.loadBytes(f, p, e(r, f), size)
				return ctlReturn
			}
		}
		cv := cvtOf(rt)
		return func(r *runner, f *frame) ctl {
			f.line = line
			r.ret = cv.apply(e(r, f))
			return ctlReturn
		}
	}
	return func(*runner, *frame) ctl { return ctlNone }
}

// stmtExpr compiles a GNU statement expression ({ ...; v; }): its value is the
// last statement's.
func (c *compiler) stmtExpr(x *cc.PrimaryExpression) evalFn {
	if c.static {
		c.errorf(x, "initializer element is not constant")
		return zeroFn
	}
	var items []*cc.BlockItem
	for l := x.CompoundStatement.BlockItemList; l != nil; l = l.BlockItemList {
		items = append(items, l.BlockItem)
	}
	c.sx = append(c.sx, sxMark{scopes: len(c.scopes), breaks: c.breaks, conts: c.conts})
	defer func() { c.sx = c.sx[:len(c.sx)-1] }()
	var last evalFn
	if n := len(items); n > 0 {
		if it := items[n-1]; it.Case == cc.BlockItemStmt && it.Statement.Case == cc.StatementExpr && it.Statement.ExpressionStatement.ExpressionList != nil {
			fns, labs, _ := c.itemList(items[:n-1], false)
			last = c.expr(it.Statement.ExpressionStatement.ExpressionList)
			run := runList(fns, labs)
			return func(r *runner, f *frame) int64 {
				run(r, f)
				return last(r, f)
			}
		}
	}
	fns, labs, _ := c.itemList(items, false)
	run := runList(fns, labs)
	return func(r *runner, f *frame) int64 {
		run(r, f)
		return 0
	}
}

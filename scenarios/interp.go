package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/syntax"
)

// The interpreter runs a checked scenario on ksync: every kernel task runs its C code
// inside a sched thread. Every access to a global and every kernel API call is a
// visible operation (a scheduling point); locals are private to the task and cost
// nothing. The checker has already resolved every name and type, so the interpreter
// trusts s.Uses, s.Types and s.Calls.

// cval is a C value at run time: an integer, or a pointer. A pointer made from an
// integer ((void *)i) keeps it in i; a pointer to something has obj set.
type cval struct {
	i   int64
	obj any // a kernel object, *ksync.Buffer, *gstore (a global int or pointer), *ksync.Task, *FuncInfo, string
	off int // element index into a *gstore, or byte offset into a *ksync.Buffer
}

func (v cval) truth() bool { return v.i != 0 || v.obj != nil }

func (v cval) equal(w cval) bool { return v.i == w.i && v.obj == w.obj && v.off == w.off }

// interp holds what one exploration of a scenario shares between executions: the
// position strings of the source (built once, so that steps do not allocate them)
// and the lockdep class of each lock init call site.
type interp struct {
	s   *Scenario
	pos map[syntax.Pos]string
	// initClass is the lockdep class of the locks each mutex_init, spin_lock_init,
	// rwlock_init or init_rwsem call initialises (see initClasses).
	initClass map[*syntax.CallExpr]string
	// roundTrips: the program can observe a lock taken and released (observesLocks).
	roundTrips bool
}

func newInterp(s *Scenario) *interp {
	return &interp{s: s, pos: map[syntax.Pos]string{}, initClass: initClasses(s),
		roundTrips: observesLocks.Match(s.Source)}
}

// observesLocks finds calls that can see a lock held without waiting for it: with one
// in the program, a loop that takes and releases a lock is doing something another task
// can count, and it is not an await (see ksync.Loop). Matched on the source text, so a
// mention in a comment errs on the safe side: the loop just runs on.
var observesLocks = regexp.MustCompile(`(trylock|is_locked)\s*\(`)

func (in *interp) posString(p syntax.Pos) string {
	if s, ok := in.pos[p]; ok {
		return s
	}
	s := in.s.Name + ".c:" + strconv.Itoa(p.Line)
	in.pos[p] = s
	return s
}

// world is the run-time state of one execution: the kernel and the globals.
type world struct {
	in       *interp
	s        *Scenario
	k        *ksync.Kernel
	globals  map[*Global]*gstore
	warnOnce map[*syntax.CallExpr]bool
	addrs    map[any]int64 // the address of each object a pointer to which became an integer
	addrObjs []any         // those objects, by region (see pointerBits)
}

// gstore holds a global: one cell per element for ints and pointers, one kernel object
// per element for locks and the like.
type gstore struct {
	g     *Global
	cells []*ksync.Var[cval]
	objs  []any
	names []string
}

func (in *interp) newWorld(k *ksync.Kernel) *world {
	w := &world{in: in, s: in.s, k: k, globals: make(map[*Global]*gstore, len(in.s.Globals))}
	for _, g := range in.s.Globals {
		w.globals[g] = w.makeGlobal(g)
	}
	return w
}

// elemName is "x" for a scalar and "x[i]" / "x[i][j]" for array elements.
func elemName(g *Global, flat int) string {
	if len(g.Type.Dims) == 0 {
		return g.Name
	}
	idx := make([]int, len(g.Type.Dims))
	for d := len(g.Type.Dims) - 1; d >= 0; d-- {
		idx[d] = flat % g.Type.Dims[d]
		flat /= g.Type.Dims[d]
	}
	var b strings.Builder
	b.WriteString(g.Name)
	for _, i := range idx {
		fmt.Fprintf(&b, "[%d]", i)
	}
	return b.String()
}

func (w *world) makeGlobal(g *Global) *gstore {
	n := max(g.Type.Len(), 1)
	st := &gstore{g: g, names: make([]string, n)}
	for i := range n {
		st.names[i] = elemName(g, i)
		var init int64
		if i < len(g.Init) {
			init = g.Init[i]
		}
		name := st.names[i]
		switch g.Type.Kind {
		case Int, Ptr:
			st.cells = append(st.cells, ksync.NewVar(w.k, name, cval{i: init}))
		case Semaphore:
			st.objs = append(st.objs, w.k.DefineSemaphore(name, int(init)))
		case Mutex:
			st.objs = append(st.objs, w.k.DefineMutex(name))
		case Spinlock:
			st.objs = append(st.objs, w.k.DefineSpinlock(name))
		case RWLock:
			st.objs = append(st.objs, w.k.DefineRWLock(name))
		case RWSem:
			st.objs = append(st.objs, w.k.DeclareRWSem(name))
		case Completion:
			st.objs = append(st.objs, w.k.DeclareCompletion(name))
		case Atomic:
			st.objs = append(st.objs, w.k.NewAtomic(name, int(init)))
		case Tasklet:
			tl := w.k.DeclareTasklet(name, nil)
			if fi := w.s.FuncInfo[g.TaskletFunc]; fi != nil {
				tl.SetFunc(w.taskletFunc(fi, cval{obj: tl}))
			}
			st.objs = append(st.objs, tl)
		default:
			st.objs = append(st.objs, nil)
		}
	}
	return st
}

// start creates the scenario's first tasks: module_init as "insmod" (and module_exit
// as "rmmod" once everything else has finished), or the thread functions.
func (w *world) start() {
	s := w.s
	if s.Init != "" {
		fi := s.FuncInfo[s.Init]
		w.k.KernelThread("insmod", func(t *ksync.Task) { w.runner(t).call(fi, nil) })
		if s.Exit != "" {
			fe := s.FuncInfo[s.Exit]
			w.k.RunAfterAll("rmmod", func(t *ksync.Task) { w.runner(t).call(fe, nil) })
		}
		return
	}
	for _, name := range s.Threads {
		fi := s.FuncInfo[name]
		w.k.KernelThread(name, func(t *ksync.Task) { w.runner(t).call(fi, []cval{{}}) })
	}
	if s.Exit != "" {
		fe := s.FuncInfo[s.Exit]
		w.k.RunAfterAll("rmmod", func(t *ksync.Task) { w.runner(t).call(fe, nil) })
	}
}

// taskletFunc runs a C tasklet function with its argument (the data of tasklet_init,
// or the tasklet itself for DECLARE_TASKLET's new-style callbacks).
func (w *world) taskletFunc(fi *FuncInfo, arg cval) func(*ksync.Task) {
	return func(t *ksync.Task) { w.runner(t).call(fi, []cval{arg}) }
}

// runner executes C code for one task.
type runner struct {
	w     *world
	t     *ksync.Task
	stack []*frame
	ret   cval
	label string // the target of a goto being taken
	loops int    // loop iterations since the last forced scheduling point
}

type frame struct {
	fi    *FuncInfo
	slots []cval
	line  int
}

// maxDepth bounds recursion: deeper is the kernel's stack overflow.
const maxDepth = 200

func (w *world) runner(t *ksync.Task) *runner {
	r := &runner{w: w, t: t}
	t.SetStack(r.frames)
	return r
}

// frames is the task's C call stack for reports, outermost first.
func (r *runner) frames() []ksync.Frame {
	out := make([]ksync.Frame, len(r.stack))
	for i, f := range r.stack {
		d := f.fi.Decl
		out[i] = ksync.Frame{Func: f.fi.Name, File: r.w.s.Name + ".c", Line: f.line,
			FuncLine: d.Name.Pos().Line, FuncEnd: d.Body.Rbrace.Line}
	}
	return out
}

// at records the source position of what the task does next.
func (r *runner) at(p syntax.Pos) {
	if len(r.stack) > 0 {
		r.stack[len(r.stack)-1].line = p.Line
	}
	r.t.At(r.w.in.posString(p))
}

// call runs a C function with arguments and returns its result.
func (r *runner) call(fi *FuncInfo, args []cval) cval {
	if len(r.stack) >= maxDepth {
		r.t.Oops("BUG: stack guard page was hit (kernel stack overflow)")
	}
	f := &frame{fi: fi, slots: make([]cval, len(fi.Locals)), line: fi.Decl.Name.Pos().Line}
	for i := range fi.Params {
		if i < len(args) {
			f.slots[i] = convert(args[i], fi.Params[i].Type)
		}
	}
	r.stack = append(r.stack, f)
	r.ret = cval{}
	r.execList(fi.Decl.Body.List)
	ret := r.ret
	r.ret = cval{}
	r.stack = r.stack[:len(r.stack)-1]
	return convert(ret, fi.Result)
}

func (r *runner) top() *frame { return r.stack[len(r.stack)-1] }

// ---- statements ----

type ctl uint8

const (
	ctlNone ctl = iota
	ctlBreak
	ctlContinue
	ctlReturn
	ctlGoto
)

// execList runs a statement list; a goto whose label is in this list jumps there,
// otherwise it leaves the list for an enclosing one to find its label.
func (r *runner) execList(list []syntax.Stmt) ctl {
	for i := 0; i < len(list); i++ {
		c := r.exec(list[i])
		if c == ctlGoto {
			if j := findLabel(list, r.label); j >= 0 {
				if j <= i {
					// A backward goto makes a loop: it needs the forced
					// scheduling point of the others, or l: goto l; spins
					// inside one step forever.
					r.loopTick(list[j].Pos())
				}
				i = j - 1
				continue
			}
		}
		if c != ctlNone {
			return c
		}
	}
	return ctlNone
}

func findLabel(list []syntax.Stmt, label string) int {
	for i, s := range list {
		for {
			ls, ok := s.(*syntax.LabeledStmt)
			if !ok {
				break
			}
			if ls.Label.Name == label {
				return i
			}
			s = ls.Stmt
		}
	}
	return -1
}

// loop is a loop being run: the kernel model's view of its iteration (what it read,
// whether it changed anything) and the frame's locals when the iteration began.
type loop struct {
	k     *ksync.Loop
	slots []cval
}

// loopEnter starts tracking a loop, so that an iteration that changes nothing can wait
// for another task to change what it read instead of spinning (ksync's awaits).
func (r *runner) loopEnter(p syntax.Pos) *loop {
	if r.w.k.Config().NoAwait {
		return nil
	}
	lp := &loop{k: r.t.LoopEnter(r.w.in.posString(p))}
	lp.slots = append(lp.slots, r.top().slots...)
	return lp
}

func (r *runner) loopLeave(lp *loop) {
	if lp != nil {
		r.t.LoopLeave(lp.k)
	}
}

// loopNext closes an iteration: it waits if the iteration changed nothing, counts
// toward the scheduling point of loops that make none, and begins the next.
func (r *runner) loopNext(lp *loop, p syntax.Pos) {
	if lp == nil {
		r.loopTick(p)
		return
	}
	slots := r.top().slots
	same := len(slots) == len(lp.slots)
	for i := 0; same && i < len(slots); i++ {
		same = slots[i].equal(lp.slots[i])
	}
	r.at(p)
	lp.k.Iterated(same, r.w.in.roundTrips)
	copy(lp.slots, slots)
	r.loopTick(p)
}

// loopTick forces a scheduling point every 1024 iterations of loops that make none,
// so that a busy loop on local state is caught by the step limit (a hang) instead of
// running forever inside one step.
func (r *runner) loopTick(p syntax.Pos) {
	r.loops++
	if r.loops&1023 == 0 {
		r.at(p)
		r.t.CPURelax("cpu_relax")
	}
}

func (r *runner) exec(s syntax.Stmt) ctl {
	switch s := s.(type) {
	case *syntax.BlockStmt:
		return r.execList(s.List)
	case *syntax.ExprStmt:
		r.top().line = s.X.Pos().Line
		r.eval(s.X)
	case *syntax.DeclStmt:
		for _, v := range s.Decl.Vars {
			sym := r.w.s.Defs[v.Name]
			if sym == nil {
				continue
			}
			var val cval
			if v.Init != nil {
				if il, ok := v.Init.(*syntax.InitList); ok {
					if len(il.Elts) > 0 {
						val = r.eval(il.Elts[0])
					}
				} else {
					r.top().line = v.Init.Pos().Line
					val = r.eval(v.Init)
				}
			}
			r.top().slots[sym.Slot] = convert(val, sym.Type)
		}
	case *syntax.EmptyStmt:
	case *syntax.IfStmt:
		r.top().line = s.If.Line
		if r.eval(s.Cond).truth() {
			return r.exec(s.Then)
		} else if s.Else != nil {
			return r.exec(s.Else)
		}
	case *syntax.WhileStmt:
		lp := r.loopEnter(s.While)
		defer r.loopLeave(lp)
		for {
			r.top().line = s.While.Line
			if !r.eval(s.Cond).truth() {
				return ctlNone
			}
			if c, leave := loopExit(r.exec(s.Body)); leave {
				return c
			}
			r.loopNext(lp, s.While)
		}
	case *syntax.DoWhileStmt:
		lp := r.loopEnter(s.Do)
		defer r.loopLeave(lp)
		for {
			if c, leave := loopExit(r.exec(s.Body)); leave {
				return c
			}
			r.top().line = s.Cond.Pos().Line
			if !r.eval(s.Cond).truth() {
				return ctlNone
			}
			r.loopNext(lp, s.Do)
		}
	case *syntax.ForStmt:
		if s.Init != nil {
			if c := r.exec(s.Init); c != ctlNone {
				return c
			}
		}
		lp := r.loopEnter(s.For)
		defer r.loopLeave(lp)
		for {
			r.top().line = s.For.Line
			if s.Cond != nil && !r.eval(s.Cond).truth() {
				return ctlNone
			}
			if c, leave := loopExit(r.exec(s.Body)); leave {
				return c
			}
			if s.Post != nil {
				r.eval(s.Post)
			}
			r.loopNext(lp, s.For)
		}
	case *syntax.ReturnStmt:
		r.top().line = s.Return.Line
		if s.Result != nil {
			r.ret = r.eval(s.Result)
		}
		return ctlReturn
	case *syntax.BranchStmt:
		switch s.Tok {
		case syntax.BREAK:
			return ctlBreak
		case syntax.CONTINUE:
			return ctlContinue
		case syntax.GOTO:
			r.label = s.Label.Name
			return ctlGoto
		}
	case *syntax.LabeledStmt:
		return r.exec(s.Stmt)
	case *syntax.SwitchStmt:
		return r.execSwitch(s)
	}
	return ctlNone
}

// loopExit says what a loop does once its body has run: go on (continue too), or
// leave, for the loop's end (break) or for further out (return, goto).
func loopExit(c ctl) (ctl, bool) {
	switch c {
	case ctlBreak:
		return ctlNone, true
	case ctlReturn, ctlGoto:
		return c, true
	}
	return ctlNone, false
}

func (r *runner) execSwitch(s *syntax.SwitchStmt) ctl {
	r.top().line = s.Switch.Line
	tag := r.eval(s.Tag).i
	start := -1
	for i, c := range s.Clauses {
		if c.Value != nil && r.constOf(c.Value) == tag {
			start = i
			break
		}
	}
	if start < 0 {
		for i, c := range s.Clauses {
			if c.Value == nil {
				start = i
			}
		}
	}
	if start < 0 {
		return ctlNone
	}
	for _, c := range s.Clauses[start:] { // C falls through until a break
		switch ctl := r.execList(c.Body); ctl {
		case ctlBreak:
			return ctlNone
		case ctlNone:
		default:
			return ctl
		}
	}
	return ctlNone
}

func (r *runner) constOf(e syntax.Expr) int64 {
	if v, ok := r.w.s.Consts[e]; ok {
		return v
	}
	return r.eval(e).i
}

// ---- expressions ----

// convert makes v fit a variable of type t: integers wrap to the type's width, bool
// normalises to 0 or 1.
func convert(v cval, t Type) cval {
	if t.Kind != Int || v.obj != nil {
		return v
	}
	switch {
	case t.Bits == 1:
		if v.i != 0 {
			v.i = 1
		}
	case t.Bits > 0 && t.Bits < 64:
		shift := 64 - uint(t.Bits)
		if t.Unsigned {
			v.i = int64(uint64(v.i) << shift >> shift)
		} else {
			v.i = v.i << shift >> shift
		}
	}
	return v
}

func (r *runner) typeOf(e syntax.Expr) Type { return r.w.s.Types[e] }

func (r *runner) eval(e syntax.Expr) cval {
	if c, ok := r.w.s.Consts[e]; ok {
		if _, isCall := e.(*syntax.CallExpr); !isCall {
			return cval{i: c}
		}
	}
	switch e := e.(type) {
	case *syntax.ParenExpr:
		return r.eval(e.X)
	case *syntax.IntLit:
		return cval{i: e.Value}
	case *syntax.CharLit:
		return cval{i: e.Value}
	case *syntax.StringLit:
		return cval{obj: e.Value}
	case *syntax.Ident:
		return r.ident(e)
	case *syntax.UnaryExpr:
		return r.unary(e)
	case *syntax.PostfixExpr:
		lv := r.lvalue(e.X)
		old := lv.load(r)
		d := int64(1)
		if e.Op == syntax.DEC {
			d = -1
		}
		lv.store(r, cval{i: old.i + d})
		return old
	case *syntax.BinaryExpr:
		return r.binary(e)
	case *syntax.AssignExpr:
		lv := r.lvalue(e.LHS)
		if e.Op == syntax.ASSIGN {
			v := r.eval(e.RHS)
			return lv.store(r, v)
		}
		old := lv.load(r)
		rhs := r.eval(e.RHS)
		return lv.store(r, r.arith(e.Op.BinaryOp(), old, rhs, e.OpPos))
	case *syntax.CondExpr:
		c := r.eval(e.Cond)
		if c.truth() {
			if e.Then == nil {
				return c
			}
			return r.eval(e.Then)
		}
		return r.eval(e.Else)
	case *syntax.CallExpr:
		return r.callExpr(e)
	case *syntax.IndexExpr:
		return r.lvalue(e).load(r)
	case *syntax.CastExpr:
		v := r.eval(e.X)
		t := r.typeOf(e)
		switch {
		case t.Kind == Int && v.obj != nil && len(t.Dims) == 0:
			return convert(cval{i: r.w.pointerBits(v)}, t)
		case t.Kind == Ptr && v.obj == nil:
			return r.w.fromBits(v.i)
		}
		return convert(v, t)
	case *syntax.SizeofExpr:
		return cval{i: r.w.s.Consts[e]}
	}
	return cval{}
}

// The integer a pointer converts to, (long)p, is its address in the simulated
// kernel's address space: each object gets a region of its own the first time one
// of its pointers becomes an integer, so that (char *)(long)p is p again, p + 1 is
// the next byte, and two objects' addresses differ. Addresses are per execution, in
// the order the execution first converts them: a replay gives the same ones.
const (
	addrStart  = -0x777efffff000 // 0xffff888100001000, in the kernel's direct map; (u32)p is not 0
	addrStride = 1 << 23         // 8 MiB a region: more than KMALLOC_MAX_SIZE
	addrMax    = 1 << 20         // regions: 8 TiB of the direct map's 64
)

// pointerBits is the integer a pointer converts to.
func (w *world) pointerBits(v cval) int64 {
	if v.obj == nil {
		return v.i
	}
	base, ok := w.addrs[v.obj]
	if !ok {
		if len(w.addrObjs) >= addrMax {
			// A scenario converting millions of distinct pointers: the
			// extra ones share the last region's address.
			return addrStart + int64(addrMax-1)*addrStride
		}
		base = addrStart + int64(len(w.addrObjs))*addrStride
		if w.addrs == nil {
			w.addrs = map[any]int64{}
		}
		w.addrs[v.obj] = base
		w.addrObjs = append(w.addrObjs, v.obj)
	}
	return base + int64(v.off)*elemSize(v.obj)
}

// fromBits is the pointer an integer converts to, (char *)i: the object whose
// region holds the address, or a pointer that points nowhere (dereferencing it
// faults at that address).
func (w *world) fromBits(i int64) cval {
	d := uint64(i - addrStart)
	if n := d / addrStride; i != 0 && n < uint64(len(w.addrObjs)) {
		obj := w.addrObjs[n]
		rem := int64(d % addrStride)
		if size := elemSize(obj); rem%size == 0 {
			return cval{obj: obj, off: int(rem / size)}
		}
	}
	return cval{i: i}
}

// elemSize is the size in bytes of what a pointer's off counts: an element of a
// global array, a byte of kmalloc'd memory.
func elemSize(obj any) int64 {
	if st, ok := obj.(*gstore); ok {
		e := st.g.Type
		e.Dims = nil
		return max(sizeOf(e), 1)
	}
	return 1
}

func (r *runner) ident(id *syntax.Ident) cval {
	sym := r.w.s.Uses[id]
	if sym == nil {
		return cval{}
	}
	switch sym.Class {
	case LocalVar, ParamVar:
		return r.top().slots[sym.Slot]
	case GlobalVar:
		st := r.w.globals[sym.Global]
		if len(st.cells) > 0 && len(sym.Type.Dims) == 0 {
			r.at(id.NamePos)
			return st.cells[0].Load(r.t)
		}
		if len(st.objs) > 0 {
			return cval{obj: st.objs[0]}
		}
		return cval{obj: st}
	case Constant:
		if sym.Type.Kind == String {
			return cval{obj: sym.Str}
		}
		return cval{i: sym.Value}
	case KernelVar: // jiffies (ksync.Kernel.Jiffies)
		r.t.ReadClock()
		return cval{i: int64(r.w.k.Jiffies())}
	case FuncName:
		return cval{obj: sym.Func}
	}
	return cval{}
}

func (r *runner) unary(e *syntax.UnaryExpr) cval {
	switch e.Op {
	case syntax.AND:
		return r.address(e.X)
	case syntax.MUL:
		return r.lvalue(e).load(r)
	case syntax.INC, syntax.DEC:
		lv := r.lvalue(e.X)
		d := int64(1)
		if e.Op == syntax.DEC {
			d = -1
		}
		return lv.store(r, cval{i: lv.load(r).i + d})
	}
	v := r.eval(e.X)
	switch e.Op {
	case syntax.NOT:
		return cval{i: b2i(!v.truth())}
	case syntax.TILDE:
		return convert(cval{i: ^v.i}, r.typeOf(e))
	case syntax.SUB:
		return convert(cval{i: -v.i}, r.typeOf(e))
	}
	return v
}

func (r *runner) binary(e *syntax.BinaryExpr) cval {
	switch e.Op {
	case syntax.LAND:
		return cval{i: b2i(r.eval(e.X).truth() && r.eval(e.Y).truth())}
	case syntax.LOR:
		return cval{i: b2i(r.eval(e.X).truth() || r.eval(e.Y).truth())}
	case syntax.COMMA:
		r.eval(e.X)
		return r.eval(e.Y)
	}
	x, y := r.eval(e.X), r.eval(e.Y)
	if x.obj != nil || y.obj != nil {
		switch e.Op {
		case syntax.EQL:
			return cval{i: b2i(x.equal(y))}
		case syntax.NEQ:
			return cval{i: b2i(!x.equal(y))}
		}
		x, y = cval{i: r.w.pointerBits(x)}, cval{i: r.w.pointerBits(y)}
	}
	return convert(r.arith(e.Op, x, y, e.OpPos), r.typeOf(e))
}

// arith applies a binary operator to two integers.
func (r *runner) arith(op syntax.Token, x, y cval, p syntax.Pos) cval {
	a, b := x.i, y.i
	switch op {
	case syntax.ADD:
		return cval{i: a + b}
	case syntax.SUB:
		return cval{i: a - b}
	case syntax.MUL:
		return cval{i: a * b}
	case syntax.QUO, syntax.REM:
		if b == 0 || b == -1 && a == math.MinInt64 { // both trap in the CPU's idiv
			r.at(p)
			r.t.Oops("Oops: divide error: 0000")
		}
		if op == syntax.QUO {
			return cval{i: a / b}
		}
		return cval{i: a % b}
	case syntax.AND:
		return cval{i: a & b}
	case syntax.OR:
		return cval{i: a | b}
	case syntax.XOR:
		return cval{i: a ^ b}
	case syntax.SHL:
		return cval{i: a << uint64(b&63)}
	case syntax.SHR:
		return cval{i: a >> uint64(b&63)}
	case syntax.EQL:
		return cval{i: b2i(a == b)}
	case syntax.NEQ:
		return cval{i: b2i(a != b)}
	case syntax.LSS:
		return cval{i: b2i(a < b)}
	case syntax.LEQ:
		return cval{i: b2i(a <= b)}
	case syntax.GTR:
		return cval{i: b2i(a > b)}
	case syntax.GEQ:
		return cval{i: b2i(a >= b)}
	}
	return cval{}
}

// ---- lvalues and addresses ----

// lval is something a cval can be stored into.
type lval struct {
	slot *cval            // a local
	cell *ksync.Var[cval] // a global int or pointer element
	buf  *ksync.Buffer    // a byte of kmalloc'd memory
	off  int              // its offset
	null bool             // a dereference of NULL (or of an integer)
	bad  int64            // the bad address, when not NULL
	typ  Type
}

func (lv lval) load(r *runner) cval {
	switch {
	case lv.slot != nil:
		return *lv.slot
	case lv.cell != nil:
		return lv.cell.Load(r.t)
	case lv.buf != nil:
		return cval{i: int64(r.t.Load(lv.buf, lv.off))}
	}
	r.fault(lv, false)
	return cval{}
}

func (lv lval) store(r *runner, v cval) cval {
	v = convert(v, lv.typ)
	switch {
	case lv.slot != nil:
		*lv.slot = v
	case lv.cell != nil:
		lv.cell.Store(r.t, v)
	case lv.buf != nil:
		r.t.Store(lv.buf, lv.off, byte(v.i))
	default:
		r.fault(lv, true)
	}
	return v
}

func (r *runner) fault(lv lval, write bool) {
	if lv.bad != 0 {
		r.t.BadAddress(lv.bad)
	}
	r.t.NullDeref(write)
}

// lvalue resolves an assignable expression: a variable, an array element, *p, p[i].
func (r *runner) lvalue(e syntax.Expr) lval {
	switch e := e.(type) {
	case *syntax.ParenExpr:
		return r.lvalue(e.X)
	case *syntax.Ident:
		sym := r.w.s.Uses[e]
		switch sym.Class {
		case LocalVar, ParamVar:
			return lval{slot: &r.top().slots[sym.Slot], typ: sym.Type}
		case GlobalVar:
			r.at(e.NamePos)
			return lval{cell: r.w.globals[sym.Global].cells[0], typ: sym.Type}
		}
	case *syntax.IndexExpr:
		if st, flat, ok := r.globalElem(e); ok {
			if flat < 0 {
				return lval{slot: new(cval), typ: r.typeOf(e)} // past the array: nowhere
			}
			return lval{cell: st.cells[flat], typ: r.typeOf(e)}
		}
		p := r.eval(e.X)
		i := r.eval(e.Index).i
		r.at(e.Lbrack)
		return r.deref(p, int(i), r.typeOf(e))
	case *syntax.UnaryExpr:
		if e.Op == syntax.MUL {
			p := r.eval(e.X)
			r.at(e.OpPos)
			return r.deref(p, 0, r.typeOf(e))
		}
	}
	return lval{null: true}
}

// deref is what *(p + i) designates.
func (r *runner) deref(p cval, i int, t Type) lval {
	switch o := p.obj.(type) {
	case *ksync.Buffer:
		return lval{buf: o, off: p.off + i, typ: t}
	case *gstore:
		j := p.off + i
		if j < 0 || j >= len(o.cells) {
			r.t.OutOfBounds(o.g.Name, j, len(o.cells))
		}
		return lval{cell: o.cells[j], typ: t}
	case nil:
		return lval{null: true, bad: p.i + int64(i), typ: t}
	}
	return lval{null: true, bad: r.w.pointerBits(p), typ: t}
}

// globalElem resolves arr[i][j] on a global array to its flat element index. An
// index out of its dimension's range is UBSAN's report, and the flat index is -1.
func (r *runner) globalElem(e *syntax.IndexExpr) (*gstore, int, bool) {
	var idx []syntax.Expr
	var x syntax.Expr = e
	for {
		ie, ok := x.(*syntax.IndexExpr)
		if !ok {
			break
		}
		idx = append([]syntax.Expr{ie.Index}, idx...)
		x = ie.X
	}
	for {
		pe, ok := x.(*syntax.ParenExpr)
		if !ok {
			break
		}
		x = pe.X
	}
	id, ok := x.(*syntax.Ident)
	if !ok {
		return nil, 0, false
	}
	sym := r.w.s.Uses[id]
	if sym == nil || sym.Class != GlobalVar || len(sym.Type.Dims) == 0 {
		return nil, 0, false
	}
	st := r.w.globals[sym.Global]
	dims := sym.Type.Dims
	flat := 0
	for d, ix := range idx {
		v := int(r.eval(ix).i)
		if d < len(dims) && (v < 0 || v >= dims[d]) {
			r.at(e.Lbrack)
			at := ix.Pos()
			r.t.IndexOutOfBounds(fmt.Sprintf("%s:%d", r.w.in.posString(at), at.Col), v, arrayType(sym.Type, d))
			return st, -1, true
		}
		if d < len(dims) {
			flat = flat*dims[d] + v
		}
	}
	for d := len(idx); d < len(dims); d++ {
		flat *= dims[d]
	}
	return st, flat, true
}

// arrayType is the C type UBSAN names for dimension d of an array of type t:
// 'int [2]', 'char *[1]', 'int [3][4]' for the first of int a[3][4].
func arrayType(t Type, d int) string {
	e := t
	e.Dims = nil
	s := e.String()
	if !strings.HasSuffix(s, "*") {
		s += " "
	}
	for _, n := range t.Dims[d:] {
		s += fmt.Sprintf("[%d]", n)
	}
	return s
}

// address is &e: a kernel object, or a pointer to a global int element.
func (r *runner) address(e syntax.Expr) cval {
	switch x := e.(type) {
	case *syntax.ParenExpr:
		return r.address(x.X)
	case *syntax.Ident:
		sym := r.w.s.Uses[x]
		if sym != nil && sym.Class == FuncName {
			return cval{obj: sym.Func} // &fn is fn, as kthread_run(&fn, ...) takes it
		}
		if sym != nil && sym.Class == GlobalVar {
			st := r.w.globals[sym.Global]
			if len(st.objs) > 0 {
				return cval{obj: st.objs[0]}
			}
			return cval{obj: st}
		}
	case *syntax.IndexExpr:
		if st, flat, ok := r.globalElem(x); ok {
			if flat < 0 {
				return cval{} // past the array: points nowhere the model knows
			}
			if len(st.objs) > 0 {
				return cval{obj: st.objs[flat]}
			}
			return cval{obj: st, off: flat}
		}
		p := r.eval(x.X)
		p.off += int(r.eval(x.Index).i)
		return p
	case *syntax.UnaryExpr:
		if x.Op == syntax.MUL {
			return r.eval(x.X)
		}
	}
	return cval{}
}

// object evaluates a kernel-object argument (&lock, &arr[i], a pointer variable).
// The checker knows what it points to only from its type: a cast or a void * can
// make it point to something else (mutex_lock((struct mutex *)&spin), or to kmalloc'd
// memory), which would crash the kernel, not just this call.
func (r *runner) object(e syntax.Expr) any {
	v := r.eval(e)
	if v.obj == nil {
		r.t.NullDeref(true)
	}
	if want := r.typeOf(e).Elem; want.IsObject() {
		if have, k := objectKind(v.obj); k != want {
			r.t.Oops(fmt.Sprintf("BUG: %s used as %s (a pointer of the wrong type)", have, article(want.String())))
		}
	}
	return v.obj
}

// objectKind is the kind of a kernel object, and what it is for messages; Invalid
// (and the description) for a pointer to anything else.
func objectKind(obj any) (string, Kind) {
	var k Kind
	switch o := obj.(type) {
	case *ksync.Semaphore:
		k = Semaphore
	case *ksync.Mutex:
		k = Mutex
	case *ksync.Spinlock:
		k = Spinlock
	case *ksync.RWLock:
		k = RWLock
	case *ksync.RWSem:
		k = RWSem
	case *ksync.Completion:
		k = Completion
	case *ksync.Atomic:
		k = Atomic
	case *ksync.Tasklet:
		k = Tasklet
	case *ksync.Buffer:
		return "memory from kmalloc", Invalid
	case *gstore:
		return "global " + o.g.Name, Invalid
	case *ksync.Task:
		return "a struct task_struct", Invalid
	default:
		return "something that is not a kernel object", Invalid
	}
	return article(k.String()), k
}

// ---- calls ----

func (r *runner) callExpr(e *syntax.CallExpr) cval {
	if b := r.w.s.Calls[e]; b != nil {
		return r.builtin(b, e)
	}
	id, _ := unparen(e.Fun).(*syntax.Ident) // (f)() calls f, as the checker accepts
	if id == nil {
		return cval{}
	}
	sym := r.w.s.Uses[id]
	if sym == nil || sym.Func == nil {
		return cval{}
	}
	args := make([]cval, len(e.Args))
	for i, a := range e.Args {
		args[i] = r.eval(a)
	}
	r.top().line = e.Lparen.Line
	return r.call(sym.Func, args)
}

package interp

import (
	"encoding/binary"
	"math"

	"github.com/ksim-dev/ksim/ksync"
)

// The run-time side: a runner executes compiled closures for one task. Every
// closure takes the runner and the frame of the function it belongs to.

// evalFn computes an expression: an integer or pointer value, the address of an
// aggregate (struct, union, array), or the address of a function.
type evalFn func(r *runner, f *frame) int64

// execFn runs a statement and says how control leaves it.
type execFn func(r *runner, f *frame) ctl

type ctl uint8

const (
	ctlNone ctl = iota
	ctlBreak
	ctlContinue
	ctlReturn
	ctlGoto
)

// pos is a precomputed source position: "file.c:12" and its line.
type pos struct {
	s    string
	line int
}

// frame is one activation of a C function.
type frame struct {
	fn    *function
	slots []int64       // scalar locals whose address is never taken
	stack *ksync.Buffer // the addressable locals, arrays and structs; nil if none
	base  int64         // stack's address
	line  int           // the line being run, for reports
}

// maxDepth bounds recursion: deeper is the kernel's stack overflow.
const maxDepth = 200

// runner runs C code for one task.
type runner struct {
	w     *World
	k     *ksync.Kernel
	t     *ksync.Task // nil while initialisers are evaluated at setup
	stack []*frame    // the active frames, outermost first
	pool  []*frame    // frames by depth, reused
	ret   int64       // the value a return statement leaves
	rets  []byte      // the value of a returned struct
	label int         // the target of a goto being taken
	loops int         // loop iterations since the last forced scheduling point
	args  []int64     // arguments being passed, a window per call in progress
	lpool []*loop
}

// at records the source position of what the task does next.
func (r *runner) at(f *frame, p *pos) {
	f.line = p.line
	r.t.At(p.s)
}

// frames is the task's C call stack for reports, outermost first.
func (r *runner) frames() []ksync.Frame {
	out := make([]ksync.Frame, len(r.stack))
	for i, f := range r.stack {
		fn := f.fn
		out[i] = ksync.Frame{Func: fn.name, File: fn.file, Line: f.line, FuncLine: fn.line, FuncEnd: fn.endLine}
	}
	return out
}

// load reads size bytes at addr; read-only data (string literals, const globals)
// is read without a step.
func (r *runner) load(f *frame, p *pos, addr int64, size int) int64 {
	a := uint64(addr)
	if ksync.InRodata(a) {
		if v, ok := r.k.Peek(a, size); ok {
			return int64(v)
		}
	}
	if r.t == nil {
		v, _ := r.k.Peek(a, size)
		return int64(v)
	}
	r.at(f, p)
	return int64(r.t.LoadAt(a, size))
}

// loadOnce is a volatile read: READ_ONCE.
func (r *runner) loadOnce(f *frame, p *pos, addr int64, size int) int64 {
	a := uint64(addr)
	if ksync.InRodata(a) {
		if v, ok := r.k.Peek(a, size); ok {
			return int64(v)
		}
	}
	r.at(f, p)
	return int64(r.t.ReadOnceAt(a, size))
}

// store writes the low size bytes of v at addr. A value that is the address of a
// private local escapes first: another task may read it from there.
func (r *runner) store(f *frame, p *pos, addr int64, size int, v int64, volatile bool) {
	a := uint64(addr)
	if size == 8 && ksync.InStack(uint64(v)) {
		into, _ := r.k.Find(a)
		r.k.EscapeAt(uint64(v), into)
	}
	if r.t == nil {
		r.k.Poke(a, size, uint64(v))
		return
	}
	r.at(f, p)
	if ksync.InRodata(a) {
		if b, _ := r.k.Find(a); b != nil && b.Region() == ksync.RegionRodata {
			r.t.WriteReadOnly(a)
		}
	}
	if volatile {
		r.t.WriteOnceAt(a, size, uint64(v))
	} else {
		r.t.StoreAt(a, size, uint64(v))
	}
}

// loadBytes reads n bytes at addr (a struct being copied).
func (r *runner) loadBytes(f *frame, p *pos, addr int64, n int) []byte {
	a := uint64(addr)
	if ksync.InRodata(a) || r.t == nil {
		if b, off := r.k.Find(a); b != nil && off >= 0 && off+n <= len(b.Bytes()) {
			return append([]byte(nil), b.Bytes()[off:off+n]...)
		}
	}
	r.at(f, p)
	return r.t.LoadBytes("read", a, n)
}

// storeBytes writes data at addr (a struct assigned, an initialiser). The addresses
// of private locals it holds escape first.
func (r *runner) storeBytes(f *frame, p *pos, addr int64, data []byte) {
	a := uint64(addr)
	into, off := r.k.Find(a)
	for i := (8 - int(a&7)) & 7; i+8 <= len(data); i += 8 {
		if v := binary.LittleEndian.Uint64(data[i:]); ksync.InStack(v) {
			r.k.EscapeAt(v, into)
		}
	}
	if r.t == nil {
		if into != nil && off >= 0 && off+len(data) <= len(into.Bytes()) {
			copy(into.Bytes()[off:], data)
		}
		return
	}
	r.at(f, p)
	if ksync.InRodata(a) && into != nil && into.Region() == ksync.RegionRodata {
		r.t.WriteReadOnly(a)
	}
	r.t.StoreBytes("write", a, data)
}

// zero clears n bytes at addr.
func (r *runner) zero(f *frame, p *pos, addr int64, n int) {
	if n <= 0 {
		return
	}
	r.storeBytes(f, p, addr, make([]byte, n))
}

// divide is x/y or x%y with the CPU's trap: the kernel's divide error oops.
func (r *runner) divide(f *frame, p *pos, x, y int64, rem, unsigned bool, bits int) int64 {
	if y == 0 || !unsigned && y == -1 && (bits == 64 && x == math.MinInt64 || bits == 32 && x == math.MinInt32) {
		r.at(f, p)
		r.t.Oops("Oops: divide error: 0000")
	}
	if unsigned {
		if rem {
			return int64(uint64(x) % uint64(y))
		}
		return int64(uint64(x) / uint64(y))
	}
	if rem {
		return x % y
	}
	return x / y
}

// push enters fn: a frame for it, its stack object if it has addressable locals.
func (r *runner) push(fn *function) *frame {
	d := len(r.stack)
	if d >= maxDepth {
		r.t.Oops("BUG: stack guard page was hit (kernel stack overflow)")
	}
	var f *frame
	if d < len(r.pool) {
		f = r.pool[d]
	} else {
		f = &frame{}
		r.pool = append(r.pool, f)
	}
	f.fn, f.line = fn, fn.line
	if cap(f.slots) >= fn.nslots {
		f.slots = f.slots[:fn.nslots]
		clear(f.slots)
	} else {
		f.slots = make([]int64, fn.nslots)
	}
	f.stack, f.base = nil, 0
	if fn.stackSize > 0 {
		f.stack = r.t.NewStack(fn.name, int(fn.stackSize))
		f.base = int64(f.stack.Addr())
	}
	r.stack = append(r.stack, f)
	return f
}

// pop leaves the innermost frame; its stack object dies.
func (r *runner) pop(f *frame) {
	r.stack = r.stack[:len(r.stack)-1]
	if f.stack != nil {
		r.t.FreeStack(f.stack)
		f.stack = nil
	}
}

// call runs a C function with arguments and returns its result.
func (r *runner) call(fn *function, args []int64) int64 {
	f := r.push(fn)
	for i, pa := range fn.params {
		var v int64
		if i < len(args) {
			v = args[i]
		}
		pa.init(r, f, v)
	}
	r.ret = 0
	fn.body(r, f)
	ret := r.ret
	r.ret = 0
	r.pop(f)
	return ret
}

// argWindow reserves n argument cells for a call being prepared.
func (r *runner) argWindow(n int) (base int) {
	base = len(r.args)
	for range n {
		r.args = append(r.args, 0)
	}
	return base
}

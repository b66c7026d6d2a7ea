package interp

import (
	"sort"

	"github.com/ksim-dev/ksim/ksync"
)

// World is one execution of a compiled module: its kernel, its memory (globals,
// string literals and functions are objects of the kernel's address space) and the
// C functions a function pointer can reach.
//
// CONTRACT (integration branch): the interpreter owns this file; the kernel API
// (package kapi) uses only the methods below.
type World struct {
	k       *ksync.Kernel
	p       *Program
	gaddr   []int64   // each global's address (0 for one never defined)
	saddr   []int64   // each string literal's
	faddr   []int64   // each function's (its text object); 0 unless its address is taken
	ftaken  []int     // the functions with an address, in address order
	runners []*runner // one per task that has run C code (few: a slice beats a map)
	noAwait bool
}

// NewWorld sets up one execution of the program on k: it creates every global,
// string literal and function as an object of k's address space and applies the
// static initialisers.
func (p *Program) NewWorld(k *ksync.Kernel) *World {
	w := &World{k: k, p: p, noAwait: k.Config().NoAwait,
		gaddr: make([]int64, len(p.globals)), saddr: make([]int64, len(p.strs)), faddr: make([]int64, len(p.funcs))}
	for i, f := range p.funcs {
		if f.addrTaken {
			w.faddr[i] = int64(k.NewObject(f.name, 1, ksync.RegionText).Addr())
			w.ftaken = append(w.ftaken, i)
		}
	}
	for i, s := range p.strs {
		b := k.NewObject("string", len(s), ksync.RegionRodata)
		copy(b.Bytes(), s)
		w.saddr[i] = int64(b.Addr())
	}
	for i, g := range p.globals {
		if g.jiffy || g.size < 0 || !g.used {
			continue
		}
		r := ksync.RegionStatic
		if g.rodata {
			r = ksync.RegionRodata
		}
		w.gaddr[i] = int64(k.NewObject(g.name, int(g.size), r).Addr())
	}
	setup := &runner{w: w, k: k}
	var f frame
	for i, g := range p.globals {
		if w.gaddr[i] != 0 {
			applyInits(setup, &f, w.gaddr[i], g.inits)
		}
	}
	return w
}

// Kernel is the execution's kernel.
func (w *World) Kernel() *ksync.Kernel { return w.k }

// Func is the function the module defines under name, nil if none.
func (w *World) Func(name string) *Func {
	if f := w.p.byName[name]; f != nil && f.code != nil {
		return f
	}
	return nil
}

// GlobalAddr is the address of the module's global variable name.
func (w *World) GlobalAddr(name string) (uint64, bool) {
	i, ok := w.p.gByName[name]
	if !ok || w.gaddr[i] == 0 {
		return 0, false
	}
	return uint64(w.gaddr[i]), true
}

// FuncAt is the function whose address is addr (a function pointer's value), nil
// if addr is not the address of a function of the module.
func (w *World) FuncAt(addr uint64) *Func {
	t := w.ftaken
	j := sort.Search(len(t), func(j int) bool { return uint64(w.faddr[t[j]]) >= addr })
	if j < len(t) && uint64(w.faddr[t[j]]) == addr {
		return w.p.funcs[t[j]]
	}
	return nil
}

// Offsetof is the offset of field in the struct or union named structTag (a tag,
// "tasklet_struct", or a typedef name, "spinlock_t"); a field of an anonymous
// member is found too.
func (w *World) Offsetof(structTag, field string) (int, bool) {
	t := w.p.types[structTag]
	if t == nil {
		return 0, false
	}
	return fieldOffset(t, field)
}

// Sizeof is the size of a struct, union or typedef of the program ("task_struct").
func (w *World) Sizeof(structTag string) (int, bool) {
	t := w.p.types[structTag]
	if t == nil || t.Size() <= 0 {
		return 0, false
	}
	return int(t.Size()), true
}

// runner is the runner of task t, created the first time t runs C code.
func (w *World) runner(t *ksync.Task) *runner {
	for _, r := range w.runners {
		if r.t == t {
			return r
		}
	}
	r := &runner{w: w, k: w.k, t: t}
	t.SetStack(r.frames)
	w.runners = append(w.runners, r)
	return r
}

// Run runs f in task t with args (converted to f's parameter types; missing ones
// are 0, extra ones dropped, as a kernel callback of another shape would see them)
// and returns its result: a kernel thread's body, an interrupt handler, a tasklet,
// a work item. It returns when f returns, or never if the task dies in it; a nil f
// (FuncAt of something that is no function) is a call to NULL, an oops.
func (w *World) Run(t *ksync.Task, f *Func, args ...int64) int64 {
	r := w.runner(t)
	if f == nil {
		t.NullDeref(false) // a callback that is no function: the kernel jumps to 0
		return 0
	}
	if f.code == nil {
		return r.callBuiltinDirect(f, args)
	}
	base := r.argWindow(len(args))
	copy(r.args[base:], args)
	v := r.call(f.code, r.args[base:base+len(args)])
	r.args = r.args[:base]
	return v
}

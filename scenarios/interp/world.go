package interp

import "github.com/ksim-dev/ksim/ksync"

// World is one execution of a compiled module: its kernel, its memory (globals,
// string literals and functions are objects of the kernel's address space) and the
// C functions a function pointer can reach.
//
// CONTRACT (integration branch): the interpreter owns this file; the kernel API
// (package kapi) uses only the methods below.
type World struct {
	k *ksync.Kernel
}

// Func is a C function of the module, as a function pointer reaches it.
type Func struct {
	name string
}

// Name is the function's C name.
func (f *Func) Name() string { return f.name }

// Kernel is the execution's kernel.
func (w *World) Kernel() *ksync.Kernel { return w.k }

// FuncAt is the function whose address is addr (a function pointer's value), nil
// if addr is not the address of a function of the module.
func (w *World) FuncAt(addr uint64) *Func { panic("interp: FuncAt: not built yet") }

// Run runs f in task t with args (converted to f's parameter types; missing ones
// are 0, extra ones dropped, as a kernel callback of another shape would see them)
// and returns its result: a kernel thread's body, an interrupt handler, a tasklet,
// a work item. It returns when f returns, or never if the task dies in it.
func (w *World) Run(t *ksync.Task, f *Func, args ...int64) int64 {
	panic("interp: Run: not built yet")
}

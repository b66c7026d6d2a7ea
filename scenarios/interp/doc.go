// Package interp compiles kernel C, as modernc.org/cc/v4 parses and type-checks it,
// into Go closures once, and runs them on the kernel model (package ksync) with C's
// memory: every global, heap object, addressable local, string literal and function
// is an object of the execution's address space (ksync/addrspace.go), a pointer is
// an address, and struct fields and array elements are locations of their own, so
// that the search (package sched) sees two tasks touching different fields as
// independent.
//
// Compile lowers a translation unit into a Program: each expression becomes an
// evalFn, each statement an execFn, with types, sizes, field offsets, constant
// values and source positions resolved at compile time, so that running a step
// does no lookups and makes no allocations. Values are int64 at run time: integers
// in their type's canonical form (sign- or zero-extended to 64 bits, as x86-64
// keeps them), pointers as addresses, aggregates (structs, unions, arrays) by
// their address. What ksim does not model (floating point, asm, variadic
// definitions, variable length arrays, calls to functions neither defined nor in
// the kernel API) is an error at its position, "file:line:col: not modelled: ...".
//
// A Program's NewWorld sets up one execution: the objects of its globals (const
// ones in read-only data), string literals and functions, with the static
// initialisers applied. World.Run runs a function in a task. Scalar locals whose
// address is never taken live in Go slots of the frame; the others live in a stack
// object per frame activation, private to the task (no steps) until the address
// escapes: stored in memory, or handed to the kernel API. Accesses to memory are
// visible operations (t.LoadAt, StoreAt; READ_ONCE/WRITE_ONCE's volatile accesses
// as ReadOnceAt/WriteOnceAt); read-only data is read without a step, since it
// never changes. Loops report their iterations to ksync (Task.LoopEnter,
// Loop.Iterated), which turns an iteration that changes nothing into an await
// instead of a spin; the frame's slots and stack bytes are the locals compared.
// The kernel API is a table of Builtins (package kapi) the compiler resolves
// calls to once.
package interp

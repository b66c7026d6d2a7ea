package interp

import (
	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/ksync"
)

// Builtin is one kernel API function as the interpreter calls it: the C declaration
// a header prints for it and its implementation on ksync. Package kapi holds them, one
// file per family; the interpreter resolves a call to a declared function without a
// definition to the Builtin of that name, once, when it compiles the call.
type Builtin struct {
	Name   string // the C name: "mutex_lock"
	Header string // the header that declares it: "linux/mutex.h"
	Decl   string // its C declaration, as the header prints it: "void mutex_lock(struct mutex *lock);"
	// Impl runs the call in c.T. It returns the C result (0 for void); a pointer is
	// an address.
	Impl func(c *Call) int64
}

// Call is one kernel API call as its implementation sees it.
type Call struct {
	T    *ksync.Task
	W    *World
	Args []int64 // the arguments, converted to the parameter types (varargs promoted)
	Site *Site
}

// Site is what the interpreter knows of a call site when it compiles it.
type Site struct {
	Pos      string    // "file.c:12", as traces and reports print it
	Builtin  *Builtin  // what is called
	ArgTypes []cc.Type // each argument's type after conversion or promotion
	ArgText  []string  // each argument's source text, as written ("&dev->lock")
}

// Int is argument i as a signed integer.
func (c *Call) Int(i int) int64 { return c.Args[i] }

// Addr is argument i as an address.
func (c *Call) Addr(i int) uint64 { return uint64(c.Args[i]) }

// K is the execution's kernel.
func (c *Call) K() *ksync.Kernel { return c.T.Kernel() }

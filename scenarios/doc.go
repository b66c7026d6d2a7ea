// Package scenarios loads kernel-C scenario files — the code from an article
// or a lecture, pasted as is — and checks them before anything runs, and it
// carries the bundled scenario library that `ksim run abba` uses.
//
// Load parses a file with package syntax and then checks it: every name is
// resolved (to a global, local, parameter, function, kernel API call or
// kernel constant), every kernel API call is checked against the builtin
// table (argument count, which kind of lock each argument points to,
// assignable flags for the irqsave macros, function names for kthread_run),
// and the `#pragma ksim` directives are validated into a Config. All errors
// of a file are reported together as "file:line:col: message", so that a
// student fixes a pasted listing in one round instead of ten.
//
// The result, a *Scenario, is the contract with the interpreter: it lists
// the globals with their kinds and initial values, the functions with their
// frames, which functions start as tasks, and maps every identifier to its
// Symbol and every builtin call to an Op, so that the interpreter never has
// to resolve a name or re-check a type at run time.
//
// The scenario language is C without structs, floating point, function
// pointers or a preprocessor beyond constant #defines: integers, pointers
// to kmalloc'ed memory, and kernel objects (locks, completions, atomics,
// tasklets) that live in globals and are used only through the kernel API.
//
// The bundled library lives in scenarios/library, a folder without Go files
// (a Go package folder may not hold .c files without cgo), embedded with
// go:embed so that the CLI finds it from any directory.
package scenarios

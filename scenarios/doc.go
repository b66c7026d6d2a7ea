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
// Decisions the interpreter relies on:
//
//   - Names resolve file-wide: a function or global may be used above its
//     definition (pasted listings are not always in C order). A local's
//     name is in scope in its own initialiser, for p = kmalloc(sizeof(*p)).
//   - Integer arithmetic is 64-bit two's complement; Type.Bits and
//     Type.Unsigned say how a store into a narrower variable truncates.
//   - A bare `return;` in a non-void function is an error; falling off the
//     end of one is allowed, as kernel code often does, and yields 0.
//   - Global initialisers are constant (folded into Global.Init). Kernel
//     objects live only in globals: locals are scalars (ints, pointers).
//   - Only globals and their elements have addresses (&x, &arr[i]);
//     pointers are compared, tested, indexed (p[i] for kmalloc'ed memory),
//     dereferenced, cast, and passed on; there is no pointer arithmetic.
//   - Syntax errors are reported alone; checking a broken tree would mostly
//     report their consequences.
//
// The bundled library lives in scenarios/library, a folder without Go files
// (a Go package folder may not hold .c files without cgo), embedded with
// go:embed so that the CLI finds it from any directory.
package scenarios

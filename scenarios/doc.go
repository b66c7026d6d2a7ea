// Package scenarios loads kernel-C files — a module from a tutorial, a driver, the
// code from an article pasted as is — and explores them; it carries the bundled
// scenario library that `ksim run abba` uses.
//
// It is a thin front over three parts:
//
//   - cfront, the front end: modernc.org/cc/v4 (preprocessor, parser, type checker)
//     over ksim's kernel headers, embedded, with ksim's own checks on top (what is
//     not modelled is said as such);
//   - kapi, the kernel API: one file per family, each entry its C declaration and
//     its implementation on package ksync;
//   - interp, the interpreter: the checked AST lowered once to closures, running on
//     ksync's address space.
//
// Load parses and compiles a file, turns its `#pragma ksim` lines into a Config,
// and decides what runs: module_init's function as task insmod (module_exit's as
// rmmod once every other task is done), or, without module_init, the threads
// pragma's functions or every function of the file no other code names that can
// be a thread. All errors of a file are reported together as
// "file:line:col: message" (a cfront.ErrorList), so that a pasted listing is fixed
// in one round.
//
// LoadModule loads a module of several files (a Kbuild module directory, read by
// package kbuild through ModulesIn, or the files of `ksim run --link`): each file a
// translation unit of its own, linked as the kernel's build links them (one
// namespace for external names, static names per file; ld's and modpost's errors).
//
// Program, Explore and Replay run a loaded scenario on a fresh simulated kernel per
// execution; Compare and AsExpected judge a result against the expect pragma.
//
// The bundled library lives in scenarios/library, a folder without Go files (a Go
// package folder may not hold .c files without cgo), embedded with go:embed so that
// the CLI finds it from any directory; a scenario of several files is a folder of
// it with its Kbuild file (Modules, BundledModule).
package scenarios

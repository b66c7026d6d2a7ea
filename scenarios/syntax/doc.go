// Package syntax turns kernel-style C source, as pasted from articles and
// slides, into a syntax tree that the rest of ksim can check and interpret.
//
// The accepted language is a deliberately small subset of C: top-level
// variables and functions, lock declarations written as macro calls
// (DEFINE_MUTEX(m);), the usual statements and C expression precedence, plus
// the few preprocessor lines that appear in such listings (#include,
// object-like #define and #pragma ksim). There is no preprocessor and no
// type checking here: names are resolved later by the checker, so the parser
// only has to recognise the fixed set of kernel type names in order to tell
// declarations and casts apart from expressions.
//
// The design follows go/scanner, go/parser and go/ast: every node carries
// its 1-based line and byte column, errors are collected into an ErrorList
// (sorted, de-duplicated, capped at ten) instead of stopping at the first
// one, and ParseFile returns a partial tree even for broken input so that
// callers can still report on the parts that did parse. ParseFile never
// panics, whatever the input.
package syntax

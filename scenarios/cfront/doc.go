// Package cfront is ksim's C front end: it turns a kernel module's C source, as
// pasted from an article or a driver, into a type-checked cc/v4 AST for the
// interpreter.
//
// Parse preprocesses, parses and type-checks with modernc.org/cc/v4, configured
// as gcc 12 building a module for Debian's Linux 6.12 on x86-64 (a fixed set of
// predefined macros; no host compiler or host file is ever used), with ksim's
// kernel headers (embedded under include/) force-included, so that snippets
// with no #include lines load too. The kernel API's generated declarations
// (Options.Headers, from package kapi) are appended to those headers.
//
// Around cc/v4 it adds what ksim needs and cc/v4 v4.35.0 lacks:
//
//   - a pre-pass that bounds nesting (cc/v4 parses by recursive descent) and
//     rewrites GNU named variadic macros (`args...`, `, ## args`), whose empty
//     case cc/v4 gets wrong, to the C99 form;
//   - limits on input size and macro expansion work, with plain errors;
//   - the `#pragma ksim ...` lines, and #pragma once;
//   - ksim's own checks: a call of a function nothing declares, or one declared
//     but neither defined nor implemented by the kernel API, is `not modelled:
//     NAME`; so are an #include of a header ksim lacks and constructs the
//     interpreter cannot run (floating point, inline assembly, _Complex,
//     variable length arrays); calls with the wrong number of arguments are
//     errors, as in gcc, and so is a pointer to one struct or union passed,
//     assigned or used as an initialiser where a pointer to another is
//     expected (the kernel builds with -Werror=incompatible-pointer-types;
//     other pointer mixes are accepted, as compilers before GCC 14 did);
//   - errors as one line per problem at the user's file:line:col, without
//     cc/v4's follow-on and internal messages, and all of them at once: names
//     nothing declares, which stop cc/v4's type checker, are declared with
//     stand-in types built from their uses and the file is checked again
//     (undeclared.go).
package cfront

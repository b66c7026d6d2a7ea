// Package kapi is the kernel API that interpreted modules call: one file per family
// (semaphore, mutex, spinlock, rwlock, completion, atomic, memory, irq, diagnostics
// ...), each entry its C declaration and its implementation on package ksync.
// Adding a primitive is a line in a header (when the kernel makes it a macro), one
// entry here, and its ksync method.
package kapi

import (
	"fmt"
	"sort"

	"github.com/ksim-dev/ksim/scenarios/interp"
)

var table = map[string]*interp.Builtin{}

// Define is a constant a header defines from a Go value, so that values the kernel
// model owns (GFP flags, errno, HZ) are written once, in ksync.
type Define struct {
	Header string // "linux/gfp_types.h"
	Name   string // "GFP_KERNEL"
	Value  int64
}

var defines []Define

// register adds entries; a duplicate name is a programming error.
func register(bs ...interp.Builtin) {
	for i := range bs {
		b := &bs[i]
		if _, dup := table[b.Name]; dup {
			panic(fmt.Sprintf("kapi: %s registered twice", b.Name))
		}
		table[b.Name] = b
	}
}

func define(ds ...Define) { defines = append(defines, ds...) }

// Lookup is the entry for the C function name, nil if ksim does not model it.
func Lookup(name string) *interp.Builtin { return table[name] }

// All is every entry, sorted by name.
func All() []*interp.Builtin {
	out := make([]*interp.Builtin, 0, len(table))
	for _, b := range table {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Headers is the generated part of each header: the declarations of the entries
// it declares and the constants it defines, keyed by header path
// ("linux/mutex.h"), in a stable order. The front end appends it to the header's
// hand-written part (types and macros).
func Headers() map[string]string {
	parts := map[string][]string{}
	for _, d := range defines {
		parts[d.Header] = append(parts[d.Header], fmt.Sprintf("#define %s %#x", d.Name, d.Value))
	}
	for _, b := range All() {
		parts[b.Header] = append(parts[b.Header], b.Decl)
	}
	out := map[string]string{}
	for h, lines := range parts {
		s := ""
		for _, l := range lines {
			s += l + "\n"
		}
		out[h] = s
	}
	return out
}

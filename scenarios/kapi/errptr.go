package kapi

import "github.com/ksim-dev/ksim/scenarios/interp"

// Error pointers (include/linux/err.h): the last MAX_ERRNO addresses, -1 to -4095,
// are not memory but an errno a function returns in place of a pointer.

// maxErrno is MAX_ERRNO.
const maxErrno = 4095

// isErrValue is IS_ERR_VALUE(x): x >= (unsigned long)-MAX_ERRNO.
func isErrValue(x uint64) bool { return x >= ^uint64(maxErrno-1) }

func init() {
	register(
		interp.Builtin{Name: "ERR_PTR", Header: "linux/err.h",
			Decl: "void *ERR_PTR(long error);",
			Impl: func(c *interp.Call) int64 { return c.Args[0] }},
		interp.Builtin{Name: "PTR_ERR", Header: "linux/err.h",
			Decl: "long PTR_ERR(const void *ptr);",
			Impl: func(c *interp.Call) int64 { return c.Args[0] }},
		interp.Builtin{Name: "IS_ERR", Header: "linux/err.h",
			Decl: "_Bool IS_ERR(const void *ptr);",
			Impl: func(c *interp.Call) int64 { return taskFlag(isErrValue(c.Addr(0))) }},
		interp.Builtin{Name: "IS_ERR_OR_NULL", Header: "linux/err.h",
			Decl: "_Bool IS_ERR_OR_NULL(const void *ptr);",
			Impl: func(c *interp.Call) int64 { return taskFlag(c.Addr(0) == 0 || isErrValue(c.Addr(0))) }},
		interp.Builtin{Name: "ERR_CAST", Header: "linux/err.h",
			Decl: "void *ERR_CAST(const void *ptr);",
			Impl: func(c *interp.Call) int64 { return c.Args[0] }},
		interp.Builtin{Name: "PTR_ERR_OR_ZERO", Header: "linux/err.h",
			Decl: "int PTR_ERR_OR_ZERO(const void *ptr);",
			Impl: func(c *interp.Call) int64 {
				if isErrValue(c.Addr(0)) {
					return int64(int32(c.Args[0]))
				}
				return 0
			}},
	)
}

package kapi

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Diagnostics: BUG, BUG_ON, WARN_ON, WARN_ON_ONCE, WARN, WARN_ONCE
// (include/asm-generic/bug.h), panic (kernel/panic.c) and dump_stack
// (lib/dump_stack.c). The kernel makes the assertions macros; ksim makes them
// functions of the same name (the headers do not define them), so that a report
// names the call's line, as the kernel's (__FILE__, __LINE__ of the expansion) does.
// A condition is a _Bool parameter: C converts an integer or a pointer to it as the
// kernel's `if (unlikely(condition))` tests it.

func init() {
	register(
		interp.Builtin{Name: "BUG", Header: "asm-generic/bug.h",
			Decl: "void BUG(void);",
			Impl: func(c *interp.Call) int64 { c.T.BugOn(true); return 0 }},
		interp.Builtin{Name: "BUG_ON", Header: "asm-generic/bug.h",
			Decl: "void BUG_ON(_Bool condition);",
			Impl: func(c *interp.Call) int64 { c.T.BugOn(c.Args[0] != 0); return 0 }},
		interp.Builtin{Name: "WARN_ON", Header: "asm-generic/bug.h",
			Decl: "int WARN_ON(_Bool condition);",
			Impl: func(c *interp.Call) int64 { return taskFlag(c.T.WarnOn(c.Args[0] != 0)) }},
		interp.Builtin{Name: "WARN_ON_ONCE", Header: "asm-generic/bug.h",
			Decl: "int WARN_ON_ONCE(_Bool condition);",
			Impl: func(c *interp.Call) int64 { return taskFlag(c.T.WarnOnOnce(c.Args[0] != 0, onceKey(c))) }},
		interp.Builtin{Name: "WARN", Header: "asm-generic/bug.h",
			Decl: "int WARN(_Bool condition, const char *fmt, ...);",
			Impl: func(c *interp.Call) int64 {
				cond := c.Args[0] != 0
				if !cond { // the message is formatted only when the warning fires
					return 0
				}
				return taskFlag(c.T.Warn(true, diagFormat(c, 1)))
			}},
		interp.Builtin{Name: "WARN_ONCE", Header: "asm-generic/bug.h",
			Decl: "int WARN_ONCE(_Bool condition, const char *fmt, ...);",
			Impl: func(c *interp.Call) int64 {
				if c.Args[0] == 0 {
					return 0
				}
				return taskFlag(c.T.WarnOnce(true, onceKey(c), diagFormat(c, 1)))
			}},
		interp.Builtin{Name: "panic", Header: "linux/panic.h",
			Decl: "void panic(const char *fmt, ...);",
			Impl: func(c *interp.Call) int64 { c.T.Panic(diagFormat(c, 0)); return 0 }},
		interp.Builtin{Name: "dump_stack", Header: "linux/printk.h",
			Decl: "void dump_stack(void);",
			Impl: func(c *interp.Call) int64 { c.T.DumpStack(); return 0 }},
	)
}

// onceKey identifies a WARN_ON_ONCE or WARN_ONCE call site: each expansion of the
// kernel's macro has a static flag of its own (DO_ONCE_LITE_IF).
func onceKey(c *interp.Call) any {
	if c.Site != nil {
		return c.Site
	}
	return c.T.Kernel() // no site known: one flag for all (never so in the interpreter)
}

// diagFormat renders the printf-style format at argument i with the arguments
// after it, for the messages these entries print (kthread names, WARN, panic): the
// conversions %d %i %u %x %X %o %c %s %p %% with flags, width, precision (* too)
// and the hh h l ll z t j length modifiers, as the kernel's vsnprintf does them;
// %p prints the address in hex (the kernel hashes it), %ps/%pS a function's name.
func diagFormat(c *interp.Call, i int) string {
	if i >= len(c.Args) || c.Args[i] == 0 {
		return ""
	}
	f := c.T.CString("vsnprintf", c.Addr(i), ksync.PrintkRecordMax)
	args := c.Args[i+1:]
	next := func() int64 {
		if len(args) == 0 {
			return 0
		}
		v := args[0]
		args = args[1:]
		return v
	}
	var b strings.Builder
	for j := 0; j < len(f); j++ {
		ch := f[j]
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		start := j
		j++
		spec := []byte{'%'}
		for j < len(f) && strings.IndexByte("-+ #0", f[j]) >= 0 {
			spec = append(spec, f[j])
			j++
		}
		num := func() {
			if j < len(f) && f[j] == '*' {
				j++
				spec = strconv.AppendInt(spec, max(min(int64(int32(next())), ksync.PrintkRecordMax), -ksync.PrintkRecordMax), 10)
				return
			}
			d := j
			for j < len(f) && f[j] >= '0' && f[j] <= '9' {
				j++
			}
			if j > d {
				n, _ := strconv.Atoi(f[d:min(j, d+5)])
				spec = strconv.AppendInt(spec, int64(min(n, ksync.PrintkRecordMax)), 10)
			}
		}
		num()
		if j < len(f) && f[j] == '.' {
			spec = append(spec, '.')
			j++
			num()
		}
		length := ""
		for j < len(f) && strings.IndexByte("hlztjL", f[j]) >= 0 {
			length += string(f[j])
			j++
		}
		if j >= len(f) {
			b.WriteString(f[start:])
			break
		}
		switch verb := f[j]; verb {
		case '%':
			b.WriteByte('%')
		case 'd', 'i':
			fmt.Fprintf(&b, string(spec)+"d", diagSigned(next(), length))
		case 'u':
			fmt.Fprintf(&b, string(spec)+"d", diagUnsigned(next(), length))
		case 'x', 'X', 'o':
			fmt.Fprintf(&b, string(spec)+string(verb), diagUnsigned(next(), length))
		case 'c':
			b.WriteByte(byte(next()))
		case 's':
			s := "(null)"
			if a := uint64(next()); a != 0 {
				s = c.T.CString("vsnprintf", a, ksync.PrintkRecordMax)
			}
			fmt.Fprintf(&b, string(spec)+"s", s)
		case 'p':
			a := uint64(next())
			if j+1 < len(f) && (f[j+1] == 's' || f[j+1] == 'S') {
				j++
				if fn := worldOf(c); fn != nil {
					if g := fn.FuncAt(a); g != nil {
						b.WriteString(g.Name())
						break
					}
				}
			}
			fmt.Fprintf(&b, "%016x", a)
		default:
			b.WriteString(f[start : j+1])
		}
	}
	return b.String()
}

// diagSigned is v as the length modifier's signed type.
func diagSigned(v int64, length string) int64 {
	switch length {
	case "hh":
		return int64(int8(v))
	case "h":
		return int64(int16(v))
	case "":
		return int64(int32(v))
	}
	return v
}

// diagUnsigned is v as the length modifier's unsigned type.
func diagUnsigned(v int64, length string) uint64 {
	switch length {
	case "hh":
		return uint64(uint8(v))
	case "h":
		return uint64(uint16(v))
	case "":
		return uint64(uint32(v))
	}
	return uint64(v)
}

package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// printk and the sprintf family (include/linux/printk.h, linux/sprintf.h of 6.12),
// on the kernel's vsnprintf (format.go). The header macro printk(fmt, ...) calls
// _printk; pr_info and the other pr_* macros expand to printk with their KERN_
// level, which printk takes off the message (printk_parse_prefix).

func init() {
	register(
		interp.Builtin{Name: "_printk", Header: "linux/printk.h",
			Decl: "int _printk(const char *fmt, ...);", Impl: printk},
		interp.Builtin{Name: "sprintf", Header: "linux/sprintf.h",
			Decl: "int sprintf(char *buf, const char *fmt, ...);", Impl: sprintf},
		interp.Builtin{Name: "snprintf", Header: "linux/sprintf.h",
			Decl: "int snprintf(char *buf, size_t size, const char *fmt, ...);", Impl: snprintf(false)},
		interp.Builtin{Name: "scnprintf", Header: "linux/sprintf.h",
			Decl: "int scnprintf(char *buf, size_t size, const char *fmt, ...);", Impl: snprintf(true)},
	)
}

// vsnprintfCall formats the call's format (argument i) and the arguments after it,
// keeping at most limit bytes, with the kernel's warning for a conversion it
// refuses. ok is false when the task died reading the format or a %s string.
func vsnprintfCall(c *interp.Call, i, limit int) (out []byte, n int, ok bool) {
	// A NULL format oopses in format_decode, as StringIn's read does.
	f, ok := c.T.StringIn("format_decode", c.Addr(i), maxString)
	if !ok {
		return nil, 0, false
	}
	out, n, v := format(c.T, string(f), c.Args[i+1:], limit)
	if v.bad {
		c.T.VsprintfInvalid(v.invalid)
	}
	if v.unmodelled != "" {
		c.T.Thread().Note("ksim prints " + v.unmodelled + " as %p: its pointed-at data is not modelled")
	}
	return out, n, true
}

// printk is _printk -> vprintk_store: the message, formatted into a record of at
// most PRINTKRB_RECORD_MAX bytes, goes to dmesg (ksync's PrintkStore: levels,
// KERN_CONT, the newline). It returns the length stored.
func printk(c *interp.Call) int64 {
	out, _, ok := vsnprintfCall(c, 0, ksync.PrintkRecordMax-1)
	if !ok {
		return 0
	}
	return int64(c.T.PrintkStore(string(out)))
}

// sprintf is vsnprintf(buf, INT_MAX, ...): the whole output and a NUL; its length.
func sprintf(c *interp.Call) int64 {
	out, n, ok := vsnprintfCall(c, 1, maxString)
	if !ok {
		return 0
	}
	c.T.WriteIn("vsnprintf", c.Addr(0), append(out, 0))
	return int64(n)
}

// snprintf keeps at most size-1 bytes and a NUL (nothing for a size of 0) and
// returns the length the whole output has; scnprintf returns what it kept.
func snprintf(scn bool) func(c *interp.Call) int64 {
	return func(c *interp.Call) int64 {
		sz := uint64(c.Args[1])
		if sz > 1<<31-1 {
			// vsnprintf: WARN_ON_ONCE(size > INT_MAX), and nothing is written.
			c.T.VsnprintfTooLarge()
			return 0
		}
		limit := max(int(sz)-1, 0)
		out, n, ok := vsnprintfCall(c, 2, min(limit, maxString))
		if !ok {
			return 0
		}
		if sz > 0 {
			c.T.WriteIn("vsnprintf", c.Addr(0), append(out, 0))
		}
		if scn {
			return int64(len(out))
		}
		return int64(n)
	}
}

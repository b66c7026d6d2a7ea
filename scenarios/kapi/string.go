package kapi

import (
	"bytes"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// The string family (include/linux/string.h, lib/string.c of 6.12) on the module's
// memory, without FORTIFY_SOURCE's compile-time checks. memset, memcpy and memmove
// are KASAN's checked wrappers (mm/kasan/shadow.c): the whole range is checked
// first, and a bad one is reported and not touched. The str* functions are
// instrumented C: each byte is checked as it is read or written, and a report
// names the function. Each word touched is one step; a literal costs none.

func init() {
	h := "linux/string.h"
	register(
		interp.Builtin{Name: "memset", Header: h, Decl: "void *memset(void *s, int c, size_t n);", Impl: memset},
		interp.Builtin{Name: "memcpy", Header: h, Decl: "void *memcpy(void *dest, const void *src, size_t n);", Impl: memcpy},
		interp.Builtin{Name: "memmove", Header: h, Decl: "void *memmove(void *dest, const void *src, size_t n);", Impl: memcpy},
		interp.Builtin{Name: "memcmp", Header: h, Decl: "int memcmp(const void *cs, const void *ct, size_t count);", Impl: memcmp},
		interp.Builtin{Name: "memchr", Header: h, Decl: "void *memchr(const void *s, int c, size_t n);", Impl: memchr},
		interp.Builtin{Name: "strcpy", Header: h, Decl: "char *strcpy(char *dest, const char *src);", Impl: strcpy},
		interp.Builtin{Name: "strncpy", Header: h, Decl: "char *strncpy(char *dest, const char *src, size_t count);", Impl: strncpy},
		interp.Builtin{Name: "strscpy", Header: h, Decl: "ssize_t strscpy(char *dest, const char *src, size_t count);", Impl: strscpy},
		interp.Builtin{Name: "strcat", Header: h, Decl: "char *strcat(char *dest, const char *src);", Impl: strcat(false)},
		interp.Builtin{Name: "strncat", Header: h, Decl: "char *strncat(char *dest, const char *src, size_t count);", Impl: strcat(true)},
		interp.Builtin{Name: "strlen", Header: h, Decl: "size_t strlen(const char *s);", Impl: strlen(false)},
		interp.Builtin{Name: "strnlen", Header: h, Decl: "size_t strnlen(const char *s, size_t count);", Impl: strlen(true)},
		interp.Builtin{Name: "strcmp", Header: h, Decl: "int strcmp(const char *cs, const char *ct);", Impl: strcmp(false)},
		interp.Builtin{Name: "strncmp", Header: h, Decl: "int strncmp(const char *cs, const char *ct, size_t count);", Impl: strcmp(true)},
		interp.Builtin{Name: "strchr", Header: h, Decl: "char *strchr(const char *s, int c);", Impl: strchr(false)},
		interp.Builtin{Name: "strrchr", Header: h, Decl: "char *strrchr(const char *s, int c);", Impl: strchr(true)},
		interp.Builtin{Name: "strstr", Header: h, Decl: "char *strstr(const char *s1, const char *s2);", Impl: strstr},
	)
	k := "linux/kstrtox.h"
	register(
		interp.Builtin{Name: "kstrtoull", Header: k, Decl: "int kstrtoull(const char *s, unsigned int base, unsigned long long *res);", Impl: kstrto(false, 8)},
		interp.Builtin{Name: "kstrtoll", Header: k, Decl: "int kstrtoll(const char *s, unsigned int base, long long *res);", Impl: kstrto(true, 8)},
		interp.Builtin{Name: "kstrtoul", Header: k, Decl: "int kstrtoul(const char *s, unsigned int base, unsigned long *res);", Impl: kstrto(false, 8)},
		interp.Builtin{Name: "kstrtol", Header: k, Decl: "int kstrtol(const char *s, unsigned int base, long *res);", Impl: kstrto(true, 8)},
		interp.Builtin{Name: "kstrtouint", Header: k, Decl: "int kstrtouint(const char *s, unsigned int base, unsigned int *res);", Impl: kstrto(false, 4)},
		interp.Builtin{Name: "kstrtoint", Header: k, Decl: "int kstrtoint(const char *s, unsigned int base, int *res);", Impl: kstrto(true, 4)},
	)
}

// memcpyIn is __asan_memcpy: both ranges checked, then the copy (a step per word
// read, then per word written). It reports whether it copied.
func memcpyIn(t *ksync.Task, dst, src uint64, n int) bool {
	if !t.KasanCheckRange(src, n, false) || !t.KasanCheckRange(dst, n, true) {
		return false
	}
	p := t.LoadBytes("memcpy", src, n)
	if t.State() == ksync.Dead {
		return false
	}
	t.StoreBytes("memcpy", dst, p)
	return true
}

func memset(c *interp.Call) int64 {
	dst, n := c.Addr(0), size(c, 2)
	if n < 0 {
		n = maxString // a negative count: the kernel writes until it faults
	}
	if !c.T.KasanCheckRange(dst, n, true) {
		return 0 // memset's KASAN wrapper returns NULL without writing
	}
	c.T.StoreBytes("memset", dst, bytes.Repeat([]byte{byte(c.Args[1])}, n))
	return int64(dst)
}

// memcpy is memcpy and memmove: the copy reads the whole source before writing,
// so overlapping ranges are moved as memmove moves them (and as x86's memcpy does).
func memcpy(c *interp.Call) int64 {
	dst, n := c.Addr(0), size(c, 2)
	if n < 0 {
		n = maxString
	}
	if !memcpyIn(c.T, dst, c.Addr(1), n) {
		return 0
	}
	return int64(dst)
}

// memcmp is lib/string.c memcmp: the difference of the first bytes that differ.
func memcmp(c *interp.Call) int64 {
	a, b, n := c.Addr(0), c.Addr(1), size(c, 2)
	for i := 0; i < n; i++ {
		x, ok := c.T.ReadIn("memcmp", a+uint64(i), 1, nil)
		if !ok {
			return 0
		}
		y, ok := c.T.ReadIn("memcmp", b+uint64(i), 1, nil)
		if !ok {
			return 0
		}
		if d := int64(x[0]) - int64(y[0]); d != 0 {
			return d
		}
	}
	return 0
}

// memchr is lib/string.c memchr: the first byte equal to c, or NULL.
func memchr(c *interp.Call) int64 {
	s, n, ch := c.Addr(0), size(c, 2), byte(c.Args[1])
	p, _ := c.T.ReadIn("memchr", s, n, func(b byte) bool { return b == ch })
	if len(p) > 0 && p[len(p)-1] == ch {
		return int64(s) + int64(len(p)-1)
	}
	return 0
}

// str reads the string at addr as fn does.
func str(c *interp.Call, fn string, addr uint64, max int) ([]byte, bool) {
	return c.T.StringIn(fn, addr, max)
}

func strcpy(c *interp.Call) int64 {
	s, ok := str(c, "strcpy", c.Addr(1), maxString)
	if ok {
		c.T.WriteIn("strcpy", c.Addr(0), append(s, 0))
	}
	return c.Args[0]
}

// strncpy copies at most count bytes and pads with NULs to count; the result is
// not terminated when the source is as long (lib/string.c strncpy).
func strncpy(c *interp.Call) int64 {
	n := size(c, 2)
	if n < 0 {
		n = maxString
	}
	s, ok := str(c, "strncpy", c.Addr(1), n)
	if ok {
		out := make([]byte, n)
		copy(out, s)
		c.T.WriteIn("strncpy", c.Addr(0), out)
	}
	return c.Args[0]
}

// strscpy is sized_strscpy (lib/string.c): at most count-1 bytes and a NUL; the
// length copied, or -E2BIG when the source did not fit (the copy is cut and
// terminated) or count is 0 or above INT_MAX (WARN_ON_ONCE for the latter, not
// modelled beyond the result).
func strscpy(c *interp.Call) int64 {
	count := uint64(c.Args[2])
	if count == 0 || count > 1<<31-1 {
		return -ksync.E2BIG
	}
	s, ok := str(c, "strscpy", c.Addr(1), int(count))
	if !ok {
		return 0
	}
	if uint64(len(s)) == count {
		c.T.WriteIn("strscpy", c.Addr(0), append(s[:count-1], 0))
		return -ksync.E2BIG
	}
	c.T.WriteIn("strscpy", c.Addr(0), append(s, 0))
	return int64(len(s))
}

// strcat appends src to dest; strncat appends at most count bytes, and a NUL.
func strcat(bounded bool) func(c *interp.Call) int64 {
	fn := "strcat"
	if bounded {
		fn = "strncat"
	}
	return func(c *interp.Call) int64 {
		dst := c.Addr(0)
		d, ok := str(c, fn, dst, maxString)
		if !ok {
			return 0
		}
		max := maxString
		if bounded {
			if max = size(c, 2); max < 0 {
				max = maxString
			}
			if max == 0 {
				return int64(dst)
			}
		}
		s, ok := str(c, fn, c.Addr(1), max)
		if ok {
			c.T.WriteIn(fn, dst+uint64(len(d)), append(s, 0))
		}
		return int64(dst)
	}
}

func strlen(bounded bool) func(c *interp.Call) int64 {
	fn := "strlen"
	if bounded {
		fn = "strnlen"
	}
	return func(c *interp.Call) int64 {
		max := maxString
		if bounded {
			if max = size(c, 1); max < 0 {
				max = maxString
			}
		}
		s, _ := str(c, fn, c.Addr(0), max)
		return int64(len(s))
	}
}

// strcmp is lib/string.c strcmp: -1, 0 or 1, comparing unsigned bytes up to the
// first NUL or difference; strncmp stops after count bytes.
func strcmp(bounded bool) func(c *interp.Call) int64 {
	fn := "strcmp"
	if bounded {
		fn = "strncmp"
	}
	return func(c *interp.Call) int64 {
		n := maxString
		if bounded {
			if n = size(c, 2); n < 0 {
				n = maxString
			}
		}
		a, b := c.Addr(0), c.Addr(1)
		for i := 0; i < n; i++ {
			x, ok := c.T.ReadIn(fn, a+uint64(i), 1, nil)
			if !ok {
				return 0
			}
			y, ok := c.T.ReadIn(fn, b+uint64(i), 1, nil)
			if !ok {
				return 0
			}
			switch {
			case x[0] < y[0]:
				return -1
			case x[0] > y[0]:
				return 1
			case x[0] == 0:
				return 0
			}
		}
		return 0
	}
}

// strchr is the first c in s (the NUL itself when c is 0), or NULL; strrchr the
// last.
func strchr(last bool) func(c *interp.Call) int64 {
	fn := "strchr"
	if last {
		fn = "strrchr"
	}
	return func(c *interp.Call) int64 {
		addr, ch := c.Addr(0), byte(c.Args[1])
		s, ok := str(c, fn, addr, maxString)
		if !ok {
			return 0
		}
		s = append(s, 0)
		i := bytes.IndexByte(s, ch)
		if last {
			i = bytes.LastIndexByte(s, ch)
		}
		if i < 0 {
			return 0
		}
		return int64(addr) + int64(i)
	}
}

// strstr is lib/string.c strstr: strlen of both, then memcmp at each place.
func strstr(c *interp.Call) int64 {
	s2, ok := str(c, "strlen", c.Addr(1), maxString)
	if !ok {
		return 0
	}
	if len(s2) == 0 {
		return c.Args[0]
	}
	s1, ok := str(c, "strlen", c.Addr(0), maxString)
	if !ok {
		return 0
	}
	if i := bytes.Index(s1, s2); i >= 0 {
		return int64(c.Addr(0)) + int64(i)
	}
	return 0
}

// kstrto is lib/kstrtox.c: _parse_integer_fixup_radix (base 0 takes 0x as hex and
// a leading 0 as octal; base 16 skips 0x), then the digits, one optional trailing
// newline and nothing else. A leading '+' is allowed, '-' for the signed ones.
// -EINVAL for no digits or trailing text, -ERANGE when the value does not fit the
// result's size bytes; the result is stored only on success.
func kstrto(signed bool, size int) func(c *interp.Call) int64 {
	return func(c *interp.Call) int64 {
		raw, ok := str(c, "kstrtoull", c.Addr(0), maxString)
		if !ok {
			return 0
		}
		v, neg, err := parseInteger(string(raw), uint(c.Args[1]), signed)
		if err != 0 {
			return -err
		}
		bits := uint(size * 8)
		switch {
		case !signed && bits < 64 && v>>bits != 0:
			return -ksync.ERANGE
		case signed && !neg && v > 1<<(bits-1)-1:
			return -ksync.ERANGE
		case signed && neg && v > 1<<(bits-1):
			return -ksync.ERANGE
		}
		if neg {
			v = -v
		}
		c.T.StoreAt(c.Addr(2), size, v)
		return 0
	}
}

// parseInteger is _kstrtoull with kstrtoll's sign: the magnitude, whether it was
// negative, and an errno.
func parseInteger(s string, base uint, signed bool) (v uint64, neg bool, errno int64) {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	} else if signed && len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	// _parse_integer_fixup_radix
	if base == 0 {
		switch {
		case len(s) > 1 && s[0] == '0' && (s[1]|0x20) == 'x' && isHex(s, 2):
			base = 16
		case len(s) > 0 && s[0] == '0':
			base = 8
		default:
			base = 10
		}
	}
	if base == 16 && len(s) > 1 && s[0] == '0' && (s[1]|0x20) == 'x' {
		s = s[2:]
	}
	n := 0
	overflow := false
	for ; n < len(s); n++ {
		ch := s[n]
		var d uint
		switch {
		case ch >= '0' && ch <= '9':
			d = uint(ch - '0')
		case ch|0x20 >= 'a' && ch|0x20 <= 'f':
			d = uint(ch|0x20-'a') + 10
		default:
			d = 16
		}
		if d >= base {
			break
		}
		if v > (^uint64(0)-uint64(d))/uint64(base) {
			overflow = true
		}
		v = v*uint64(base) + uint64(d)
	}
	switch {
	case n == 0:
		return 0, false, ksync.EINVAL
	case overflow:
		return 0, false, ksync.ERANGE
	}
	s = s[n:]
	if len(s) > 0 && s[0] == '\n' {
		s = s[1:]
	}
	if s != "" {
		return 0, false, ksync.EINVAL
	}
	if neg && v > 1<<63 {
		return 0, false, ksync.ERANGE
	}
	return v, neg, 0
}

func isHex(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	ch := s[i] | 0x20
	return s[i] >= '0' && s[i] <= '9' || ch >= 'a' && ch <= 'f'
}

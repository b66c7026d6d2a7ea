package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
)

// The kernel's printf: lib/vsprintf.c of 6.12, which printk, sprintf, snprintf and
// scnprintf share. It is not C's printf: there are no floats, 'j' is no length
// modifier (format_decode knows h, hh, l, ll, L, z and t), an unknown conversion
// stops the output with a warning, a precision does not cancel the '0' flag, "%.0d"
// of 0 prints "0", and %p prints a hashed pointer, with extensions (%px, %pS, %pK
// ...) chosen by the letters after it.

// printf_spec's flags (lib/vsprintf.c).
const (
	fmtZeroPad = 1  // ZEROPAD: pad with zero
	fmtSign    = 2  // SIGN: unsigned/signed long
	fmtPlus    = 4  // PLUS: show plus
	fmtSpace   = 8  // SPACE: space if plus
	fmtLeft    = 16 // LEFT: left justified
	fmtSmall   = 32 // SMALL: use lowercase in hex (must be 32 == 0x20)
	fmtSpecial = 64 // SPECIAL: prefix hex with "0x", octal with "0"
)

// Limits of set_field_width and set_precision (lib/vsprintf.c).
const (
	fieldWidthMax = 1<<23 - 1 // FIELD_WIDTH_MAX
	precisionMax  = 1<<15 - 1 // PRECISION_MAX
)

// pageSize is PAGE_SIZE on x86-64: check_pointer_msg prints "(efault)" for a pointer
// below it.
const pageSize = 4096

// spec is struct printf_spec.
type spec struct {
	flags     int
	width     int // -1: none
	precision int // -1: none
	base      int
}

// vsprintf is one formatting: the format, its arguments and the output, cut at
// limit bytes (what is past it is counted, as vsnprintf counts it, but not kept).
type vsprintf struct {
	t     *ksync.Task
	args  []int64
	out   []byte
	n     int // bytes the output has, kept or not (vsnprintf's str - buf)
	limit int
	// bad is set when format_decode refused a conversion: invalid is its character
	// (NUL for a '%' that ends the format).
	bad     bool
	invalid byte
	// unmodelled is a %p extension ksim does not print as the kernel does.
	unmodelled string
}

// put appends c, or only counts it past the limit.
func (v *vsprintf) put(c byte) {
	if v.n < v.limit {
		v.out = append(v.out, c)
	}
	v.n++
}

func (v *vsprintf) puts(s string) {
	for i := 0; i < len(s); i++ {
		v.put(s[i])
	}
}

// pad appends n copies of c, counting what is past the limit without looping.
func (v *vsprintf) pad(c byte, n int) {
	if n <= 0 {
		return
	}
	keep := min(n, max(v.limit-v.n, 0))
	for range keep {
		v.out = append(v.out, c)
	}
	v.n += n
}

func (v *vsprintf) next() int64 {
	if len(v.args) == 0 {
		return 0 // va_arg past the arguments: the kernel reads garbage
	}
	a := v.args[0]
	v.args = v.args[1:]
	return a
}

// format runs vsnprintf(buf, limit, f, args) without the terminating NUL: the kept
// output (at most limit bytes) and the length the whole output has. The task reads
// %s strings through memory (a literal costs no step).
func format(t *ksync.Task, f string, args []int64, limit int) (out []byte, n int, v *vsprintf) {
	v = &vsprintf{t: t, args: args, limit: limit}
	v.run(f)
	return v.out, v.n, v
}

// run is vsnprintf's loop: format_decode, then the conversion.
func (v *vsprintf) run(f string) {
	for i := 0; i < len(f); {
		if f[i] != '%' {
			v.put(f[i])
			i++
			continue
		}
		// Flags.
		sp := spec{width: -1, precision: -1, base: 10}
		j := i + 1
	flags:
		for ; j < len(f); j++ {
			switch f[j] {
			case '-':
				sp.flags |= fmtLeft
			case '+':
				sp.flags |= fmtPlus
			case ' ':
				sp.flags |= fmtSpace
			case '#':
				sp.flags |= fmtSpecial
			case '0':
				sp.flags |= fmtZeroPad
			default:
				break flags
			}
		}
		// Field width: digits, or '*' (set_field_width: a negative one means '-').
		switch {
		case j < len(f) && isDigit(f[j]):
			sp.width, j = atoi(f, j)
		case j < len(f) && f[j] == '*':
			w := int(int32(v.next()))
			w = max(min(w, fieldWidthMax), -fieldWidthMax)
			if w < 0 {
				w = -w
				sp.flags |= fmtLeft
			}
			sp.width = w
			j++
		}
		// Precision: a negative one (from '*') is 0.
		if j < len(f) && f[j] == '.' {
			j++
			switch {
			case j < len(f) && isDigit(f[j]):
				sp.precision, j = atoi(f, j)
			case j < len(f) && f[j] == '*':
				sp.precision = max(min(int(int32(v.next())), precisionMax), 0)
				j++
			}
		}
		// Qualifier: h, hh (H), l, ll (L), L, z, t.
		var q byte
		if j < len(f) && (f[j] == 'h' || f[j] == 'l' || f[j] == 'L' || f[j] == 'z' || f[j] == 't') {
			q = f[j]
			j++
			if j < len(f) && f[j] == q && q == 'l' {
				q, j = 'L', j+1
			} else if j < len(f) && f[j] == q && q == 'h' {
				q, j = 'H', j+1
			}
		}
		if j >= len(f) {
			// "%" at the end: format_decode meets the NUL, WARN_ONCE, and vsnprintf
			// stops.
			v.bad = true
			return
		}
		c := f[j]
		j++
		switch c {
		case 'c':
			v.char(sp, byte(v.next()))
		case 's':
			v.str(sp, uint64(v.next()))
		case 'p':
			k := j
			for k < len(f) && isAlnum(f[k]) {
				k++
			}
			v.pointer(f[j:k], uint64(v.next()), sp)
			j = k
		case '%':
			v.put('%')
		case 'o', 'x', 'X', 'd', 'i', 'u':
			switch c {
			case 'o':
				sp.base = 8
			case 'x':
				sp.flags |= fmtSmall
				sp.base = 16
			case 'X':
				sp.base = 16
			case 'd', 'i':
				sp.flags |= fmtSign
			}
			v.number(convert(v.next(), q, sp.flags&fmtSign != 0), sp)
		default:
			// WARN_ONCE(1, "Please remove unsupported %%%c in format string\n"),
			// then FORMAT_TYPE_INVALID: vsnprintf stops ("goto out").
			v.bad, v.invalid = true, c
			return
		}
		i = j
	}
}

// convert is the va_arg of each FORMAT_TYPE_*: the promoted argument cut to its
// qualifier's type, sign- or zero-extended.
func convert(a int64, q byte, signed bool) uint64 {
	switch q {
	case 'L', 'l', 'z', 't':
		return uint64(a) // long long, long, size_t, ptrdiff_t: 64 bits
	case 'H':
		if signed {
			return uint64(int64(int8(a)))
		}
		return uint64(uint8(a))
	case 'h':
		if signed {
			return uint64(int64(int16(a)))
		}
		return uint64(uint16(a))
	}
	if signed {
		return uint64(int64(int32(a)))
	}
	return uint64(uint32(a))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// atoi is skip_atoi: the digits at f[i:], at most fieldWidthMax.
func atoi(f string, i int) (int, int) {
	n := 0
	for ; i < len(f) && isDigit(f[i]); i++ {
		n = min(n*10+int(f[i]-'0'), fieldWidthMax)
	}
	return n, i
}

// number is lib/vsprintf.c's number(), line by line.
func (v *vsprintf) number(num uint64, sp spec) {
	locase := byte(sp.flags & fmtSmall)
	if sp.flags&fmtLeft != 0 {
		sp.flags &^= fmtZeroPad
	}
	needPfx := sp.flags&fmtSpecial != 0 && sp.base != 10
	isZero := num == 0
	width, precision := sp.width, sp.precision
	var sign byte
	if sp.flags&fmtSign != 0 {
		switch {
		case int64(num) < 0:
			sign = '-'
			num = uint64(-int64(num))
			width--
		case sp.flags&fmtPlus != 0:
			sign = '+'
			width--
		case sp.flags&fmtSpace != 0:
			sign = ' '
			width--
		}
	}
	if needPfx {
		if sp.base == 16 {
			width -= 2
		} else if !isZero {
			width--
		}
	}
	var tmp [24]byte
	i := 0
	const digits = "0123456789ABCDEF"
	switch {
	case num < uint64(sp.base):
		tmp[i] = digits[num] | locase
		i++
	case sp.base != 10:
		shift, mask := uint(3), uint64(7)
		if sp.base == 16 {
			shift, mask = 4, 15
		}
		for num != 0 {
			tmp[i] = digits[num&mask] | locase
			i++
			num >>= shift
		}
	default:
		for num != 0 {
			tmp[i] = byte('0' + num%10)
			i++
			num /= 10
		}
	}
	if i > precision {
		precision = i
	}
	width -= precision
	if sp.flags&(fmtZeroPad|fmtLeft) == 0 {
		v.pad(' ', width)
		width = -1 // "while (--field_width >= 0)" leaves it negative
	}
	if sign != 0 {
		v.put(sign)
	}
	if needPfx {
		if sp.base == 16 || !isZero {
			v.put('0')
		}
		if sp.base == 16 {
			v.put('X' | locase)
		}
	}
	if sp.flags&fmtLeft == 0 {
		c := byte(' ')
		if sp.flags&fmtZeroPad != 0 {
			c = '0'
		}
		v.pad(c, width)
		width = -1
	}
	v.pad('0', precision-i)
	for i--; i >= 0; i-- {
		v.put(tmp[i])
	}
	v.pad(' ', width)
}

// char is FORMAT_TYPE_CHAR: the width pads with spaces, never zeros.
func (v *vsprintf) char(sp spec, c byte) {
	if sp.flags&fmtLeft == 0 {
		v.pad(' ', sp.width-1)
	}
	v.put(c)
	if sp.flags&fmtLeft != 0 {
		v.pad(' ', sp.width-1)
	}
}

// widen is string_nocheck's end, widen_string: pad a string of n bytes to the width.
func (v *vsprintf) widen(sp spec, s string) {
	if sp.flags&fmtLeft == 0 {
		v.pad(' ', sp.width-len(s))
	}
	v.puts(s)
	if sp.flags&fmtLeft != 0 {
		v.pad(' ', sp.width-len(s))
	}
}

// bound is string_nocheck's limit: at most the precision's bytes.
func bound(s string, precision int) string {
	if precision >= 0 && len(s) > precision {
		return s[:precision]
	}
	return s
}

// errorString is error_string: a message cut at the precision, 16 bytes by default.
func (v *vsprintf) errorString(sp spec, s string) {
	if sp.precision == -1 {
		sp.precision = 16
	}
	v.widen(sp, bound(s, sp.precision))
}

// badPointer is check_pointer_msg: NULL, the first page and error pointers are not
// dereferenced.
func badPointer(p uint64) string {
	switch {
	case p == 0:
		return "(null)"
	case p < pageSize || isErrValue(p):
		return "(efault)"
	}
	return ""
}

// maxString bounds what %s reads without a precision: more than any output is kept.
const maxString = 1 << 20

// str is string(): the NUL-terminated bytes at p, read through memory.
func (v *vsprintf) str(sp spec, p uint64) {
	if msg := badPointer(p); msg != "" {
		v.errorString(sp, msg)
		return
	}
	lim := maxString
	if sp.precision >= 0 {
		lim = sp.precision
	}
	s, _ := v.t.StringIn("string_nocheck", p, lim) // a NULL or wild address oopses
	v.widen(sp, string(s))
}

// pointerString is pointer_string: hex, zero-padded to 16 digits without a width.
func (v *vsprintf) pointerString(p uint64, sp spec) {
	sp.base = 16
	sp.flags |= fmtSmall
	if sp.width == -1 {
		sp.width = 16
		sp.flags |= fmtZeroPad
	}
	v.number(p, sp)
}

// goldenRatio64 is GOLDEN_RATIO_64 (include/linux/hash.h).
const goldenRatio64 = 0x61C8864680B583EB

// HashPointer is what %p prints for an address: ptr_to_id's hash, as a kernel booted
// with debug_boot_weak_hash computes it (hash_long(ptr, 32), hash_64_generic). A
// kernel without that boot option hashes with siphash under a key drawn at boot, so
// its values differ on every boot; this one is the kernel's own stable choice, and
// the same on every replay.
func HashPointer(p uint64) uint64 { return p * goldenRatio64 >> 32 }

// pointer is pointer(): the extension letters after %p choose what is printed.
func (v *vsprintf) pointer(ext string, p uint64, sp spec) {
	c := byte(0)
	if ext != "" {
		c = ext[0]
	}
	switch c {
	case 'S', 's', 'B':
		v.widen(sp, bound(v.symbol(p, c != 's'), sp.precision))
		return
	case 'x':
		v.pointerString(p, sp) // %px: the address itself
		return
	case 'K':
		// restricted_pointer with kptr_restrict 0 (the default): as %p.
	case 0:
	default:
		// The kernel prints %pI4, %pM, %pU... from the memory they point at; ksim
		// prints them as %p does, and says so.
		v.unmodelled = "%p" + ext
	}
	// default_pointer -> ptr_to_id: NULL and error pointers print as they are.
	if p == 0 || isErrValue(p) {
		v.pointerString(p, sp)
		return
	}
	v.pointerString(HashPointer(p), sp)
}

// symbol is sprint_symbol (kernel/kallsyms.c __sprint_symbol): "name+0xoff/0xsize"
// of the object at p (functions, and globals: kallsyms has data symbols too), its
// name alone for %ps; an address no symbol holds is "0x..." in hex.
func (v *vsprintf) symbol(p uint64, offset bool) string {
	b, off := v.t.Kernel().Find(p)
	if b == nil || off < 0 || off >= b.SymbolSize() {
		return "0x" + hex(p)
	}
	switch b.Region() {
	case ksync.RegionText, ksync.RegionStatic, ksync.RegionRodata:
	default:
		return "0x" + hex(p) // heap, stack, vmalloc: no symbol
	}
	if !offset {
		return b.Name()
	}
	return b.Name() + "+0x" + hex(uint64(off)) + "/0x" + hex(uint64(b.SymbolSize()))
}

func hex(x uint64) string {
	if x == 0 {
		return "0"
	}
	var tmp [16]byte
	i := len(tmp)
	for x != 0 {
		i--
		tmp[i] = "0123456789abcdef"[x&15]
		x >>= 4
	}
	return string(tmp[i:])
}

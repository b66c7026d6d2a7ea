package kapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ksim-dev/ksim/ksync"
)

// symbol is a %pS argument: the address of a function or global named name, at off.
type symbol struct {
	name   string
	region ksync.Region
	size   int
	off    uint64
}

// What the kernel's vsnprintf (lib/vsprintf.c, 6.12) prints, case by case. Where
// C's printf differs, the kernel's result is the one expected: "%#x" of 0 is
// "0x0", "%.0d" of 0 is "0", a precision keeps the '0' flag, 'j' is no length
// modifier, and an unknown conversion stops the output.
var formatCases = []struct {
	f    string
	args []any
	want string
	bad  bool // format_decode refuses a conversion (WARN_ONCE, the output stops)
}{
	{"plain text", nil, "plain text", false},
	{"%d", []any{42}, "42", false},
	{"%i", []any{-42}, "-42", false},
	{"%d", []any{int64(1) << 32}, "0", false}, // an int: the low 32 bits
	{"%u", []any{-1}, "4294967295", false},
	{"%ld", []any{-5}, "-5", false},
	{"%lu", []any{-1}, "18446744073709551615", false},
	{"%lld", []any{int64(-1) << 40}, "-1099511627776", false},
	{"%llu", []any{uint64(1) << 63}, "9223372036854775808", false},
	{"%Lu", []any{7}, "7", false},
	{"%llx", []any{0xdeadbeefcafe}, "deadbeefcafe", false},
	{"%x", []any{255}, "ff", false},
	{"%X", []any{255}, "FF", false},
	{"%x", []any{-1}, "ffffffff", false},
	{"%lx", []any{-1}, "ffffffffffffffff", false},
	{"%o", []any{8}, "10", false},
	{"%#o", []any{8}, "010", false},
	{"%#o", []any{0}, "0", false},
	{"%#x", []any{255}, "0xff", false},
	{"%#X", []any{255}, "0XFF", false},
	{"%#x", []any{0}, "0x0", false},
	{"%5d|", []any{42}, "   42|", false},
	{"%-5d|", []any{42}, "42   |", false},
	{"%05d", []any{42}, "00042", false},
	{"%05d", []any{-42}, "-0042", false},
	{"%-05d|", []any{42}, "42   |", false},
	{"%+d", []any{5}, "+5", false},
	{"% d", []any{5}, " 5", false},
	{"%+d", []any{-5}, "-5", false},
	{"%+u", []any{5}, "5", false},
	{"%.3d", []any{5}, "005", false},
	{"%05.3d", []any{5}, "00005", false},
	{"%8.3d|", []any{-5}, "    -005|", false},
	{"%.0d", []any{0}, "0", false},
	{"%2d", []any{100}, "100", false},
	{"%08x", []any{0xbeef}, "0000beef", false},
	{"%#08x", []any{0xbeef}, "0x00beef", false},
	{"%-#6x|", []any{10}, "0xa   |", false},
	{"%hd", []any{65535}, "-1", false},
	{"%hu", []any{-1}, "65535", false},
	{"%hhd", []any{255}, "-1", false},
	{"%hhx", []any{0x1ff}, "ff", false},
	{"%hhu", []any{-1}, "255", false},
	{"%zu", []any{10}, "10", false},
	{"%zd", []any{-3}, "-3", false},
	{"%zx", []any{-1}, "ffffffffffffffff", false},
	{"%td", []any{-7}, "-7", false},
	{"%c", []any{'A'}, "A", false},
	{"%3c|", []any{'A'}, "  A|", false},
	{"%-3c|", []any{'A'}, "A  |", false},
	{"%03c", []any{'A'}, "  A", false},
	{"%s", []any{"hi"}, "hi", false},
	{"%5s|", []any{"hi"}, "   hi|", false},
	{"%-5s|", []any{"hi"}, "hi   |", false},
	{"%.1s", []any{"hi"}, "h", false},
	{"%.0s|", []any{"hi"}, "|", false},
	{"%s", []any{nullPtr{}}, "(null)", false},
	{"%10s|", []any{nullPtr{}}, "    (null)|", false},
	{"%.3s", []any{nullPtr{}}, "(nu", false},
	{"%s", []any{8}, "(efault)", false},
	{"%s", []any{-2}, "(efault)", false},
	{"%*d", []any{5, 42}, "   42", false},
	{"%-*d|", []any{5, 42}, "42   |", false},
	{"%*d|", []any{-5, 42}, "42   |", false},
	{"%.*s", []any{2, "hello"}, "he", false},
	{"%.*d", []any{-1, 5}, "5", false},
	{"%*.*d", []any{6, 3, 7}, "   007", false},
	{"%%", nil, "%", false},
	{"100%%", nil, "100%", false},
	{"%5%|", nil, "%|", false},
	{"a%db%sc%ud", []any{1, "x", 2}, "a1bxc2d", false},
	{"%d %d", []any{1}, "1 0", false}, // a missing argument: ksim reads 0
	{"%p", []any{nullPtr{}}, "0000000000000000", false},
	{"%p", []any{int64(-12)}, "fffffffffffffff4", false}, // ERR_PTR(-12): IS_ERR_OR_NULL prints as is
	{"%p", []any{uint64(0xffff888100000000)}, fmt.Sprintf("%016x", ksync.HashPointer(0xffff888100000000)), false},
	{"%pK", []any{uint64(0xffff888100000000)}, fmt.Sprintf("%016x", ksync.HashPointer(0xffff888100000000)), false},
	{"%px", []any{uint64(0xffff888100000000)}, "ffff888100000000", false},
	{"%px", []any{0}, "0000000000000000", false},
	{"%pS", []any{symbol{"my_thread", ksync.RegionText, 0x40, 0}}, "my_thread+0x0/0x40", false},
	{"%pS", []any{symbol{"my_thread", ksync.RegionText, 0x40, 0x10}}, "my_thread+0x10/0x40", false},
	{"%ps", []any{symbol{"my_thread", ksync.RegionText, 0x40, 0}}, "my_thread", false},
	{"%pS", []any{symbol{"counter", ksync.RegionStatic, 4, 0}}, "counter+0x0/0x40", false}, // KASAN's redzone is in the symbol
	{"%pS", []any{0x1234}, "0x1234", false},
	{"[%pSR]", []any{symbol{"f", ksync.RegionText, 0x20, 4}}, "[f+0x4/0x20]", false},
	{"%pM!", []any{uint64(0xffff888100000000)}, fmt.Sprintf("%016x!", ksync.HashPointer(0xffff888100000000)), false},
	{"%jd", []any{1}, "", true},
	{"a%jd b", []any{1}, "a", true},
	{"x%n", []any{1}, "x", true},
	{"%f", []any{1}, "", true},
	{"end%", nil, "end", true},
}

type nullPtr struct{}

func TestFormat(t *testing.T) {
	once(t, func(x *env) {
		for _, c := range formatCases {
			var args []int64
			for _, a := range c.args {
				switch a := a.(type) {
				case int:
					args = append(args, int64(a))
				case int64:
					args = append(args, a)
				case uint64:
					args = append(args, int64(a))
				case rune:
					args = append(args, int64(a))
				case string:
					args = append(args, x.lit(a))
				case nullPtr:
					args = append(args, 0)
				case symbol:
					b := x.K.NewObject(a.name, a.size, a.region)
					args = append(args, int64(b.Addr()+a.off))
				}
			}
			out, n, v := format(x.T, c.f, args, 1<<20)
			assert.Equal(t, c.want, string(out), "%q %v", c.f, c.args)
			assert.Equal(t, len(c.want), n, "%q", c.f)
			assert.Equal(t, c.bad, v.bad, "%q refused", c.f)
		}
	})
}

// Output past the limit is counted, not kept (vsnprintf into a short buffer).
func TestFormatLimit(t *testing.T) {
	once(t, func(x *env) {
		out, n, _ := format(x.T, "%s-%08d", []int64{x.lit("abcdef"), 42}, 5)
		assert.Equal(t, "abcde", string(out))
		assert.Equal(t, 15, n)
		out, n, _ = format(x.T, "%*d", []int64{8000000, 1}, 3)
		assert.Equal(t, "   ", string(out))
		assert.Equal(t, 8000000, n)
	})
}

func TestPrintk(t *testing.T) {
	dmesg, res := once(t, func(x *env) {
		p := func(f string, args ...int64) int64 {
			return x.call("_printk", append([]int64{x.lit(f)}, args...)...)
		}
		assert.EqualValues(t, 6, p("\0016x = %d\n", 42))
		p("\0013error\n")
		p("no level, no newline")
		p("\001c and more: %s\n", x.lit("yes")) // KERN_CONT continues it
		p("\001cnot continued\n")               // the record had its newline
		p("\0016a")
		p("\0016b\n") // a new record: no KERN_CONT
		p("%s%s\n", x.lit("\0014"), x.lit("level from an argument"))
		p("two\nlines\n")
		long := strings.Repeat("y", 2000)
		assert.EqualValues(t, ksync.PrintkRecordMax-1, p("%s", x.lit(long)))
		p("bad %q conversion\n")
	})
	lines := strings.Split(dmesg, "\n")
	assert.Equal(t, []string{
		"x = 42",
		"error",
		"no level, no newline and more: yes",
		"not continued",
		"a",
		"b",
		"level from an argument",
		"two",
		"lines",
		strings.Repeat("y", ksync.PrintkRecordMax-1),
		// format_decode's WARN_ONCE comes while printk formats, before the record.
		"------------[ cut here ]------------",
		"Please remove unsupported %q in format string",
	}, lines[:12])
	assert.Equal(t, "bad ", lines[len(lines)-2])
	assert.Len(t, res.Problems, 1, "the WARN_ONCE")
}

// KERN_CONT appends only to the same caller's open record.
func TestPrintkContOtherTask(t *testing.T) {
	r := explore(t, ksync.Config{}, func(x *env) {
		x.call("_printk", x.lit("\0016start"))
		x.T.KthreadRun("other", func(o *ksync.Task) {
			y := &env{t: t, T: o, K: x.K}
			y.call("_printk", y.lit("\001c from other\n"))
		})
	})
	for _, d := range r.dmesgs {
		d = stripTS(d)
		assert.Contains(t, d, "start\n")
		assert.Contains(t, d, " from other\n")
	}
}

func TestSprintf(t *testing.T) {
	once(t, func(x *env) {
		buf := x.call("kzalloc", 32, gfpKernel)
		assert.EqualValues(t, 7, x.call("sprintf", buf, x.lit("%s=%04d"), x.lit("id"), 7))
		assert.Equal(t, "id=0007", x.cstr(buf)[:7])
		assert.EqualValues(t, 11, x.call("snprintf", buf, 6, x.lit("hello %s"), x.lit("world")))
		assert.Equal(t, "hello", x.cstr(buf))
		assert.EqualValues(t, 5, x.call("scnprintf", buf, 6, x.lit("hello %s"), x.lit("world")))
		assert.EqualValues(t, 0, x.call("scnprintf", buf, 0, x.lit("hello")))
		assert.EqualValues(t, 3, x.call("snprintf", buf, 32, x.lit("%d"), 123))
		assert.Equal(t, "123", x.cstr(buf))
	})
}

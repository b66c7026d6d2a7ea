package kapi

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ksim-dev/ksim/ksync"
)

// steps is how many steps f takes in x's execution.
func (x *env) steps(f func()) int {
	before := x.K.Execution().Step()
	f()
	return x.K.Execution().Step() - before
}

func TestStringFunctions(t *testing.T) {
	dmesg, res := once(t, func(x *env) {
		buf := x.call("kmalloc", 32, gfpKernel)
		hello := x.lit("hello")

		assert.Equal(t, buf, x.call("strcpy", buf, hello))
		assert.Equal(t, "hello", x.cstr(buf))
		assert.EqualValues(t, 5, x.call("strlen", buf))
		assert.EqualValues(t, 3, x.call("strnlen", buf, 3))
		assert.Equal(t, buf, x.call("strcat", buf, x.lit(", world")))
		assert.Equal(t, "hello, world", x.cstr(buf))
		x.call("strncat", buf, x.lit("!!!"), 1)
		assert.Equal(t, "hello, world!", x.cstr(buf))

		assert.EqualValues(t, 0, x.call("strcmp", buf, x.lit("hello, world!")))
		assert.EqualValues(t, -1, x.call("strcmp", hello, x.lit("help")))
		assert.EqualValues(t, 1, x.call("strcmp", x.lit("b"), x.lit("a")))
		assert.EqualValues(t, 1, x.call("strcmp", x.lit("\xff"), x.lit("a")), "bytes compare unsigned")
		assert.EqualValues(t, 0, x.call("strncmp", hello, x.lit("help"), 3))
		assert.EqualValues(t, buf+4, x.call("strchr", buf, 'o'))
		assert.EqualValues(t, buf+8, x.call("strrchr", buf, 'o'))
		assert.EqualValues(t, buf+13, x.call("strchr", buf, 0), "strchr finds the NUL")
		assert.Zero(t, x.call("strchr", buf, 'z'))
		assert.EqualValues(t, buf+7, x.call("strstr", buf, x.lit("world")))
		assert.Equal(t, buf, x.call("strstr", buf, x.lit("")))
		assert.Zero(t, x.call("strstr", buf, x.lit("xyz")))

		// strscpy: the length, or -E2BIG with the copy cut and terminated.
		dst := x.call("kzalloc", 8, gfpKernel)
		assert.EqualValues(t, 5, x.call("strscpy", dst, hello, 8))
		assert.EqualValues(t, -ksync.E2BIG, x.call("strscpy", dst, x.lit("too long"), 4))
		assert.Equal(t, "too", x.cstr(dst))
		assert.EqualValues(t, -ksync.E2BIG, x.call("strscpy", dst, hello, 0))

		// strncpy pads with NULs and does not terminate a source as long as count.
		x.call("memset", dst, 'x', 8)
		x.call("strncpy", dst, x.lit("ab"), 4)
		v, _ := x.K.Peek(uint64(dst), 8)
		assert.EqualValues(t, uint64(0x7878787800006261), v)
		x.call("strncpy", dst, x.lit("abcdef"), 3)
		assert.Equal(t, "abc", x.cstr(dst), "not terminated: the NUL is the earlier call's")

		// mem*
		assert.Equal(t, dst, x.call("memset", dst, 0, 8))
		assert.Equal(t, dst, x.call("memcpy", dst, hello, 5))
		assert.EqualValues(t, 0, x.call("memcmp", dst, hello, 5))
		assert.Less(t, x.call("memcmp", dst, x.lit("helpp"), 5), int64(0))
		assert.EqualValues(t, 'l'-'p', x.call("memcmp", dst, x.lit("helpp"), 5))
		assert.Equal(t, dst, x.call("memmove", dst+1, dst, 4)-1)
		assert.Equal(t, "hhell", x.cstr(dst))
		assert.EqualValues(t, dst+2, x.call("memchr", dst, 'e', 8))
		assert.Zero(t, x.call("memchr", dst, 'z', 8))
	})
	for _, p := range res.Problems {
		t.Errorf("unexpected report:\n%s", p.Report)
	}
	assert.Empty(t, dmesg)
}

// One step per word of shared memory touched; none for a literal or a private local.
func TestStringStepsPerWord(t *testing.T) {
	once(t, func(x *env) {
		buf := x.call("kzalloc", 64, gfpKernel)
		lit := x.lit("0123456789abcdefghij") // 20 bytes and a NUL: no steps
		assert.Equal(t, 3, x.steps(func() { x.call("strcpy", buf, lit) }), "21 bytes written: words 0, 8, 16")
		assert.Equal(t, 3, x.steps(func() { x.call("strlen", buf) }))
		assert.Equal(t, 2, x.steps(func() { x.call("memset", buf+4, 0, 8) }), "bytes 4..11: two words")
		assert.Equal(t, 8+8, x.steps(func() { x.call("memcpy", buf, buf, 64) }), "8 words read, 8 written")
		assert.Equal(t, 0, x.steps(func() { x.call("strlen", lit) }))
		local := x.T.NewStack("name", 16)
		assert.Equal(t, 0, x.steps(func() { x.call("strcpy", int64(local.Addr()), lit+10) }), "a private local")
	})
}

func TestKstrto(t *testing.T) {
	cases := []struct {
		fn   string
		s    string
		base int64
		err  int64
		want int64
	}{
		{"kstrtoint", "42", 10, 0, 42},
		{"kstrtoint", "-42\n", 10, 0, -42},
		{"kstrtoint", "+7", 10, 0, 7},
		{"kstrtoint", "0x1f", 0, 0, 31},
		{"kstrtoint", "017", 0, 0, 15},
		{"kstrtoint", "1f", 16, 0, 31},
		{"kstrtoint", "0x1f", 16, 0, 31},
		{"kstrtoint", "2147483648", 10, -ksync.ERANGE, 0},
		{"kstrtoint", "-2147483648", 10, 0, -2147483648},
		{"kstrtoint", "12abc", 10, -ksync.EINVAL, 0},
		{"kstrtoint", "", 10, -ksync.EINVAL, 0},
		{"kstrtoint", "1\n\n", 10, -ksync.EINVAL, 0},
		{"kstrtouint", "-1", 10, -ksync.EINVAL, 0},
		{"kstrtouint", "4294967295", 10, 0, 4294967295},
		{"kstrtouint", "4294967296", 10, -ksync.ERANGE, 0},
		{"kstrtoul", "18446744073709551615", 10, 0, -1},
		{"kstrtoul", "18446744073709551616", 10, -ksync.ERANGE, 0},
		{"kstrtol", "-9223372036854775808", 10, 0, -9223372036854775808},
		{"kstrtol", "9223372036854775808", 10, -ksync.ERANGE, 0},
		{"kstrtoll", "-0", 10, 0, 0},
	}
	once(t, func(x *env) {
		res := x.call("kzalloc", 8, gfpKernel)
		for _, c := range cases {
			x.K.Poke(uint64(res), 8, 0)
			assert.Equal(t, c.err, x.call(c.fn, x.lit(c.s), c.base, res), "%s(%q)", c.fn, c.s)
			size := 8
			if c.fn == "kstrtoint" || c.fn == "kstrtouint" {
				size = 4
			}
			v, _ := x.K.Peek(uint64(res), size)
			want := uint64(c.want)
			if size == 4 {
				want &= 0xffffffff
			}
			assert.Equal(t, want, v, "%s(%q)", c.fn, c.s)
		}
	})
}

// After the boot's first KASAN report, a bad memcpy goes on (kasan_report returns
// false once reports are suppressed): the bytes that fit are copied.
func TestMemcpyAfterReport(t *testing.T) {
	_, res := once(t, func(x *env) {
		d := x.call("kmalloc", 4, gfpKernel)
		src := x.lit("abcdefgh")
		assert.Zero(t, x.call("memcpy", d, src, 8), "the first bad copy is reported and skipped")
		assert.Equal(t, d, x.call("memcpy", d, src, 8), "then KASAN is silent and the copy goes on")
		assert.Equal(t, "abcd", x.cstr(d))
	})
	assert.Len(t, res.Problems, 1)
}

package interp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSemantics runs small C programs and compares what they observe with what
// gcc on x86-64 computes.
func TestSemantics(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []int64
	}{
		{"int wraps", `void f(void) { int x = 2147483647; x++; observe(x); unsigned u = 0; u--; observe(u); }`,
			[]int64{-2147483648, 4294967295}},
		{"char and bool", `void f(void) { char c = 200; unsigned char uc = 300; _Bool b = 5; observe(c); observe(uc); observe(b); b++; observe(b); }`,
			[]int64{-56, 44, 1, 1}},
		{"usual conversions", `void f(void) { int i = -1; unsigned u = 1; observe(i < u); long l = -1; observe(l < u); observe((unsigned)i / 2); observe(i >> 1); observe(u << 31); }`,
			[]int64{0, 1, 2147483647, -1, 2147483648}},
		{"division", `void f(void) { observe(-7 / 2); observe(-7 % 2); int a = 7, b = -2; observe(a / b); observe(a % b); unsigned long x = -1UL; observe(x / 2 == 0x7fffffffffffffffUL); }`,
			[]int64{-3, -1, -3, 1, 1}},
		{"short circuit and ternary", `int n; int g(void) { n++; return 1; } void f(void) { int x = 0 && g(); int y = 1 || g(); observe(n); observe(x ? 5 : 6); observe(y ?: 9); observe((g(), g(), n)); }`,
			[]int64{0, 6, 1, 2}},
		{"comma with a constant last operand", `int n; int g(void) { n++; return 1; } void f(void) { int x = (g(), 0); observe(x); observe(n); observe((g(), 5) + 1); observe(n); observe(sizeof(g())); observe(n); observe(1 ? 2 : g()); observe(n); }`,
			[]int64{0, 1, 6, 2, 4, 2, 2, 2}},
		{"compound assignment", `void f(void) { int x = 10; x += 5; x -= 3; x *= 2; x /= 5; x %= 3; x <<= 4; x >>= 1; x |= 1; x &= 0xf; x ^= 3; observe(x); unsigned char c = 250; c += 10; observe(c); }`,
			[]int64{10, 4}},
		{"pointers", `int a[5] = {1, 2, 3, 4, 5}; void f(void) { int *p = a; p += 2; observe(*p); observe(p[1]); observe(*(p - 1)); int *q = &a[4]; observe(q - p); p++; observe(*p); observe(p < q); observe(sizeof a); }`,
			[]int64{3, 4, 2, 2, 4, 1, 20}},
		{"structs", `struct in { char c; long l; }; struct s { int a; struct in in; int arr[3]; };
			struct s g = { .a = 1, .in = { 'x', 42 }, .arr = { [1] = 7 } };
			void f(void) { struct s l = g; observe(l.in.l); l.arr[2] = 9; struct s *p = &l; observe(p->arr[2] + p->arr[1]); g = l; observe(g.arr[2]); observe(sizeof(struct s)); observe(offsetof(struct s, arr)); }`,
			[]int64{42, 16, 9, 40, 24}},
		{"unions and bitfields", `union u { int i; unsigned char b[4]; }; struct bf { unsigned a:3, b:7; int s:4; };
			void f(void) { union u x; x.i = 0x01020304; observe(x.b[0]); struct bf y = { 5, 100, -3 }; observe(y.a); observe(y.b); observe(y.s); y.a = 9; observe(y.a); observe(y.b); }`,
			[]int64{4, 5, 100, -3, 1, 100}},
		{"strings", `const char *s = "hello"; char buf[8] = "hi"; void f(void) { observe(s[1]); observe(buf[1]); observe(buf[2]); observe(sizeof buf); char l[] = "abc"; observe(sizeof l); observe(l[2]); observe(__func__[0]); }`,
			[]int64{'e', 'i', 0, 8, 4, 'c', 'f'}},
		{"switch", `int sw(int x) { int r = 0; switch (x) { case 1: r = 10; case 2: r += 2; break; case 3 ... 5: r = 30; break; default: r = -1; } return r; }
			void f(void) { observe(sw(1)); observe(sw(2)); observe(sw(4)); observe(sw(9)); }`,
			[]int64{12, 2, 30, -1}},
		{"loops", `void f(void) { int s = 0; for (int i = 0; i < 10; i++) { if (i == 3) continue; if (i == 8) break; s += i; } observe(s);
			int n = 0; while (n < 5) n++; observe(n); do { n--; } while (n > 2); observe(n); }`,
			[]int64{25, 5, 2}},
		{"goto", `void f(void) { int i = 0; again: i++; if (i < 3) goto again; observe(i); goto out; observe(99); out: observe(-1); }`,
			[]int64{3, -1}},
		{"recursion and function pointers", `int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
			int twice(int (*g)(int), int v) { return g(g(v)); } int inc(int v) { return v + 1; }
			struct ops { int (*op)(int); } tab[] = { { inc }, { .op = fact } };
			void f(void) { observe(header_helper(2)); observe(fact(5)); observe(twice(inc, 1)); observe(tab[1].op(4)); int (*p)(int) = &inc; observe((*p)(1)); }`,
			[]int64{4, 120, 3, 24, 2}},
		{"statement expressions and compound literals", `struct pt { int x, y; };
			void f(void) { int v = ({ int t = 3; t * 2; }); observe(v); struct pt p = (struct pt){ .y = 4 }; observe(p.x + p.y); int *q = (int[]){ 7, 8 }; observe(q[1]); }`,
			[]int64{6, 4, 8}},
		{"struct arguments and returns", `struct pt { long x, y; };
			struct pt mk(long a, long b) { struct pt p = { a, b }; return p; }
			long sum(struct pt p) { p.x += 100; return p.x + p.y; }
			void f(void) { struct pt a = mk(1, 2); observe(sum(a)); observe(a.x); observe(mk(5, 6).y); }`,
			[]int64{103, 1, 6}},
		{"container_of", `struct item { int v; struct item *next; int key; };
			void f(void) { struct item it = { .key = 7 }; int *k = &it.key; struct item *p = container_of(k, struct item, key); observe(p == &it); observe(p->key); }`,
			[]int64{1, 7}},
		{"READ_ONCE on locals and globals", `int g; void f(void) { int x = 3; WRITE_ONCE(x, 4); observe(READ_ONCE(x)); WRITE_ONCE(g, 5); observe(READ_ONCE(g)); }`,
			[]int64{4, 5}},
		{"enums and static locals", `enum color { RED = 2, GREEN }; int counter(void) { static int n = 10; return n++; }
			void f(void) { enum color c = GREEN; observe(c); counter(); observe(counter()); }`,
			[]int64{3, 11}},
		{"heap memory", `struct node { int v; struct node *next; };
			void f(void) { struct node *a = alloc(sizeof *a); struct node *b = alloc(sizeof *b); a->v = 1; a->next = b; b->v = 2; observe(a->next->v + a->v); release(a); release(b); }`,
			[]int64{3}},
		{"casts", `void f(void) { long l = 0x123456789; observe((int)l); observe((short)70000); observe((unsigned char)-1); void *p = (void *)16; observe((long)p); observe(!p); }`,
			[]int64{0x23456789, 4464, 255, 16, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, res := runOne(t, tt.src)
			assert.Empty(t, titles(res))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDoWhileZero(t *testing.T) {
	got, res := runOne(t, `void f(void) { int x = 0; do { x = 1; if (x) break; x = 2; } while (0); observe(x);
		do { x = 3; continue; x = 4; } while (0); observe(x); }`)
	assert.Empty(t, titles(res))
	assert.Equal(t, []int64{1, 3}, got)
}

func TestMoreSemantics(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []int64
	}{
		{"builtins of gcc", `void __builtin_observe(long); void f(void) { __builtin_observe(9); observe(__builtin_types_compatible_p(int, int)); observe(__builtin_constant_p(3)); int x = 4; observe(__builtin_expect(x, 0)); }`,
			[]int64{9, 1, 1, 4}},
		{"static bitfields and 2D arrays", `struct b { unsigned a:4, c:12; int s:3; } sb = { 3, 1000, -2 }; int m[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } }; int inc[] = { 1, 2, 3, 4 };
			void f(void) { observe(sb.a); observe(sb.c); observe(sb.s); observe(m[1][2]); int (*row)[3] = m; observe(row[1][0]); observe(sizeof inc); }`,
			[]int64{3, 1000, -2, 6, 4, 16}},
		{"pointer to pointer and arrays of pointers", `int a = 1, b = 2; int *ptrs[2] = { &a, &b };
			void swap(int **x, int **y) { int *t = *x; *x = *y; *y = t; }
			void f(void) { swap(&ptrs[0], &ptrs[1]); observe(*ptrs[0]); int **pp = ptrs; observe(**(pp + 1)); }`,
			[]int64{2, 1}},
		{"char arithmetic and strings through pointers", `void f(void) { char buf[6]; const char *s = "abcde"; char *d = buf; while ((*d++ = *s++)) ; observe(buf[4]); observe(d - buf); }`,
			[]int64{'e', 6}},
		{"reinterpreting a local", `void f(void) { int i = -1; observe(READ_ONCE(*(unsigned *)&i)); *(unsigned *)&i = 0xfffffffe; observe(i); }`,
			[]int64{4294967295, -2}},
		{"unsigned long long and negative shifts", `void f(void) { unsigned long long x = 1ULL << 63; observe(x >> 62); long y = -8; observe(y >> 1); observe((unsigned long)y >> 60); }`,
			[]int64{2, -4, 15}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, res := runOne(t, tt.src)
			assert.Empty(t, titles(res))
			assert.Equal(t, tt.want, got)
		})
	}
}

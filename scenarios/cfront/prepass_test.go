package cfront

import (
	"strings"
	"testing"
)

func TestFixNamedVariadic(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"LDD3 PDEBUG",
			`#define PDEBUG(fmt, args...) printk( KERN_DEBUG "scull: " fmt, ## args)`,
			`#define PDEBUG(fmt,     ...) printk( KERN_DEBUG "scull: " fmt, ## __VA_ARGS__)`},
		{"kthread_create over a line splice",
			"#define kthread_create(threadfn, data, namefmt, arg...) \\\n\tkthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ##arg)\nint x;",
			"#define kthread_create(threadfn, data, namefmt,    ...) \\\n\tkthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ##__VA_ARGS__)\nint x;"},
		{"only parameter, stringified",
			"# define S(a...) #a\n",
			"# define S( ...) #__VA_ARGS__\n"},
		{"name in strings, comments and longer identifiers untouched",
			`#define D(args...) f("args", args, xargs, args_) /* args */`,
			`#define D(    ...) f("args", __VA_ARGS__, xargs, args_) /* args */`},
		{"not a function-like macro", "#define A (args...)\n", "#define A (args...)\n"},
		{"C99 form untouched", "#define B(fmt, ...) f(fmt, ##__VA_ARGS__)\n", "#define B(fmt, ...) f(fmt, ##__VA_ARGS__)\n"},
		{"not a directive", "int define(a...);\nx # define C(a...) a\n", "int define(a...);\nx # define C(a...) a\n"},
		{"ends at the end of the logical line", "#define E(a...) a\nint a;\n", "#define E( ...) __VA_ARGS__\nint a;\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.in)
			got := string(fixNamedVariadic(src, scanTokens(src)))
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if strings.Count(got, "\n") != strings.Count(tt.in, "\n") {
				t.Errorf("line count changed")
			}
		})
	}
}

func TestScanTokens(t *testing.T) {
	src := "a /* x\ny */ b\n\"s\\\"t\" 'c' 1.5e+3 ...\n  #x\\\ny\n"
	var got []string
	for _, tk := range scanTokens([]byte(src)) {
		s := src[tk.start:tk.end]
		if tk.bol {
			s = "^" + s
		}
		got = append(got, s+"@"+tk.pos.String())
	}
	want := "^a@1:1 b@2:6 ^\"s\\\"t\"@3:1 'c'@3:8 1.5e+3@3:12 ...@3:19 ^#@4:3 x\\\ny@4:4"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

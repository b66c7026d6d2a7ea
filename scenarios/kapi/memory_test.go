package kapi

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
	"github.com/ksim-dev/ksim/sched"
)

// The -update flag rewrites the golden files; another test file of the package may
// define it first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden report files in testdata")
	}
}

func updating() bool { return flag.Lookup("update").Value.String() == "true" }

// golden compares got with testdata/name.golden; -update rewrites the file.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./scenarios/kapi -update")
	assert.Equal(t, string(want), got, "report differs from %s (regenerate with -update after checking)", path)
}

// run is one exploration of a module whose single kernel thread ("insmod") runs
// body; the result, and the dmesg of each execution.
type run struct {
	res    *sched.Result
	dmesgs []string
}

func explore(t *testing.T, cfg ksync.Config, body func(x *env)) *run {
	t.Helper()
	r := &run{}
	prog := ksync.Program(cfg, func(k *ksync.Kernel) {
		k.Execution().OnEnd(func(sched.Outcome) { r.dmesgs = append(r.dmesgs, k.Dmesg()) })
		k.KernelThread("insmod", func(tk *ksync.Task) {
			tk.At("m.c:1")
			body(&env{t: t, T: tk, K: k})
		})
	})
	r.res = sched.Explore(prog, sched.Options{MaxExecutions: 200})
	require.NoError(t, r.res.Err)
	return r
}

// once runs body in one execution and returns its dmesg without timestamps.
func once(t *testing.T, body func(x *env)) (string, *sched.Result) {
	t.Helper()
	r := explore(t, ksync.Config{}, body)
	require.Len(t, r.dmesgs, 1)
	return stripTS(r.dmesgs[0]), r.res
}

var tsRE = regexp.MustCompile(`(?m)^\[ *\d+\.\d+\] `)

func stripTS(s string) string { return tsRE.ReplaceAllString(s, "") }

// env is a task to call entries in, with helpers to set memory up.
type env struct {
	t *testing.T
	T *ksync.Task
	K *ksync.Kernel
}

// call calls the entry name with args; texts are the arguments' source texts.
func (x *env) call(name string, args ...int64) int64 {
	return x.callText(name, nil, args...)
}

func (x *env) callText(name string, texts []string, args ...int64) int64 {
	b := Lookup(name)
	if b == nil {
		x.t.Errorf("%s is not registered", name)
		return 0
	}
	return b.Impl(&interp.Call{T: x.T, Args: args, Site: &interp.Site{Pos: "m.c:1", Builtin: b, ArgText: texts}})
}

// lit is a string literal in read-only memory: its address.
func (x *env) lit(s string) int64 {
	b := x.K.NewObject(".str", len(s)+1, ksync.RegionRodata)
	copy(b.Bytes(), s)
	return int64(b.Addr())
}

// cstr reads the string at p without a step.
func (x *env) cstr(p int64) string {
	var out []byte
	for i := uint64(0); ; i++ {
		v, ok := x.K.Peek(uint64(p)+i, 1)
		if !ok || v == 0 {
			return string(out)
		}
		out = append(out, byte(v))
	}
}

var (
	gfpKernel = int64(ksync.GFPKernel)
	gfpAtomic = int64(ksync.GFPAtomic)
)

func regionOf(x *env, p int64) ksync.Region {
	b, _ := x.K.Find(uint64(p))
	require.NotNil(x.t, b)
	return b.Region()
}

func TestAllocations(t *testing.T) {
	dmesg, res := once(t, func(x *env) {
		p := x.call("kmalloc", 24, gfpKernel)
		require.NotZero(t, p)
		assert.Equal(t, ksync.RegionHeap, regionOf(x, p))
		assert.EqualValues(t, 32, x.call("ksize", p), "kmalloc-32")
		x.T.StoreAt(uint64(p), 8, 0x1122334455667788)

		assert.EqualValues(t, ksync.ZeroSizePtr, x.call("kmalloc", 0, gfpKernel), "kmalloc(0) is ZERO_SIZE_PTR")
		x.call("kfree", ksync.ZeroSizePtr)
		x.call("kfree", 0)

		z := x.call("kzalloc", 16, gfpKernel)
		v, _ := x.K.Peek(uint64(z), 8)
		assert.Zero(t, v)

		assert.Zero(t, x.call("kcalloc", 1<<62, 8, gfpKernel), "kcalloc overflow is NULL")
		arr := x.call("kcalloc", 4, 8, gfpKernel)
		assert.NotZero(t, arr)

		// krealloc within ksize keeps the object; beyond, moves it and copies.
		q := x.call("krealloc", p, 30, gfpKernel)
		assert.Equal(t, p, q)
		r := x.call("krealloc", q, 100, gfpKernel)
		assert.NotEqual(t, q, r)
		v, _ = x.K.Peek(uint64(r), 8)
		assert.EqualValues(t, uint64(0x1122334455667788), v)
		old, _ := x.K.Find(uint64(q))
		assert.True(t, old.Freed())
		assert.EqualValues(t, ksync.ZeroSizePtr, x.call("krealloc", r, 0, gfpKernel))

		s := x.call("kstrdup", x.lit("hello"), gfpKernel)
		assert.Equal(t, "hello", x.cstr(s))
		assert.Zero(t, x.call("kstrdup", 0, gfpKernel))
		d := x.call("kmemdup", x.lit("abc"), 4, gfpKernel)
		assert.Equal(t, "abc", x.cstr(d))

		vm := x.call("vmalloc", 10000)
		assert.Equal(t, ksync.RegionVmalloc, regionOf(x, vm))
		assert.Zero(t, vm&4095, "vmalloc areas start on a page")
		x.call("vfree", vm)
		kv := x.call("kvmalloc", 64, gfpKernel)
		assert.Equal(t, ksync.RegionHeap, regionOf(x, kv))
		big := x.call("kvzalloc", 8<<20, gfpKernel)
		assert.Equal(t, ksync.RegionVmalloc, regionOf(x, big), "kvmalloc past KMALLOC_MAX_SIZE falls back to vmalloc")
		x.call("kvfree", kv)
		x.call("kvfree", big)
		assert.Zero(t, x.call("kvmalloc", 8<<20, gfpAtomic), "no vmalloc fallback without blocking")
	})
	assert.Empty(t, res.Problems)
	assert.Empty(t, dmesg)
}

func TestKmallocTooLarge(t *testing.T) {
	_, res := once(t, func(x *env) {
		assert.Zero(t, x.call("kmalloc", 5<<20, gfpKernel))
		assert.Zero(t, x.call("kmalloc", -1, gfpKernel|int64(ksync.GFPNoWarn)))
	})
	require.Len(t, res.Problems, 1)
	assert.Contains(t, res.Problems[0].Report, "WARNING: CPU: 0 PID: 2 at mm/page_alloc.c:4835")
}

// GFP_KERNEL in atomic context is the might_sleep BUG, whether or not it sleeps.
func TestAllocMightSleep(t *testing.T) {
	for _, c := range []struct {
		name, title string
		call        func(x *env)
	}{
		{"kmalloc", "include/linux/sched/mm.h:321", func(x *env) { x.call("kmalloc", 8, gfpKernel) }},
		{"vmalloc", "mm/vmalloc.c:2030", func(x *env) { x.call("vmalloc", 8) }},
		{"kmem_cache_create", "kernel/locking/mutex.c:586", func(x *env) { x.call("kmem_cache_create", x.lit("c"), 8, 0, 0, 0) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, res := once(t, func(x *env) {
				x.T.PreemptDisable()
				c.call(x)
				x.T.PreemptEnable()
			})
			require.NotEmpty(t, res.Problems)
			assert.Equal(t, "BUG: sleeping function called from invalid context at "+c.title, res.Problems[0].Title)
		})
	}
	// GFP_ATOMIC does not.
	_, res := once(t, func(x *env) {
		x.T.PreemptDisable()
		x.call("kmalloc", 8, gfpAtomic)
		x.T.PreemptEnable()
	})
	assert.Empty(t, res.Problems)
}

// Under memory pressure, GFP_ATOMIC may fail (with the allocation-failure warning)
// and GFP_KERNEL may sleep in reclaim: both are explored.
func TestAllocPressure(t *testing.T) {
	var got []int64
	r := explore(t, ksync.Config{MemoryPressure: true}, func(x *env) {
		got = append(got, x.call("kmalloc", 64, gfpAtomic))
	})
	require.Len(t, got, 2)
	assert.Contains(t, got, int64(0))
	joined := strings.Join(r.dmesgs, "")
	assert.Contains(t, joined, "insmod: page allocation failure: order:0, mode:0x820(GFP_ATOMIC)")

	got = nil
	explore(t, ksync.Config{MemoryPressure: true}, func(x *env) {
		got = append(got, x.call("kmalloc", 64, gfpKernel|int64(ksync.GFPNoWarn)))
	})
	require.Len(t, got, 2)
	assert.NotContains(t, got, int64(0), "GFP_KERNEL reclaims, it does not fail")
}

// LKMPG's kmem_cache.c, as its init and exit functions call the API.
func TestKmemCacheLifecycle(t *testing.T) {
	dmesg, res := once(t, func(x *env) {
		flags := int64(ksync.SlabHWCacheAlign)
		c := x.call("kmem_cache_create", x.lit("my_custom_cache"), 36, 0, flags, 0)
		require.NotZero(t, c)
		o1 := x.call("kmem_cache_alloc", c, gfpKernel)
		o2 := x.call("kmem_cache_alloc", c, gfpKernel)
		require.NotZero(t, o1)
		require.NotZero(t, o2)
		assert.EqualValues(t, 64, o2-o1, "36-byte objects, cache-line aligned, with KASAN's metadata")
		x.T.StoreAt(uint64(o1), 4, 1)
		x.T.StoreAt(uint64(o2), 4, 2)
		assert.EqualValues(t, 36, x.call("ksize", o1))
		z := x.call("kmem_cache_zalloc", c, gfpKernel)
		x.call("kfree", z) // kfree frees kmem_cache objects too (6.4 and later)
		x.call("kmem_cache_free", c, o1)
		x.call("kmem_cache_free", c, o2)
		x.call("kmem_cache_destroy", c)
		x.call("kmem_cache_destroy", 0)
	})
	assert.Empty(t, res.Problems)
	assert.Empty(t, dmesg)
}

func TestKmemCacheCreateFails(t *testing.T) {
	dmesg, _ := once(t, func(x *env) {
		assert.Zero(t, x.call("kmem_cache_create", 0, 8, 0, 0, 0))
		assert.Zero(t, x.call("kmem_cache_create", x.lit("bad"), 8, 0, 1<<30, 0))
	})
	assert.Contains(t, dmesg, "__kmem_cache_create_args((null)) failed with error -12\n")
	assert.Contains(t, dmesg, "__kmem_cache_create_args(bad) failed with error -22\n")
}

// Reports of the memory family, pinned as golden files.
func TestMemoryReports(t *testing.T) {
	cases := []struct {
		name string
		body func(x *env)
	}{
		// kmem_cache_destroy with objects still allocated (mm/slub.c
		// list_slab_objects, then mm/slab_common.c's WARN).
		{"kmem-cache-objects-remaining", func(x *env) {
			c := x.call("kmem_cache_create", x.lit("my_cache"), 36, 0, int64(ksync.SlabHWCacheAlign), 0)
			x.call("kmem_cache_alloc", c, gfpKernel)
			x.call("kmem_cache_alloc", c, gfpKernel)
			x.T.At("m.c:9")
			x.call("kmem_cache_destroy", c)
		}},
		{"kmem-cache-use-after-free", func(x *env) {
			c := x.call("kmem_cache_create", x.lit("my_cache"), 36, 0, 0, 0)
			o := x.call("kmem_cache_alloc", c, gfpKernel)
			x.call("kmem_cache_free", c, o)
			x.T.At("m.c:7")
			x.T.LoadAt(uint64(o)+4, 4)
		}},
		{"kmem-cache-wrong-cache", func(x *env) {
			c := x.call("kmem_cache_create", x.lit("my_cache"), 36, 0, 0, 0)
			p := x.call("kmalloc", 36, gfpKernel)
			x.T.At("m.c:4")
			x.call("kmem_cache_free", c, p)
		}},
		{"kfree-invalid", func(x *env) {
			p := x.call("kmalloc", 40, gfpKernel)
			x.T.At("m.c:3")
			x.call("kfree", p+8)
		}},
		{"kfree-global", func(x *env) {
			g := x.K.NewObject("counter", 4, ksync.RegionStatic)
			x.T.At("m.c:5")
			x.call("kfree", int64(g.Addr()))
		}},
		{"kmalloc-large-use-after-free", func(x *env) {
			p := x.call("kmalloc", 10000, gfpKernel)
			x.call("kfree", p)
			x.T.At("m.c:6")
			x.T.StoreAt(uint64(p)+8, 8, 1)
		}},
		{"krealloc-freed", func(x *env) {
			p := x.call("kmalloc", 8, gfpKernel)
			x.call("kfree", p)
			x.T.At("m.c:2")
			assert.Zero(x.t, x.call("krealloc", p, 64, gfpKernel))
		}},
		{"vfree-twice", func(x *env) {
			p := x.call("vmalloc", 100)
			x.call("vfree", p)
			x.T.At("m.c:3")
			x.call("vfree", p)
		}},
		{"alloc-failure-atomic", func(x *env) {
			x.T.At("m.c:8")
			// Past the model's memory: the allocation fails, with warn_alloc.
			for i := 0; i < 17; i++ {
				x.call("kmalloc", 4<<20, gfpAtomic)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dmesg, _ := once(t, c.body)
			golden(t, "mem-"+c.name, dmesg)
		})
	}
}

func TestConstArg(t *testing.T) {
	for text, want := range map[string]bool{
		"sizeof(*p)": true, "sizeof(struct my_dev)": true, "64": true, "BUF_SIZE * 2": true,
		"sizeof *dev": true, "n": false, "len + 1": false, "sizeof(x) * n": false, "0x10": true,
		"count * sizeof(struct item)": false,
	} {
		c := &interp.Call{Site: &interp.Site{ArgText: []string{text}}}
		assert.Equal(t, want, constArg(c, 0), text)
	}
}

// KASAN's report for each region an object can live in, with the access's real
// size, and for the checked ranges of memset/memcpy and the byte checks of the
// instrumented string functions.
func TestKasanReports(t *testing.T) {
	cases := []struct {
		name string
		body func(x *env)
	}{
		{"slab-out-of-bounds-read4", func(x *env) {
			p := x.call("kmalloc", 10, gfpKernel)
			x.T.At("m.c:3")
			x.T.LoadAt(uint64(p)+8, 4)
		}},
		{"slab-out-of-bounds-between", func(x *env) {
			x.call("kmalloc", 16, gfpKernel)
			p := x.call("kmalloc", 16, gfpKernel)
			x.T.At("m.c:4")
			x.T.StoreAt(uint64(p)-8, 8, 0)
		}},
		{"global-out-of-bounds", func(x *env) {
			g := x.K.NewObject("table", 20, ksync.RegionStatic)
			x.K.NewObject("next", 8, ksync.RegionStatic)
			x.T.At("m.c:12")
			x.T.LoadAt(g.Addr()+20, 4)
		}},
		{"stack-out-of-bounds", func(x *env) {
			s := x.T.NewStack("buf", 12)
			s.Escape()
			x.T.At("m.c:7")
			x.T.StoreAt(s.Addr()+12, 2, 0)
		}},
		{"vmalloc-out-of-bounds", func(x *env) {
			p := x.call("vmalloc", 100)
			x.T.At("m.c:5")
			x.T.LoadAt(uint64(p)+100, 1)
		}},
		// After vfree the area is unmapped: KASAN reports, then the access faults.
		{"vmalloc-use-after-free", func(x *env) {
			p := x.call("vmalloc", 100)
			x.call("vfree", p)
			x.T.At("m.c:6")
			x.T.LoadAt(uint64(p), 8)
		}},
		{"rodata-write", func(x *env) {
			s := x.lit("const")
			x.T.At("m.c:2")
			x.T.StoreAt(uint64(s), 1, 'C')
		}},
		{"memset-null", func(x *env) {
			x.T.At("m.c:9")
			assert.Zero(x.t, x.call("memset", 0, 0, 16))
		}},
		{"memcpy-out-of-bounds", func(x *env) {
			d := x.call("kmalloc", 8, gfpKernel)
			x.T.At("m.c:4")
			assert.Zero(x.t, x.call("memcpy", d, x.lit("0123456789abcdef"), 16), "a bad range: nothing copied, NULL")
		}},
		{"strcpy-out-of-bounds", func(x *env) {
			d := x.call("kmalloc", 4, gfpKernel)
			x.T.At("m.c:3")
			x.call("strcpy", d, x.lit("hello"))
		}},
		{"strlen-use-after-free", func(x *env) {
			s := x.call("kstrdup", x.lit("gone"), gfpKernel)
			x.call("kfree", s)
			x.T.At("m.c:8")
			x.call("strlen", s)
		}},
		{"printk-string-use-after-free", func(x *env) {
			s := x.call("kstrdup", x.lit("name"), gfpKernel)
			x.call("kfree", s)
			x.T.At("m.c:4")
			x.call("_printk", x.lit("\0016dev %s\n"), s)
		}},
		{"zero-size-ptr", func(x *env) {
			p := x.call("kmalloc", 0, gfpKernel)
			x.T.At("m.c:2")
			x.T.StoreAt(uint64(p), 4, 1)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dmesg, _ := once(t, c.body)
			golden(t, "kasan-"+c.name, dmesg)
		})
	}
}

// A local of a frame that has returned: KASAN_GENERIC has no use-after-return
// detection in the kernel, so the access is silent, as there.
func TestStackUseAfterReturnSilent(t *testing.T) {
	dmesg, res := once(t, func(x *env) {
		s := x.T.NewStack("local", 8)
		s.Escape()
		x.T.StoreAt(s.Addr(), 8, 42)
		// The interpreter frees a frame's locals when it returns.
		x.T.FreeStack(s)
		assert.EqualValues(t, 42, x.T.LoadAt(s.Addr(), 8))
	})
	assert.Empty(t, res.Problems)
	assert.Empty(t, dmesg)
}

// LKMPG's kmem_cache.c (/work/shared/corpus/lkmpg), its calls in order: init then
// exit, with its messages.
func TestLKMPGKmemCache(t *testing.T) {
	var o1, o2 int64
	dmesg, res := once(t, func(x *env) {
		pr := func(f string, args ...int64) { x.call("_printk", append([]int64{x.lit("\0016" + f)}, args...)...) }
		pr("kmem_cache_example: Initializing module\n")
		c := x.call("kmem_cache_create", x.lit("my_custom_cache"), 36, 0, int64(ksync.SlabHWCacheAlign), 0)
		o1 = x.call("kmem_cache_alloc", c, gfpKernel)
		o2 = x.call("kmem_cache_alloc", c, gfpKernel)
		x.T.StoreAt(uint64(o1), 4, 1)
		x.T.StoreAt(uint64(o2), 4, 2)
		pr("kmem_cache_example: Allocated obj1 at %p (id: %d)\n", o1, int64(x.T.LoadAt(uint64(o1), 4)))
		pr("kmem_cache_example: Allocated obj2 at %p (id: %d)\n", o2, int64(x.T.LoadAt(uint64(o2), 4)))
		x.call("kmem_cache_free", c, o1)
		x.call("kmem_cache_free", c, o2)
		x.call("kmem_cache_destroy", c)
		pr("kmem_cache_example: Cleaned up and exited\n")
	})
	assert.Empty(t, res.Problems)
	hash := func(p int64) string { return fmt.Sprintf("%016x", ksync.HashPointer(uint64(p))) }
	assert.Equal(t, "kmem_cache_example: Initializing module\n"+
		"kmem_cache_example: Allocated obj1 at "+hash(o1)+" (id: 1)\n"+
		"kmem_cache_example: Allocated obj2 at "+hash(o2)+" (id: 2)\n"+
		"kmem_cache_example: Cleaned up and exited\n", dmesg)
}

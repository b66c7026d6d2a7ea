package kapi

import (
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// The memory family: kmalloc and its kin, kmem_cache_*, vmalloc (include/linux/
// slab.h, linux/vmalloc.h, linux/string.h of 6.12). The allocators are ksync's:
// might_sleep in atomic context, memory pressure's choices, KASAN on what they
// return.

func init() {
	gfp := func(name string, v ksync.GFP) Define {
		return Define{Header: "linux/gfp_types.h", Name: name, Value: int64(v)}
	}
	define(
		gfp("__GFP_DMA", ksync.GFPDMA), gfp("__GFP_HIGHMEM", ksync.GFPHighmem),
		gfp("__GFP_DMA32", ksync.GFPDMA32), gfp("__GFP_MOVABLE", ksync.GFPMovable),
		gfp("__GFP_HIGH", ksync.GFPHigh), gfp("__GFP_IO", ksync.GFPIO), gfp("__GFP_FS", ksync.GFPFS),
		gfp("__GFP_ZERO", ksync.GFPZero), gfp("__GFP_DIRECT_RECLAIM", ksync.GFPDirectReclaim),
		gfp("__GFP_KSWAPD_RECLAIM", ksync.GFPKswapdReclaim), gfp("__GFP_RECLAIM", ksync.GFPReclaim),
		gfp("__GFP_NOWARN", ksync.GFPNoWarn), gfp("__GFP_RETRY_MAYFAIL", ksync.GFPRetryMayfail),
		gfp("__GFP_NOFAIL", ksync.GFPNoFail), gfp("__GFP_NORETRY", ksync.GFPNoRetry),
		gfp("__GFP_MEMALLOC", ksync.GFPMemalloc), gfp("__GFP_COMP", ksync.GFPComp),
		gfp("__GFP_NOMEMALLOC", ksync.GFPNoMemalloc), gfp("__GFP_HARDWALL", ksync.GFPHardwall),
		gfp("__GFP_ACCOUNT", ksync.GFPAccount),
		gfp("GFP_ATOMIC", ksync.GFPAtomic), gfp("GFP_KERNEL", ksync.GFPKernel),
		gfp("GFP_KERNEL_ACCOUNT", ksync.GFPKernelAccount), gfp("GFP_NOWAIT", ksync.GFPNoWait),
		gfp("GFP_NOIO", ksync.GFPNoIO), gfp("GFP_NOFS", ksync.GFPNoFS), gfp("GFP_USER", ksync.GFPUser),
		gfp("GFP_DMA", ksync.GFPDMA), gfp("GFP_DMA32", ksync.GFPDMA32),
	)
	slab := func(name string, v uint32) Define {
		return Define{Header: "linux/slab.h", Name: name, Value: int64(v)}
	}
	define(
		slab("SLAB_CONSISTENCY_CHECKS", ksync.SlabConsistencyChecks), slab("SLAB_RED_ZONE", ksync.SlabRedZone),
		slab("SLAB_POISON", ksync.SlabPoison), slab("SLAB_HWCACHE_ALIGN", ksync.SlabHWCacheAlign),
		slab("SLAB_CACHE_DMA", ksync.SlabCacheDMA), slab("SLAB_CACHE_DMA32", ksync.SlabCacheDMA32),
		slab("SLAB_STORE_USER", ksync.SlabStoreUser), slab("SLAB_PANIC", ksync.SlabPanic),
		slab("SLAB_TYPESAFE_BY_RCU", ksync.SlabTypesafeByRCU), slab("SLAB_TRACE", ksync.SlabTrace),
		slab("SLAB_NOLEAKTRACE", ksync.SlabNoLeakTrace), slab("SLAB_NO_MERGE", ksync.SlabNoMerge),
		slab("SLAB_ACCOUNT", ksync.SlabAccount), slab("SLAB_NO_USER_FLAGS", ksync.SlabNoUserFlags),
		slab("SLAB_SKIP_KFENCE", ksync.SlabSkipKfence), slab("SLAB_RECLAIM_ACCOUNT", ksync.SlabReclaimAccount),
		slab("SLAB_MEM_SPREAD", 0), // removed in 6.9; 0 as __SLAB_FLAG_UNUSED, for older code
	)

	register(
		interp.Builtin{Name: "kmalloc", Header: "linux/slab.h",
			Decl: "void *kmalloc(size_t size, gfp_t flags);", Impl: kmallocImpl("kmalloc")},
		interp.Builtin{Name: "kzalloc", Header: "linux/slab.h",
			Decl: "void *kzalloc(size_t size, gfp_t flags);", Impl: kmallocImpl("kzalloc")},
		interp.Builtin{Name: "kvmalloc", Header: "linux/slab.h",
			Decl: "void *kvmalloc(size_t size, gfp_t flags);", Impl: kmallocImpl("kvmalloc")},
		interp.Builtin{Name: "kvzalloc", Header: "linux/slab.h",
			Decl: "void *kvzalloc(size_t size, gfp_t flags);", Impl: kmallocImpl("kvzalloc")},
		interp.Builtin{Name: "kcalloc", Header: "linux/slab.h",
			Decl: "void *kcalloc(size_t n, size_t size, gfp_t flags);", Impl: kmallocArray("kcalloc")},
		interp.Builtin{Name: "kmalloc_array", Header: "linux/slab.h",
			Decl: "void *kmalloc_array(size_t n, size_t size, gfp_t flags);", Impl: kmallocArray("kmalloc_array")},
		interp.Builtin{Name: "krealloc", Header: "linux/slab.h",
			Decl: "void *krealloc(const void *p, size_t new_size, gfp_t flags);", Impl: krealloc},
		interp.Builtin{Name: "kfree", Header: "linux/slab.h",
			Decl: "void kfree(const void *objp);", Impl: func(c *interp.Call) int64 { c.T.KfreeAt(c.Addr(0)); return 0 }},
		interp.Builtin{Name: "kvfree", Header: "linux/slab.h",
			Decl: "void kvfree(const void *addr);", Impl: func(c *interp.Call) int64 { c.T.KvfreeAt(c.Addr(0)); return 0 }},
		interp.Builtin{Name: "ksize", Header: "linux/slab.h",
			Decl: "size_t ksize(const void *objp);", Impl: func(c *interp.Call) int64 { return int64(c.T.Ksize(c.Addr(0))) }},
		interp.Builtin{Name: "vmalloc", Header: "linux/vmalloc.h",
			Decl: "void *vmalloc(unsigned long size);", Impl: vmallocImpl("vmalloc")},
		interp.Builtin{Name: "vzalloc", Header: "linux/vmalloc.h",
			Decl: "void *vzalloc(unsigned long size);", Impl: vmallocImpl("vzalloc")},
		interp.Builtin{Name: "vfree", Header: "linux/vmalloc.h",
			Decl: "void vfree(const void *addr);", Impl: func(c *interp.Call) int64 { c.T.Vfree(c.Addr(0)); return 0 }},
		interp.Builtin{Name: "kstrdup", Header: "linux/string.h",
			Decl: "char *kstrdup(const char *s, gfp_t gfp);", Impl: kstrdup},
		interp.Builtin{Name: "kmemdup", Header: "linux/string.h",
			Decl: "void *kmemdup(const void *src, size_t len, gfp_t gfp);", Impl: kmemdup},
		interp.Builtin{Name: "kmem_cache_create", Header: "linux/slab.h",
			Decl: "struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags, void (*ctor)(void *));",
			Impl: kmemCacheCreate},
		interp.Builtin{Name: "kmem_cache_alloc", Header: "linux/slab.h",
			Decl: "void *kmem_cache_alloc(struct kmem_cache *cachep, gfp_t flags);", Impl: kmemCacheAlloc(0)},
		interp.Builtin{Name: "kmem_cache_zalloc", Header: "linux/slab.h",
			Decl: "void *kmem_cache_zalloc(struct kmem_cache *k, gfp_t flags);", Impl: kmemCacheAlloc(ksync.GFPZero)},
		interp.Builtin{Name: "kmem_cache_free", Header: "linux/slab.h",
			Decl: "void kmem_cache_free(struct kmem_cache *s, void *objp);", Impl: kmemCacheFree},
		interp.Builtin{Name: "kmem_cache_destroy", Header: "linux/slab.h",
			Decl: "void kmem_cache_destroy(struct kmem_cache *s);", Impl: kmemCacheDestroy},
	)
}

// size is argument i as a size_t the allocators take: a value past any size they
// accept (a negative int converted) is -1, which they refuse as too large.
func size(c *interp.Call, i int) int {
	v := uint64(c.Args[i])
	if v > 1<<40 {
		return -1
	}
	return int(v)
}

// constArg reports whether argument i is a compile-time constant, as gcc's
// __builtin_constant_p sees it after inlining: kmalloc_noprof chooses the
// allocator by it. The site's text decides: literals, sizeof, operators and
// upper-case names (macros, enumerators); an argument without text counts as
// constant, as most sizes in drivers are sizeof.
func constArg(c *interp.Call, i int) bool {
	if c.Site == nil || i >= len(c.Site.ArgText) {
		return true
	}
	s := c.Site.ArgText[i]
	for j := 0; j < len(s); {
		ch := s[j]
		switch {
		case ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			k := j
			for k < len(s) && (s[k] == '_' || isAlnum(s[k])) {
				k++
			}
			word := s[j:k]
			switch {
			case word == "sizeof" || word == "struct" || word == "union":
				if word == "sizeof" {
					// sizeof(...) is constant whatever it names: skip its operand.
					k = skipOperand(s, k)
				}
			case strings.ToUpper(word) == word:
			default:
				return false
			}
			j = k
		case isDigit(ch):
			for j < len(s) && isAlnum(s[j]) {
				j++
			}
		default:
			j++
		}
	}
	return true
}

// skipOperand skips the operand of sizeof at s[i:]: a parenthesised group, or one
// unary expression up to an operator.
func skipOperand(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i < len(s) && s[i] == '(' {
		depth := 0
		for ; i < len(s); i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(s) && (s[i] == '*' || s[i] == '_' || s[i] == '.' || s[i] == '-' && i+1 < len(s) && s[i+1] == '>' || s[i] == '>' || isAlnum(s[i])) {
		i++
	}
	return i
}

func kmallocImpl(fn string) func(c *interp.Call) int64 {
	return func(c *interp.Call) int64 {
		return int64(c.T.KmallocAt(ksync.KmallocCall{Fn: fn, Size: size(c, 0), GFP: ksync.GFP(c.Args[1]), Const: constArg(c, 0)}))
	}
}

// kmallocArray is kmalloc_array_noprof and kcalloc (include/linux/slab.h): NULL
// when n * size overflows (check_mul_overflow), else kmalloc of the product, a
// constant one when both operands are.
func kmallocArray(fn string) func(c *interp.Call) int64 {
	return func(c *interp.Call) int64 {
		n, sz := uint64(c.Args[0]), uint64(c.Args[1])
		if n != 0 && sz > ^uint64(0)/n {
			return 0
		}
		bytes := int(min(n*sz, 1<<40+1))
		if n*sz > 1<<40 {
			bytes = -1
		}
		return int64(c.T.KmallocAt(ksync.KmallocCall{Fn: fn, Size: bytes, GFP: ksync.GFP(c.Args[2]), Const: constArg(c, 0) && constArg(c, 1)}))
	}
}

func krealloc(c *interp.Call) int64 {
	return int64(c.T.KreallocAt(c.Addr(0), size(c, 1), ksync.GFP(c.Args[2])))
}

func vmallocImpl(fn string) func(c *interp.Call) int64 {
	return func(c *interp.Call) int64 { return int64(c.T.VmallocAt(fn, size(c, 0), ksync.GFPKernel)) }
}

// kstrdup is mm/util.c kstrdup_noprof: NULL for NULL; strlen, kmalloc_track_caller
// of the length and its NUL, memcpy.
func kstrdup(c *interp.Call) int64 {
	src := c.Addr(0)
	if src == 0 {
		return 0
	}
	s, ok := c.T.StringIn("strlen", src, maxString)
	if !ok {
		return 0
	}
	p := c.T.KmallocAt(ksync.KmallocCall{Fn: "kstrdup", Size: len(s) + 1, GFP: ksync.GFP(c.Args[1])})
	if p != 0 {
		c.T.StoreBytes("memcpy", p, append(s, 0))
	}
	return int64(p)
}

// kmemdup is mm/util.c kmemdup_noprof: kmalloc_track_caller, then memcpy (with
// KASAN's check of the source range).
func kmemdup(c *interp.Call) int64 {
	n := size(c, 1)
	p := c.T.KmallocAt(ksync.KmallocCall{Fn: "kmemdup", Size: n, GFP: ksync.GFP(c.Args[2])})
	if p != 0 && p != ksync.ZeroSizePtr && n > 0 {
		memcpyIn(c.T, p, c.Addr(0), n)
	}
	return int64(p)
}

func kmemCacheCreate(c *interp.Call) int64 {
	nameAddr := c.Addr(0)
	name := ""
	if nameAddr != 0 {
		s, ok := c.T.StringIn("kstrdup_const", nameAddr, maxString)
		if !ok {
			return 0
		}
		name = string(s)
	}
	kc := c.T.KmemCacheCreate(name, nameAddr != 0, int(uint32(c.Args[1])), int(uint32(c.Args[2])), uint32(c.Args[3]))
	if kc == nil {
		return 0
	}
	if ctor := c.Addr(4); ctor != 0 && c.W != nil {
		if f := c.W.FuncAt(ctor); f != nil {
			w := c.W
			kc.SetCtor(func(t *ksync.Task, addr uint64) { w.Run(t, f, int64(addr)) })
		}
	}
	return int64(kc.Addr())
}

// cacheArg is the cache a struct kmem_cache pointer argument points at; for a
// pointer to anything else, the kernel's read of the struct (NULL's oops, KASAN)
// and nil.
func cacheArg(c *interp.Call, i int) *ksync.KmemCache {
	if kc := c.K().KmemCacheAt(c.Addr(i)); kc != nil {
		return kc
	}
	c.T.LoadAt(c.Addr(i), 8)
	return nil
}

func kmemCacheAlloc(extra ksync.GFP) func(c *interp.Call) int64 {
	return func(c *interp.Call) int64 {
		kc := cacheArg(c, 0)
		if kc == nil {
			return 0
		}
		return int64(c.T.KmemCacheAlloc(kc, ksync.GFP(c.Args[1])|extra))
	}
}

func kmemCacheFree(c *interp.Call) int64 {
	kc := c.K().KmemCacheAt(c.Addr(0))
	c.T.KmemCacheFree(kc, c.Addr(1))
	return 0
}

func kmemCacheDestroy(c *interp.Call) int64 {
	if c.Addr(0) == 0 {
		return 0 // kmem_cache_destroy(NULL) does nothing
	}
	if kc := cacheArg(c, 0); kc != nil {
		c.T.KmemCacheDestroy(kc)
	}
	return 0
}

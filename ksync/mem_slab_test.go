package ksync

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cache's layout follows calculate_alignment, kasan_cache_create and
// calculate_order.
func TestKmemCacheLayout(t *testing.T) {
	for _, c := range []struct {
		size, align int
		flags       uint32
		slot, order int
		per         int
	}{
		{36, 0, SlabHWCacheAlign, 64, 0, 64},
		{8, 0, 0, 32, 0, 128},
		{16, 0, SlabHWCacheAlign, 48, 0, 85},
		{200, 0, 0, 264, 0, 15},
		{1000, 0, 0, 1128, 2, 14},
		{100, 128, 0, 256, 0, 16},
	} {
		kc := &KmemCache{size: c.size, align: c.align, flags: c.flags}
		kc.layout(2)
		assert.Equal(t, c.slot, kc.slot, "slot of %d", c.size)
		assert.Equal(t, c.order, kc.order, "order of %d", c.size)
		assert.Equal(t, c.per, kc.per, "objects per slab of %d", c.size)
	}
}

// Objects fill a slab, slot by slot, then a new slab; the constructor runs on each
// object as it is handed out.
func TestKmemCacheSlabsAndCtor(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		k.KernelThread("m", func(tk *Task) {
			c := tk.KmemCacheCreate("c", true, 1000, 0, 0)
			var ctored []uint64
			c.SetCtor(func(ct *Task, addr uint64) {
				assert.Same(t, tk, ct)
				ctored = append(ctored, addr)
			})
			var addrs []uint64
			for range c.per + 1 {
				addrs = append(addrs, tk.KmemCacheAlloc(c, GFPKernel))
			}
			assert.Equal(t, addrs, ctored)
			for i := 1; i < c.per; i++ {
				assert.EqualValues(t, c.slot, addrs[i]-addrs[i-1])
			}
			assert.Zero(t, addrs[c.per]%(PageSize<<c.order), "a new slab starts on its order's alignment")
			require.Len(t, c.slabs, 2)
			for _, a := range addrs {
				tk.KmemCacheFree(c, a)
			}
			tk.KmemCacheDestroy(c)
			assert.True(t, c.buf.Freed())
		})
	})
	assert.Empty(t, res.Problems)
}

// A full slab is on no list without slub_debug: kmem_cache_destroy only warns.
func TestKmemCacheDestroyFullSlab(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		k.KernelThread("m", func(tk *Task) {
			c := tk.KmemCacheCreate("c", true, 1000, 0, 0)
			for range c.per {
				tk.KmemCacheAlloc(c, GFPKernel)
			}
			tk.At("x.c:4")
			tk.KmemCacheDestroy(c)
			assert.False(t, c.buf.Freed(), "a cache with objects is not released")
		})
	})
	require.Len(t, res.Problems, 1)
	assert.Equal(t, "WARNING: CPU: 0 PID: 2 at mm/slab_common.c:548 kmem_cache_destroy+0x13f/0x160", res.Problems[0].Title)
}

// A destroyed cache's struct is freed memory: destroying it again, or allocating
// from it, is KASAN's use-after-free of the kmem_cache object.
func TestKmemCacheUseAfterDestroy(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		k.KernelThread("m", func(tk *Task) {
			c := tk.KmemCacheCreate("c", true, 8, 0, 0)
			tk.KmemCacheDestroy(c)
			tk.At("x.c:3")
			assert.Zero(t, tk.KmemCacheAlloc(c, GFPKernel))
		})
	})
	require.Len(t, res.Problems, 1)
	r := res.Problems[0].Report
	assert.Contains(t, r, "BUG: KASAN: slab-use-after-free in x.c:3\nRead of size 8 at addr ")
	assert.Contains(t, r, " which belongs to the cache kmem_cache of size 256\n")
	assert.Contains(t, r, "Freed by task 2:\n kasan_save_stack\n kasan_save_track\n kasan_save_free_info\n __kasan_slab_free\n kmem_cache_free\n")
}

// HashPointer is hash_64_generic(ptr, 32).
func TestHashPointer(t *testing.T) {
	assert.Equal(t, uint64(0), HashPointer(0))
	assert.Equal(t, uint64(0x61C8864680B583EB)>>32, HashPointer(1))
	assert.Less(t, HashPointer(0xffff888100000000), uint64(1)<<32)
}

// An access past an object but inside its slot is KASAN's report, not a fault: the
// slot is the object's (a kmem_cache's s->size, a kmalloc cache's object size).
func TestSlotRedzone(t *testing.T) {
	res := explore(t, Config{}, func(k *Kernel) {
		k.KernelThread("m", func(tk *Task) {
			c := tk.KmemCacheCreate("big", true, 1000, 0, 0)
			p := tk.KmemCacheAlloc(c, GFPKernel)
			tk.At("x.c:3")
			tk.LoadAt(p+1100, 8)
			q := tk.KmallocAt(KmallocCall{Fn: "kmalloc", Size: 129, GFP: GFPKernel, Const: true})
			tk.LoadAt(q+180, 4) // kmalloc-192: silent now, but not a fault either
		})
	})
	require.Len(t, res.Problems, 1)
	assert.Equal(t, "BUG: KASAN: slab-out-of-bounds", res.Problems[0].Title)
	assert.Contains(t, res.Problems[0].Report, "The buggy address is located 100 bytes to the right of\n allocated 1000-byte region")
}

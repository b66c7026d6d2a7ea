/* ksim: slab allocation (include/linux/slab.h). kmalloc, kmem_cache_create ...
 * are functions of ksim's kernel API. The SLAB_* flags are 6.12's bits
 * (enum _slab_flag_bits). */
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/overflow.h>

struct kmem_cache;

#define SLAB_CONSISTENCY_CHECKS ((slab_flags_t)(1U << 0))
#define SLAB_RED_ZONE ((slab_flags_t)(1U << 1))
#define SLAB_POISON ((slab_flags_t)(1U << 2))
#define SLAB_KMALLOC ((slab_flags_t)(1U << 3))
#define SLAB_HWCACHE_ALIGN ((slab_flags_t)(1U << 4))
#define SLAB_CACHE_DMA ((slab_flags_t)(1U << 5))
#define SLAB_CACHE_DMA32 ((slab_flags_t)(1U << 6))
#define SLAB_STORE_USER ((slab_flags_t)(1U << 7))
#define SLAB_PANIC ((slab_flags_t)(1U << 8))
#define SLAB_TYPESAFE_BY_RCU ((slab_flags_t)(1U << 9))
#define SLAB_TRACE ((slab_flags_t)(1U << 10))

#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

#define KMEM_CACHE(__struct, __flags) \
	kmem_cache_create(#__struct, sizeof(struct __struct), __alignof__(struct __struct), (__flags), NULL)

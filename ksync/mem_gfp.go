package ksync

// More gfp_t bits of include/linux/gfp_types.h (6.12, enum ___GFP_*_BIT), for the
// flags modules pass that the model does not act on: zone modifiers, cgroup
// accounting, cpuset hardwall.
const (
	GFPDMA        GFP = 1 << 0  // __GFP_DMA
	GFPHighmem    GFP = 1 << 1  // __GFP_HIGHMEM
	GFPDMA32      GFP = 1 << 2  // __GFP_DMA32
	GFPMovable    GFP = 1 << 3  // __GFP_MOVABLE
	GFPMemalloc   GFP = 1 << 17 // __GFP_MEMALLOC
	GFPNoMemalloc GFP = 1 << 19 // __GFP_NOMEMALLOC
	GFPHardwall   GFP = 1 << 20 // __GFP_HARDWALL
	GFPAccount    GFP = 1 << 22 // __GFP_ACCOUNT

	GFPKernelAccount GFP = GFPKernel | GFPAccount                   // GFP_KERNEL_ACCOUNT
	GFPUser          GFP = GFPReclaim | GFPIO | GFPFS | GFPHardwall // GFP_USER
)

// Errno values the string functions return (include/uapi/asm-generic/errno-base.h).
const (
	E2BIG  = 7  // strscpy: the string was cut
	ERANGE = 34 // kstrto*: the value does not fit
)

/* ksim: include/linux/kernel.h and what it gathers (align.h, array_size.h,
 * wordpart.h ...). */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/limits.h>
#include <linux/container_of.h>
#include <linux/minmax.h>
#include <linux/math.h>
#include <linux/build_bug.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <linux/err.h>

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ALIGN((x) - ((a) - 1), (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define PTR_ALIGN(p, a) ((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define upper_16_bits(n) ((u16)((n) >> 16))
#define lower_16_bits(n) ((u16)((n) & 0xffff))
#define FIELD_SIZEOF(t, f) (sizeof(((t *)0)->f))
#define REPEAT_BYTE(x) ((~0ul / 0xff) * (x))

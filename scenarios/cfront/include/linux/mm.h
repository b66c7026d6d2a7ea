/* ksim: memory management: PAGE_SIZE and friends. */
#include <linux/types.h>
#include <linux/gfp.h>
#include <asm/page.h>
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)

/* ksim: include/linux/err.h. IS_ERR, PTR_ERR, ERR_PTR ... are functions of
 * ksim's kernel API. */
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/errno.h>
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)

/* ksim: memset, memcpy, strscpy ... are functions of ksim's kernel API. */
#include <linux/types.h>
#include <linux/compiler.h>

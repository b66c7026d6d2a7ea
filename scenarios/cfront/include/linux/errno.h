/* ksim: error numbers (EPERM ... ERESTARTSYS), the kernel's values. */
#include <uapi/asm-generic/errno.h>

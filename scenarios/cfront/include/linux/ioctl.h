#include <uapi/asm-generic/ioctl.h>

#include <uapi/asm-generic/fcntl.h>

package kapi

import "github.com/ksim-dev/ksim/ksync"

// The error numbers the kernel model itself returns (down_interruptible's -EINTR,
// strscpy's -E2BIG ...), defined from ksync's values so that a module compares
// against exactly what the model returns. The header defines the others.
func init() {
	const h = "uapi/asm-generic/errno.h"
	define(
		Define{h, "EINTR", ksync.EINTR},
		Define{h, "E2BIG", ksync.E2BIG},
		Define{h, "EAGAIN", ksync.EAGAIN},
		Define{h, "ENOMEM", ksync.ENOMEM},
		Define{h, "EBUSY", ksync.EBUSY},
		Define{h, "EINVAL", ksync.EINVAL},
		Define{h, "ERANGE", ksync.ERANGE},
		Define{h, "ETIME", ksync.ETIME},
		Define{h, "ERESTARTSYS", ksync.ERESTARTSYS},
	)
}

package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Time in jiffies (include/linux/jiffies.h, kernel/time/time.c) at ksim's HZ
// (ksync.HZ, 250: MSEC_PER_SEC and USEC_PER_SEC are multiples of it, so the
// kernel's conversions are the simple divisions below). jiffies itself is a global
// the interpreter reads from the kernel; time_after and its kin are the header's
// macros.

const (
	msecPerJiffy = 1000 / ksync.HZ    // MSEC_PER_SEC / HZ
	usecPerJiffy = 1000000 / ksync.HZ // USEC_PER_SEC / HZ
)

// msecsToJiffies is msecs_to_jiffies(m) (__msecs_to_jiffies, kernel/time/time.c):
// a negative int is MAX_JIFFY_OFFSET; otherwise rounded up.
func msecsToJiffies(m uint32) int64 {
	if int32(m) < 0 {
		return ksync.MaxJiffyOffset
	}
	return (int64(m) + msecPerJiffy - 1) / msecPerJiffy
}

// jiffiesToMsecs is jiffies_to_msecs(j): an unsigned int.
func jiffiesToMsecs(j uint64) int64 { return int64(uint32(msecPerJiffy * j)) }

// jiffiesToUsecs is jiffies_to_usecs(j): an unsigned int.
func jiffiesToUsecs(j uint64) int64 { return int64(uint32(usecPerJiffy * j)) }

// usecsToJiffies is usecs_to_jiffies(u) (__usecs_to_jiffies): past
// jiffies_to_usecs(MAX_JIFFY_OFFSET) it is MAX_JIFFY_OFFSET; otherwise rounded up.
func usecsToJiffies(u uint32) int64 {
	if int64(u) > jiffiesToUsecs(ksync.MaxJiffyOffset) {
		return ksync.MaxJiffyOffset
	}
	return (int64(u) + usecPerJiffy - 1) / usecPerJiffy
}

func init() {
	register(
		interp.Builtin{Name: "msecs_to_jiffies", Header: "linux/jiffies.h",
			Decl: "unsigned long msecs_to_jiffies(const unsigned int m);",
			Impl: func(c *interp.Call) int64 { return msecsToJiffies(uint32(c.Args[0])) }},
		interp.Builtin{Name: "jiffies_to_msecs", Header: "linux/jiffies.h",
			Decl: "unsigned int jiffies_to_msecs(const unsigned long j);",
			Impl: func(c *interp.Call) int64 { return jiffiesToMsecs(c.Addr(0)) }},
		interp.Builtin{Name: "usecs_to_jiffies", Header: "linux/jiffies.h",
			Decl: "unsigned long usecs_to_jiffies(const unsigned int u);",
			Impl: func(c *interp.Call) int64 { return usecsToJiffies(uint32(c.Args[0])) }},
		interp.Builtin{Name: "jiffies_to_usecs", Header: "linux/jiffies.h",
			Decl: "unsigned int jiffies_to_usecs(const unsigned long j);",
			Impl: func(c *interp.Call) int64 { return jiffiesToUsecs(c.Addr(0)) }},
		interp.Builtin{Name: "get_jiffies_64", Header: "linux/jiffies.h",
			Decl: "unsigned long long get_jiffies_64(void);",
			// On 64-bit, jiffies_64 read whole: the clock the interpreter's
			// jiffies reads, counted as a read of it (await.go).
			Impl: func(c *interp.Call) int64 {
				c.T.ReadClock()
				return int64(c.T.Kernel().Jiffies())
			}},
	)
}

package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// User memory access (include/linux/uaccess.h, arch/x86/include/asm/uaccess.h,
// lib/usercopy.c of 6.12). A user buffer is memory of the simulated process that
// made the system call (ksync.Task.UserAlloc); the kernel reaches it only through
// these functions. They may fault and sleep: might_fault() (mm/memory.c
// __might_fault), so called in atomic context they are the sleeping-function BUG,
// and lockdep learns that the mmap_lock may be taken under the locks held. A user
// pointer outside the process's memory is what the kernel's exception table turns
// into -EFAULT (or a short copy); one past TASK_SIZE_MAX fails access_ok.

const fopsEFAULT = 14

func init() {
	h := "linux/uaccess.h"
	register(
		interp.Builtin{Name: "copy_to_user", Header: h,
			Decl: "unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);",
			Impl: copyToUser},
		interp.Builtin{Name: "copy_from_user", Header: h,
			Decl: "unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);",
			Impl: copyFromUser},
		// get_user, put_user, __get_user and __put_user are macros of the header
		// over these: the value goes by value, get_user's error comes after.
		interp.Builtin{Name: "__ksim_get_user", Header: h,
			Decl: "unsigned long long __ksim_get_user(const volatile void __user *ptr, unsigned long size, int check);",
			Impl: getUser},
		interp.Builtin{Name: "__ksim_uaccess_err", Header: h,
			Decl: "int __ksim_uaccess_err(void);",
			Impl: func(c *interp.Call) int64 { return int64(c.T.UaccessErr()) }},
		interp.Builtin{Name: "__ksim_put_user", Header: h,
			Decl: "int __ksim_put_user(unsigned long long x, volatile void __user *ptr, unsigned long size, int check);",
			Impl: putUser},
	)
}

// copyToUser is copy_to_user(to, from, n): _copy_to_user -> _inline_copy_to_user
// (x86-64 does not inline it): might_fault, access_ok, KASAN's check of the
// source (instrument_copy_to_user), then raw_copy_to_user, which stops at the first
// byte it cannot write. It returns the bytes not copied.
func copyToUser(c *interp.Call) int64 {
	t, to, from, n := c.T, c.Addr(0), c.Addr(1), uint64(c.Args[2])
	t.MightFault("include/linux/uaccess.h:192", "_copy_to_user")
	if t.State() == ksync.Dead || !ksync.AccessOK(to, n) {
		return int64(n)
	}
	if n > 0 && !t.KasanCheckRange(from, int(min(n, 1<<30)), false) {
		return int64(n) // ksim: after KASAN's report the copy is not made (see memcpyIn)
	}
	dst := t.UserBytes(to, int(min(n, 1<<30)))
	if len(dst) == 0 {
		return int64(n)
	}
	src := t.LoadBytes("copy_to_user", from, len(dst))
	if t.State() == ksync.Dead {
		return int64(n)
	}
	copy(dst, src)
	return int64(n) - int64(len(dst))
}

// copyFromUser is copy_from_user(to, from, n): _copy_from_user ->
// _inline_copy_from_user: might_fault, access_ok, KASAN's check of the
// destination, raw_copy_from_user up to the first byte it cannot read, and the
// rest of the destination zeroed. It returns the bytes not copied.
func copyFromUser(c *interp.Call) int64 {
	t, to, from, n := c.T, c.Addr(0), c.Addr(1), uint64(c.Args[2])
	t.MightFault("include/linux/uaccess.h:162", "_copy_from_user")
	if t.State() == ksync.Dead || n == 0 {
		return 0
	}
	if n > 1<<30 || !t.KasanCheckRange(to, int(n), true) {
		return int64(n) // ksim: after KASAN's report nothing is written
	}
	var src []byte
	if ksync.AccessOK(from, n) {
		src = t.UserBytes(from, int(n))
	}
	buf := make([]byte, n) // what lands in the destination: the copy, then zeroes
	copy(buf, src)
	t.StoreBytes("copy_from_user", to, buf)
	return int64(n) - int64(len(src))
}

// getUser is get_user(x, ptr) (check 1: might_fault, then __get_user_N, which
// fails an address past TASK_SIZE_MAX) and __get_user (check 0:
// __get_user_nocheck_N: no might_fault, no range check: a kernel address is read
// as kernel memory). A fault gives -EFAULT and the value 0.
func getUser(c *interp.Call) int64 {
	t, ptr, size := c.T, c.Addr(0), int(c.Args[1])
	check := c.Args[2] != 0
	if check {
		t.MightFault("")
		if t.State() == ksync.Dead {
			return 0
		}
	}
	if !check && !ksync.AccessOK(ptr, uint64(size)) {
		t.SetUaccessErr(0)
		return int64(t.LoadAt(ptr, size))
	}
	b := t.UserBytes(ptr, size)
	if !ksync.AccessOK(ptr, uint64(size)) || len(b) < size {
		t.SetUaccessErr(-fopsEFAULT)
		return 0
	}
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	t.SetUaccessErr(0)
	return int64(v)
}

// putUser is put_user(x, ptr) and __put_user (check 0), as getUser: 0, or -EFAULT.
func putUser(c *interp.Call) int64 {
	t, v, ptr, size := c.T, uint64(c.Args[0]), c.Addr(1), int(c.Args[2])
	check := c.Args[3] != 0
	if check {
		t.MightFault("")
		if t.State() == ksync.Dead {
			return -fopsEFAULT
		}
	}
	if !check && !ksync.AccessOK(ptr, uint64(size)) {
		t.StoreAt(ptr, size, v)
		return 0
	}
	b := t.UserBytes(ptr, size)
	if !ksync.AccessOK(ptr, uint64(size)) || len(b) < size {
		return -fopsEFAULT
	}
	for i := range size {
		b[i] = byte(v)
		v >>= 8
	}
	return 0
}

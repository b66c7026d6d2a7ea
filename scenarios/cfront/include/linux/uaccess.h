/* ksim: user memory access (include/linux/uaccess.h, arch/x86/include/asm/
 * uaccess.h of 6.12). copy_to_user() and copy_from_user() are functions of ksim's
 * kernel API; get_user(), put_user(), __get_user() and __put_user() are macros
 * over it, as the kernel's are over __get_user_N and __put_user_N: the value goes
 * by value, x and ptr are each evaluated once, and get_user/put_user (not the
 * __ forms) call might_fault() at the caller's line. */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/sched.h>
#include <linux/errno.h>

#define get_user(x, ptr) ({ \
	unsigned long long __ksim_gu = __ksim_get_user((ptr), sizeof(*(ptr)), 1); \
	(x) = (__typeof__(*(ptr)))__ksim_gu; \
	__ksim_uaccess_err(); })
#define __get_user(x, ptr) ({ \
	unsigned long long __ksim_gu = __ksim_get_user((ptr), sizeof(*(ptr)), 0); \
	(x) = (__typeof__(*(ptr)))__ksim_gu; \
	__ksim_uaccess_err(); })
#define put_user(x, ptr) \
	__ksim_put_user((unsigned long long)(__typeof__(*(ptr)))(x), (ptr), sizeof(*(ptr)), 1)
#define __put_user(x, ptr) \
	__ksim_put_user((unsigned long long)(__typeof__(*(ptr)))(x), (ptr), sizeof(*(ptr)), 0)

/* ksim: module parameters (include/linux/moduleparam.h). ksim loads modules
 * without parameters, so a parameter keeps its initial value; the type check
 * is 6.12's param_check_TYPE (a function returning the variable's address as a
 * pointer to the named type). */
#include <linux/types.h>
#include <linux/init.h>
#include <linux/stringify.h>

#define MODULE_PARM_DESC(_parm, desc) extern int __ksim_modinfo

#define __param_check(name, p, type) \
	static inline type __attribute__((unused)) *__check_##name(void) { return (p); }
#define param_check_byte(name, p) __param_check(name, p, unsigned char)
#define param_check_short(name, p) __param_check(name, p, short)
#define param_check_ushort(name, p) __param_check(name, p, unsigned short)
#define param_check_int(name, p) __param_check(name, p, int)
#define param_check_uint(name, p) __param_check(name, p, unsigned int)
#define param_check_long(name, p) __param_check(name, p, long)
#define param_check_ulong(name, p) __param_check(name, p, unsigned long)
#define param_check_ullong(name, p) __param_check(name, p, unsigned long long)
#define param_check_hexint(name, p) param_check_uint(name, p)
#define param_check_charp(name, p) __param_check(name, p, char *)
#define param_check_bool(name, p) __param_check(name, p, bool)
#define param_check_invbool(name, p) __param_check(name, p, bool)

#define module_param_named(name, value, type, perm) \
	param_check_##type(name, &(value)) extern int __ksim_modinfo
#define module_param(name, type, perm) module_param_named(name, name, type, perm)
#define module_param_unsafe(name, type, perm) module_param(name, type, perm)
#define module_param_array_named(name, array, type, nump, perm) \
	param_check_##type(name, &(array)[0]) extern int __ksim_modinfo
#define module_param_array(name, type, nump, perm) module_param_array_named(name, name, type, nump, perm)
#define module_param_string(name, string, len, perm) extern int __ksim_modinfo
#define module_param_cb(name, ops, arg, perm) extern int __ksim_modinfo
#define core_param(name, var, type, perm) extern int __ksim_modinfo

/* ksim: modules (include/linux/module.h). module_init/module_exit record the
 * functions in globals ksim looks for; MODULE_* information is not kept. */
#include <linux/types.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/stat.h>
#include <linux/moduleparam.h>
#include <linux/export.h>
#include <linux/list.h>

#define MODULE_NAME_LEN (64 - sizeof(unsigned long))

struct module {
	char name[MODULE_NAME_LEN];
};

#define THIS_MODULE ((struct module *)0)

#define module_init(fn) static void *__ksim_module_init __attribute__((used)) = (void *)(fn)
#define module_exit(fn) static void *__ksim_module_exit __attribute__((used)) = (void *)(fn)

/* A declaration that uses nothing, so that `MODULE_LICENSE("GPL");` is a
 * declaration, as the kernel's is. */
#define __KSIM_MODINFO extern int __ksim_modinfo
#define MODULE_INFO(tag, info) __KSIM_MODINFO
#define MODULE_LICENSE(_license) __KSIM_MODINFO
#define MODULE_AUTHOR(_author) __KSIM_MODINFO
#define MODULE_DESCRIPTION(_description) __KSIM_MODINFO
#define MODULE_VERSION(_version) __KSIM_MODINFO
#define MODULE_ALIAS(_alias) __KSIM_MODINFO
#define MODULE_SOFTDEP(_softdep) __KSIM_MODINFO
#define MODULE_FIRMWARE(_firmware) __KSIM_MODINFO
#define MODULE_IMPORT_NS(ns) __KSIM_MODINFO
#define MODULE_DEVICE_TABLE(type, name) __KSIM_MODINFO

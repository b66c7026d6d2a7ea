/* ksim: EXPORT_SYMBOL* (include/linux/export.h): nothing to export to. */
#define EXPORT_SYMBOL(sym) extern int __ksim_modinfo
#define EXPORT_SYMBOL_GPL(sym) extern int __ksim_modinfo
#define EXPORT_SYMBOL_NS(sym, ns) extern int __ksim_modinfo
#define EXPORT_SYMBOL_NS_GPL(sym, ns) extern int __ksim_modinfo

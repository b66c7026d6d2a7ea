/* ksim: BUG(), BUG_ON(), WARN_ON() ... are functions of ksim's kernel API. */
#include <linux/build_bug.h>
#include <linux/compiler.h>

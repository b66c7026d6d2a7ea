/* ksim: static keys (include/linux/jump_label.h): the types and static
 * initialisers. static_branch_likely() ... are not yet part of ksim's kernel
 * API. */
#include <linux/types.h>
#include <linux/atomic.h>
struct static_key {
	atomic_t enabled;
};
struct static_key_true {
	struct static_key key;
};
struct static_key_false {
	struct static_key key;
};
#define STATIC_KEY_INIT_TRUE { .enabled = { 1 } }
#define STATIC_KEY_INIT_FALSE { .enabled = { 0 } }
#define STATIC_KEY_TRUE_INIT (struct static_key_true) { .key = STATIC_KEY_INIT_TRUE, }
#define STATIC_KEY_FALSE_INIT (struct static_key_false) { .key = STATIC_KEY_INIT_FALSE, }
#define DEFINE_STATIC_KEY_TRUE(name) struct static_key_true name = { .key = STATIC_KEY_INIT_TRUE }
#define DEFINE_STATIC_KEY_FALSE(name) struct static_key_false name = { .key = STATIC_KEY_INIT_FALSE }
#define DECLARE_STATIC_KEY_TRUE(name) extern struct static_key_true name
#define DECLARE_STATIC_KEY_FALSE(name) extern struct static_key_false name

/* ksim: lock classes and the layout every primitive shares.
 *
 * Every primitive struct (mutex, spinlock_t, rwlock_t, rw_semaphore,
 * semaphore, completion, tasklet_struct) starts with
 *
 *	unsigned long __ksim_init;	offset 0: KSIM_STATIC_INIT when statically initialised
 *	struct lockdep_map dep_map;	offset 8: key at 8, name at 16
 *
 * so that the kernel API can tell a statically initialised object from one
 * never initialised by reading memory, as the kernel's debug checks do
 * (spinlock_t's magic, lockdep's static_obj()). A static initialiser sets the
 * name to the object's name ("#lockname", as 6.12's __SPIN_LOCK_UNLOCKED and
 * __DEP_MAP_MUTEX_INITIALIZER do) and leaves the key NULL: lockdep keys a static
 * object by its address. Sizes beyond the prefix are ksim's. */
struct lock_class_key {
	char __ksim_unused;
};

struct lockdep_map {
	struct lock_class_key *key;
	const char *name;
};

#define KSIM_STATIC_INIT 0x6b73696d

#define __KSIM_PRIM_HEAD \
	unsigned long __ksim_init; \
	struct lockdep_map dep_map

#define __KSIM_PRIM_INIT(lockname) \
	.__ksim_init = KSIM_STATIC_INIT, \
	.dep_map = { .key = NULL, .name = #lockname }

#define SINGLE_DEPTH_NESTING 1
#define MAX_LOCKDEP_SUBCLASSES 8UL

/* ksim: lock classes and the layout every primitive shares.
 *
 * Every primitive struct (mutex, spinlock_t, rwlock_t, rw_semaphore,
 * semaphore, completion, tasklet_struct) starts with
 *
 *	unsigned long __ksim_init;	offset 0: KSIM_STATIC_INIT | KSIM_INIT_<TYPE> << 32
 *					when statically initialised
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

/* The type in the upper half: memory initialised as one type and used as
 * another fails the other's debug checks, as a wrong magic does in the kernel. */
#define KSIM_INIT_MUTEX 1UL
#define KSIM_INIT_SPINLOCK 2UL
#define KSIM_INIT_RWLOCK 3UL
#define KSIM_INIT_RWSEM 4UL
#define KSIM_INIT_SEMAPHORE 5UL
#define KSIM_INIT_COMPLETION 6UL
#define KSIM_INIT_TASKLET 7UL

#define __KSIM_PRIM_HEAD \
	unsigned long __ksim_init; \
	struct lockdep_map dep_map

#define __KSIM_PRIM_INIT(lockname, type) \
	.__ksim_init = KSIM_STATIC_INIT | KSIM_INIT_##type << 32, \
	.dep_map = { .key = NULL, .name = #lockname }

#define SINGLE_DEPTH_NESTING 1
#define MAX_LOCKDEP_SUBCLASSES 8UL

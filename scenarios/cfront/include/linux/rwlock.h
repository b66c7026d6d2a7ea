/* ksim: rwlock_t (include/linux/rwlock.h). */
#include <linux/spinlock_types.h>

#define rwlock_init(lock) \
	do { \
		static struct lock_class_key __key; \
		__rwlock_init((lock), #lock, &__key); \
	} while (0)

#define read_lock_irqsave(lock, flags) \
	do { \
		(flags) = _raw_read_lock_irqsave(lock); \
	} while (0)

#define write_lock_irqsave(lock, flags) \
	do { \
		(flags) = _raw_write_lock_irqsave(lock); \
	} while (0)

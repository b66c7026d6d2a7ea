/* ksim: compiler annotations (include/linux/compiler.h, compiler_types.h and
 * compiler_attributes.h of Linux 6.12). Annotations that only steer sparse or
 * code generation are empty; READ_ONCE/WRITE_ONCE are volatile accesses, which
 * ksim's interpreter turns into marked (once) accesses. */
#define __user
#define __kernel
#define __iomem
#define __rcu
#define __percpu
#define __force
#define __nocast
#define __safe
#define __private
#define __bitwise
#define __must_check
#define __maybe_unused
#define __always_unused
#define __used __attribute__((__used__))
#define __always_inline
#define __inline__ inline
#define __inline inline
#define noinline
#define notrace
#define __cold
#define __hot
#define __weak
#define __pure
#define __noreturn
#define __visible
#define __read_mostly
#define __ro_after_init
#define __cacheline_aligned
#define __cacheline_aligned_in_smp
#define ____cacheline_aligned
#define ____cacheline_aligned_in_smp
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __section(s)
#define __printf(a, b)
#define __scanf(a, b)
#define __deprecated
#define __acquires(x)
#define __releases(x)
#define __acquire(x) (void)0
#define __release(x) (void)0
#define __must_hold(x)
#define __cond_lock(x, c) (c)
#define __counted_by(m)
#define __nonstring
#define fallthrough do {} while (0) /* the kernel's fallback spelling */

#define likely(x) (x)
#define unlikely(x) (x)

#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#define __same_type(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))

/* READ_ONCE/WRITE_ONCE (include/asm-generic/rwonce.h): a volatile access of
 * the object's own type. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

/* gcc's branch hint: only the value matters to ksim. */
#define __builtin_expect(x, expected) (x)

/* ksim: RCU (include/linux/rcupdate.h). rcu_read_lock(), synchronize_rcu(),
 * call_rcu() ... are functions of ksim's kernel API; the pointer accessors are
 * a marked load and a marked store, as in 6.12; kfree_rcu() expands to
 * kvfree_call_rcu() as 6.12's kvfree_rcu_arg_2 does. */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#define rcu_dereference(p) READ_ONCE(p)
#define rcu_dereference_bh(p) READ_ONCE(p)
#define rcu_dereference_check(p, c) READ_ONCE(p)
#define rcu_dereference_bh_check(p, c) READ_ONCE(p)
#define rcu_dereference_protected(p, c) (p)
#define rcu_dereference_raw(p) READ_ONCE(p)
#define rcu_access_pointer(p) READ_ONCE(p)
#define rcu_assign_pointer(p, v) WRITE_ONCE(p, v)
#define rcu_replace_pointer(rcu_ptr, ptr, c) \
	({ typeof(ptr) __tmp = rcu_dereference_protected((rcu_ptr), (c)); \
	   rcu_assign_pointer((rcu_ptr), (ptr)); __tmp; })
#define RCU_INIT_POINTER(p, v) do { (p) = (v); } while (0)
#define RCU_INITIALIZER(v) (v)
#define rcu_head_init(rhp) do { } while (0)
#define kfree_rcu(ptr, rhf) \
	do { \
		typeof(ptr) ___p = (ptr); \
		if (___p) \
			kvfree_call_rcu(&((___p)->rhf), (void *)(___p)); \
	} while (0)
#define kvfree_rcu(ptr, rhf) kfree_rcu(ptr, rhf)
#ifndef lockdep_is_held
#define lockdep_is_held(lock) 1 /* ksim: only ever a condition rcu_dereference_protected() does not evaluate */
#endif

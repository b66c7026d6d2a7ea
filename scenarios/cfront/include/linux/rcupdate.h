/* ksim: RCU pointer accessors (include/linux/rcupdate.h): a marked load and a
 * marked store. rcu_read_lock(), synchronize_rcu() ... are functions of the
 * kernel API (when modelled). */
#include <linux/types.h>
#include <linux/compiler.h>
#define rcu_dereference(p) READ_ONCE(p)
#define rcu_dereference_check(p, c) READ_ONCE(p)
#define rcu_dereference_protected(p, c) (p)
#define rcu_dereference_raw(p) READ_ONCE(p)
#define rcu_access_pointer(p) READ_ONCE(p)
#define rcu_assign_pointer(p, v) WRITE_ONCE(p, v)
#define RCU_INIT_POINTER(p, v) do { (p) = (v); } while (0)
#define RCU_INITIALIZER(v) (v)

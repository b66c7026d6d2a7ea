/* ksim: RCU-protected lists (include/linux/rculist.h of 6.12): the same inline
 * functions and iteration macros, with the publishing store a marked one
 * (rcu_assign_pointer) and the readers' loads marked (rcu_dereference). */
#include <linux/list.h>
#include <linux/rcupdate.h>

#define list_next_rcu(list) (*((struct list_head **)(&(list)->next)))

static inline void INIT_LIST_HEAD_RCU(struct list_head *list)
{
	WRITE_ONCE(list->next, list);
	WRITE_ONCE(list->prev, list);
}

static inline void __list_add_rcu(struct list_head *new, struct list_head *prev, struct list_head *next)
{
	new->next = next;
	new->prev = prev;
	rcu_assign_pointer(list_next_rcu(prev), new);
	next->prev = new;
}

static inline void list_add_rcu(struct list_head *new, struct list_head *head)
{
	__list_add_rcu(new, head, head->next);
}

static inline void list_add_tail_rcu(struct list_head *new, struct list_head *head)
{
	__list_add_rcu(new, head->prev, head);
}

static inline void list_del_rcu(struct list_head *entry)
{
	__list_del_entry(entry);
	entry->prev = LIST_POISON2;
}

static inline void list_replace_rcu(struct list_head *old, struct list_head *new)
{
	new->next = old->next;
	new->prev = old->prev;
	rcu_assign_pointer(list_next_rcu(new->prev), new);
	new->next->prev = new;
	old->prev = LIST_POISON2;
}

#define list_entry_rcu(ptr, type, member) container_of(READ_ONCE(ptr), type, member)
#define list_first_or_null_rcu(ptr, type, member) \
	({ struct list_head *__ptr = (ptr); \
	   struct list_head *__next = READ_ONCE(__ptr->next); \
	   __ptr != __next ? list_entry_rcu(__next, type, member) : NULL; })
#define list_next_or_null_rcu(head, ptr, type, member) \
	({ struct list_head *__head = (head); \
	   struct list_head *__ptr = (ptr); \
	   struct list_head *__next = READ_ONCE(__ptr->next); \
	   __next != __head ? list_entry_rcu(__next, type, member) : NULL; })
#define list_for_each_entry_rcu(pos, head, member, ...) \
	for (pos = list_entry_rcu((head)->next, typeof(*pos), member); \
	     &pos->member != (head); \
	     pos = list_entry_rcu(pos->member.next, typeof(*(pos)), member))
#define list_for_each_entry_srcu(pos, head, member, cond) list_for_each_entry_rcu(pos, head, member)

static inline void hlist_del_rcu(struct hlist_node *n)
{
	__hlist_del(n);
	WRITE_ONCE(n->pprev, LIST_POISON2);
}

static inline void hlist_del_init_rcu(struct hlist_node *n)
{
	if (!hlist_unhashed(n)) {
		__hlist_del(n);
		WRITE_ONCE(n->pprev, NULL);
	}
}

static inline void hlist_add_head_rcu(struct hlist_node *n, struct hlist_head *h)
{
	struct hlist_node *first = h->first;

	n->next = first;
	WRITE_ONCE(n->pprev, &h->first);
	rcu_assign_pointer(*((struct hlist_node **)&(h)->first), n);
	if (first)
		WRITE_ONCE(first->pprev, &n->next);
}

#define hlist_first_rcu(head) (*((struct hlist_node **)(&(head)->first)))
#define hlist_next_rcu(node) (*((struct hlist_node **)(&(node)->next)))
#define hlist_for_each_entry_rcu(pos, head, member, ...) \
	for (pos = hlist_entry_safe(READ_ONCE(hlist_first_rcu(head)), typeof(*(pos)), member); \
	     pos; \
	     pos = hlist_entry_safe(READ_ONCE(hlist_next_rcu(&(pos)->member)), typeof(*(pos)), member))

package interp

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// Kernel idioms as 6.12's headers write them: list.h's inline functions and
// list_for_each_entry, container_of with its static_assert, typeof, likely,
// WRITE_ONCE in inline functions, designated initialisers of ops tables.
const kernelIdioms = `
#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))
#define likely(x) __builtin_expect(!!(x), 1)
#undef container_of
#define container_of(ptr, type, member) ({ \
	void *__mptr = (void *)(ptr); \
	_Static_assert(__same_type(*(ptr), ((type *)0)->member) || __same_type(*(ptr), void), "pointer type mismatch in container_of()"); \
	((type *)(__mptr - offsetof(type, member))); })
struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *list) { WRITE_ONCE(list->next, list); WRITE_ONCE(list->prev, list); }
static inline void __list_add(struct list_head *new, struct list_head *prev, struct list_head *next)
{ next->prev = new; new->next = next; new->prev = prev; WRITE_ONCE(prev->next, new); }
static inline void list_add_tail(struct list_head *new, struct list_head *head) { __list_add(new, head->prev, head); }
static inline void __list_del(struct list_head *prev, struct list_head *next) { next->prev = prev; WRITE_ONCE(prev->next, next); }
static inline void list_del(struct list_head *entry) { __list_del(entry->prev, entry->next); entry->next = (void *)0x100; entry->prev = (void *)0x122; }
static inline int list_empty(const struct list_head *head) { return READ_ONCE(head->next) == head; }
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) list_entry((pos)->member.next, typeof(*(pos)), member)
#define list_entry_is_head(pos, head, member) (&pos->member == (head))
#define list_for_each_entry(pos, head, member) \
	for (pos = list_first_entry(head, typeof(*pos), member); !list_entry_is_head(pos, head, member); pos = list_next_entry(pos, member))
struct item { int v; struct list_head node; };
struct ops { int (*get)(struct item *); void (*put)(struct item *); };
static int get_v(struct item *i) { return i->v; }
static void put_v(struct item *i) { release(i); }
static const struct ops item_ops = { .get = get_v, .put = put_v };
static LIST_HEAD(items);
`

func TestKernelIdioms(t *testing.T) {
	got, res := runOne(t, kernelIdioms+`
void f(void) {
	struct item *it;
	for (int i = 1; i <= 3; i++) {
		it = alloc(sizeof(*it));
		it->v = i * 10;
		INIT_LIST_HEAD(&it->node);
		list_add_tail(&it->node, &items);
	}
	long sum = 0;
	list_for_each_entry(it, &items, node)
		if (likely(it->v))
			sum += item_ops.get(it);
	observe(sum);
	struct list_head local;
	INIT_LIST_HEAD(&local);
	observe(list_empty(&local));
	it = list_first_entry(&items, struct item, node);
	list_del(&it->node);
	item_ops.put(it);
	observe(list_first_entry(&items, struct item, node)->v);
	observe(it->v);
}`)
	assert.Contains(t, titles(res), "use-after-free")
	assert.Equal(t, []int64{60, 1, 20}, got[:3])
}

// A Program is shared by explorations running in parallel: compiled code keeps no
// state of its own (go test -race checks this).
func TestProgramSharedInParallel(t *testing.T) {
	obs := &observations{}
	p := compile(t, kernelIdioms+`
int sw(int x) { int r = 0; switch (x) { case 1: r = 10; break; default: r = x * 3; } r += 2; r <<= 1; return r; }
void f(void) {
	struct item *it;
	for (int i = 1; i <= 3; i++) { it = alloc(sizeof(*it)); it->v = sw(i); list_add_tail(&it->node, &items); }
	long sum = 0;
	list_for_each_entry(it, &items, node) sum += item_ops.get(it);
	observe(sum);
}`, obs)
	done := make(chan bool, 4)
	for range 4 {
		go func() {
			sched.Explore(ksync.Program(ksync.Config{}, func(k *ksync.Kernel) {
				w := p.NewWorld(k)
				k.KernelThread("f", func(tk *ksync.Task) {
					w.Run(tk, w.Func("f"))
					obs.done(w)
				})
			}), sched.Options{})
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
	assert.Equal(t, [][]int64{{62}, {62}, {62}, {62}}, obs.all)
}

package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// The module's life as the kernel runs it (kernel/module/main.c): a failed init frees
// the module, so the threads it started find its memory gone; an init that never
// returns leaves a module that never went live, which rmmod cannot unload; a lock
// copied after its init call is initialised.
func TestModuleLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // problem titles, in order
	}{
		{"init fails after starting a thread", `
static int counter;
static int worker(void *d) { msleep(100); counter++; return 0; }
static int __init i(void) { kthread_run(worker, NULL, "worker"); return -ENODEV; }
module_init(i);
`, []string{"BUG: KASAN: vmalloc-out-of-bounds", "BUG: unable to handle page fault"}},
		{"init oopses: module_exit does not run", `
static int *p;
static int __init i(void) { BUG(); p = kmalloc(4, GFP_KERNEL); return 0; }
static void __exit e(void) { *p = 1; kfree(p); }
module_init(i);
module_exit(e);
`, []string{"kernel BUG at t.c:3!"}},
		{"init succeeds: module_exit runs", `
static int *p;
static int __init i(void) { p = kmalloc(4, GFP_KERNEL); return p ? 0 : -ENOMEM; }
static void __exit e(void) { BUG_ON(!p); kfree(p); kfree(p); }
module_init(i);
module_exit(e);
`, []string{"BUG: KASAN: double-free"}},
		{"a copy of an initialised lock is initialised", `
struct obj { spinlock_t lock; long x; };
static int __init i(void)
{
	struct obj *a = kzalloc(sizeof(*a), GFP_KERNEL);
	struct obj *b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!a || !b)
		return -ENOMEM;
	spin_lock_init(&a->lock);
	*b = *a;
	spin_lock(&b->lock);
	spin_unlock(&b->lock);
	kfree(a);
	kfree(b);
	return 0;
}
module_init(i);
`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load("t.c", []byte(tc.src))
			require.NoError(t, err)
			res := s.Explore(s.KernelConfig(), sched.Options{})
			require.NoError(t, res.Err)
			assert.True(t, res.Complete)
			var titles []string
			for _, p := range res.Problems {
				titles = append(titles, p.Title)
			}
			assert.Equal(t, tc.want, titles)
		})
	}
}

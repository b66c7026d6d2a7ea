package cfront

import (
	"regexp"
	"strings"
)

var protoName = regexp.MustCompile(`(\w+)\(`)

// testHeaders stands in for kapi.Headers() in this package's tests: the C
// declarations of the functions ksim's kernel API implemented before the
// front-end rewrite (scenarios/builtins.go's table and the functions 6.12's
// macros expand to), with 6.12's prototypes, and the GFP constants.
var testHeaders = map[string]string{
	"linux/printk.h": `int _printk(const char *fmt, ...);`,
	"asm/current.h":  `struct task_struct *get_current(void);`,
	"linux/semaphore.h": `void sema_init(struct semaphore *sem, int val);
void down(struct semaphore *sem);
int down_interruptible(struct semaphore *sem);
int down_killable(struct semaphore *sem);
int down_trylock(struct semaphore *sem);
int down_timeout(struct semaphore *sem, long jiffies);
void up(struct semaphore *sem);`,
	"linux/mutex.h": `void __mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key);
void mutex_lock(struct mutex *lock);
int mutex_lock_interruptible(struct mutex *lock);
int mutex_lock_killable(struct mutex *lock);
int mutex_trylock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);
bool mutex_is_locked(struct mutex *lock);
void mutex_lock_nested(struct mutex *lock, unsigned int subclass);`,
	"linux/spinlock.h": `void __raw_spin_lock_init(raw_spinlock_t *lock, const char *name, struct lock_class_key *key, short inner);
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
int spin_trylock(spinlock_t *lock);
unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock);
void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
void spin_lock_irq(spinlock_t *lock);
void spin_unlock_irq(spinlock_t *lock);
void spin_lock_bh(spinlock_t *lock);
void spin_unlock_bh(spinlock_t *lock);
void spin_lock_nested(spinlock_t *lock, int subclass);
void __rwlock_init(rwlock_t *lock, const char *name, struct lock_class_key *key);
void read_lock(rwlock_t *lock);
void read_unlock(rwlock_t *lock);
void write_lock(rwlock_t *lock);
void write_unlock(rwlock_t *lock);
unsigned long _raw_read_lock_irqsave(rwlock_t *lock);
unsigned long _raw_write_lock_irqsave(rwlock_t *lock);
void read_unlock_irqrestore(rwlock_t *lock, unsigned long flags);
void write_unlock_irqrestore(rwlock_t *lock, unsigned long flags);
int read_trylock(rwlock_t *lock);
int write_trylock(rwlock_t *lock);`,
	"linux/rwsem.h": `void __init_rwsem(struct rw_semaphore *sem, const char *name, struct lock_class_key *key);
void down_read(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);
int down_read_trylock(struct rw_semaphore *sem);
int down_write_trylock(struct rw_semaphore *sem);`,
	"linux/completion.h": `void init_completion(struct completion *x);
void reinit_completion(struct completion *x);
void wait_for_completion(struct completion *x);
unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout);
int wait_for_completion_interruptible(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);`,
	"linux/atomic.h": `int atomic_read(const atomic_t *v);
void atomic_set(atomic_t *v, int i);
void atomic_inc(atomic_t *v);
void atomic_dec(atomic_t *v);
void atomic_add(int i, atomic_t *v);
void atomic_sub(int i, atomic_t *v);
int atomic_inc_return(atomic_t *v);
int atomic_dec_return(atomic_t *v);
bool atomic_dec_and_test(atomic_t *v);
int atomic_cmpxchg(atomic_t *v, int old, int new);`,
	"linux/bitops.h": `void set_bit(long nr, volatile unsigned long *addr);
void clear_bit(long nr, volatile unsigned long *addr);
void change_bit(long nr, volatile unsigned long *addr);
bool test_bit(long nr, const volatile unsigned long *addr);
bool test_and_set_bit(long nr, volatile unsigned long *addr);
bool test_and_clear_bit(long nr, volatile unsigned long *addr);
bool test_and_change_bit(long nr, volatile unsigned long *addr);`,
	"linux/preempt.h": `void preempt_disable(void);
void preempt_enable(void);
bool in_atomic(void);`,
	"linux/irqflags.h": `void local_irq_disable(void);
void local_irq_enable(void);
unsigned long arch_local_irq_save(void);
void arch_local_irq_restore(unsigned long flags);
bool irqs_disabled(void);`,
	"linux/bottom_half.h": `void local_bh_disable(void);
void local_bh_enable(void);`,
	"linux/hardirq.h": `bool in_interrupt(void);`,
	"linux/delay.h": `void msleep(unsigned int msecs);
void ssleep(unsigned int seconds);
void udelay(unsigned long usecs);
void mdelay(unsigned long msecs);
void ndelay(unsigned long nsecs);`,
	"linux/sched.h": `void cpu_relax(void);
void schedule(void);
int cond_resched(void);
void might_sleep(void);
void set_current_state(unsigned int state);
void __set_current_state(unsigned int state);
int wake_up_process(struct task_struct *p);`,
	"linux/wait.h": `void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);
long prepare_to_wait_event(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);
void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
int __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key);
int default_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int flags, void *key);
int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync, void *key);`,
	"uapi/asm-generic/errno.h": `#define EINTR 4
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EBUSY 16
#define EINVAL 22
#define ERANGE 34
#define ETIME 62
#define ERESTARTSYS 512`,
	"linux/gfp_types.h": `#define GFP_ATOMIC 0x820
#define GFP_KERNEL 0xcc0
#define GFP_NOWAIT 0x800
#define __GFP_NOWARN 0x2000`,
	"linux/slab.h": `void *kmalloc(size_t size, gfp_t flags);
void *kzalloc(size_t size, gfp_t flags);
void *kcalloc(size_t n, size_t size, gfp_t flags);
void *krealloc(const void *p, size_t new_size, gfp_t flags);
void kfree(const void *objp);
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags, void (*ctor)(void *));
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags);
void kmem_cache_free(struct kmem_cache *s, void *objp);
void kmem_cache_destroy(struct kmem_cache *s);`,
	"linux/vmalloc.h": `void *vmalloc(unsigned long size);
void vfree(const void *addr);`,
	"linux/string.h": `void *memset(void *s, int c, size_t n);
void *memcpy(void *dest, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
char *strcpy(char *dest, const char *src);
ssize_t strscpy(char *dest, const char *src, size_t count);
size_t strlen(const char *s);`,
	"linux/kernel.h": `int snprintf(char *buf, size_t size, const char *fmt, ...);
int sprintf(char *buf, const char *fmt, ...);
int scnprintf(char *buf, size_t size, const char *fmt, ...);`,
	"linux/kthread.h": `struct task_struct *kthread_run(int (*threadfn)(void *data), void *data, const char *namefmt, ...);
int kernel_thread(int (*fn)(void *), void *arg, unsigned long flags);
bool kthread_should_stop(void);
struct task_struct *kthread_create(int (*threadfn)(void *data), void *data, const char *namefmt, ...);
int kthread_stop(struct task_struct *k);`,
	"linux/jiffies.h": `unsigned long msecs_to_jiffies(const unsigned int m);
unsigned int jiffies_to_msecs(const unsigned long j);`,
	"linux/err.h": `bool IS_ERR(const void *ptr);
bool IS_ERR_OR_NULL(const void *ptr);
long PTR_ERR(const void *ptr);
void *ERR_PTR(long error);`,
	"linux/bug.h": `void BUG_ON(int condition);
void BUG(void);
int WARN_ON(int condition);
int WARN_ON_ONCE(int condition);`,
	"linux/lockdep.h": `void lockdep_assert_held(void *lock);`,
	// fops (issue 12): what the bundled fops scenarios call.
	"linux/uaccess.h": `unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);
unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);`,
	"linux/fs.h": `loff_t noop_llseek(struct file *file, loff_t offset, int whence);`,
	"linux/miscdevice.h": `int misc_register(struct miscdevice *misc);
void misc_deregister(struct miscdevice *misc);`,
	"linux/rcupdate.h": `void rcu_read_lock(void);
void rcu_read_unlock(void);
void synchronize_rcu(void);
void call_rcu(struct callback_head *head, rcu_callback_t func);
void kvfree_call_rcu(struct callback_head *head, void *ptr);
void rcu_barrier(void);`,
	"linux/interrupt.h": `int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name, void *dev);
const void *free_irq(unsigned int irq, void *dev_id);
void disable_irq(unsigned int irq);
void disable_irq_nosync(unsigned int irq);
void enable_irq(unsigned int irq);
void tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long), unsigned long data);
void tasklet_schedule(struct tasklet_struct *t);
void tasklet_kill(struct tasklet_struct *t);`,
	// workqueues and timers (wq): what the bundled wq-* and timer-* scenarios call.
	"linux/workqueue.h": `void INIT_WORK(struct work_struct *work, work_func_t func);
bool schedule_work(struct work_struct *work);
bool flush_work(struct work_struct *work);
bool cancel_work_sync(struct work_struct *work);
bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay);
bool cancel_delayed_work_sync(struct delayed_work *dwork);`,
	"linux/timer.h": `void timer_setup(struct timer_list *timer, void (*callback)(struct timer_list *), unsigned int flags);
int mod_timer(struct timer_list *timer, unsigned long expires);
int del_timer_sync(struct timer_list *timer);`,
}

// testModelled is the set of functions testHeaders declares.
func testModelled(name string) bool { return testModelledSet[name] }

var testModelledSet = func() map[string]bool {
	m := map[string]bool{}
	for _, text := range testHeaders {
		for _, line := range strings.Split(text, "\n") {
			if m1 := protoName.FindStringSubmatch(line); m1 != nil && !strings.HasPrefix(line, "#") {
				m[m1[1]] = true
			}
		}
	}
	return m
}()

/* ksim difftest scenario, seed 1: the shape scenarios/difftest_test.go generates. */
#include <linux/module.h>
#pragma ksim cpus 2
#pragma ksim irq 5 times 1
#pragma ksim memory pressure
static DEFINE_MUTEX(m0);
static DEFINE_MUTEX(m1);
static DEFINE_SPINLOCK(s0);
static DEFINE_SPINLOCK(s1);
static DEFINE_SEMAPHORE(sem, 1);
static DEFINE_RWLOCK(rw);
static DECLARE_RWSEM(rs);
static DECLARE_COMPLETION(c);
static struct mutex ms[2];
static spinlock_t ss[2];
static atomic_t a = ATOMIC_INIT(1);
static int g0, g1;
static int ga[2];
static char *buf;

static void tl_fn(unsigned long data)
{
	spin_lock(&s0);
	g0++;
	spin_unlock(&s0);
}
static DECLARE_TASKLET(tl, tl_fn);

static irqreturn_t h(int irq, void *dev_id)
{
	tasklet_schedule(&tl);
	WRITE_ONCE(g1, 1);
	return IRQ_HANDLED;
}

static int f0(void *data)
{
	long id = (long)data;
	int idx = id % 2;
	int r = 0, tries;
	unsigned long flags, flags2;
	char *p;

	if (id == 0) {
		request_irq(5, h, 0, "h", NULL);
	}
	mutex_lock(&ms[idx]);
	mutex_lock_nested(&m1, SINGLE_DEPTH_NESTING);
	lockdep_assert_held(&m1);
	r = mutex_is_locked(&m0);
	mutex_unlock(&m1);
	mutex_unlock(&ms[idx]);
	spin_lock_irqsave(&s0, flags);
	spin_lock_irqsave(&ss[idx], flags2);
	ga[idx]++;
	spin_unlock_irqrestore(&ss[idx], flags2);
	spin_unlock_irqrestore(&s0, flags);
	spin_lock_bh(&s1);
	spin_unlock_bh(&s1);
	spin_lock_irq(&s1);
	spin_unlock_irq(&s1);
	if (!down_trylock(&sem)) {
		up(&sem);
	} else {
		down(&sem);
		up(&sem);
	}
	read_lock(&rw);
	read_unlock(&rw);
	write_lock(&rw);
	write_unlock(&rw);
	down_read(&rs);
	up_read(&rs);
	for (tries = 0; tries < 2; tries++)
		atomic_inc(&a);
	p = kmalloc(16, GFP_KERNEL);
	kfree(p);
	complete(&c);
	BUG_ON(g0 == 7);
	return r;
}

static int __init d_init(void)
{
	long i;

	for (i = 0; i < 2; i++) {
		mutex_init(&ms[i]);
		spin_lock_init(&ss[i]);
	}
	for (i = 0; i < 2; i++)
		kthread_run(f0, (void *)i, "f0/%ld", i);
	if (request_irq(5, h, 0, "h", NULL))
		return -EBUSY;
	return 0;
}

static void __exit d_exit(void)
{
	wait_for_completion(&c);
	free_irq(5, NULL);
	tasklet_kill(&tl);
	printk(KERN_INFO "final %d %d %d %d %d %d\n", g0, g1, ga[0], ga[1], atomic_read(&a), buf != NULL);
}

module_init(d_init);
module_exit(d_exit);

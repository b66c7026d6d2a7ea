#include <linux/module.h>
#include <linux/interrupt.h>

#define MY_IRQ 3
#define NR 4

#pragma ksim irq 3 times 2

static DEFINE_SPINLOCK(dev_lock);
static DEFINE_SEMAPHORE(sem, 2);
static struct completion done;
static atomic_t counters[NR];
static int dev_data;
static bool flag;
static struct task_struct *worker_task;
static struct rw_semaphore rws;
static rwlock_t rwl;

static irqreturn_t my_handler(int irq, void *dev_id)
{
	unsigned long flags;

	spin_lock_irqsave(&dev_lock, flags);
	dev_data++;
	spin_unlock_irqrestore(&dev_lock, flags);
	return IRQ_HANDLED;
}

static int try_it(void)
{
	return spin_trylock(&dev_lock) ? 0 : -EBUSY;
}

static int worker(void *data)
{
	int i = 0;
	char *buf = kzalloc(sizeof(*buf) * 10, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	buf[0] = 'a';
	while (!kthread_should_stop() && i < 3) {
		if (down_interruptible(&sem))
			return -ERESTARTSYS;
		atomic_inc(&counters[i % NR]);
		up(&sem);
		msleep(10);
		i++;
	}
	switch (i) {
	case 0:
		pr_info("none\n");
		break;
	case 1:
		break;
	default:
		pr_warn("%d iterations, data %p\n", i, buf);
	}
	do {
		flag = true;
	} while (0);
	down_read(&rws);
	up_read(&rws);
	read_lock(&rwl);
	read_unlock(&rwl);
	if (try_it() == 0)
		spin_unlock(&dev_lock);
	kfree(buf);
	complete(&done);
	WARN_ON(in_atomic());
	return 0;
}

static int __init drv_init(void)
{
	int ret;

	init_completion(&done);
	init_rwsem(&rws);
	rwlock_init(&rwl);
	ret = request_irq(MY_IRQ, my_handler, IRQF_SHARED, "mydev", &dev_data);
	if (ret)
		return ret;
	worker_task = kthread_run(worker, NULL, "worker");
	if (wait_for_completion_timeout(&done, 2 * HZ) == 0)
		pr_err("timeout\n");
	free_irq(MY_IRQ, &dev_data);
	return 0;
}

static void __exit drv_exit(void)
{
	BUG_ON(atomic_read(&counters[0]) < 0);
}

module_init(drv_init);
module_exit(drv_exit);
MODULE_LICENSE("GPL");

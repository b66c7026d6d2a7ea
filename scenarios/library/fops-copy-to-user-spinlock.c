/*
 * A misc device whose read operation calls copy_to_user() while holding the
 * spinlock that guards its message. copy_to_user may fault and sleep
 * (might_fault), so the first process that reads the device is the kernel's
 * "sleeping function called from invalid context" BUG, and lockdep adds the
 * mm's mmap_lock taken inside a spinlock. The fix copies under the lock to the stack.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#pragma ksim process cat /dev/msgdev open read 64 release
#pragma ksim process echo /dev/msgdev open write "hi there\n" release
/* insmod, rmmod and the two processes: a CPU each, so the search stays small */
#pragma ksim cpus 4
#pragma ksim expect bug warning

#define MSG_MAX 32

static DEFINE_SPINLOCK(msg_lock);
static char msg[MSG_MAX] = "hello\n";
static size_t msg_len = 6;

static ssize_t msg_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	spin_lock(&msg_lock);
	if (*ppos >= msg_len) {
		ret = 0;
		goto out;
	}
	if (count > msg_len - *ppos)
		count = msg_len - *ppos;
	if (copy_to_user(buf, msg + *ppos, count)) {	/* BUG: may sleep */
		ret = -EFAULT;
		goto out;
	}
	*ppos += count;
	ret = count;
out:
	spin_unlock(&msg_lock);
	return ret;
}

static ssize_t msg_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	char tmp[MSG_MAX];

	if (count > MSG_MAX)
		count = MSG_MAX;
	if (copy_from_user(tmp, buf, count))	/* outside the lock: fine */
		return -EFAULT;
	spin_lock(&msg_lock);
	memcpy(msg, tmp, count);
	msg_len = count;
	spin_unlock(&msg_lock);
	return count;
}

static const struct file_operations msg_fops = {
	.owner = THIS_MODULE,
	.read = msg_read,
	.write = msg_write,
	.llseek = noop_llseek,
};

static struct miscdevice msg_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "msgdev",
	.fops = &msg_fops,
};

static int __init msg_init(void)
{
	return misc_register(&msg_dev);
}

static void __exit msg_exit(void)
{
	misc_deregister(&msg_dev);
}

module_init(msg_init);
module_exit(msg_exit);
MODULE_LICENSE("GPL");

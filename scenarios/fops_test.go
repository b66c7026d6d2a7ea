package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/sched"
)

// fopsModule is a char device module around the given operations (C), registered
// by register_chrdev as "fdev", with pragmas.
func fopsModule(pragmas, ops, table string) string {
	return `#include <linux/module.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/proc_fs.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/completion.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
` + pragmas + `
static int major;
` + ops + `
static const struct file_operations f_ops = {
` + table + `
};
static int __init m_init(void)
{
	major = register_chrdev(0, "fdev", &f_ops);
	return major < 0 ? major : 0;
}
static void __exit m_exit(void)
{
	pr_info("exit\n");
	unregister_chrdev(major, "fdev");
}
module_init(m_init);
module_exit(m_exit);
`
}

// fopsRun explores src completely and returns the result and the dmesg of its
// first execution.
func fopsRun(t *testing.T, src string) (*sched.Result, string) {
	t.Helper()
	s := mustLoad(t, "f.c", src)
	var first string
	done := false
	res := sched.Explore(s.Program(s.KernelConfig(), func(k *ksync.Kernel) {
		k.Execution().OnEnd(func(sched.Outcome) {
			if !done {
				done, first = true, k.Dmesg()
			}
		})
	}), sched.Options{MaxExecutions: 20000})
	require.NoError(t, res.Err)
	require.True(t, res.Complete, res.Verdict())
	return res, first
}

func TestFopsHarness(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pragmas string
		ops     string
		table   string
		kinds   []string
		dmesg   []string // in the first execution's dmesg, in order
		not     []string
	}{
		{
			name: "default processes: cat reads, echo writes",
			ops: `static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p) { pr_info("read %zu\n", n); return 0; }
static ssize_t w(struct file *f, const char __user *b, size_t n, loff_t *p)
{
	char k[8] = {0};
	if (copy_from_user(k, b, n < 7 ? n : 7))
		return -EFAULT;
	pr_info("wrote %s", k);
	return n;
}`,
			table: ".read = r, .write = w,",
			kinds: []string{"ok"},
			dmesg: []string{"read 128", "wrote hello", "exit"},
		},
		{
			name:  "only the operations the module provides: no writer without write",
			ops:   `static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p) { pr_info("read by %s\n", current->comm); return 0; }`,
			table: ".read = r,",
			kinds: []string{"ok"},
			dmesg: []string{"read by cat", "exit"},
			not:   []string{"echo"},
		},
		{
			name:    "a failed open ends the process: no read, no release",
			pragmas: `#pragma ksim process reader open read release`,
			ops: `static int o(struct inode *i, struct file *f) { return -EBUSY; }
static int rel(struct inode *i, struct file *f) { pr_info("release\n"); return 0; }
static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p) { pr_info("read\n"); return 0; }`,
			table: ".open = o, .release = rel, .read = r,",
			kinds: []string{"ok"},
			dmesg: []string{"open(/dev/fdev) returns -16 (EBUSY): the process ends", "exit"},
			not:   []string{"release\n", "] read"},
		},
		{
			name:    "Ctrl-C ends an interruptible wait: -ERESTARTSYS, then release, then module_exit",
			pragmas: `#pragma ksim process reader open read release`,
			ops: `static DECLARE_COMPLETION(data);
static int rel(struct inode *i, struct file *f) { pr_info("release\n"); return 0; }
static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p)
{
	int ret = wait_for_completion_interruptible(&data);
	pr_info("woke %d pending %d\n", ret, signal_pending(current));
	return ret;
}`,
			table: ".release = rel, .read = r,",
			kinds: []string{"ok"},
			dmesg: []string{"the user presses Ctrl-C", "woke -512 pending 1", "release", "exit"},
		},
		{
			name:    "an uninterruptible wait is the hung task",
			pragmas: `#pragma ksim process reader open read release`,
			ops: `static DECLARE_COMPLETION(data);
static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p) { wait_for_completion(&data); return 0; }`,
			table: ".read = r,",
			kinds: []string{"deadlock"},
		},
		{
			name:    "a bad user pointer is -EFAULT, not a crash",
			pragmas: `#pragma ksim process ctl open ioctl 0x10 0x1000 ioctl 0x11 0x1000 ioctl 0x12 buf release`,
			ops: `static long io(struct file *f, unsigned int cmd, unsigned long arg)
{
	int v = 7;
	if (cmd == 0x10)
		pr_info("copy_to_user left %lu\n", copy_to_user((void __user *)arg, &v, sizeof(v)));
	if (cmd == 0x11)
		pr_info("get_user %d v %d\n", get_user(v, (int __user *)arg), v);
	if (cmd == 0x12)
		pr_info("put_user %d\n", put_user(v, (int __user *)arg));
	return 0;
}`,
			table: ".unlocked_ioctl = io,",
			kinds: []string{"ok"},
			dmesg: []string{"copy_to_user left 4", "get_user -14 v 0", "put_user 0"},
		},
		{
			name:    "dereferencing a user pointer faults (SMAP)",
			pragmas: `#pragma ksim process cat open read 4 release`,
			ops:     `static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p) { b[0] = 'x'; return 1; }`,
			table:   ".read = r,",
			kinds:   []string{"bug"},
			dmesg:   []string{"ksim: cat/4003 dereferences the user pointer", "SMAP makes that fault", "BUG: unable to handle page fault for address: 00007ffe3c4", "#PF: supervisor write access in kernel mode"},
		},
		{
			name:    "per-open state in private_data and f_pos, write then read back",
			pragmas: `#pragma ksim process rw open write "abc" lseek 0 SEEK_SET read 8 release`,
			ops: `struct st { char buf[8]; size_t len; };
static int o(struct inode *i, struct file *f)
{
	f->private_data = kzalloc(sizeof(struct st), GFP_KERNEL);
	return f->private_data ? 0 : -ENOMEM;
}
static int rel(struct inode *i, struct file *f) { kfree(f->private_data); return 0; }
static ssize_t w(struct file *f, const char __user *b, size_t n, loff_t *p)
{
	struct st *s = f->private_data;
	if (n > 8) n = 8;
	if (copy_from_user(s->buf, b, n)) return -EFAULT;
	s->len = n;
	*p += n;
	return n;
}
static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p)
{
	struct st *s = f->private_data;
	pr_info("pos %lld minor %u\n", *p, iminor(file_inode(f)));
	if (*p >= s->len) return 0;
	if (copy_to_user(b, s->buf + *p, s->len - *p)) return -EFAULT;
	pr_info("read back %c%c%c\n", s->buf[0], s->buf[1], s->buf[2]);
	*p = s->len;
	return s->len;
}
static loff_t ls(struct file *f, loff_t off, int whence) { f->f_pos = off; return off; }`,
			table: ".open = o, .release = rel, .read = r, .write = w, .llseek = ls,",
			kinds: []string{"ok"},
			dmesg: []string{"pos 0 minor 0", "read back abc", "exit"},
		},
		{
			name:    "copy_to_user under a spinlock",
			pragmas: `#pragma ksim process cat open read 4 release`,
			ops: `static DEFINE_SPINLOCK(l);
static char msg[4] = "abc";
static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p)
{
	unsigned long left;
	spin_lock(&l);
	left = copy_to_user(b, msg, 4);
	spin_unlock(&l);
	return left ? -EFAULT : 4;
}`,
			table: ".read = r,",
			kinds: []string{"bug", "warning"},
			dmesg: []string{"BUG: sleeping function called from invalid context at include/linux/uaccess.h:192",
				"in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 4003, name: cat", "__might_fault\n", "_copy_to_user\n",
				"r (f.c:", "vfs_read\n", "[ BUG: Invalid wait context ]", "(&mm->mmap_lock)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, dmesg := fopsRun(t, fopsModule(tc.pragmas, tc.ops, tc.table))
			assert.Equal(t, tc.kinds, Kinds(res), res.Verdict())
			rest := dmesg
			for _, want := range tc.dmesg {
				i := strings.Index(rest, want)
				if !assert.GreaterOrEqual(t, i, 0, "want %q (in order) in dmesg:\n%s", want, dmesg) {
					break
				}
				rest = rest[i+len(want):]
			}
			for _, no := range tc.not {
				assert.NotContains(t, dmesg, no)
			}
		})
	}
}

func TestFopsFiles(t *testing.T) {
	misc := `#include <linux/module.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/uaccess.h>
static struct miscdevice md;
static int o(struct inode *i, struct file *f)
{
	pr_info("private_data is the miscdevice: %d, minor %d\n", f->private_data == &md, md.minor);
	return 0;
}
static const struct file_operations fo = { .open = o };
static struct miscdevice md = { .minor = MISC_DYNAMIC_MINOR, .name = "m", .fops = &fo };
static int __init i(void) { return misc_register(&md); }
static void __exit e(void) { misc_deregister(&md); }
module_init(i);
module_exit(e);
`
	_, dmesg := fopsRun(t, misc)
	assert.Contains(t, dmesg, "private_data is the miscdevice: 1, minor 127")

	proc := `#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
static int key = 42;
static ssize_t r(struct file *f, char __user *b, size_t n, loff_t *p)
{
	int *k = pde_data(file_inode(f));
	pr_info("%s data %d\n", f->f_path.dentry->d_name.name, *k);
	return 0;
}
static const struct proc_ops po = { .proc_read = r };
static int __init i(void)
{
	struct proc_dir_entry *e = proc_create_data("pf", 0444, NULL, &po, &key);
	if (!e)
		return -ENOMEM;
	proc_set_size(e, 80);
	proc_set_user(e, GLOBAL_ROOT_UID, GLOBAL_ROOT_GID);
	if (proc_create("pf", 0444, NULL, &po))
		return -EINVAL;
	return 0;
}
static void __exit e(void) { remove_proc_entry("pf", NULL); remove_proc_entry("nope", NULL); }
module_init(i);
module_exit(e);
`
	res, dmesg := fopsRun(t, proc)
	assert.Equal(t, []string{"warning"}, Kinds(res))
	assert.Contains(t, dmesg, "proc_dir_entry '/proc/pf' already registered")
	assert.Contains(t, dmesg, "pf data 42")
	assert.Contains(t, dmesg, "name 'nope'")

	regions := `#include <linux/module.h>
#include <linux/fs.h>
#include <linux/cdev.h>
static const struct file_operations fo;
static struct cdev c;
static int __init i(void)
{
	dev_t d;
	int a = alloc_chrdev_region(&d, 0, 1, "one");
	int b = register_chrdev(0, "two", &fo);
	int s = register_chrdev(100, "three", &fo);
	int busy = register_chrdev(100, "four", &fo);
	int big = register_chrdev(600, "five", &fo);
	cdev_init(&c, &fo);
	pr_info("a %d major %u b %d s %d busy %d big %d add %d\n", a, MAJOR(d), b, s, busy, big, cdev_add(&c, d, 1));
	return 0;
}
static void __exit e(void) { }
module_init(i);
module_exit(e);
`
	_, dmesg = fopsRun(t, regions)
	assert.Contains(t, dmesg, "a 0 major 254 b 253 s 0 busy -16 big -22 add 0")
	assert.Contains(t, dmesg, `CHRDEV "five" major requested (600) is greater than the maximum (511)`)
}

func TestFopsPragmaErrors(t *testing.T) {
	for _, tc := range []struct{ pragma, want string }{
		{`#pragma ksim process`, "1:1: #pragma ksim process wants a process name and its calls"},
		{`#pragma ksim process read`, "1:22: #pragma ksim process wants the process's name first"},
		{`#pragma ksim process averyveryverylongname`, `1:22: process name "averyveryverylongname" is longer than the kernel's 15 characters`},
		{`#pragma ksim process cat /sys/x read`, `1:26: invalid file "/sys/x"`},
		{`#pragma ksim process cat read open`, "1:31: open must be the process's first call"},
		{`#pragma ksim process cat read -5`, `1:31: invalid read count "-5"`},
		{`#pragma ksim process cat ioctl`, "1:26: ioctl wants a command number"},
		{`#pragma ksim process cat ioctl FOO`, `1:32: invalid ioctl command "FOO"`},
		{`#pragma ksim process cat ioctl 1 zz`, `1:34: invalid ioctl argument "zz"`},
		{`#pragma ksim process cat lseek 0 SEEK_NOWHERE`, `1:34: invalid lseek whence "SEEK_NOWHERE"`},
		{`#pragma ksim process cat read release read`, `1:39: call "read" after release`},
		{`#pragma ksim process cat mmap`, `1:26: unknown call "mmap"`},
	} {
		t.Run(tc.pragma, func(t *testing.T) {
			src := tc.pragma + "\n" + fopsModule("", "", "")
			_, err := Load("f.c", []byte(src))
			var list cfront.ErrorList
			require.True(t, errors.As(err, &list), "%v", err)
			assert.Contains(t, list[0].Error(), tc.want)
		})
	}
	// Without module_init, nothing registers a file.
	_, err := Load("f.c", []byte("#pragma ksim process cat read\nstatic int t(void *d) { return 0; }\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "#pragma ksim process needs module_init")
}

/* ksim: /proc files (include/linux/proc_fs.h of 6.12). proc_create() ... are
 * functions of ksim's kernel API; proc_set_user is a macro over it (the ids go
 * by value). */
#include <linux/types.h>
#include <linux/fs.h>
struct proc_dir_entry;
#define PROC_ENTRY_PERMANENT 1U
struct proc_ops {
	unsigned int proc_flags;
	int (*proc_open)(struct inode *, struct file *);
	ssize_t (*proc_read)(struct file *, char __user *, size_t, loff_t *);
	ssize_t (*proc_read_iter)(struct kiocb *, struct iov_iter *);
	ssize_t (*proc_write)(struct file *, const char __user *, size_t, loff_t *);
	loff_t (*proc_lseek)(struct file *, loff_t, int);
	int (*proc_release)(struct inode *, struct file *);
	__poll_t (*proc_poll)(struct file *, struct poll_table_struct *);
	long (*proc_ioctl)(struct file *, unsigned int, unsigned long);
	long (*proc_compat_ioctl)(struct file *, unsigned int, unsigned long);
	int (*proc_mmap)(struct file *, struct vm_area_struct *);
	unsigned long (*proc_get_unmapped_area)(struct file *, unsigned long, unsigned long, unsigned long, unsigned long);
};
/* include/linux/uidgid.h's, here where the modules that pass them to
 * proc_set_user find them (ksim's prelude keeps uidgid.h's names few). */
#ifndef GLOBAL_ROOT_UID
#define GLOBAL_ROOT_UID KUIDT_INIT(0)
#define GLOBAL_ROOT_GID KGIDT_INIT(0)
#endif
#define proc_set_user(de, uid, gid) __ksim_proc_set_user((de), (uid).val, (gid).val)
#define PDE_DATA(inode) pde_data(inode)

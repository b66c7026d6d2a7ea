/* ksim: files (include/linux/fs.h of 6.12): the types and structs modules use.
 * register_chrdev, noop_llseek ... are functions of ksim's kernel API; the user
 * processes of `#pragma ksim process` call the operations. */
#include <linux/types.h>
#include <linux/kdev_t.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/stat.h>
#include <linux/fcntl.h>
#include <linux/ioctl.h>
#include <linux/uidgid.h>

struct module;
struct file;
struct inode;
struct kiocb;
struct iov_iter;
struct dir_context;
struct poll_table_struct;
struct vm_area_struct;
struct file_lock;
struct fasync_struct;
struct seq_file;
struct io_uring_cmd;
struct pipe_inode_info;
struct cdev;
struct dentry;
struct super_block;
struct address_space;
typedef unsigned int __poll_t;
typedef void *fl_owner_t;

#define FMODE_READ ((fmode_t)(1 << 0))
#define FMODE_WRITE ((fmode_t)(1 << 1))
#define FMODE_LSEEK ((fmode_t)(1 << 2))
#define FMODE_PREAD ((fmode_t)(1 << 3))
#define FMODE_PWRITE ((fmode_t)(1 << 4))
#define FMODE_EXEC ((fmode_t)(1 << 5))

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define MAX_LFS_FILESIZE ((loff_t)LLONG_MAX)

#define CHRDEV_MAJOR_MAX 512
#define CHRDEV_MAJOR_DYN_END 234

struct path {
	void *mnt;
	struct dentry *dentry;
};

struct file_operations {
	struct module *owner;
	unsigned int fop_flags;
	loff_t (*llseek)(struct file *, loff_t, int);
	ssize_t (*read)(struct file *, char __user *, size_t, loff_t *);
	ssize_t (*write)(struct file *, const char __user *, size_t, loff_t *);
	ssize_t (*read_iter)(struct kiocb *, struct iov_iter *);
	ssize_t (*write_iter)(struct kiocb *, struct iov_iter *);
	int (*iopoll)(struct kiocb *kiocb, void *iob, unsigned int flags);
	int (*iterate_shared)(struct file *, struct dir_context *);
	__poll_t (*poll)(struct file *, struct poll_table_struct *);
	long (*unlocked_ioctl)(struct file *, unsigned int, unsigned long);
	long (*compat_ioctl)(struct file *, unsigned int, unsigned long);
	int (*mmap)(struct file *, struct vm_area_struct *);
	int (*open)(struct inode *, struct file *);
	int (*flush)(struct file *, fl_owner_t id);
	int (*release)(struct inode *, struct file *);
	int (*fsync)(struct file *, loff_t, loff_t, int datasync);
	int (*fasync)(int, struct file *, int);
	int (*lock)(struct file *, int, struct file_lock *);
	unsigned long (*get_unmapped_area)(struct file *, unsigned long, unsigned long, unsigned long, unsigned long);
	int (*check_flags)(int);
	int (*flock)(struct file *, int, struct file_lock *);
	ssize_t (*splice_write)(struct pipe_inode_info *, struct file *, loff_t *, size_t, unsigned int);
	ssize_t (*splice_read)(struct file *, loff_t *, struct pipe_inode_info *, size_t, unsigned int);
	void (*splice_eof)(struct file *file);
	int (*setlease)(struct file *, int, struct file_lock **, void **);
	long (*fallocate)(struct file *file, int mode, loff_t offset, loff_t len);
	void (*show_fdinfo)(struct seq_file *m, struct file *f);
	ssize_t (*copy_file_range)(struct file *, loff_t, struct file *, loff_t, size_t, unsigned int);
	loff_t (*remap_file_range)(struct file *file_in, loff_t pos_in, struct file *file_out, loff_t pos_out, loff_t len, unsigned int remap_flags);
	int (*fadvise)(struct file *, loff_t, loff_t, int);
	int (*uring_cmd)(struct io_uring_cmd *ioucmd, unsigned int issue_flags);
	int (*uring_cmd_iopoll)(struct io_uring_cmd *, void *, unsigned int poll_flags);
};

struct inode {
	umode_t i_mode;
	unsigned short i_opflags;
	kuid_t i_uid;
	kgid_t i_gid;
	unsigned int i_flags;
	unsigned long i_ino;
	dev_t i_rdev;
	loff_t i_size;
	struct super_block *i_sb;
	struct address_space *i_mapping;
	const struct file_operations *i_fop;
	struct cdev *i_cdev;
	void *i_private;
};

struct file {
	atomic_long_t f_count;
	spinlock_t f_lock;
	fmode_t f_mode;
	const struct file_operations *f_op;
	struct address_space *f_mapping;
	void *private_data;
	struct inode *f_inode;
	unsigned int f_flags;
	unsigned int f_iocb_flags;
	const struct cred *f_cred;
	struct path f_path;
	struct mutex f_pos_lock;
	loff_t f_pos;
	u64 f_version;
};

static inline unsigned iminor(const struct inode *inode)
{
	return MINOR(inode->i_rdev);
}

static inline unsigned imajor(const struct inode *inode)
{
	return MAJOR(inode->i_rdev);
}

static inline struct inode *file_inode(const struct file *f)
{
	return f->f_inode;
}

/* include/linux/dcache.h: the name of a dentry. */
struct qstr {
	union {
		struct {
			u32 hash;
			u32 len;
		};
		u64 hash_len;
	};
	const unsigned char *name;
};

struct dentry {
	unsigned int d_flags;
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
};

/* ksim: seq_file (include/linux/seq_file.h): the iterator table type.
 * seq_printf(), single_open() ... are not yet part of ksim's kernel API. */
#include <linux/types.h>
#include <linux/fs.h>
struct seq_file {
	char *buf;
	size_t size;
	size_t from;
	size_t count;
	loff_t index;
	loff_t read_pos;
	struct mutex lock;
	const struct seq_operations *op;
	void *private;
	struct file *file;
};
struct seq_operations {
	void *(*start)(struct seq_file *m, loff_t *pos);
	void (*stop)(struct seq_file *m, void *v);
	void *(*next)(struct seq_file *m, void *v, loff_t *pos);
	int (*show)(struct seq_file *m, void *v);
};
#define SEQ_START_TOKEN ((void *)1)

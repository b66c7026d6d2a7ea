/* ksim: poll (include/uapi/asm-generic/poll.h, include/linux/poll.h): the
 * event bits and poll_table. poll_wait() is not yet part of ksim's kernel API. */
#include <linux/types.h>
#include <linux/fs.h>
#include <linux/wait.h>
#define POLLIN 0x0001
#define POLLPRI 0x0002
#define POLLOUT 0x0004
#define POLLERR 0x0008
#define POLLHUP 0x0010
#define POLLNVAL 0x0020
#define POLLRDNORM 0x0040
#define POLLRDBAND 0x0080
#define POLLWRNORM 0x0100
#define POLLWRBAND 0x0200
#define EPOLLIN ((__poll_t)0x00000001)
#define EPOLLPRI ((__poll_t)0x00000002)
#define EPOLLOUT ((__poll_t)0x00000004)
#define EPOLLERR ((__poll_t)0x00000008)
#define EPOLLHUP ((__poll_t)0x00000010)
#define EPOLLRDNORM ((__poll_t)0x00000040)
#define EPOLLWRNORM ((__poll_t)0x00000100)
typedef struct poll_table_struct {
	void (*_qproc)(struct file *, wait_queue_head_t *, struct poll_table_struct *);
	__poll_t _key;
} poll_table;

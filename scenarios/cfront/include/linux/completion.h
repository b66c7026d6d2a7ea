/* ksim: struct completion (include/linux/completion.h) with ksim's primitive
 * layout; done is at offset 24. */
#include <linux/types.h>
#include <linux/lockdep.h>
#include <linux/wait.h>

struct completion {
	__KSIM_PRIM_HEAD;
	unsigned int done;
};

#define COMPLETION_INITIALIZER(work) { __KSIM_PRIM_INIT(work, COMPLETION), .done = 0 }
#define COMPLETION_INITIALIZER_ONSTACK(work) COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION(work) struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work) DECLARE_COMPLETION(work)

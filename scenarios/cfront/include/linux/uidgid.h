/* ksim: kuid_t, kgid_t (include/linux/uidgid_types.h). */
#include <linux/types.h>
typedef struct {
	uid_t val;
} kuid_t;
typedef struct {
	gid_t val;
} kgid_t;
struct cred;
#define KUIDT_INIT(value) (kuid_t){ value }
#define KGIDT_INIT(value) (kgid_t){ value }

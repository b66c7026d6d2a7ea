/* ksim: size helpers (include/linux/overflow.h), without the saturation. */
#include <linux/types.h>
#define struct_size(p, member, count) (sizeof(*(p)) + sizeof(*(p)->member) * (count))
#define flex_array_size(p, member, count) (sizeof(*(p)->member) * (count))
#define array_size(a, b) ((size_t)(a) * (size_t)(b))

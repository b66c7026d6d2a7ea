/* ksim: Linux 6.12.0, as include/generated/uapi/linux/version.h computes it. */
#define LINUX_VERSION_CODE 396288
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#define LINUX_VERSION_MAJOR 6
#define LINUX_VERSION_PATCHLEVEL 12
#define LINUX_VERSION_SUBLEVEL 0

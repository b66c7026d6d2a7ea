/* ksim: current (arch/x86/include/asm/current.h): get_current(), which ksim's
 * kernel API implements. */
struct task_struct;
#define current get_current()

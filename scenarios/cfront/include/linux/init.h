/* ksim: section annotations (include/linux/init.h). ksim has no sections: all
 * are empty. */
#include <linux/compiler.h>
#define __init
#define __exit
#define __initdata
#define __exitdata
#define __initconst
#define __exitcall
#define __refdata
#define __refconst
#define __ref
#define __meminit
#define __meminitdata
#define __devinit
#define __devexit
#define __devinitdata
#define __exit_p(x) x

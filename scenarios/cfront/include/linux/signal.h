/* ksim: signal_pending() ... are functions of ksim's kernel API. */
#include <linux/signal_types.h>

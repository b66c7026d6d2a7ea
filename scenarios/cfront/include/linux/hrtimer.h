/* ksim: high-resolution timers (include/linux/hrtimer.h, hrtimer_defs.h of
 * 6.12): the types and modes. hrtimer_init(), hrtimer_start(),
 * hrtimer_cancel() ... are functions of ksim's kernel API. 6.12 has no
 * hrtimer_setup() (it came in 6.13): set timer->function after hrtimer_init. */
#include <linux/types.h>
#include <linux/ktime.h>
#include <linux/container_of.h>

enum hrtimer_restart {
	HRTIMER_NORESTART,
	HRTIMER_RESTART,
};

enum hrtimer_mode {
	HRTIMER_MODE_ABS = 0x00,
	HRTIMER_MODE_REL = 0x01,
	HRTIMER_MODE_PINNED = 0x02,
	HRTIMER_MODE_SOFT = 0x04,
	HRTIMER_MODE_HARD = 0x08,
	HRTIMER_MODE_ABS_PINNED = HRTIMER_MODE_ABS | HRTIMER_MODE_PINNED,
	HRTIMER_MODE_REL_PINNED = HRTIMER_MODE_REL | HRTIMER_MODE_PINNED,
	HRTIMER_MODE_ABS_SOFT = HRTIMER_MODE_ABS | HRTIMER_MODE_SOFT,
	HRTIMER_MODE_REL_SOFT = HRTIMER_MODE_REL | HRTIMER_MODE_SOFT,
	HRTIMER_MODE_ABS_PINNED_SOFT = HRTIMER_MODE_ABS_PINNED | HRTIMER_MODE_SOFT,
	HRTIMER_MODE_REL_PINNED_SOFT = HRTIMER_MODE_REL_PINNED | HRTIMER_MODE_SOFT,
	HRTIMER_MODE_ABS_HARD = HRTIMER_MODE_ABS | HRTIMER_MODE_HARD,
	HRTIMER_MODE_REL_HARD = HRTIMER_MODE_REL | HRTIMER_MODE_HARD,
	HRTIMER_MODE_ABS_PINNED_HARD = HRTIMER_MODE_ABS_PINNED | HRTIMER_MODE_HARD,
	HRTIMER_MODE_REL_PINNED_HARD = HRTIMER_MODE_REL_PINNED | HRTIMER_MODE_HARD,
};

#ifndef CLOCK_REALTIME
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_TAI 11
#endif

struct hrtimer {
	struct {
		void *__rb[3];
		ktime_t expires;
	} node;
	ktime_t _softexpires;
	enum hrtimer_restart (*function)(struct hrtimer *);
	void *base;
	u8 state;
	u8 is_rel;
	u8 is_soft;
	u8 is_hard;
};

/* include/linux/ktime.h's conversions (static inline in the kernel). */
#ifndef ms_to_ktime
#define ktime_set(secs, nsecs) ((ktime_t)(secs) * NSEC_PER_SEC + (ktime_t)(nsecs))
#define ms_to_ktime(ms) ((ktime_t)(ms) * NSEC_PER_MSEC)
#define us_to_ktime(us) ((ktime_t)(us) * NSEC_PER_USEC)
#define ns_to_ktime(ns) ((ktime_t)(ns))
#endif

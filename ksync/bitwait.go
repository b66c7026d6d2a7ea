package ksync

import "github.com/ksim-dev/ksim/sched"

// Waiting for a bit (kernel/sched/wait_bit.c): wait_on_bit sleeps on the hashed
// bit_wait_table queue until the bit is clear, re-testing it each time wake_up_bit
// wakes it; a clear_bit without wake_up_bit leaves it asleep, as in the kernel. The
// queue is one object: queueing, leaving and waking are steps on it, and a sleeper's
// guard (woken) changes only at wake_up_bit's.

type bitWaiter struct {
	t     *Task
	word  uint64
	bit   int
	woken bool
}

// Enabled reports whether wake_up_bit has woken the waiter.
func (w *bitWaiter) Enabled(*sched.Op) bool { return w.woken }

func (k *Kernel) bitQueue() sched.ObjID {
	if k.rcu.bitObj == 0 {
		k.rcu.bitObj = k.e.NewObject("bit_wait_table")
	}
	return k.rcu.bitObj
}

// WaitOnBit is wait_on_bit(word, bit, mode) (include/linux/wait_bit.h):
// might_sleep, then while test says the bit is set, __wait_on_bit's
// prepare_to_wait / bit_wait (schedule) / finish_wait. interruptible is a mode a
// signal ends (TASK_INTERRUPTIBLE, TASK_KILLABLE): then -EINTR. It returns 0 once
// the bit is clear.
func (t *Task) WaitOnBit(word uint64, bit int, st TaskState, interruptible bool, test func() bool) int {
	t.mightResched("include/linux/wait_bit.h:73", "wait_on_bit")
	if !test() {
		return 0
	}
	k := t.k
	for {
		t.op("prepare_to_wait", k.bitQueue(), sched.Write, nil)
		w := &bitWaiter{t: t, word: word, bit: bit}
		k.rcu.bitWaiters = append(k.rcu.bitWaiters, w)
		ret := 0
		if test() {
			t.killable = st == Uninterruptible && interruptible
			t.sleep(st, waiting{kind: "bit", pos: t.pos, prim: "wait_on_bit"})
			var g sched.Guard = w
			if interruptible && k.cfg.Signals {
				g = nil
			}
			t.op("schedule", k.bitQueue(), sched.Write, g)
			t.wake()
			t.killable = false
			if !w.woken {
				t.note("interrupted by a signal: -EINTR")
				ret = -EINTR
			}
		}
		t.op("finish_wait", k.bitQueue(), sched.Write, nil)
		for i, x := range k.rcu.bitWaiters {
			if x == w {
				k.rcu.bitWaiters = append(k.rcu.bitWaiters[:i], k.rcu.bitWaiters[i+1:]...)
				break
			}
		}
		if ret != 0 || !test() {
			return ret
		}
	}
}

// WakeUpBit is wake_up_bit(word, bit): every task waiting on that bit wakes to test
// it again.
func (t *Task) WakeUpBit(word uint64, bit int) {
	t.op("wake_up_bit", t.k.bitQueue(), sched.Write, nil)
	n := 0
	for _, w := range t.k.rcu.bitWaiters {
		if w.word == word && w.bit == bit && !w.woken {
			w.woken = true
			n++
		}
	}
	if n > 0 {
		t.note("wakes %d", n)
	}
}

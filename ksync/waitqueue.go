package ksync

import (
	"github.com/ksim-dev/ksim/sched"
)

// Wait queues (include/linux/wait.h, kernel/sched/wait.c).
//
// A wait_queue_head is a list of entries under a spinlock. Every operation on the
// list is a step writing (or, finding nothing to change, reading) the queue's object.
// The spinlock is held across a wakeup's calls of the entries' wake functions, each
// a try_to_wake_up of a task, which is a step on that task's state word: the waker
// takes the queue (busy) at its first step and gives it back at its last, and every
// other list operation waits meanwhile, as it would spin on wq_head->lock. Like a
// completion's, the queue's spinlock is not given to lockdep.
//
// prepare_to_wait adds the entry and sets the task's state under the lock; ksim sets
// the state first (a step on the state word) and then adds the entry (a step on the
// queue): no wakeup can find the entry before its state is set, which is what the
// lock guarantees, and a wake_up_process in between wakes the task as it would
// between the kernel's set_current_state and its spin_unlock.

// waitState is the kernel's per-execution part (kstate.wt).
type waitState struct {
	queues  map[uint64]*WaitQueue // wait_queue_head structs, by address
	entries map[uint64]*WaitEntry // wait_queue_entry structs, by address
}

// WaitQueue is a struct wait_queue_head.
type WaitQueue struct {
	obj     sched.ObjID
	name    string
	entries []*WaitEntry
	busy    *Task // the waker holding the queue's lock across its wakeups
}

// WaitEntry is a struct wait_queue_entry.
type WaitEntry struct {
	t          *Task // private: the task to wake
	exclusive  bool  // WQ_FLAG_EXCLUSIVE
	autoremove bool  // func is autoremove_wake_function (DEFINE_WAIT), not default_wake_function
	q          *WaitQueue
}

// NewWaitQueue is DECLARE_WAIT_QUEUE_HEAD(name) or init_waitqueue_head: an empty
// queue.
func (k *Kernel) NewWaitQueue(name string) *WaitQueue {
	return &WaitQueue{obj: k.e.NewObject(name), name: name}
}

// Name is the queue's name in traces and reports.
func (q *WaitQueue) Name() string { return q.name }

// WaitEntryAt is the wait_queue_entry at addr, made on first use.
func (k *Kernel) WaitEntryAt(addr uint64) *WaitEntry {
	if e, ok := k.wt.entries[addr]; ok {
		return e
	}
	if k.wt.entries == nil {
		k.wt.entries = map[uint64]*WaitEntry{}
	}
	e := &WaitEntry{}
	k.wt.entries[addr] = e
	return e
}

// Set is what the entry's fields say: the task it wakes, WQ_FLAG_EXCLUSIVE, and
// whether its wake function removes it (autoremove_wake_function).
func (e *WaitEntry) Set(t *Task, exclusive, autoremove bool) {
	e.t, e.exclusive, e.autoremove = t, exclusive, autoremove
}

// Exclusive reports WQ_FLAG_EXCLUSIVE.
func (e *WaitEntry) Exclusive() bool { return e.exclusive }

// queueFree lets a list operation run while no other task's wakeup holds the queue.
type queueFree struct {
	q *WaitQueue
	t *Task
}

func (g queueFree) Enabled(*sched.Op) bool { return g.q.busy == nil || g.q.busy == g.t }

// lockOp is a step on the queue, under its lock.
func (q *WaitQueue) lockOp(t *Task, prim string, acc sched.Access) {
	var g sched.Guard
	if q.busy != nil && q.busy != t {
		g, acc = queueFree{q, t}, sched.Acquire // it spins on wq_head->lock
	}
	t.opx(&sched.Op{Name: prim, Obj: q.obj, Access: acc, Guard: g})
}

func (q *WaitQueue) index(e *WaitEntry) int {
	for i, x := range q.entries {
		if x == e {
			return i
		}
	}
	return -1
}

// queued reports whether the task has an entry on the queue.
func (q *WaitQueue) queued(t *Task) bool {
	for _, x := range q.entries {
		if x.t == t {
			return true
		}
	}
	return false
}

// add is __add_wait_queue (at the head) or, for an exclusive entry,
// __add_wait_queue_entry_tail; the entry must not be on a list.
func (q *WaitQueue) add(e *WaitEntry) {
	e.q = q
	if e.exclusive {
		q.entries = append(q.entries, e)
		return
	}
	q.entries = append([]*WaitEntry{e}, q.entries...)
}

func (q *WaitQueue) del(e *WaitEntry) {
	if i := q.index(e); i >= 0 {
		q.entries = append(q.entries[:i], q.entries[i+1:]...)
	}
	if e.q == q {
		e.q = nil
	}
}

// AddWaitQueue is add_wait_queue (exclusive false) or add_wait_queue_exclusive.
func (q *WaitQueue) AddWaitQueue(t *Task, e *WaitEntry, exclusive bool) {
	prim := "add_wait_queue"
	if exclusive {
		prim = "add_wait_queue_exclusive"
	}
	q.lockOp(t, prim, sched.Write)
	e.exclusive = exclusive
	if e.q == nil {
		q.add(e)
	}
	if e.t != nil {
		e.t.ws.queue = q
	}
}

// RemoveWaitQueue is remove_wait_queue.
func (q *WaitQueue) RemoveWaitQueue(t *Task, e *WaitEntry) {
	q.lockOp(t, "remove_wait_queue", sched.Write)
	q.del(e)
}

// PrepareToWait is prepare_to_wait (exclusive false) or prepare_to_wait_exclusive:
// the task's state becomes state and the entry goes on the queue if it is on none.
// prepare_to_wait_exclusive returns whether the queue was empty; prepare_to_wait 0.
func (q *WaitQueue) PrepareToWait(t *Task, e *WaitEntry, state uint32, exclusive bool) bool {
	prim := "prepare_to_wait"
	if exclusive {
		prim = "prepare_to_wait_exclusive"
	}
	t.SetCurrentState(prim, state)
	q.lockOp(t, prim, sched.Write)
	e.exclusive = exclusive
	empty := len(q.entries) == 0
	if e.q == nil {
		q.add(e)
	} else {
		t.th.SetAccess(sched.Read)
	}
	t.Current().ws.queue = q
	return empty
}

// PrepareToWaitEvent is prepare_to_wait_event (kernel/sched/wait.c), the step of
// wait_event's loop: with a signal pending for state (signal_pending_state) the
// entry comes off the queue and it returns -ERESTARTSYS; otherwise the entry goes on
// the queue (at the tail if exclusive) if it is on none, the state is set, and it
// returns 0.
func (q *WaitQueue) PrepareToWaitEvent(t *Task, e *WaitEntry, state uint32) int64 {
	c := t.Current()
	t.op("prepare_to_wait_event", c.stateObj(), sched.Write, nil)
	if c.signalPendingState(state) {
		t.th.SetAccess(sched.Read)
		q.lockOp(t, "prepare_to_wait_event", sched.Write)
		if e.q == q {
			q.del(e)
		} else {
			t.th.SetAccess(sched.Read)
		}
		t.note("a signal is pending")
		return -ERESTARTSYS
	}
	c.setStateVal(state)
	q.lockOp(t, "prepare_to_wait_event", sched.Write)
	if e.q == nil {
		q.add(e)
	} else {
		t.th.SetAccess(sched.Read)
	}
	c.ws.queue = q
	return 0
}

// FinishWait is finish_wait: TASK_RUNNING again, and the entry off the queue if a
// wakeup did not take it off already.
func (q *WaitQueue) FinishWait(t *Task, e *WaitEntry) {
	t.SetCurrentState("finish_wait", TaskRunning)
	q.lockOp(t, "finish_wait", sched.Write)
	if e.q == q {
		q.del(e)
	} else {
		t.th.SetAccess(sched.Read)
	}
	if c := t.Current(); c.ws.queue == q {
		c.ws.queue = nil
	}
}

// Active is waitqueue_active(): whether the queue has an entry (read without its
// lock, as the kernel's list_empty is).
func (q *WaitQueue) Active(t *Task) bool {
	q.lockOp(t, "waitqueue_active", sched.Read)
	return len(q.entries) > 0
}

// WakeUp is __wake_up(q, mode, nr, NULL) (kernel/sched/wait.c, __wake_up_common):
// under the queue's lock, each entry's wake function in turn, try_to_wake_up of its
// task for mode (autoremove_wake_function also takes a woken entry off the queue),
// stopping once nr exclusive entries woke (nr 0: all). wake_up is (TASK_NORMAL, 1),
// wake_up_all (TASK_NORMAL, 0), wake_up_interruptible (TASK_INTERRUPTIBLE, 1). It
// returns how many tasks it woke.
func (q *WaitQueue) WakeUp(t *Task, prim string, mode uint32, nr int) int {
	q.lockOp(t, prim, sched.Write)
	if len(q.entries) == 0 {
		t.th.SetAccess(sched.Read)
		t.note("nobody waits")
		return 0
	}
	q.busy = t
	list := append([]*WaitEntry(nil), q.entries...)
	var woke []*WaitEntry
	n := 0
	for _, e := range list {
		if e.t == nil {
			continue
		}
		if !t.TryToWakeUp(prim, e.t, mode) {
			continue
		}
		n++
		woke = append(woke, e)
		if e.exclusive {
			if nr--; nr == 0 {
				break
			}
		}
	}
	q.lockOp(t, prim+" (unlock)", sched.Write)
	for _, e := range woke {
		if e.autoremove {
			q.del(e)
		}
	}
	q.busy = nil
	return n
}

// WaitQueueAt is the wait queue whose wait_queue_head is at addr, made on first use
// (DECLARE_WAIT_QUEUE_HEAD's static initialiser: an empty queue) and named by name.
func (k *Kernel) WaitQueueAt(addr uint64, name func() string) *WaitQueue {
	if q, ok := k.wt.queues[addr]; ok {
		return q
	}
	if k.wt.queues == nil {
		k.wt.queues = map[uint64]*WaitQueue{}
	}
	q := k.NewWaitQueue(name())
	k.wt.queues[addr] = q
	return q
}

// InitWaitQueueAt is init_waitqueue_head at addr: an empty queue there, whatever
// was queued before (the kernel's INIT_LIST_HEAD forgets it too).
func (t *Task) InitWaitQueueAt(addr uint64, name func() string) *WaitQueue {
	q := t.k.WaitQueueAt(addr, name)
	t.op("init_waitqueue_head", q.obj, sched.Write, nil)
	for _, e := range q.entries {
		e.q = nil
	}
	q.entries = q.entries[:0]
	return q
}

// Queue is the wait queue the entry is on, nil if none.
func (e *WaitEntry) Queue() *WaitQueue { return e.q }

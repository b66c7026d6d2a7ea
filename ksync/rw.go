package ksync

import "github.com/ksim-dev/ksim/sched"

// modes of a reader-writer acquire, carried in sched.Op.Arg for the guard.
const (
	modeRead        = 0 // a reader that queues behind a waiting writer
	modeWrite       = 1 // a writer's first try: only a free, uncontended lock
	modeReadIRQ     = 2 // an rwlock_t reader in_interrupt(): only a writer holding it stops it
	modeWriteQueued = 3 // a writer that queued: it takes the lock once nobody holds it
)

// ---- rwlock_t ----

// RWLock is rwlock_t, a queued rwlock (kernel/locking/qrwlock.c, x86's and most
// architectures' since CONFIG_QUEUED_RWLOCKS): a spinning reader-writer lock. Readers
// share it; a writer excludes everyone. A writer that cannot take it at once queues
// and sets _QW_WAITING (queued_write_lock_slowpath), and from then on a reader in
// process context queues behind it (queued_read_lock_slowpath): a task that read_locks
// twice with a writer arriving in between spins forever, and so does the writer. Only
// a reader in_interrupt() takes the lock past a waiting writer while other readers
// hold it, the slowpath's in_interrupt() branch that lets an interrupt handler
// read_lock what the code it interrupted read-holds.
type RWLock struct {
	lockBase
	readers int
	writer  *Task
	waiting int // writers queued in queued_write_lock_slowpath: _QW_WAITING is set
}

// DefineRWLock is DEFINE_RWLOCK(name), or an rwlock_init'ed rwlock_t.
func (k *Kernel) DefineRWLock(name string) *RWLock {
	l := k.slabs.rwlocks.alloc()
	*l = RWLock{lockBase: k.reuseBase(&l.lockBase, name, kindRWLock)}
	return l
}

// Enabled reports whether a spinner in the op's mode can take the lock: the
// conditions of include/asm-generic/qrwlock.h and kernel/locking/qrwlock.c, with the
// lock word's _QW_LOCKED as writer and _QW_WAITING as waiting.
func (l *RWLock) Enabled(op *sched.Op) bool {
	switch op.Arg {
	case modeRead: // queued_read_lock: no _QW_WMASK bit (a writer holding or waiting)
		return l.writer == nil && l.waiting == 0
	case modeReadIRQ: // queued_read_lock_slowpath, in_interrupt(): !(VAL & _QW_LOCKED)
		return l.writer == nil
	case modeWrite: // queued_write_lock: cnts == 0
		return l.writer == nil && l.readers == 0 && l.waiting == 0
	}
	// modeWriteQueued: queued_write_lock_slowpath waits for VAL == _QW_WAITING (no
	// reader, no writer), the queue's head first; the model lets any queued writer
	// go, an order the kernel reaches when that writer queued first.
	return l.writer == nil && l.readers == 0
}

func (l *RWLock) free(mode int) bool {
	return l.Enabled(&sched.Op{Arg: mode})
}

// Init is rwlock_init().
func (l *RWLock) Init(t *Task) {
	t.op("rwlock_init", l.id, sched.Write, nil)
	t.reinit(&l.lockBase)
	l.readers, l.writer, l.waiting = 0, nil, 0
}

// ReadLock is read_lock().
func (l *RWLock) ReadLock(t *Task) { l.lock(t, "read_lock", modeRead) }

// WriteLock is write_lock().
func (l *RWLock) WriteLock(t *Task) { l.lock(t, "write_lock", modeWrite) }

// ReadLockIrqsave is read_lock_irqsave(); it returns the saved flags.
func (l *RWLock) ReadLockIrqsave(t *Task) int {
	f := t.LocalIrqSave()
	l.lock(t, "read_lock_irqsave", modeRead)
	return f
}

// WriteLockIrqsave is write_lock_irqsave(); it returns the saved flags.
func (l *RWLock) WriteLockIrqsave(t *Task) int {
	f := t.LocalIrqSave()
	l.lock(t, "write_lock_irqsave", modeWrite)
	return f
}

func rwAccess(mode int) sched.Access {
	if mode == modeRead || mode == modeReadIRQ {
		return sched.AcquireShared
	}
	return sched.Acquire
}

// lock is __raw_read_lock / __raw_write_lock (include/linux/rwlock_api_smp.h):
// preempt_disable, lockdep's acquire, then queued_read_lock / queued_write_lock.
//
// A reader is one step that waits until it can take the lock (the qrwlock's
// conditions in Enabled). A writer that cannot take it at once queues in a step of
// its own, which sets _QW_WAITING and so stops later readers: a visible write to the
// lock, ordered against every reader's acquire. It then waits for the readers and the
// writer holding the lock to leave.
func (l *RWLock) lock(t *Task, prim string, mode int) {
	read := mode == modeRead
	if read && t.irqCount() != 0 {
		mode = modeReadIRQ // queued_read_lock_slowpath: if (unlikely(in_interrupt()))
	}
	if !t.k.gated {
		t.preemptDisable()
		t.acquire(&l.lockBase, 0, read, false)
		l.checkMagic(t, l.rawFn(read, true))
		if !read {
			t.op(prim, l.id, sched.Acquire, nil)
			if !l.free(modeWrite) {
				l.queue(t)
				mode = modeWriteQueued
			}
		}
		if read || mode == modeWriteQueued {
			t.blockOn(&sched.Op{Name: prim, Obj: l.id, Access: rwAccess(mode), Guard: l, Arg: mode}, Running, "rwlock", &l.lockBase)
		}
		l.take(t, mode, false)
		return
	}
	t.op(prim, l.id, rwAccess(mode), nil)
	t.preemptDisable()
	t.acquire(&l.lockBase, 0, read, false)
	l.checkMagic(t, l.rawFn(read, true))
	if !l.free(mode) {
		if read {
			t.th.SetAccess(sched.Read)
			t.note("spins (%s)", l.busy())
		} else {
			l.queue(t)
			mode = modeWriteQueued
		}
		t.wait = waiting{kind: "rwlock", lock: &l.lockBase, pos: t.pos, prim: prim}
		t.opx(&sched.Op{Name: prim, Obj: l.id, Access: rwAccess(mode), Guard: l, Arg: mode})
		t.wait = waiting{}
	}
	l.take(t, mode, false)
}

// rawFn is the debug function that checks the lock (kernel/locking/spinlock_debug.c).
func (l *RWLock) rawFn(read, lock bool) string {
	switch {
	case read && lock:
		return "do_raw_read_lock"
	case read:
		return "do_raw_read_unlock"
	case lock:
		return "do_raw_write_lock"
	}
	return "do_raw_write_unlock"
}

// busy says, for the trace, why the lock cannot be taken now.
func (l *RWLock) busy() string {
	switch {
	case l.writer != nil:
		return "held by " + l.writer.Comm
	case l.waiting > 0:
		return "a writer is waiting"
	}
	return "held by readers"
}

// queue is queued_write_lock_slowpath's "atomic_or(_QW_WAITING, &lock->cnts)": the
// writer waits, and readers in process context no longer get in. The step that
// announced the acquire ran as this write.
func (l *RWLock) queue(t *Task) {
	t.th.SetAccess(sched.Write)
	t.note("spins (%s), sets _QW_WAITING", l.busy())
	l.waiting++
}

func (l *RWLock) take(t *Task, mode int, trylock bool) {
	switch mode {
	case modeRead, modeReadIRQ:
		l.readers++
	case modeWriteQueued:
		l.waiting = max(l.waiting-1, 0) // 0 already if rwlock_init ran meanwhile
		fallthrough
	default:
		l.writer = t
	}
	t.hold(&l.lockBase, mode == modeRead || mode == modeReadIRQ, 0, trylock)
}

// ReadTrylock is read_trylock(): 1 on success.
func (l *RWLock) ReadTrylock(t *Task) int { return l.trylock(t, "read_trylock", modeRead) }

// WriteTrylock is write_trylock(): 1 on success.
func (l *RWLock) WriteTrylock(t *Task) int { return l.trylock(t, "write_trylock", modeWrite) }

// trylock is queued_read_trylock / queued_write_trylock: a reader fails while a writer
// holds the lock or waits for it (_QW_WMASK), in any context; a writer unless the lock
// word is 0.
func (l *RWLock) trylock(t *Task, prim string, mode int) int {
	t.op(prim, l.id, rwAccess(mode), nil)
	if !l.free(mode) {
		t.th.SetAccess(sched.Read)
		t.th.Note("fails: busy")
		return 0
	}
	t.preemptDisable()
	t.acquire(&l.lockBase, 0, mode == modeRead, true)
	l.take(t, mode, true)
	return 1
}

// ReadUnlock is read_unlock().
func (l *RWLock) ReadUnlock(t *Task) { l.readUnlock(t, "read_unlock") }

func (l *RWLock) readUnlock(t *Task, prim string) {
	t.op(prim, l.id, sched.ReleaseShared, nil)
	if l.readers == 0 || !t.unhold(&l.lockBase) {
		t.badUnlock(&l.lockBase)
	} else {
		l.readers--
	}
	l.checkMagic(t, l.rawFn(true, false))
	t.preemptEnable()
}

// WriteUnlock is write_unlock().
func (l *RWLock) WriteUnlock(t *Task) { l.writeUnlock(t, "write_unlock") }

func (l *RWLock) writeUnlock(t *Task, prim string) {
	t.op(prim, l.id, sched.Release, nil)
	if l.writer != t {
		t.th.SetAccess(sched.Write) // not its owner's release: see ownerlessRelease
		t.badUnlock(&l.lockBase)
	} else {
		t.unhold(&l.lockBase)
		l.writer = nil
	}
	l.checkMagic(t, l.rawFn(false, false))
	t.preemptEnable()
}

// ReadUnlockIrqrestore is read_unlock_irqrestore().
func (l *RWLock) ReadUnlockIrqrestore(t *Task, flags int) {
	l.ReadUnlock(t)
	t.LocalIrqRestore(flags)
}

// WriteUnlockIrqrestore is write_unlock_irqrestore().
func (l *RWLock) WriteUnlockIrqrestore(t *Task, flags int) {
	l.WriteUnlock(t)
	t.LocalIrqRestore(flags)
}

// ReadLockIRQ is read_lock_irq(): local irqs off, unconditionally, then the lock
// (__raw_read_lock_irq: local_irq_disable, preempt_disable, the acquire).
func (l *RWLock) ReadLockIRQ(t *Task) { l.lockIRQ(t, "read_lock_irq", modeRead, siteReadLockIrq) }

// WriteLockIRQ is write_lock_irq().
func (l *RWLock) WriteLockIRQ(t *Task) { l.lockIRQ(t, "write_lock_irq", modeWrite, siteWriteLockIrq) }

func (l *RWLock) lockIRQ(t *Task, prim string, mode int, site string) {
	t.op(prim, 0, sched.None, nil)
	t.setIrqsOff(true, site)
	t.updatePin()
	l.lock(t, prim, mode)
}

// ReadLockBH is read_lock_bh(): bottom halves off first (__raw_read_lock_bh's
// __local_bh_disable_ip), so the reader is in_interrupt(): a recursive reader.
func (l *RWLock) ReadLockBH(t *Task) { l.lockBH(t, "read_lock_bh", modeRead) }

// WriteLockBH is write_lock_bh().
func (l *RWLock) WriteLockBH(t *Task) { l.lockBH(t, "write_lock_bh", modeWrite) }

func (l *RWLock) lockBH(t *Task, prim string, mode int) {
	t.op(prim, 0, sched.None, nil)
	t.bhDisable(softirqDisableOffset)
	l.lock(t, prim, mode)
}

// ReadUnlockIRQ is read_unlock_irq(): irqs back on, unconditionally.
func (l *RWLock) ReadUnlockIRQ(t *Task) {
	l.readUnlock(t, "read_unlock_irq")
	l.irqsBackOn(t, siteReadUnlockIrq)
}

// WriteUnlockIRQ is write_unlock_irq().
func (l *RWLock) WriteUnlockIRQ(t *Task) {
	l.writeUnlock(t, "write_unlock_irq")
	l.irqsBackOn(t, siteWriteUnlockIrq)
}

func (l *RWLock) irqsBackOn(t *Task, site string) {
	t.setIrqsOff(false, site)
	t.updatePin()
	t.deliverPending()
}

// ReadUnlockBH is read_unlock_bh(): pending softirqs run once bottom halves are
// back on.
func (l *RWLock) ReadUnlockBH(t *Task) {
	l.readUnlock(t, "read_unlock_bh")
	l.bhBackOn(t)
}

// WriteUnlockBH is write_unlock_bh().
func (l *RWLock) WriteUnlockBH(t *Task) {
	l.writeUnlock(t, "write_unlock_bh")
	l.bhBackOn(t)
}

func (l *RWLock) bhBackOn(t *Task) {
	t.bhEnable(softirqDisableOffset)
	t.updatePin()
	t.bhEnabled()
}

// ---- rw_semaphore ----

// RWSem is struct rw_semaphore (kernel/locking/rwsem.c): a sleeping reader-writer
// lock. Readers share it; a writer excludes everyone. A writer that cannot take it at
// once queues on the wait list and sets RWSEM_FLAG_WAITERS (rwsem_down_write_slowpath);
// from then on rwsem_read_trylock fails (RWSEM_READ_FAILED_MASK includes the flag), and
// a reader arriving while readers hold the lock queues behind the writer
// (rwsem_down_read_slowpath: reader-owned, rcnt > 1). So a task that down_reads twice
// with a down_write queued in between sleeps forever, and so does the writer.
//
// rwsem_down_read_slowpath also lets a reader steal a lock nobody holds past a queued
// writer that has not been woken yet (unless RWSEM_FLAG_HANDOFF): the model leaves
// that out. The states it reaches are those of the writer queuing after that reader,
// which the model explores, and without it a reader's guard does not depend on the
// other readers, whose acquires and releases must stay independent of each other.
type RWSem struct {
	lockBase
	readers int
	writer  *Task
	waiting int   // writers on the wait list: RWSEM_FLAG_WAITERS is set
	reader  *Task // the last reader to take it: sem->owner while reader-owned
}

// DeclareRWSem is DECLARE_RWSEM(name), or an init_rwsem'ed rw_semaphore.
func (k *Kernel) DeclareRWSem(name string) *RWSem {
	s := k.slabs.rwsems.alloc()
	*s = RWSem{lockBase: k.reuseBase(&s.lockBase, name, kindRWSem)}
	return s
}

// Enabled reports whether a sleeper in the op's mode can take the semaphore.
func (s *RWSem) Enabled(op *sched.Op) bool {
	switch op.Arg {
	case modeRead: // rwsem_read_trylock: no RWSEM_WRITER_LOCKED, no RWSEM_FLAG_WAITERS
		return s.writer == nil && s.waiting == 0
	case modeWrite: // rwsem_write_trylock: count == RWSEM_UNLOCKED_VALUE
		return s.writer == nil && s.readers == 0 && s.waiting == 0
	}
	// modeWriteQueued: rwsem_try_write_lock, once no reader or writer holds it (any
	// queued writer: see RWLock.Enabled).
	return s.writer == nil && s.readers == 0
}

// Init is init_rwsem().
func (s *RWSem) Init(t *Task) {
	t.op("init_rwsem", s.id, sched.Write, nil)
	t.reinit(&s.lockBase)
	s.readers, s.writer, s.waiting = 0, nil, 0
}

// DownRead is down_read().
func (s *RWSem) DownRead(t *Task) { s.down(t, "down_read", modeRead) }

// DownWrite is down_write().
func (s *RWSem) DownWrite(t *Task) { s.down(t, "down_write", modeWrite) }

// down is down_read / down_write: might_sleep, lockdep's acquire, then
// __down_read_common / __down_write_common. As for RWLock, a reader is one step that
// waits until it can take the semaphore, and a writer that cannot take it at once
// queues in a visible step of its own (it sets RWSEM_FLAG_WAITERS) and then sleeps
// until readers and writer have left.
func (s *RWSem) down(t *Task, prim string, mode int) {
	read := mode == modeRead
	if t.fastPath() {
		t.acquire(&s.lockBase, 0, read, false)
		if !read {
			t.op(prim, s.id, sched.Acquire, nil)
			if !s.Enabled(&sched.Op{Arg: modeWrite}) {
				s.queue(t)
				mode = modeWriteQueued
			}
		}
		if read || mode == modeWriteQueued {
			t.blockOn(&sched.Op{Name: prim, Obj: s.id, Access: rwAccess(mode), Guard: s, Arg: mode}, Uninterruptible, "rwsem", &s.lockBase)
		}
		s.take(t, mode, false)
		return
	}
	t.op(prim, s.id, rwAccess(mode), nil)
	t.mightSleep("kernel/locking/rwsem.c:1525", prim)
	t.acquire(&s.lockBase, 0, read, false)
	if !s.Enabled(&sched.Op{Arg: mode}) {
		if read {
			t.th.SetAccess(sched.Read)
			t.th.Note("blocks: busy")
		} else {
			s.queue(t)
			mode = modeWriteQueued
		}
		t.sleep(Uninterruptible, waiting{kind: "rwsem", lock: &s.lockBase, pos: t.pos, prim: prim})
		t.opx(&sched.Op{Name: prim, Obj: s.id, Access: rwAccess(mode), Guard: s, Arg: mode})
		t.wake()
	}
	s.take(t, mode, false)
}

// queue is rwsem_down_write_slowpath's rwsem_add_waiter and RWSEM_FLAG_WAITERS: the
// writer waits, and readers no longer get in. The step that announced the acquire
// ran as this write.
func (s *RWSem) queue(t *Task) {
	t.th.SetAccess(sched.Write)
	switch {
	case s.writer != nil:
		t.note("blocks (held by %s), queued", s.writer.Comm)
	case s.readers > 0:
		t.th.Note("blocks (held by readers), queued")
	default:
		t.th.Note("blocks (a writer is waiting), queued")
	}
	s.waiting++
}

func (s *RWSem) take(t *Task, mode int, trylock bool) {
	switch mode {
	case modeRead:
		s.readers++
		s.reader = t
	case modeWriteQueued:
		s.waiting = max(s.waiting-1, 0) // 0 already if init_rwsem ran meanwhile
		fallthrough
	default:
		s.writer = t
	}
	t.hold(&s.lockBase, mode == modeRead, 0, trylock)
}

// DownReadTrylock is down_read_trylock(): 1 on success.
func (s *RWSem) DownReadTrylock(t *Task) int { return s.trylock(t, "down_read_trylock", modeRead) }

// DownWriteTrylock is down_write_trylock(): 1 on success.
func (s *RWSem) DownWriteTrylock(t *Task) int { return s.trylock(t, "down_write_trylock", modeWrite) }

// trylock is __down_read_trylock (fails on any RWSEM_READ_FAILED_MASK bit: a writer
// holding it or any waiter queued) / __down_write_trylock (count must be 0).
func (s *RWSem) trylock(t *Task, prim string, mode int) int {
	t.op(prim, s.id, rwAccess(mode), nil)
	if mode == modeRead {
		s.checkMagic(t, "kernel/locking/rwsem.c:1279", "down_read_trylock+0x4e/0x1c0")
	} else {
		s.checkMagic(t, "kernel/locking/rwsem.c:1326", "down_write_trylock+0x46/0x150")
	}
	if !s.Enabled(&sched.Op{Arg: mode}) {
		t.th.SetAccess(sched.Read)
		return 0
	}
	t.acquire(&s.lockBase, 0, mode == modeRead, true)
	s.take(t, mode, true)
	return 1
}

// UpRead is up_read().
func (s *RWSem) UpRead(t *Task) {
	t.op("up_read", s.id, sched.ReleaseShared, nil)
	if s.readers == 0 || !t.unhold(&s.lockBase) {
		t.badUnlock(&s.lockBase)
		return
	}
	s.checkMagic(t, "kernel/locking/rwsem.c:1340", "up_read+0x1a5/0x240") // __up_read, inlined
	s.readers--
}

// UpWrite is up_write().
func (s *RWSem) UpWrite(t *Task) {
	t.op("up_write", s.id, sched.Release, nil)
	if s.writer != t {
		t.th.SetAccess(sched.Write) // not its owner's release: see ownerlessRelease
		t.badUnlock(&s.lockBase)
		return
	}
	t.unhold(&s.lockBase)
	s.checkMagic(t, "kernel/locking/rwsem.c:1362", "up_write+0x17e/0x1f0") // __up_write, inlined
	s.writer = nil
}

// ---- completion ----

// Completion is struct completion: waiters sleep until complete() or complete_all().
// Not tracked by lockdep.
type Completion struct {
	lockBase
	done int
}

const completeAll = 1 << 30

// DeclareCompletion is DECLARE_COMPLETION(name), or an init_completion'ed one.
func (k *Kernel) DeclareCompletion(name string) *Completion {
	c := k.slabs.completions.alloc()
	*c = Completion{lockBase: k.reuseBase(&c.lockBase, name, kindCompletion)}
	return c
}

// Enabled reports whether a waiter can go on.
func (c *Completion) Enabled(*sched.Op) bool { return c.done > 0 }

// Init is init_completion().
func (c *Completion) Init(t *Task) {
	t.op("init_completion", c.id, sched.Write, nil)
	c.done = 0
}

// Reinit is reinit_completion().
func (c *Completion) Reinit(t *Task) {
	t.op("reinit_completion", c.id, sched.Write, nil)
	c.done = 0
}

// Wait is wait_for_completion(): it sleeps uninterruptibly until completed.
func (c *Completion) Wait(t *Task) { c.wait(t, "wait_for_completion", Uninterruptible, false) }

// WaitInterruptible is wait_for_completion_interruptible(): 0, or -ERESTARTSYS.
func (c *Completion) WaitInterruptible(t *Task) int {
	if c.wait(t, "wait_for_completion_interruptible", Interruptible, t.signalsEnd()) {
		return 0
	}
	return -ERESTARTSYS
}

// WaitTimeout is wait_for_completion_timeout(): 0 on timeout, else the jiffies left
// (at least 1).
func (c *Completion) WaitTimeout(t *Task, jiffies int) int {
	if c.wait(t, "wait_for_completion_timeout", Uninterruptible, true) {
		return max(jiffies, 1)
	}
	return 0
}

func (c *Completion) wait(t *Task, prim string, st TaskState, mayGiveUp bool) bool {
	if t.fastPath() && !mayGiveUp && c.uninit == 0 {
		t.blockOn(&sched.Op{Name: prim, Obj: c.id, Access: sched.Acquire, Guard: c}, st, "completion", &c.lockBase)
		if c.done != completeAll {
			c.done--
		}
		t.th.Note("completed")
		return true
	}
	t.op(prim, c.id, sched.Acquire, nil)
	t.mightSleep("kernel/sched/completion.c:112", prim)
	t.innerLock(&c.lockBase, "_raw_spin_lock_irq", "__wait_for_common", prim)
	if c.done == 0 {
		t.th.SetAccess(sched.Read)
		t.th.Note("waits")
		t.sleep(st, waiting{kind: "completion", lock: &c.lockBase, pos: t.pos, prim: prim})
		var g sched.Guard = c
		if mayGiveUp && (st != Interruptible || t.k.cfg.Signals) {
			g = nil
		} // else a user process's Ctrl-C only (fops: userproc.go)
		t.op(prim, c.id, sched.Acquire, g)
		t.wake()
		if c.done == 0 {
			t.th.SetAccess(sched.Read)
			t.note("gives up waiting")
			return false
		}
	}
	if c.done != completeAll {
		c.done--
	}
	t.th.Note("completed")
	return true
}

// Complete is complete(): it wakes one waiter.
func (c *Completion) Complete(t *Task) {
	t.op("complete", c.id, sched.Write, nil)
	t.innerLock(&c.lockBase, "_raw_spin_lock_irqsave", "complete")
	if c.done != completeAll {
		c.done++
	}
}

// CompleteAll is complete_all(): every waiter, now and later, goes on.
func (c *Completion) CompleteAll(t *Task) {
	t.op("complete_all", c.id, sched.Write, nil)
	t.innerLock(&c.lockBase, "_raw_spin_lock_irqsave", "complete_all")
	c.done = completeAll
}

// ---- atomic_t and plain shared variables ----

// Atomic is atomic_t.
type Atomic struct {
	id   sched.ObjID
	name string
	v    int
}

// NewAtomic is atomic_t name = ATOMIC_INIT(v).
func (k *Kernel) NewAtomic(name string, v int) *Atomic {
	a := k.slabs.atomics.alloc()
	*a = Atomic{id: k.e.NewObject(name), name: name, v: v}
	return a
}

func (a *Atomic) rmw(t *Task, prim string, f func(int) int) int {
	t.op(prim, a.id, sched.Write, nil)
	a.v = f(a.v)
	return a.v
}

// Read is atomic_read().
func (a *Atomic) Read(t *Task) int {
	t.op("atomic_read", a.id, sched.Read, nil)
	return a.v
}

// Set is atomic_set().
func (a *Atomic) Set(t *Task, v int) { a.rmw(t, "atomic_set", func(int) int { return v }) }

// Add is atomic_add(); it returns the new value (atomic_add_return).
func (a *Atomic) Add(t *Task, d int) int {
	return a.rmw(t, "atomic_add", func(x int) int { return x + d })
}

// Sub is atomic_sub(); like Add, it returns the new value (atomic_sub_return).
func (a *Atomic) Sub(t *Task, d int) int {
	return a.rmw(t, "atomic_sub", func(x int) int { return x - d })
}

// Inc is atomic_inc(); it returns the new value (atomic_inc_return).
func (a *Atomic) Inc(t *Task) int { return a.rmw(t, "atomic_inc", func(x int) int { return x + 1 }) }

// Dec is atomic_dec(); it returns the new value (atomic_dec_return).
func (a *Atomic) Dec(t *Task) int { return a.rmw(t, "atomic_dec", func(x int) int { return x - 1 }) }

// AddReturn is atomic_add_return(): it adds d and returns the new value.
func (a *Atomic) AddReturn(t *Task, d int) int {
	return a.rmw(t, "atomic_add_return", func(x int) int { return x + d })
}

// SubReturn is atomic_sub_return(): it subtracts d and returns the new value.
func (a *Atomic) SubReturn(t *Task, d int) int {
	return a.rmw(t, "atomic_sub_return", func(x int) int { return x - d })
}

// IncReturn is atomic_inc_return(): it adds 1 and returns the new value.
func (a *Atomic) IncReturn(t *Task) int {
	return a.rmw(t, "atomic_inc_return", func(x int) int { return x + 1 })
}

// DecReturn is atomic_dec_return(): it subtracts 1 and returns the new value.
func (a *Atomic) DecReturn(t *Task) int {
	return a.rmw(t, "atomic_dec_return", func(x int) int { return x - 1 })
}

// DecAndTest is atomic_dec_and_test(): true when the new value is 0.
func (a *Atomic) DecAndTest(t *Task) bool { return a.Dec(t) == 0 }

// Cmpxchg is atomic_cmpxchg(): it stores new if the value is old, and returns the
// value it found.
func (a *Atomic) Cmpxchg(t *Task, old, new int) int {
	t.op("atomic_cmpxchg", a.id, sched.Write, nil)
	v := a.v
	if v == old {
		a.v = new
	} else {
		t.th.SetAccess(sched.Read)
	}
	return v
}

// Value is the current value, for checks outside any task (tests, reports).
func (a *Atomic) Value() int { return a.v }

// Var is a plain shared variable (a global int or pointer in a scenario). Every access
// is a visible operation, so an unprotected counter++ can lose an update, as it should.
type Var[T any] struct {
	id   sched.ObjID
	name string
	v    T
}

// Int is a shared integer.
type Int = Var[int64]

// NewVar is a global variable with an initial value.
func NewVar[T any](k *Kernel, name string, v T) *Var[T] {
	return &Var[T]{id: k.e.NewObject(name), name: name, v: v}
}

// NewInt is a global integer with an initial value.
func (k *Kernel) NewInt(name string, v int64) *Int { return NewVar(k, name, v) }

// Load reads the variable (a plain read, or READ_ONCE).
func (x *Var[T]) Load(t *Task) T {
	t.op("read", x.id, sched.Read, nil)
	return x.v
}

// Store writes the variable (a plain write, or WRITE_ONCE).
func (x *Var[T]) Store(t *Task, v T) {
	t.op("write", x.id, sched.Write, nil)
	x.v = v
}

// ReadOnce is READ_ONCE(x): Load under the kernel's name, as the trace shows it. In
// the model every access is one indivisible step already, so a marked access differs
// from a plain one only in name: it documents a lockless read meant to race.
func (x *Var[T]) ReadOnce(t *Task) T {
	t.op("READ_ONCE", x.id, sched.Read, nil)
	return x.v
}

// WriteOnce is WRITE_ONCE(x, v): Store under the kernel's name (see ReadOnce).
func (x *Var[T]) WriteOnce(t *Task, v T) {
	t.op("WRITE_ONCE", x.id, sched.Write, nil)
	x.v = v
}

// Value is the current value, for checks outside any task.
func (x *Var[T]) Value() T { return x.v }

// DownReadKillable is down_read_killable() (kernel/locking/rwsem.c): down_read whose
// sleep (TASK_KILLABLE) a fatal signal may end: 0, or -EINTR, after which lockdep's
// acquisition is released (rwsem_release). Without signals it is down_read.
func (s *RWSem) DownReadKillable(t *Task) int {
	const prim = "down_read_killable"
	if !t.k.cfg.Signals {
		s.down(t, prim, modeRead)
		return 0
	}
	t.op(prim, s.id, rwAccess(modeRead), nil)
	t.mightSleep("kernel/locking/rwsem.c:1546", prim)
	t.acquire(&s.lockBase, 0, true, false)
	if s.Enabled(&sched.Op{Arg: modeRead}) {
		s.take(t, modeRead, false)
		return 0
	}
	t.th.SetAccess(sched.Read)
	t.th.Note("blocks: busy")
	t.killable = true
	t.sleep(Uninterruptible, waiting{kind: "rwsem", lock: &s.lockBase, pos: t.pos, prim: prim})
	// No guard: a fatal signal can end the wait at any moment.
	t.opx(&sched.Op{Name: prim, Obj: s.id, Access: rwAccess(modeRead), Arg: modeRead})
	t.wake()
	t.killable = false
	if s.Enabled(&sched.Op{Arg: modeRead}) {
		s.take(t, modeRead, false)
		return 0
	}
	t.th.SetAccess(sched.Read)
	t.note("interrupted by a fatal signal: -EINTR")
	return -EINTR
}

// DowngradeWrite is downgrade_write(): lock_downgrade (lockdep's held entry becomes
// a read; a task that does not hold the semaphore gets "bad unlock balance"), then
// __downgrade_write: the writer becomes a reader, and readers waiting may enter.
func (s *RWSem) DowngradeWrite(t *Task) {
	t.op("downgrade_write", s.id, sched.Write, nil)
	i := len(t.held) - 1
	for ; i >= 0 && t.held[i].l != &s.lockBase; i-- {
	}
	if i < 0 || s.writer != t {
		t.badUnlock(&s.lockBase)
		return
	}
	h := &t.held[i]
	h.read = true
	if t.k.dep != nil && s.tracked() {
		h.dh = h.dep()
	}
	s.writer = nil
	s.readers++
	s.reader = t
	t.th.Note("now held for reading")
}

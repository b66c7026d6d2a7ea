package ksync

import (
	"github.com/ksim-dev/ksim/ksync/lockdep"
	"github.com/ksim-dev/ksim/sched"
)

// lockKind says what sort of primitive a lock is.
type lockKind int

const (
	kindSemaphore lockKind = iota
	kindMutex
	kindSpinlock
	kindRWLock
	kindRWSem
	kindCompletion
)

var kindNames = [...]string{"semaphore", "mutex", "spinlock", "rwlock", "rw_semaphore", "completion"}

// lockBase is what every primitive has: an object for the scheduler, a name (the lock
// class name lockdep would print), and a stable address for report lines.
type lockBase struct {
	k     *Kernel
	id    sched.ObjID
	name  string
	addr  uint64
	kind  lockKind
	class string // lockdep class key when not the name (see SetClass)
	// depID caches the lock's lockdep class (subclass 0) in the kernel's graph, as
	// Graph.ClassID gives it; 0 until the first acquisition needs it.
	depID int32
	depG  *lockdep.Graph // the graph depID is good for
	// uninit says what a lock nobody initialised lacks (uninitNoKey, uninitBadMagic):
	// see SetUninitialised.
	uninit uint8
}

func (k *Kernel) newBase(name string, kind lockKind) lockBase {
	return lockBase{k: k, id: k.e.NewObject(name), name: name, addr: k.addr(), kind: kind}
}

// reuseBase is newBase for a lock in recycled storage, old: when old was the same lock
// of the previous execution (same kernel, name, kind and lockdep graph), its resolved
// lockdep class is kept, sparing a lookup by name per lock per execution.
func (k *Kernel) reuseBase(old *lockBase, name string, kind lockKind) lockBase {
	b := k.newBase(name, kind)
	if old.k == k && old.name == name && old.kind == kind && old.class == "" && old.depG == k.dep {
		b.depID, b.depG = old.depID, old.depG
	}
	return b
}

// Lock is any lockdep-tracked primitive: Mutex, Spinlock, RWLock, RWSem.
type Lock interface{ base() *lockBase }

func (l *lockBase) base() *lockBase { return l }

// Name is the lock's name: the variable of a statically defined lock.
func (l *lockBase) Name() string { return l.name }

// tracked reports whether lockdep knows the lock: semaphores and completions have no
// lockdep map in the kernel, so they never appear in its held-locks listings.
//
// Nor does it know a lock it could not key (uninitNoKey): register_lock_class
// failed, and the lock never enters current->held_locks.
func (l *lockBase) tracked() bool {
	return l.kind != kindSemaphore && l.kind != kindCompletion && l.uninit&uninitNoKey == 0
}

// waitTypes is lockdep's "-{outer:inner}" wait-type pair.
func (l *lockBase) waitTypes() string {
	if l.kind == kindSpinlock || l.kind == kindRWLock {
		return "{2:2}"
	}
	return "{3:3}"
}

// heldLock is one entry of a task's held-locks list.
type heldLock struct {
	l    *lockBase
	at   string // where it was taken, as func+0xoff/0xsize
	read bool
	// recursive: a read_lock lockdep records as a recursive reader (recursiveRead).
	recursive bool
	subclass  int
	trylock   bool
	dh        lockdep.Held // lockdep's view of it, made once (lockdep on, tracked locks)
}

func (t *Task) hold(l *lockBase, read bool, subclass int, trylock bool) {
	h := t.validated
	if h.l != l || h.read != read || h.subclass != subclass || h.trylock != trylock {
		h = heldLock{l: l, at: t.site(), read: read, recursive: t.recursiveRead(l, read), subclass: subclass, trylock: trylock}
		if t.k.dep != nil && l.tracked() {
			h.dh = h.dep()
		}
	}
	t.validated = heldLock{}
	t.held = append(t.held, h)
	t.th.Note("acquired") // the trace names the lock already: mutex_lock(m): acquired
}

func (t *Task) unhold(l *lockBase) bool {
	for i := len(t.held) - 1; i >= 0; i-- {
		if t.held[i].l == l {
			t.held = append(t.held[:i], t.held[i+1:]...)
			return true
		}
	}
	return false
}

// heldLocks is lockdep's listing of what a task holds ("1 lock held by x/2:"), as the
// kernel prints it in its reports, with the real usage characters. It comes from lockdep
// in the kernel too: with lockdep off there is no listing.
func (t *Task) heldLocks() string {
	if t.k.dep == nil {
		return ""
	}
	return t.k.dep.HeldLocks(t.depTask(), t.depHeld())
}

// Enabled makes a task a guard for waits that end when someone hands it something
// (a semaphore's FIFO hand-off).
func (t *Task) Enabled(*sched.Op) bool { return t.granted }

// ownerlessRelease: an unlock by a task that does not hold the lock (a non-owner's, or
// of a lock nobody holds) runs as a Write, not a Release. DPOR lets a blocking acquire
// skip its race with the release before it only because that release ended the
// critical section the acquire waited for; a non-owner's unlock ends none, and the
// order between it and the next acquire is a real race (issue 10's second miss:
// "spinlock wrong owner" and "still has locks held" found only by naive search).

// ---- semaphore ----

// Semaphore is struct semaphore: a counting semaphore with FIFO hand-off. Lockdep
// does not track semaphores, as in the kernel.
type Semaphore struct {
	lockBase
	count   int
	waiters []*Task
	last    *Task // the task that last took it, for hung-task reports
}

// DefineSemaphore is DEFINE_SEMAPHORE(name, count).
func (k *Kernel) DefineSemaphore(name string, count int) *Semaphore {
	s := k.slabs.semaphores.alloc()
	*s = Semaphore{lockBase: k.reuseBase(&s.lockBase, name, kindSemaphore), count: count}
	if k.semaphores == nil {
		k.semaphores = map[*lockBase]*Semaphore{}
	}
	k.semaphores[&s.lockBase] = s
	return s
}

// Count is the semaphore's count.
func (s *Semaphore) Count() int { return s.count }

// Init is sema_init(&s, count).
func (s *Semaphore) Init(t *Task, count int) {
	t.op("sema_init", s.id, sched.Write, nil)
	s.count, s.waiters = count, nil
}

// Down is down(): it sleeps uninterruptibly until it gets the semaphore.
func (s *Semaphore) Down(t *Task) { s.down(t, "down", Uninterruptible, false, false) }

// DownInterruptible is down_interruptible(): 0, or -EINTR when a signal arrives.
func (s *Semaphore) DownInterruptible(t *Task) int {
	return s.down(t, "down_interruptible", Interruptible, t.signalsEnd(), false)
}

// DownKillable is down_killable(): 0, or -EINTR on a fatal signal.
func (s *Semaphore) DownKillable(t *Task) int {
	return s.down(t, "down_killable", Uninterruptible, t.signalsEnd(), true)
}

// DownTimeout is down_timeout(): 0, or -ETIME when the timeout expires first.
func (s *Semaphore) DownTimeout(t *Task, jiffies int) int {
	return s.down(t, "down_timeout", Uninterruptible, true, false)
}

// DownTrylock is down_trylock(): 0 when it took the semaphore, 1 when it did not
// (inverted against spin_trylock and mutex_trylock, as in the kernel).
func (s *Semaphore) DownTrylock(t *Task) int {
	t.op("down_trylock", s.id, sched.Acquire, nil)
	t.innerLock(&s.lockBase, "_raw_spin_lock_irqsave", "down_trylock")
	if s.count > 0 {
		s.count--
		s.last = t
		t.th.Note("acquired")
		return 0
	}
	t.th.SetAccess(sched.Read)
	t.th.Note("fails: unavailable")
	return 1
}

// down is the common path: try; otherwise queue and sleep until up hands the count
// over. interruptible means the wait may also end without it (a signal, a timeout).
func (s *Semaphore) down(t *Task, prim string, st TaskState, interruptible, killable bool) int {
	t.mightSleep("kernel/locking/semaphore.c:58", prim) // a step of its own, before down's (mightResched)
	t.op(prim, s.id, sched.Acquire, nil)
	t.innerLock(&s.lockBase, "_raw_spin_lock_irqsave", prim)
	if s.count > 0 {
		s.count--
		s.last = t
		t.th.Note("acquired")
		return 0
	}
	t.th.SetAccess(sched.Write) // queued as a waiter
	s.waiters = append(s.waiters, t)
	holder := "nobody"
	if s.last != nil {
		holder = s.last.Comm
	}
	t.note("blocks (last taken by %s)", holder)
	t.killable = killable
	t.sleep(st, waiting{kind: "semaphore", lock: &s.lockBase, pos: t.pos, prim: prim})
	var g sched.Guard = t
	if interruptible && (prim == "down_timeout" || t.k.cfg.Signals) {
		g = nil // a signal or a timeout can end the wait at any moment
	} // else a user process's Ctrl-C only (fops: userproc.go)
	t.op(prim, s.id, sched.Acquire, g)
	t.wake()
	t.killable = false
	if t.granted {
		t.granted = false
		s.last = t
		t.th.Note("acquired (handed over by up)")
		return 0
	}
	s.dequeue(t)
	if prim == "down_timeout" {
		t.note("times out: -ETIME")
		return -ETIME
	}
	t.note("interrupted by a signal: -EINTR")
	return -EINTR
}

func (s *Semaphore) dequeue(t *Task) {
	for i, w := range s.waiters {
		if w == t {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return
		}
	}
}

// Init is mutex_init(): the mutex becomes free.
func (m *Mutex) Init(t *Task) {
	t.op("mutex_init", m.id, sched.Write, nil)
	t.reinit(&m.lockBase)
	m.owner = nil
}

// Init is spin_lock_init().
func (l *Spinlock) Init(t *Task) {
	t.op("spin_lock_init", l.id, sched.Write, nil)
	if l.owner == t {
		t.preemptEnable() // the lock it held is gone; so is the preemption it disabled
	}
	t.reinit(&l.lockBase)
	l.owner = nil
}

// Up is up(): any task, any context; it hands the count to the first waiter, or
// increments it.
func (s *Semaphore) Up(t *Task) {
	t.op("up", s.id, sched.Write, nil)
	t.innerLock(&s.lockBase, "_raw_spin_lock_irqsave", "up")
	if len(s.waiters) > 0 {
		w := s.waiters[0]
		s.waiters = s.waiters[1:]
		w.granted = true
		t.note("wakes %s", w.Comm)
		return
	}
	s.count++
}

// ---- mutex ----

// Mutex is struct mutex: one owner, only the owner unlocks, no recursion, sleeping
// waits in TASK_UNINTERRUPTIBLE.
type Mutex struct {
	lockBase
	owner *Task
}

// DefineMutex is DEFINE_MUTEX(name), or a mutex_init'ed struct mutex.
func (k *Kernel) DefineMutex(name string) *Mutex {
	m := k.slabs.mutexes.alloc()
	*m = Mutex{lockBase: k.reuseBase(&m.lockBase, name, kindMutex)}
	return m
}

// Enabled reports whether the mutex is free, for waiters.
func (m *Mutex) Enabled(*sched.Op) bool { return m.owner == nil }

// Owner is the task holding the mutex, or nil.
func (m *Mutex) Owner() *Task { return m.owner }

// Lock is mutex_lock().
func (m *Mutex) Lock(t *Task) { m.lock(t, "mutex_lock", Uninterruptible, false, 0) }

// LockNested is mutex_lock_nested(): the subclass matters to lockdep only.
func (m *Mutex) LockNested(t *Task, subclass int) {
	m.lock(t, "mutex_lock_nested", Uninterruptible, false, subclass)
}

// LockInterruptible is mutex_lock_interruptible(): 0, or -EINTR on a signal.
func (m *Mutex) LockInterruptible(t *Task) int {
	return m.lock(t, "mutex_lock_interruptible", Interruptible, t.signalsEnd(), 0)
}

// LockKillable is mutex_lock_killable(): 0, or -EINTR on a fatal signal.
func (m *Mutex) LockKillable(t *Task) int {
	t.killable = true
	defer func() { t.killable = false }()
	return m.lock(t, "mutex_lock_killable", Uninterruptible, t.signalsEnd(), 0)
}

func (m *Mutex) lock(t *Task, prim string, st TaskState, interruptible bool, subclass int) int {
	if t.fastPath() && !interruptible {
		m.checkMagic(t, "kernel/locking/mutex.c:588", "__mutex_lock+0x8d2/0xc90")
		t.acquire(&m.lockBase, subclass, false, false)
		t.blockOn(&sched.Op{Name: prim, Obj: m.id, Access: sched.Acquire, Guard: m}, st, "mutex", &m.lockBase)
		m.take(t, subclass, false)
		return 0
	}
	t.mightSleep("kernel/locking/mutex.c:283", prim) // a step of its own, before the lock's (mightResched)
	t.op(prim, m.id, sched.Acquire, nil)
	m.checkMagic(t, "kernel/locking/mutex.c:588", "__mutex_lock+0x8d2/0xc90")
	t.acquire(&m.lockBase, subclass, false, false)
	if m.owner == nil {
		m.take(t, subclass, false)
		return 0
	}
	t.th.SetAccess(sched.Read)
	if m.owner == t {
		t.th.Note("blocks: already held by this task")
	} else {
		t.note("blocks (held by %s)", m.owner.Comm)
	}
	t.sleep(st, waiting{kind: "mutex", lock: &m.lockBase, pos: t.pos, prim: prim})
	var g sched.Guard = m
	if interruptible && t.k.cfg.Signals {
		g = nil
	} // else a user process's Ctrl-C only (fops: userproc.go)
	t.op(prim, m.id, sched.Acquire, g)
	t.wake()
	if m.owner == nil {
		m.take(t, subclass, false)
		return 0
	}
	t.th.SetAccess(sched.Read)
	t.note("interrupted by a signal: -EINTR")
	return -EINTR
}

func (m *Mutex) take(t *Task, subclass int, trylock bool) {
	m.owner = t
	t.hold(&m.lockBase, false, subclass, trylock)
}

// Trylock is mutex_trylock(): 1 when it took the mutex, 0 when not.
func (m *Mutex) Trylock(t *Task) int {
	t.op("mutex_trylock", m.id, sched.Acquire, nil)
	m.checkMagic(t, "kernel/locking/mutex.c:1098", "mutex_trylock+0x2f/0x90")
	if m.owner == nil {
		t.acquire(&m.lockBase, 0, false, true)
		m.take(t, 0, true)
		return 1
	}
	t.th.SetAccess(sched.Read)
	t.note("fails (held by %s)", m.owner.Comm)
	return 0
}

// IsLocked is mutex_is_locked().
func (m *Mutex) IsLocked(t *Task) int {
	t.op("mutex_is_locked", m.id, sched.Read, nil)
	return b2i(m.owner != nil)
}

// Unlock is mutex_unlock(). Only the owner may unlock. __mutex_unlock_slowpath
// (kernel/locking/mutex.c) first tells lockdep (mutex_release): a task that does not
// hold the mutex gets lockdep's "bad unlock balance", which turns lock debugging
// off; then CONFIG_DEBUG_MUTEXES' MUTEX_WARN_ON(__owner_task(owner) != current), a
// DEBUG_LOCKS_WARN_ON that warns only while lock debugging is still on — without
// lockdep, or after an earlier report turned lockdep off and ... it stays silent
// too. The mutex is released anyway.
func (m *Mutex) Unlock(t *Task) {
	t.op("mutex_unlock", m.id, sched.Release, nil)
	const unlockFile, unlockRIP = "kernel/locking/mutex-debug.c:75", "debug_mutex_unlock+0x3c/0x90"
	if m.owner == t {
		t.unhold(&m.lockBase)
		m.checkMagic(t, unlockFile, unlockRIP)
		m.owner = nil
		t.th.Note("released")
		return
	}
	t.th.SetAccess(sched.Write) // not its owner's release: see ownerlessRelease
	if !t.unhold(&m.lockBase) {
		t.badUnlock(&m.lockBase)
	}
	m.checkMagic(t, unlockFile, unlockRIP)
	t.debugLocksWarnOn("__owner_task(owner) != current", "kernel/locking/mutex.c:930",
		"__mutex_unlock_slowpath+0x1d5/0x2c0", "mutex_unlock by non-owner at "+t.where())
	if m.owner == nil {
		return
	}
	m.owner.unhold(&m.lockBase)
	m.owner = nil
	t.th.Note("released")
}

// ---- spinlock ----

// Spinlock is spinlock_t: preemption is disabled while it is held, and a contended
// spin_lock spins on its CPU, making no progress and never leaving it.
type Spinlock struct {
	lockBase
	owner    *Task
	ownerCPU int  // the CPU owner took it on (.owner_cpu of spinlock debugging)
	raw      bool // a raw_spinlock_t: the trace names its calls raw_spin_*
}

// SetRaw says the lock is a raw_spinlock_t, which the raw_spin_* calls take: the
// same lock without PREEMPT_RT, named so in the trace.
func (l *Spinlock) SetRaw() { l.raw = true }

// pname is the name of the call prim ("spin_lock") on this lock.
func (l *Spinlock) pname(prim string) string {
	if l.raw {
		return "raw_" + prim
	}
	return prim
}

// IsLocked is spin_is_locked() / raw_spin_is_locked().
func (l *Spinlock) IsLocked(t *Task) int {
	t.op(l.pname("spin_is_locked"), l.id, sched.Read, nil)
	return b2i(l.owner != nil)
}

// DefineSpinlock is DEFINE_SPINLOCK(name), or a spinlock_t (usable as is).
func (k *Kernel) DefineSpinlock(name string) *Spinlock {
	l := k.slabs.spinlocks.alloc()
	*l = Spinlock{lockBase: k.reuseBase(&l.lockBase, name, kindSpinlock)}
	return l
}

// Enabled reports whether the spinlock is free, for spinners.
func (l *Spinlock) Enabled(*sched.Op) bool { return l.owner == nil }

// Lock is spin_lock().
func (l *Spinlock) Lock(t *Task) { l.lock(t, "spin_lock", 1, 0) }

// LockNested is spin_lock_nested(): the subclass tells lockdep that this lock nests
// inside another of its class.
func (l *Spinlock) LockNested(t *Task, subclass int) { l.lock(t, "spin_lock_nested", 1, subclass) }

// LockBH is spin_lock_bh(): bottom halves off too (preempt_count += 0x201).
func (l *Spinlock) LockBH(t *Task) { l.lock(t, "spin_lock_bh", softirqDisableOffset+1, 0) }

// LockIRQ is spin_lock_irq(): local irqs off, unconditionally.
func (l *Spinlock) LockIRQ(t *Task) {
	t.op(l.pname("spin_lock_irq"), 0, sched.None, nil)
	t.setIrqsOff(true, siteSpinLockIrq)
	t.updatePin()
	l.lock(t, "spin_lock_irq", 1, 0)
}

// LockIrqsave is spin_lock_irqsave(): it saves the irq state, which it returns as the
// flags to give back to UnlockIrqrestore.
func (l *Spinlock) LockIrqsave(t *Task) int {
	flags := t.localIrqSave(siteSpinLockIrqsave)
	l.lock(t, "spin_lock_irqsave", 1, 0)
	return flags
}

func (l *Spinlock) lock(t *Task, prim string, count, subclass int) {
	prim = l.pname(prim)
	if !t.k.gated {
		// With a CPU each, spinning is just waiting: one blocking step.
		if count > 1 {
			t.bhDisable(count - 1)
		}
		t.preemptDisable()
		t.acquire(&l.lockBase, subclass, false, false)
		l.checkMagic(t, "do_raw_spin_lock")
		l.debugLockBefore(t)
		t.blockOn(&sched.Op{Name: prim, Obj: l.id, Access: sched.Acquire, Guard: l}, Running, "spinlock", &l.lockBase)
		l.take(t, subclass, false)
		return
	}
	t.op(prim, l.id, sched.Acquire, nil)
	if count > 1 {
		t.bhDisable(count - 1)
	}
	t.preemptDisable()
	t.acquire(&l.lockBase, subclass, false, false)
	l.checkMagic(t, "do_raw_spin_lock")
	if l.owner == nil {
		l.take(t, subclass, false)
		return
	}
	t.th.SetAccess(sched.Read)
	l.debugLockBefore(t)
	t.note("spins (held by %s)", l.owner.Comm)
	t.wait = waiting{kind: "spinlock", lock: &l.lockBase, pos: t.pos}
	t.op(prim, l.id, sched.Acquire, l)
	t.wait = waiting{}
	l.take(t, subclass, false)
}

// debugLockBefore is debug_spin_lock_before (kernel/locking/spinlock_debug.c), run
// before spinning: the lock held by this task ("recursion"), or by one that took it
// on this CPU ("cpu recursion"), which can only be a task that slept holding it
// ("scheduling while atomic") and left the CPU to this one.
func (l *Spinlock) debugLockBefore(t *Task) {
	switch o := l.owner; {
	case o == t || t.isAbove(o): // an interrupt's current is the task it interrupted
		t.spinBug(l, "recursion", "do_raw_spin_lock")
	case o != nil && l.ownerCPU == t.cpu && !o.pinned:
		t.spinBug(l, "cpu recursion", "do_raw_spin_lock")
	}
}

func (l *Spinlock) take(t *Task, subclass int, trylock bool) {
	l.owner, l.ownerCPU = t, t.cpu
	t.hold(&l.lockBase, false, subclass, trylock)
}

// Trylock is spin_trylock(): 1 when it took the lock, 0 when not.
func (l *Spinlock) Trylock(t *Task) int {
	t.op(l.pname("spin_trylock"), l.id, sched.Acquire, nil)
	if l.owner == nil {
		t.preemptDisable()
		t.acquire(&l.lockBase, 0, false, true)
		l.take(t, 0, true)
		return 1
	}
	t.th.SetAccess(sched.Read)
	t.note("fails (held by %s)", l.owner.Comm)
	return 0
}

// Unlock is spin_unlock().
func (l *Spinlock) Unlock(t *Task) { l.unlock(t, "spin_unlock", 1) }

// UnlockBH is spin_unlock_bh(): pending softirqs run once bottom halves are back on.
func (l *Spinlock) UnlockBH(t *Task) {
	l.unlock(t, "spin_unlock_bh", softirqDisableOffset+1)
	t.bhEnabled()
}

// UnlockIRQ is spin_unlock_irq(): irqs back on, unconditionally.
func (l *Spinlock) UnlockIRQ(t *Task) {
	l.unlock(t, "spin_unlock_irq", 1)
	t.setIrqsOff(false, siteSpinUnlockIrq)
	t.updatePin()
	t.deliverPending()
}

// UnlockIrqrestore is spin_unlock_irqrestore(): irqs back to what flags saved.
func (l *Spinlock) UnlockIrqrestore(t *Task, flags int) {
	l.unlock(t, "spin_unlock_irqrestore", 1)
	t.setIrqsOff(flags&irqFlagIF == 0, siteSpinUnlockIrqrestore)
	t.updatePin()
	t.deliverPending()
}

func (l *Spinlock) unlock(t *Task, prim string, count int) {
	prim = l.pname(prim)
	t.op(prim, l.id, sched.Release, nil)
	if l.owner == t {
		t.unhold(&l.lockBase)
		l.checkMagic(t, "do_raw_spin_unlock")
		l.owner = nil
		t.th.Note("released")
	} else {
		t.th.SetAccess(sched.Write) // not its owner's release: see ownerlessRelease
		// __raw_spin_unlock: spin_release (lockdep's lock_release) comes first and
		// finds the lock missing from the task's held locks; then do_raw_spin_unlock's
		// debug check, whose spin_bug is silent once lockdep's report has turned
		// lock debugging off (without lockdep, it is the report).
		// The owner keeps the lock on its own held list: lockdep still thinks it
		// holds it, and its own spin_unlock is the one that finds it unlocked.
		if !t.unhold(&l.lockBase) {
			t.badUnlock(&l.lockBase)
		}
		l.checkMagic(t, "do_raw_spin_unlock")
		if l.owner == nil {
			t.th.Note("BUG: already unlocked")
			t.spinBug(l, "already unlocked", "do_raw_spin_unlock")
		} else {
			t.note("BUG: held by %s", l.owner.Comm)
			t.spinBug(l, "wrong owner", "do_raw_spin_unlock")
			l.owner = nil // debug_spin_unlock resets the owner, and the lock is released
		}
	}
	if count > 1 {
		t.bhEnable(count - 1)
	}
	t.preemptEnable()
}

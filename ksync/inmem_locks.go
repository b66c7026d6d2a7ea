package ksync

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strings"
)

// Locks that live in a module's memory (a struct mutex inside a kzalloc'ed device
// struct, a global spinlock_t). The kernel API creates the Mutex, Spinlock ... living
// at an address on its first use (Kernel.PrimAt), the way the memory there was
// initialised: by DEFINE_MUTEX & co. (a static initialiser), by an *_init call, or
// never. This file holds what that needs of the locks: their address, their lockdep
// class keyed by a struct lock_class_key's address, and what the kernel's debug
// checks say of a lock nobody initialised.

// What is missing from a lock nobody initialised (lockBase.uninit).
const (
	// uninitNoKey: its lockdep_map has no key and the lock is not in static memory,
	// so lockdep cannot key its class (assign_lock_key fails).
	uninitNoKey uint8 = 1 << iota
	// uninitBadMagic: its debug magic was never set (spinlock_t's and rwlock_t's
	// .magic, struct mutex's .magic).
	uninitBadMagic
)

// Place puts the lock at addr in the address space: lockdep's reports print addr
// as the lock's address, and its instance is told apart by it. Its operations become
// accesses to that memory location too (the lock word), so that a free of the memory
// races with them, and one that comes after the free is KASAN's report (opx).
func (l *lockBase) Place(addr uint64) {
	l.addr = addr
	b, off := l.k.Find(addr)
	if b == nil || off < 0 || off >= len(b.data) {
		return
	}
	l.id = b.locNamed(l.k, off, l.name)
	l.k.e.RenameObject(l.id, l.name) // the location existed already: a plain access came first
	for int(l.id) >= len(l.k.mem.placed) {
		l.k.mem.placed = append(l.k.mem.placed, placement{})
	}
	l.k.mem.placed[l.id] = placement{b, off}
}

// Addr is the lock's address.
func (l *lockBase) Addr() uint64 { return l.addr }

// SetKey is what an initialisation does to the lock's lockdep map
// (lockdep_init_map_type in kernel/locking/lockdep.c) and debug magic: the lock's
// class is the one of the struct lock_class_key at address key (an *_init call
// site's static __key, or the lock itself for a statically initialised lock,
// static_obj), named name; the magic is set. The key decides the class: a second key
// with the same name is another class, printed "name#2" (Graph.KeyName). The name
// of the lock itself, in ksim's traces and notes, stays what it was. Classes that
// share a name are numbered in the order their keys are first set: the kernel
// numbers them when it registers them, at their first acquisition, which is usually
// the same order.
//
// Key 0 is a lockdep_map without a key in memory that is not static (a static
// initialiser used on the stack): lockdep cannot key it, as for a lock nobody
// initialised (see SetUninitialised), but its magic is set.
func (l *lockBase) SetKey(key uint64, name string) {
	l.uninit = 0
	if key == 0 {
		l.uninit = uninitNoKey
	}
	class := name
	if l.k.dep != nil && key != 0 {
		class = l.k.dep.KeyName(key, name)
	}
	l.SetClass(class)
}

// SetInitialised marks an object initialised at run time whose class does not
// matter (sema_init, init_completion: their raw spinlock's class is the init
// function's, and lockdep does not track the object itself): nothing is missing any
// more.
func (l *lockBase) SetInitialised() { l.uninit = 0 }

// SetUninitialised marks a lock nobody initialised: its debug magic is not set and,
// unless it lives in static memory (where lockdep keys it by its own address, as
// assign_lock_key does: call SetKey with the lock's address first), lockdep cannot
// key it. The first acquisition then gets the report the kernel's checks make
// (NonStaticKey, the spinlock and rwlock "bad magic" bugs, the mutex's
// DEBUG_LOCKS_WARN_ON(lock->magic != lock)).
func (l *lockBase) SetUninitialised(static bool) {
	l.uninit = uninitBadMagic
	if !static {
		l.uninit |= uninitNoKey
	}
}

// acquire is lock_acquire (kernel/locking/lockdep.c) for l: register_lock_class
// first, which for a lock lockdep cannot key reports and gives up (the lock is
// taken, lockdep knows nothing of it, and it is off from then on); then the
// validation.
func (t *Task) acquire(l *lockBase, subclass int, read, trylock bool) {
	if l.uninit&uninitNoKey != 0 {
		t.nonStaticKey(l, l.acquireFn(read))
		return
	}
	t.validate(l, subclass, read, trylock)
}

// nonStaticKey is assign_lock_key's report (kernel/locking/lockdep.c): the lock is
// not in static memory and its lockdep map has no key, so it was never initialised
// (mutex_init, spin_lock_init ...). debug_locks_off() comes first, and lock_acquire
// runs only while lock debugging is on: once it is off, nothing. It does not taint.
// frames are the kernel functions that called lock_acquire, innermost first.
func (t *Task) nonStaticKey(l *lockBase, frames ...string) {
	if t.k.dep == nil {
		return
	}
	site := "lockdep non-static key " + l.name + " at " + t.where()
	if !t.debugLocksOff("assign_lock_key", site) {
		return
	}
	title := "INFO: trying to register non-static key."
	var b strings.Builder
	b.WriteString(title + "\n")
	b.WriteString("The code is fine but needs lockdep annotation, or maybe\n")
	b.WriteString("you didn't initialize this object before use?\n")
	b.WriteString("turning off the locking correctness validator.\n")
	b.WriteString(t.header())
	b.WriteString(t.callTrace(append([]string{"dump_stack_lvl", "register_lock_class", "__lock_acquire", "lock_acquire"}, frames...)...))
	t.report("warning", site, title, b.String())
}

// acquireFn is the kernel function that calls lock_acquire for l.
func (l *lockBase) acquireFn(read bool) string {
	switch {
	case l.kind == kindSpinlock:
		return "_raw_spin_lock"
	case l.kind == kindRWLock && read:
		return "_raw_read_lock"
	case l.kind == kindRWLock:
		return "_raw_write_lock"
	case l.kind == kindRWSem && read:
		return "down_read"
	case l.kind == kindRWSem:
		return "down_write"
	}
	return "__mutex_lock"
}

// symbol is the lock's address as %pS prints it: "sym+0x8/0x40" inside a module's
// global, the bare address elsewhere (heap memory has no symbol).
func (l *lockBase) symbol() string {
	if b, off := l.k.Find(l.addr); b != nil && (b.region == RegionStatic || b.region == RegionRodata) {
		return fmt.Sprintf("%s+%#x/%#x", b.name, off, len(b.data))
	}
	return fmt.Sprintf("%#x", l.addr)
}

// checkMagic is debug_spin_lock_before's and debug_spin_unlock's first check
// (kernel/locking/spinlock_debug.c): SPIN_BUG_ON(lock->magic != SPINLOCK_MAGIC,
// lock, "bad magic"). spin_bug prints only if debug_locks_off() finds lock debugging
// on; spin_dump prints the lock as its memory holds it: .magic 00000000, no owner,
// and .owner_cpu 0 in zeroed memory.
func (l *Spinlock) checkMagic(t *Task, fn string) {
	if l.uninit&uninitBadMagic == 0 {
		return
	}
	l.spinBadMagic(t, l.owner, l.ownerCPU, fn)
}

// spinBadMagic is spin_bug(lock, "bad magic") and spin_dump for a raw spinlock at
// l's address whose owner is owner (on ownerCPU), or nobody; frames are the kernel
// functions on the stack, innermost first, from the one that checked.
func (l *lockBase) spinBadMagic(t *Task, owner *Task, ownerCPU int, frames ...string) {
	site := "spinlock bad magic " + l.name + " at " + t.where()
	if !t.debugLocksOff("spin_bug", site) {
		return
	}
	title := fmt.Sprintf("BUG: spinlock bad magic on CPU#%d, %s/%d", t.cpu, t.Comm, t.PID)
	comm, pid, cpu := "<none>", -1, 0
	if owner != nil {
		comm, pid, cpu = owner.Comm, owner.PID, ownerCPU
	}
	var b strings.Builder
	b.WriteString(title + "\n")
	fmt.Fprintf(&b, " lock: %s, .magic: %08x, .owner: %s/%d, .owner_cpu: %d\n", l.symbol(), 0, comm, pid, cpu)
	b.WriteString(t.header())
	b.WriteString(t.callTrace(append([]string{"dump_stack_lvl"}, frames...)...))
	t.report("bug", site, title, b.String())
}

// innerLock is what the raw_spinlock_t inside a struct semaphore (sem->lock) or a
// struct completion (x->wait.lock) says when the object was never initialised
// (sema_init, init_completion) and down(), up(), complete() or
// wait_for_completion() takes it: lockdep's non-static key report for one in the
// heap, then debug_spin_lock_before's bad magic, which that report has silenced;
// for one in static memory, keyed by itself, the bad magic alone. frames are the
// lock function (_raw_spin_lock_irqsave, or _raw_spin_lock_irq in
// wait_for_completion) and its caller. What follows in the kernel (the wait list's NULL pointers)
// is not modelled: the count is 0, and a down() or a wait sleeps.
func (t *Task) innerLock(l *lockBase, frames ...string) {
	if l.uninit == 0 {
		return
	}
	if l.uninit&uninitNoKey != 0 {
		t.nonStaticKey(l, frames...)
	}
	if l.uninit&uninitBadMagic != 0 {
		l.spinBadMagic(t, nil, 0, append([]string{"do_raw_spin_lock"}, frames...)...)
	}
}

// checkMagic is the rwlock debug check's RWLOCK_BUG_ON(lock->magic != RWLOCK_MAGIC,
// lock, "bad magic") (do_raw_read_lock, debug_write_lock_before, do_raw_read_unlock,
// debug_write_unlock in kernel/locking/spinlock_debug.c): rwlock_bug prints only if
// debug_locks_off() finds lock debugging on, the lock as a hashed %p.
func (l *RWLock) checkMagic(t *Task, fn string) {
	if l.uninit&uninitBadMagic == 0 {
		return
	}
	site := "rwlock bad magic " + l.name + " at " + t.where()
	if !t.debugLocksOff("rwlock_bug", site) {
		return
	}
	title := fmt.Sprintf("BUG: rwlock bad magic on CPU#%d, %s/%d, %s", t.cpu, t.Comm, t.PID, hashedPtr(l.addr))
	var b strings.Builder
	b.WriteString(title + "\n")
	b.WriteString(t.header())
	b.WriteString(t.callTrace("dump_stack_lvl", fn))
	t.report("bug", site, title, b.String())
}

// hashedPtr is a pointer as the kernel's plain %p prints it: hashed, 32 bits of
// siphash in 64-bit form (ptr_to_id in lib/vsprintf.c); ksim's hash is a fixed one,
// so the same address prints the same.
func hashedPtr(addr uint64) string {
	h := fnv.New32a()
	binary.Write(h, binary.LittleEndian, addr) //nolint:errcheck // a hash's Write never fails
	return fmt.Sprintf("%016x", h.Sum32())
}

// checkMagic is CONFIG_DEBUG_MUTEXES' MUTEX_WARN_ON(lock->magic != lock), a
// DEBUG_LOCKS_WARN_ON: in __mutex_lock_common before lockdep hears of the
// acquisition (kernel/locking/mutex.c:588), in mutex_trylock (mutex.c:1098), and in
// debug_mutex_unlock (kernel/locking/mutex-debug.c:75, after lockdep's release). It
// warns if it finds lock debugging on, and turns it off: an uninitialised mutex
// gets this warning, never lockdep's "non-static key" report.
func (m *Mutex) checkMagic(t *Task, file, rip string) {
	if m.uninit&uninitBadMagic == 0 {
		return
	}
	t.debugLocksWarnOn("lock->magic != lock", file, rip, "mutex bad magic "+m.name+" at "+t.where())
}

// checkMagic is CONFIG_DEBUG_RWSEMS' DEBUG_RWSEMS_WARN_ON(sem->magic != sem, sem)
// (kernel/locking/rwsem.c) in __down_read_trylock, __down_write_trylock, __up_read
// and __up_write: a WARN_ONCE with the semaphore's state, then debug_locks_off().
// It is silenced by debug_locks_silent only, not by lock debugging being off: after
// lockdep's "non-static key" report for a semaphore in the heap, up_read still
// warns. down_read and down_write do not check. In zeroed memory the wait list's
// pointers are NULL, which list_empty does not take for empty.
func (s *RWSem) checkMagic(t *Task, file, rip string) {
	if s.uninit&uninitBadMagic == 0 {
		return
	}
	// sem->count: RWSEM_WRITER_LOCKED, RWSEM_FLAG_WAITERS, a RWSEM_READER_BIAS per reader.
	count := uint64(s.readers)<<8 | uint64(b2i(s.waiting > 0))<<1 | uint64(b2i(s.writer != nil))
	var owner uint64
	switch {
	case s.writer != nil:
		owner = s.writer.structAddr()
	case s.readers > 0 && s.reader != nil:
		owner = s.reader.structAddr() | 1 // RWSEM_READER_OWNED
	}
	msg := fmt.Sprintf("DEBUG_RWSEMS_WARN_ON(sem->magic != sem): count = 0x%x, magic = 0x0, owner = 0x%x, curr 0x%x, list not empty",
		count, owner, t.current().structAddr())
	site := "rwsem bad magic " + s.name + " at " + t.where()
	if t.warnOnceMsg(msg, file, rip, site) {
		t.debugLocksOff("debug_locks_off", site)
	}
}

// warnOnceMsg is WARN_ONCE(1, msg) at the kernel's file:line: the first time in a
// boot it warns as warn does, with msg; later it is silent. It reports whether it
// warned.
func (t *Task) warnOnceMsg(msg, file, rip, site string) bool {
	for _, o := range t.k.warnedOnce {
		if o.file == file {
			t.silenced(o.by, site)
			return false
		}
	}
	t.k.warnedOnce = append(t.k.warnedOnce, onceSite{file, reportedBy{t.th, site, false}})
	t.warn(msg, file, rip, site)
	return true
}

// structAddr stands for the address of the task's struct task_struct, which
// reports print as a number (sem->owner): a fixed address per pid in the direct
// map, 0x2000 apart (the kernel's task_struct cache objects are about that big).
func (t *Task) structAddr() uint64 { return 0xffff888104000000 + uint64(t.PID)*0x2000 }

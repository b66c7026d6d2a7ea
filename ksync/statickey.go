package ksync

// Static keys' slow paths (kernel/jump_label.c) take two kernel locks: the CPU
// hotplug lock for reading (cpus_read_lock: percpu_down_read(&cpu_hotplug_lock),
// which may sleep) and jump_label_mutex. They are locks of the kernel's, one of each
// per boot, made on first use; lockdep knows them by those names, so a static key
// flipped under a spinlock is the sleeping-function BUG, and lock orders through
// them are predicted.

// staticKeys is the kernel's jump-label locking.
type staticKeys struct {
	hotplug *RWSem // cpu_hotplug_lock (a percpu_rw_semaphore in the kernel)
	mutex   *Mutex // jump_label_mutex
}

func (k *Kernel) jumpLabel() *staticKeys {
	j := &k.rcu.keys
	if j.hotplug == nil {
		j.hotplug = k.DeclareRWSem("cpu_hotplug_lock")
		j.mutex = k.DefineMutex("jump_label_mutex")
	}
	return j
}

// CPUsReadLock is cpus_read_lock() (kernel/cpu.c) called by fn:
// percpu_down_read(&cpu_hotplug_lock), whose might_sleep is in
// include/linux/percpu-rwsem.h.
//
// No CPU is ever hotplugged in ksim, so no writer ever holds cpu_hotplug_lock and a
// reader never waits: the read side is lockdep's acquisition alone (rwsem_acquire_read
// in percpu_down_read), with no step.
func (t *Task) CPUsReadLock(fn string) {
	s := t.k.jumpLabel().hotplug
	t.mightResched("include/linux/percpu-rwsem.h:49", "cpus_read_lock", fn)
	t.acquire(&s.lockBase, 0, true, false)
	t.hold(&s.lockBase, true, 0, false)
}

// CPUsReadUnlock is cpus_read_unlock(): lockdep's release.
func (t *Task) CPUsReadUnlock() { t.unhold(&t.k.jumpLabel().hotplug.lockBase) }

// JumpLabelLock is jump_label_lock(): mutex_lock(&jump_label_mutex).
func (t *Task) JumpLabelLock() { t.k.jumpLabel().mutex.Lock(t) }

// JumpLabelUnlock is jump_label_unlock().
func (t *Task) JumpLabelUnlock() { t.k.jumpLabel().mutex.Unlock(t) }

// WarnOnceAt is WARN_ON_ONCE(cond) in the kernel's own code at file (its rip for
// the report), once per boot: it reports cond.
func (t *Task) WarnOnceAt(cond bool, file, rip string) bool {
	if cond {
		t.warnOnce(file, rip, "WARN_ON_ONCE "+file+" at "+t.where())
	}
	return cond
}

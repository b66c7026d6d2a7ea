package ksync

import (
	"fmt"
	"strings"
)

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

// SmpProcessorID is check_preemption_disabled (lib/smp_processor_id.c, the
// DEBUG_PREEMPT smp_processor_id): the task's CPU, and when the task could migrate
// meanwhile (preemption and irqs enabled, not a per-CPU thread) the kernel's "BUG:
// using smp_processor_id() in preemptible [00000000] code" with the caller and a
// stack dump. what1 and what2 name the call ("smp_processor_id", "").
func (t *Task) SmpProcessorID(what1, what2 string) int {
	if t.preempt != 0 || t.irqsOff || t.percpu {
		return t.cpu
	}
	title := fmt.Sprintf("BUG: using %s%s() in preemptible [%08x] code: %s/%d", what1, what2, 0, t.Comm, t.PID)
	var b strings.Builder
	b.WriteString(title + "\n")
	fmt.Fprintf(&b, "caller is %s\n", t.site())
	b.WriteString(t.header())
	b.WriteString(t.callTrace("dump_stack_lvl", "check_preemption_disabled"))
	t.report("bug", what1+what2+" in preemptible code at "+t.where(), title, b.String())
	return t.cpu
}

// PerCPUCopy is CPU cpu's copy of the per-CPU variable whose template is b (a
// DEFINE_PER_CPU global): made on first use from the template's bytes, as module
// loading copies .data..percpu into each CPU's area; a static object of the
// module's, freed with it.
func (k *Kernel) PerCPUCopy(b *Buffer, cpu int) *Buffer {
	key := perCPUKey{b, cpu}
	if c, ok := k.rcu.percpu[key]; ok {
		return c
	}
	if k.rcu.percpu == nil {
		k.rcu.percpu = map[perCPUKey]*Buffer{}
	}
	c := k.NewObject(fmt.Sprintf("%s[cpu%d]", b.name, cpu), len(b.data), RegionStatic)
	copy(c.data, b.data)
	k.rcu.percpu[key] = c
	return c
}

type perCPUKey struct {
	b   *Buffer
	cpu int
}

// LocalLock is local_lock_t without PREEMPT_RT (include/linux/local_lock_internal.h):
// no lock word, only its lockdep map, which local_lock_acquire takes after the
// caller disabled preemption or irqs, so that lockdep sees the per-CPU critical
// section. Every CPU's copy is one class, named by the template's initialiser.
type LocalLock struct{ lockBase }

// NewLocalLock is the local_lock_t of a CPU's copy at addr, of class name.
func (k *Kernel) NewLocalLock(name string, addr uint64) *LocalLock {
	l := &LocalLock{lockBase: k.newBase(name, kindSpinlock)}
	l.addr = addr
	return l
}

// Acquire is local_lock_acquire: lock_map_acquire, a validated exclusive
// acquisition with no step (nothing waits on a local lock: the caller runs with
// preemption or irqs off).
func (l *LocalLock) Acquire(t *Task) {
	t.acquire(&l.lockBase, 0, false, false)
	t.hold(&l.lockBase, false, 0, false)
}

// Release is local_lock_release: lock_map_release, "bad unlock balance" for a lock
// the task does not hold.
func (l *LocalLock) Release(t *Task) {
	if !t.unhold(&l.lockBase) {
		t.badUnlock(&l.lockBase)
	}
}

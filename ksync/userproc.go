package ksync

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// User processes (the fops family): simulated processes that open a module's
// device file and call its file operations through the system calls (read(2),
// write(2), ioctl(2), lseek(2), close(2)). Each is a task with a user-looking comm
// ("cat", "echo"), a pid of its own, an address space (its buffers live in user
// memory, RegionUser, which kernel code reaches only through copy_to_user & co.)
// and an mm whose mmap_lock might_fault tells lockdep about.
//
// Ctrl-C: a process asleep interruptibly (or killably) while nothing else can run
// is what a user at a terminal would interrupt. The sleep's guard is wrapped
// (ctrlCGuard) so that it is enabled then too; the wakeup is SIGINT: the process
// has a signal pending from then on (signal_pending()), the primitive that slept
// returns what it returns on a signal (-ERESTARTSYS, -EINTR), and the process,
// killed by SIGINT's default action, does no more system calls: do_exit closes
// its file, which calls the driver's release. One asleep uninterruptibly is not
// interrupted: the hung-task detector reports it, as the kernel's does.

// TaskSizeMax is TASK_SIZE_MAX on x86-64 with 4-level paging
// (arch/x86/include/asm/page_64_types.h): (1 << 47) - PAGE_SIZE. access_ok allows
// a user range that ends at or below it.
const TaskSizeMax = 1<<47 - PageSize

// userProc is a task's state as a user process.
type userProc struct {
	mm       *RWSem      // its mm's mmap_lock (lockdep class &mm->mmap_lock)
	onSignal func(*Task) // the kernel API's hook: sets the task_struct's pending bits
	syscall  []string    // the kernel frames of the system call it is in, innermost first
	guard    ctrlCGuard
	// ctrlCWake: the last sleep ended by ksim's Ctrl-C, and no wait_event has
	// looked at it yet (TakeCtrlCWake).
	ctrlCWake bool
}

// userState is the execution's user-process state (the fops family).
type userState struct {
	probing bool        // evaluating whether anything else can run (ctrlCGuard)
	files   FileTable   // the registered device files
	filesOb sched.ObjID // the sched object of the table
	nprocs  int
	miscMtx *Mutex
}

// IsUser reports whether the task is a simulated user process.
func (t *Task) IsUser() bool { return t.user != nil }

// SignalPending is signal_pending(current): a user process interrupted by Ctrl-C.
// Signalled reports whether a signal is pending for the task, without a step: the
// harness's own check between system calls (signal_pending is SignalPending).
func (t *Task) Signalled() bool { return t.signalPending() }

// SetOnSignal sets what happens to the process's task_struct when Ctrl-C reaches
// it (the kernel API sets the pending-signal bits there).
func (t *Task) SetOnSignal(fn func(*Task)) {
	if t.user != nil {
		t.user.onSignal = fn
	}
}

// SpawnUser starts a user process from t (the harness, in insmod's task once
// module_init has returned): comm is its name, fn its system calls. Its pid is
// its own, well above the kernel threads'. It returns nil, starting nothing, when
// the execution has no room for another task (see KthreadRun).
func (t *Task) SpawnUser(comm string, fn func(*Task)) *Task {
	if !t.k.room(0) {
		return nil
	}
	t.k.spawning++
	t.k.user.nprocs++
	c := t.k.newTaskPID(comm, 1, 4000+t.k.nextPID) // a shell's child, not insmod's
	t.k.nextPID++
	c.user = &userProc{mm: t.k.DeclareRWSem("&mm->mmap_lock")}
	c.user.guard.t = c
	t.mayInterrupt()
	c.body = fn
	c.th = t.th.SpawnAt(t.pos, c.Comm, runTask)
	t.k.spawning--
	c.th.SetValue(c)
	c.th.SetWhere(cpuNames[c.cpu])
	t.note("starts %s (pid %d)", c.Comm, c.PID)
	return c
}

// UserAlloc makes a buffer of size bytes in the process's user memory, holding
// init (zeroes past it), and returns its address. It is the process's own: the
// kernel reaches it only through the user-access functions, which take no step
// for it (nothing else can see another process's memory).
func (t *Task) UserAlloc(name string, size int, init []byte) uint64 {
	b := &Buffer{id: t.k.e.NewObject(name), name: name, data: make([]byte, max(size, 1))}
	copy(b.data, init)
	// Page-aligned, a page apart: an access past one buffer faults, as the next
	// page of a process is unmapped.
	addr := t.k.reserve(RegionUser, len(b.data)+PageSize, PageSize)
	b.owner = t
	b.stackTask = t
	t.k.placeAt(b, RegionUser, addr)
	return addr
}

// UserBytes is the part of a user buffer of the current process that [addr,
// addr+n) covers from addr on: the bytes a copy can reach before it faults. A range
// that starts outside the process's memory has none.
func (t *Task) UserBytes(addr uint64, n int) []byte {
	cur := t.Current()
	b, off := t.k.Find(addr)
	if b == nil || b.region != RegionUser || b.stackTask != cur || off < 0 || off >= len(b.data) {
		return nil
	}
	return b.data[off:min(len(b.data), off+n)]
}

// AccessOK is access_ok(addr, n) (include/asm-generic/access_ok.h, x86's
// valid_user_address): the range lies below TASK_SIZE_MAX.
func AccessOK(addr uint64, n uint64) bool {
	return n <= TaskSizeMax && addr <= TaskSizeMax-n
}

// MightFault is __might_fault (mm/memory.c): a user access may fault and sleep.
// file is the "file:line" its might_fault() names (the inline function's in
// include/linux/uaccess.h, or the caller's line for the get_user/put_user macros:
// ""), frames the kernel functions between __might_fault and the caller. Then, for
// a task with an mm (a user process), might_lock_read(&current->mm->mmap_lock):
// lockdep validates taking the mmap_lock for reading here, and the locks held
// become its dependencies; under a spinning lock that is also lockdep's invalid
// wait context. A pagefault_disable()d section (not modelled) would return first.
func (t *Task) MightFault(file string, frames ...string) {
	if file == "" {
		file = t.where()
	}
	t.mightResched(file, append([]string{"__might_fault"}, frames...)...)
	cur := t.Current()
	if cur.user == nil || t.k.dep == nil || t.inIRQ {
		return
	}
	t.validate(&cur.user.mm.lockBase, 0, true, false)
}

// MightSleepMutex is the might_sleep() of a kernel function that takes a mutex of
// its own first (chrdevs_lock, misc_mtx, proc_subdir_lock is an rwsem...): as
// __mutex_lock's, with frames the kernel functions that call mutex_lock,
// innermost first.
func (t *Task) MightSleepMutex(frames ...string) {
	if !t.atomic() {
		return
	}
	file, fr, _ := sleepSite("mutex_lock", t.k.dep != nil)
	t.mightResched(file, append(fr, frames...)...)
}

// ctrlCGuard wraps the guard of a user process's interruptible sleep: it is
// enabled when the sleep ends by itself, when a signal is already pending, and when
// nothing else in the system can run (the user presses Ctrl-C).
type ctrlCGuard struct {
	t     *Task
	inner sched.Guard
}

// Inner is the guard it wraps (sched.WrappingGuard).
func (g *ctrlCGuard) Inner() sched.Guard { return g.inner }

func (g *ctrlCGuard) Enabled(op *sched.Op) bool {
	if g.inner == nil || g.inner.Enabled(op) || g.t.ws.sigPending {
		return true
	}
	k := g.t.k
	if k.user.probing {
		return false // asked by another process's guard: this one waits
	}
	return k.nothingElseRuns(g.t)
}

// nothingElseRuns reports whether no context but self can take a step, counting a
// process asleep interruptibly as unable to (without its own Ctrl-C).
func (k *Kernel) nothingElseRuns(self *Task) bool {
	k.user.probing = true
	defer func() { k.user.probing = false }()
	for _, ts := range [...][]*Task{k.tasks, k.handlers} {
		for _, o := range ts {
			if o == self || o.exited || o.th == nil || o.th.Finished() {
				continue
			}
			if op := o.th.PendingOp(); op.Guard == nil || op.Guard.Enabled(op) {
				return false
			}
		}
	}
	return true
}

// ctrlC wraps o's guard when the task, a user process, goes to sleep
// interruptibly or killably: see ctrlCGuard. Called by opx.
func (t *Task) ctrlC(o *sched.Op) {
	if t.user == nil || !t.asleep || o.Guard == nil || t.state != Interruptible && !t.killable {
		return
	}
	g := &t.user.guard
	g.inner = o.Guard
	o.Guard = g
}

// ctrlCWoke is called by opx once a wrapped sleep's step runs: if its own guard
// would not have let it go, the wakeup is the signal.
func (t *Task) ctrlCWoke(o *sched.Op) {
	g := &t.user.guard
	if o.Guard != g && !(t.k.gated && t.gate.inner == g) {
		return
	}
	inner := g.inner
	g.inner = nil
	if inner.Enabled(o) || t.ws.sigPending {
		if t.ws.sigPending {
			t.note("a signal is pending: the sleep ends at once")
		}
		return
	}
	// SIGINT with its default action is fatal: complete_signal turns it into a
	// group kill (sig_fatal), and signal_wake_up(t, 1) ends killable sleeps too.
	t.ws.sigPending, t.ws.fatalPending = true, true
	t.user.ctrlCWake = true
	// The Ctrl-C depends on every other context being unable to run: no access
	// DPOR sees. Once it can bite, the search explores without reductions that
	// rely on independence (as the CPU gate asks, kernel.go checkCoupling).
	t.k.e.RequireFullSearch("a user process was interrupted by Ctrl-C when nothing else could run")
	t.note("Ctrl-C: SIGINT wakes it")
	t.k.printk(fmt.Sprintf("ksim: nothing else can run while %s sleeps interruptibly in %s at %s: the user presses Ctrl-C, "+
		"SIGINT wakes it (the call returns -ERESTARTSYS or -EINTR, the process is killed and closes its file)",
		t.id(), t.wait.prim, t.wait.pos))
	if t.user.onSignal != nil {
		t.user.onSignal(t)
	}
}

// ---- the device files a module registers ----

// FileKind is how a device file was registered.
type FileKind uint8

const (
	FileChrdev FileKind = iota // register_chrdev, or cdev_add on a region
	FileMisc                   // misc_register: major 10
	FileProc                   // proc_create: a /proc file with proc_ops
)

// DevFile is one registered device file: a cdev (its dev_t range), a misc device,
// or a /proc entry, with the operations table it was registered with.
type DevFile struct {
	Kind    FileKind
	Name    string // the name registered (register_chrdev's, the misc device's, the /proc file's)
	Major   int
	Minor   int    // the first minor
	Count   int    // minors, from Minor
	Ops     uint64 // struct file_operations * (struct proc_ops * for a /proc file)
	Obj     uint64 // the struct cdev, struct miscdevice or struct proc_dir_entry
	Data    uint64 // a /proc file's data (pde_data), the inode's i_private
	Size    int64  // proc_set_size
	Removed bool
}

// ChrRegion is a registered range of char device numbers (register_chrdev_region,
// alloc_chrdev_region, register_chrdev).
type ChrRegion struct {
	Name         string
	Major, Minor int
	Count        int
	Removed      bool
}

// FileTable is the kernel's device-file state: chrdevs (fs/char_dev.c), cdev_map,
// misc_list, the /proc entries, and the device nodes udev made (device_create).
type FileTable struct {
	Regions []ChrRegion
	Files   []DevFile
	Nodes   []Node // /dev names for device numbers (device_create, misc_register)
	Classes int    // class_create calls not destroyed
}

// Node is a /dev entry: a name for a device number.
type Node struct {
	Name         string
	Major, Minor int
	Removed      bool
}

// Files announces a step on the device-file table (a write when write, a read
// otherwise) and returns it for the kernel API to read or change within the step.
func (t *Task) Files(name string, write bool) *FileTable {
	if t.k.user.filesOb == 0 {
		t.k.user.filesOb = t.k.e.NewObject("chrdevs")
	}
	acc := sched.Read
	if write {
		acc = sched.Write
	}
	t.op(name, t.k.user.filesOb, acc, nil)
	return &t.k.user.files
}

// smapFault is the kernel touching user memory directly (a dereference of a
// __user pointer): with SMAP the access faults (arch/x86/mm/fault.c,
// "supervisor ... access in kernel mode", error code with the protection bit).
func (t *Task) smapFault(addr uint64, write bool) {
	t.op("user access", 0, sched.None, nil)
	t.k.printk("ksim: " + t.id() + " dereferences the user pointer " + fmt.Sprintf("%#x", addr) + " at " + t.where() +
		": SMAP makes that fault; the kernel reaches user memory through copy_to_user, copy_from_user, get_user, put_user")
	var b strings.Builder
	title := fmt.Sprintf("BUG: unable to handle page fault for address: %016x", addr)
	b.WriteString(title + "\n")
	access, code := "read", 0x1
	if write {
		access, code = "write", 0x3
	}
	fmt.Fprintf(&b, "#PF: supervisor %s access in kernel mode\n#PF: error_code(0x%04x) - permissions violation\n", access, code)
	b.WriteString(t.dieHeader("Oops", code))
	t.die(&b, "user pointer dereference at "+t.where(), "BUG: unable to handle page fault", int64(addr))
}

// SetUaccessErr records the error (0 or -EFAULT) of the task's get_user, which the
// header's macro returns (UaccessErr) after storing the value.
func (t *Task) SetUaccessErr(e int) { t.uerr = e }

// UaccessErr is the error SetUaccessErr recorded.
func (t *Task) UaccessErr() int { return t.uerr }

// WarnMsg is WARN(1, msg) at the kernel's file:line in function rip
// ("proc_register+0x.."): the "cut here" warning with msg above it.
func (t *Task) WarnMsg(msg, file, rip string) {
	t.warn(strings.TrimRight(msg, "\n"), file, rip, "WARN "+file+" at "+t.where())
}

// MiscMutex is misc_mtx (drivers/char/misc.c), made on first use.
func (k *Kernel) MiscMutex() *Mutex {
	if k.user.miscMtx == nil {
		k.user.miscMtx = k.DefineMutex("misc_mtx")
	}
	return k.user.miscMtx
}

// SetSyscall names the kernel frames of the system call the process is in
// (innermost first: "vfs_read", "ksys_read" ... "entry_SYSCALL_64_after_hwframe"),
// which call traces print below the module's frames; nil when it is in none.
func (t *Task) SetSyscall(frames []string) {
	if t.user != nil {
		t.user.syscall = frames
	}
}

// signalsEnd reports whether an interruptible or killable sleep of the task can
// end by a signal: at any moment with Config.Signals, by Ctrl-C for a user
// process. The primitives then sleep in two steps (no one-step fast path), and
// keep their own guard unless Config.Signals asks for any moment: a user
// process's Ctrl-C wraps it (opx, ctrlC).
func (t *Task) signalsEnd() bool { return t.k.cfg.Signals || t.user != nil }

// FilesRegistered reports whether anything has touched the device-file table yet:
// a module that registers no file has no user processes, and costs no step.
func (k *Kernel) FilesRegistered() bool { return k.user.filesOb != 0 }

// TakeCtrlCWake reports whether the task's last sleep was ended by ksim's Ctrl-C
// and nothing has looked at it since, and forgets it.
func (t *Task) TakeCtrlCWake() bool {
	if t.user == nil || !t.user.ctrlCWake {
		return false
	}
	t.user.ctrlCWake = false
	return true
}

// LostWakeup reports a wait_event* whose sleep only ksim's Ctrl-C ended although
// its condition was already true: nothing else could run, so no wake_up was coming,
// and the waker had forgotten it. The kernel prints nothing (the process sleeps in
// state S until a signal comes); without the Ctrl-C the user's read(2) would hang.
func (t *Task) LostWakeup() {
	pos := t.where()
	title := fmt.Sprintf("ksim: lost wake-up: %s slept in wait_event at %s though its condition was true", t.id(), pos)
	text := fmt.Sprintf("%s\n"+
		"ksim: nothing else could run and no wake_up came: the condition became true without a wake-up\n"+
		"ksim: of the queue, and only the Ctrl-C ksim sends ended the sleep. The kernel prints nothing: the\n"+
		"ksim: process sleeps in state S until a signal comes, and the user's system call hangs.\n", title)
	t.report(sched.KindHang, "lost wake-up at "+pos, title, text)
}

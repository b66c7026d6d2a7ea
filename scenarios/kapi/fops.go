package kapi

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// The user-process harness: after module_init has returned 0 and before
// module_exit, simulated processes open the device file the module registered and
// call its operations through the system calls, as the VFS does (fs/open.c
// do_dentry_open, fs/char_dev.c chrdev_open, drivers/char/misc.c misc_open,
// fs/proc/inode.c proc_reg_*, fs/read_write.c ksys_read/ksys_write/ksys_lseek,
// fs/ioctl.c vfs_ioctl, fs/file_table.c __fput). The struct file, struct inode and
// struct dentry the operations get are kernel memory laid out by the headers: a
// struct file per process (f_mode, f_flags, f_pos, f_op, private_data, f_inode,
// f_path.dentry), one struct inode per device file (i_rdev, i_private, i_size,
// i_cdev), shared by the processes that open it.

// FileCall is one system call of a process on its open file.
type FileCall struct {
	Op   string // "read", "write", "ioctl", "lseek"
	N    int64  // read: the count; ioctl: the command; lseek: the offset
	Arg  int64  // ioctl: the argument (ArgNumber); lseek: whence
	Data []byte // write: the bytes; ioctl: the string ArgString points to
	// ArgKind is how ioctl's argument is made: a number, a pointer to Data in the
	// process's memory (NUL-terminated), or a pointer to a zeroed buffer.
	ArgKind ArgKind
	Pos     string // where the pragma asks for it, for traces
}

// ArgKind is how an ioctl argument is made.
type ArgKind uint8

const (
	ArgNumber ArgKind = iota
	ArgString
	ArgBuffer
)

// IoctlBufSize is the size of the zeroed user buffer an ioctl's `buf` argument
// points to.
const IoctlBufSize = 256

// DefaultReadCount is the count a read asks for when the pragma gives none.
const DefaultReadCount = 128

// DefaultWriteData is what a write writes when the pragma gives nothing: what
// `echo hello > FILE` writes.
const DefaultWriteData = "hello\n"

// Process is one simulated user process: its name, the file it opens, its calls
// between the open and the release (close, or exit).
type Process struct {
	Comm  string
	Path  string // "/dev/NAME" or "/proc/NAME"; "": the first file the module registered
	Calls []FileCall
	Pos   string // the pragma's position, "" for a default process
}

// syscall frames below the module's function, innermost first (x86-64, 6.12).
var (
	framesOpen    = []string{"do_dentry_open", "vfs_open", "path_openat", "do_filp_open", "do_sys_openat2", "__x64_sys_openat", "x64_sys_call", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
	framesRead    = []string{"vfs_read", "ksys_read", "__x64_sys_read", "x64_sys_call", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
	framesWrite   = []string{"vfs_write", "ksys_write", "__x64_sys_write", "x64_sys_call", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
	framesIoctl   = []string{"__x64_sys_ioctl", "x64_sys_call", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
	framesLseek   = []string{"ksys_lseek", "__x64_sys_lseek", "x64_sys_call", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
	framesRelease = []string{"__fput", "task_work_run", "syscall_exit_to_user_mode", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
	framesExit    = []string{"__fput", "task_work_run", "do_exit", "do_group_exit", "get_signal", "arch_do_signal_or_restart", "syscall_exit_to_user_mode", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}
)

// fmode bits (include/linux/fs.h).
const (
	fmodeRead       = 1 << 0
	fmodeWrite      = 1 << 1
	fmodeLseek      = 1 << 2
	fmodePread      = 1 << 3
	fmodePwrite     = 1 << 4
	fmodeCanRd      = 1 << 17 // FMODE_CAN_READ
	fmodeCanWr      = 1 << 18 // FMODE_CAN_WRITE
	fmodeOpened     = 1 << 19 // FMODE_OPENED
	oRdonly         = 0
	oWronly         = 1
	oRdwr           = 2
	fopsENXIO       = 6
	fopsEBADF       = 9
	fopsENODEV      = 19
	fopsESPIPE      = 29
	fopsENOTTY      = 25
	fopsEIO         = 5
	fopsENOIOCTLCMD = 515 // ENOIOCTLCMD
	fopsSeekMax     = 4   // SEEK_MAX (SEEK_HOLE)
	sIFCHR          = 0o020000
	sIFREG          = 0o100000
	sigintBit       = 1 << (2 - 1) // SIGINT in sigset_t's first word
	defaultComms    = "cat echo"
)

// target is the device file a process opens, as the harness found it when it
// started the processes.
type fopsTarget struct {
	kind         ksync.FileKind
	major, minor int
	obj          uint64 // a /proc file's proc_dir_entry
	ops          uint64 // a /proc file's proc_ops
	path         string
	inode        uint64
	dentry       uint64
}

// hasOp reports whether the target's operations table has a non-NULL field
// (peeked: the table is the module's, set up by module_init before any process).
func (tg *fopsTarget) hasOp(k *ksync.Kernel, w taskWorld, name string) bool {
	tag, table := "file_operations", tg.ops
	if tg.kind == ksync.FileProc {
		tag = "proc_ops"
		name = "proc_" + name
	}
	off, ok := w.Offsetof(tag, name)
	if !ok || table == 0 {
		return false
	}
	v, _ := k.Peek(table+uint64(off), 8)
	return v != 0
}

// StartProcesses starts the user processes from t, insmod's task, once module_init
// has returned 0: procs as the pragmas ask, or, when there are none, the default
// ones: `cat` (open, read, release) if the module's file has a read operation and
// `echo` (open, write, release) if it has a write; one that has neither is opened
// and closed by `cat`. A module that registered no file gets none.
func StartProcesses(t *ksync.Task, w *interp.World, procs []Process) {
	startProcesses(t, w, procs)
}

func startProcesses(t *ksync.Task, w taskWorld, procs []Process) {
	k := t.Kernel()
	if procs == nil && !k.FilesRegistered() {
		return // no file to drive, and no step for it
	}
	ft := t.Files("open", false)
	targets := map[string]*fopsTarget{}
	find := func(path string) *fopsTarget {
		if tg, ok := targets[path]; ok {
			return tg
		}
		tg := fopsResolve(k, w, ft, path)
		targets[path] = tg
		return tg
	}
	if procs == nil {
		tg := find("")
		if tg == nil {
			return
		}
		rd, wr := tg.hasOp(k, w, "read"), tg.hasOp(k, w, "write")
		if rd || !wr {
			var calls []FileCall
			if rd {
				calls = []FileCall{{Op: "read", N: DefaultReadCount}}
			}
			procs = append(procs, Process{Comm: "cat", Calls: calls})
		}
		if wr {
			procs = append(procs, Process{Comm: "echo", Calls: []FileCall{{Op: "write", Data: []byte(DefaultWriteData)}}})
		}
	}
	for _, p := range procs {
		tg := find(p.Path)
		run := p
		if t.SpawnUser(p.Comm, func(pt *ksync.Task) {
			file := uint64(0)
			if tg != nil {
				file = fopsNewFile(pt, w, tg, run)
			}
			fopsProcess(pt, w, tg, file, run)
		}) == nil {
			return
		}
	}
}

// resolve finds the file path names in the table: "/dev/NAME" a node udev made
// (device_create, misc_register) or, as if made by mknod, a char device registered
// under NAME; "/proc/NAME" a /proc file; "" the first file registered. It makes
// the file's inode and dentry. nil: no such file.
func fopsResolve(k *ksync.Kernel, w taskWorld, ft *ksync.FileTable, path string) *fopsTarget {
	var tg *fopsTarget
	nodeName := func(major, minor int) string {
		for _, n := range ft.Nodes {
			if !n.Removed && n.Major == major && n.Minor == minor {
				return n.Name
			}
		}
		return ""
	}
	for _, f := range ft.Files {
		if f.Removed {
			continue
		}
		name := ""
		switch f.Kind {
		case ksync.FileProc:
			name = "/proc/" + f.Name
		default:
			n := nodeName(f.Major, f.Minor)
			if n == "" {
				n = f.Name
			}
			if n == "" {
				for _, r := range ft.Regions {
					if !r.Removed && r.Major == f.Major && f.Minor >= r.Minor && f.Minor < r.Minor+r.Count {
						n = r.Name
					}
				}
			}
			name = "/dev/" + n
		}
		if path != "" && path != name {
			if !strings.HasPrefix(path, "/dev/") || f.Kind == ksync.FileProc {
				continue
			}
			// another node for one of the file's device numbers
			found := false
			for _, n := range ft.Nodes {
				if !n.Removed && "/dev/"+n.Name == path && n.Major == f.Major && n.Minor >= f.Minor && n.Minor < f.Minor+f.Count {
					tg = &fopsTarget{kind: f.Kind, major: n.Major, minor: n.Minor, path: path}
					found = true
					break
				}
			}
			if !found {
				continue
			}
		} else {
			tg = &fopsTarget{kind: f.Kind, major: f.Major, minor: f.Minor, path: name}
		}
		tg.obj, tg.ops = f.Obj, f.Ops
		switch f.Kind {
		case ksync.FileChrdev:
			if off, ok := w.Offsetof("cdev", "ops"); ok {
				tg.ops, _ = k.Peek(f.Obj+uint64(off), 8)
			}
		case ksync.FileMisc:
			if off, ok := w.Offsetof("miscdevice", "fops"); ok {
				tg.ops, _ = k.Peek(f.Obj+uint64(off), 8)
			}
		}
		fopsMakeInode(k, w, tg, f)
		if f.Kind == ksync.FileChrdev { // chrdev_open's inode->i_cdev, the same at every open
			fopsPoke(k, fopsField(w, tg.inode, "inode", "i_cdev"), 8, f.Obj)
		}
		return tg
	}
	return nil
}

// field is the address of a field of the struct tag at base (0 when the headers
// lack it).
func fopsField(w taskWorld, base uint64, tag, name string) uint64 {
	off, ok := w.Offsetof(tag, name)
	if !ok || base == 0 {
		return 0
	}
	return base + uint64(off)
}

// poke writes a field of a new kernel object (no step: nothing else knows it yet).
func fopsPoke(k *ksync.Kernel, addr uint64, size int, v uint64) {
	if addr != 0 {
		k.Poke(addr, size, v)
	}
}

// objSize is the header's size of struct tag, or min.
func fopsObjSize(w taskWorld, tag string, min int) int {
	if n, ok := w.Sizeof(tag); ok && n > min {
		return n
	}
	return min
}

// makeInode makes the inode and dentry of the file tg: the device node's, or the
// /proc file's (i_private = pde_data, i_size = proc_set_size's).
func fopsMakeInode(k *ksync.Kernel, w taskWorld, tg *fopsTarget, f ksync.DevFile) {
	ino := k.NewObject("inode", fopsObjSize(w, "inode", 64), ksync.RegionHeap)
	tg.inode = ino.Addr()
	mode := uint64(sIFCHR | 0o600)
	if f.Kind == ksync.FileProc {
		mode = sIFREG | 0o644
		fopsPoke(k, fopsField(w, tg.inode, "inode", "i_private"), 8, f.Data)
		fopsPoke(k, fopsField(w, tg.inode, "inode", "i_size"), 8, uint64(f.Size))
	} else {
		fopsPoke(k, fopsField(w, tg.inode, "inode", "i_rdev"), 4, fopsMkdev(tg.major, tg.minor))
	}
	fopsPoke(k, fopsField(w, tg.inode, "inode", "i_mode"), 2, mode)
	name := tg.path[strings.LastIndexByte(tg.path, '/')+1:]
	nm := k.NewObject("d_name", len(name)+1, ksync.RegionHeap)
	copy(nm.Bytes(), name)
	d := k.NewObject("dentry", fopsObjSize(w, "dentry", 64), ksync.RegionHeap)
	tg.dentry = d.Addr()
	if qs := fopsField(w, tg.dentry, "dentry", "d_name"); qs != 0 {
		fopsPoke(k, fopsField(w, qs, "qstr", "len"), 4, uint64(len(name)))
		fopsPoke(k, fopsField(w, qs, "qstr", "name"), 8, nm.Addr())
	}
	fopsPoke(k, fopsField(w, tg.dentry, "dentry", "d_inode"), 8, tg.inode)
}

// newFile makes the struct file process p opens: its mode from its calls
// (O_RDONLY for reads only, O_WRONLY for writes only, O_RDWR otherwise). It is
// the process's own, as a new file is, until the module stores its address where
// another task can find it (then every access to it is a step, as for a local).
func fopsNewFile(t *ksync.Task, w taskWorld, tg *fopsTarget, p Process) uint64 {
	k := t.Kernel()
	rd, wr := false, false
	for _, c := range p.Calls {
		rd = rd || c.Op == "read"
		wr = wr || c.Op == "write"
	}
	flags, fmode := uint64(oRdwr), uint64(fmodeRead|fmodeWrite)
	switch {
	case rd && !wr:
		flags, fmode = oRdonly, fmodeRead
	case wr && !rd:
		flags, fmode = oWronly, fmodeWrite
	}
	f := t.NewStack("file", fopsObjSize(w, "file", 128)).Addr()
	fopsPoke(k, fopsField(w, f, "file", "f_flags"), 4, flags)
	fopsPoke(k, fopsField(w, f, "file", "f_mode"), 4, fmode)
	fopsPoke(k, fopsField(w, f, "file", "f_inode"), 8, tg.inode)
	if pth := fopsField(w, f, "file", "f_path"); pth != 0 {
		fopsPoke(k, fopsField(w, pth, "path", "dentry"), 8, tg.dentry)
	}
	return f
}

// call runs the C function at fn (a file operation) with args in the process; a
// pointer to no function faults, as the kernel's indirect call does.
func fopsCall(t *ksync.Task, w taskWorld, fn uint64, args ...int64) int64 {
	if f := w.FuncAt(fn); f != nil {
		return w.Run(t, f, args...)
	}
	callOops(t, fn)
	return 0
}

// opAt reads the function pointer field of the operations table at table.
func fopsOpAt(t *ksync.Task, w taskWorld, table uint64, tag, name string) uint64 {
	a := fopsField(w, table, tag, name)
	if a == 0 {
		return 0
	}
	// A const table (the usual `static const struct proc_ops`) is read-only
	// memory that never changes: reading it is no step.
	if b, _ := t.Kernel().Find(a); b != nil && b.Region() == ksync.RegionRodata {
		v, _ := t.Kernel().Peek(a, 8)
		return v
	}
	return t.LoadAt(a, 8)
}

// process is a user process's life: open; each call while no signal is pending;
// then release, by close(2) or by exit when SIGINT killed it.
func fopsProcess(t *ksync.Task, w taskWorld, tg *fopsTarget, file uint64, p Process) {
	t.SetOnSignal(func(t *ksync.Task) { fopsSigint(t, w) })
	if p.Pos != "" {
		t.At(p.Pos)
	}
	say := func(format string, args ...any) {
		t.Printk(fmt.Sprintf("ksim: %s[%d]: ", t.Comm, t.PID) + fmt.Sprintf(format, args...))
	}
	if tg == nil {
		path := p.Path
		if path == "" {
			path = "the module's file"
		}
		t.CPURelax("open")
		say("open(%s) fails with -ENOENT: the module registered no such file", path)
		return
	}
	t.SetSyscall(framesOpen)
	fop, r := fopsOpen(t, w, tg, file)
	t.SetSyscall(nil)
	if t.State() == ksync.Dead {
		return
	}
	if r < 0 {
		say("open(%s) returns %d (%s): the process ends", tg.path, r, fopsErrno(-r))
		return
	}
	for _, c := range p.Calls {
		if t.Signalled() {
			break
		}
		if c.Pos != "" {
			t.At(c.Pos)
		}
		r := fopsFileCall(t, w, tg, file, fop, c)
		t.TakeCtrlCWake() // a Ctrl-C is a wait_event's to judge within the call that slept, not later
		if t.State() == ksync.Dead {
			return
		}
		t.Thread().Note(fmt.Sprintf("%s returns %d", c.Op, r))
	}
	if t.Signalled() {
		t.SetSyscall(framesExit)
	} else {
		t.SetSyscall(framesRelease)
	}
	fopsRelease(t, w, tg, file, fop)
	t.SetSyscall(nil)
}

// open is the open(2) of tg: chrdev_open, misc_open (under misc_mtx, private_data
// the struct miscdevice) or proc_reg_open, then the module's open. It returns the
// operations table the file got (f_op) and open's result.
func fopsOpen(t *ksync.Task, w taskWorld, tg *fopsTarget, file uint64) (uint64, int64) {
	inode := tg.inode
	var fop, openFn uint64
	switch tg.kind {
	case ksync.FileProc:
		ft := t.Files("proc_reg_open", false)
		if e := procEntry(ft, tg.obj); e == nil || e.Removed {
			return 0, -fopsENOENT
		}
		fop = tg.ops
		openFn = fopsOpAt(t, w, fop, "proc_ops", "proc_open")
	case ksync.FileMisc:
		mtx := t.Kernel().MiscMutex()
		mtx.Lock(t)
		defer mtx.Unlock(t)
		ft := t.Files("misc_open", false)
		var misc uint64
		for _, f := range ft.Files {
			if !f.Removed && f.Kind == ksync.FileMisc && f.Minor == tg.minor {
				misc = f.Obj
			}
		}
		if misc == 0 {
			return 0, -fopsENODEV
		}
		t.StoreAt(fopsField(w, file, "file", "private_data"), 8, misc)
		fop = t.LoadAt(fopsField(w, misc, "miscdevice", "fops"), 8)
		t.StoreAt(fopsField(w, file, "file", "f_op"), 8, fop)
		openFn = fopsOpAt(t, w, fop, "file_operations", "open")
	default:
		ft := t.Files("chrdev_open", false)
		var p uint64
		for _, f := range ft.Files {
			if !f.Removed && f.Kind == ksync.FileChrdev && f.Major == tg.major && tg.minor >= f.Minor && tg.minor < f.Minor+f.Count {
				p = f.Obj
			}
		}
		if p == 0 {
			return 0, -fopsENXIO
		}
		fop = t.LoadAt(fopsField(w, p, "cdev", "ops"), 8)
		if fop == 0 {
			return 0, -fopsENXIO // fops_get of NULL
		}
		openFn = fopsOpAt(t, w, fop, "file_operations", "open")
	}
	if t.State() == ksync.Dead {
		return 0, 0
	}
	// do_dentry_open: FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE, FMODE_OPENED,
	// FMODE_CAN_READ/WRITE when the operations have read/write, FMODE_LSEEK off
	// without llseek. The kernel sets the last ones after ->open; ksim sets them
	// all before, while the new file is still the process's own (no step).
	modeAt := fopsField(w, file, "file", "f_mode")
	k := t.Kernel()
	mode, _ := k.Peek(modeAt, 4)
	mode |= fmodeLseek | fmodePread | fmodePwrite | fmodeOpened
	tag, rd, wr, ls := "file_operations", "read", "write", "llseek"
	if tg.kind == ksync.FileProc {
		tag, rd, wr, ls = "proc_ops", "proc_read", "proc_write", "proc_lseek"
	}
	if mode&fmodeRead != 0 && (fopsOpAt(t, w, fop, tag, rd) != 0 || tg.kind == ksync.FileProc) {
		mode |= fmodeCanRd
	}
	if mode&fmodeWrite != 0 && (fopsOpAt(t, w, fop, tag, wr) != 0 || tg.kind == ksync.FileProc) {
		mode |= fmodeCanWr
	}
	if fopsOpAt(t, w, fop, tag, ls) == 0 {
		mode &^= fmodeLseek
	}
	k.Poke(modeAt, 4, mode)
	if tg.kind != ksync.FileMisc {
		k.Poke(fopsField(w, file, "file", "f_op"), 8, fop)
	}
	r := int64(0)
	if openFn != 0 {
		r = int64(int32(fopsCall(t, w, openFn, int64(inode), int64(file))))
	}
	return fop, r
}

// fileCall is one system call on the open file.
func fopsFileCall(t *ksync.Task, w taskWorld, tg *fopsTarget, file, fop uint64, c FileCall) int64 {
	proc := tg.kind == ksync.FileProc
	tag := "file_operations"
	if proc {
		tag = "proc_ops"
	}
	name := func(n string) string {
		if proc {
			return "proc_" + n
		}
		return n
	}
	mode := func() uint64 { return t.LoadAt(fopsField(w, file, "file", "f_mode"), 4) }
	posAt := fopsField(w, file, "file", "f_pos")
	switch c.Op {
	case "read", "write":
		frames, need, can := framesRead, uint64(fmodeRead), uint64(fmodeCanRd)
		buf := uint64(0)
		n := c.N
		if c.Op == "write" {
			frames, need, can = framesWrite, fmodeWrite, fmodeCanWr
			n = int64(len(c.Data))
			buf = t.UserAlloc("write buffer", len(c.Data), c.Data)
		} else {
			buf = t.UserAlloc("read buffer", int(n), nil)
		}
		t.SetSyscall(frames)
		defer t.SetSyscall(nil)
		m := mode()
		if m&need == 0 {
			return -fopsEBADF
		}
		if m&can == 0 {
			return -fopsEINVAL
		}
		fn := fopsOpAt(t, w, fop, tag, name(c.Op))
		if fn == 0 {
			if proc {
				return -fopsEIO // pde_read / pde_write without the operation
			}
			return -fopsEINVAL
		}
		// ksys_read/ksys_write: the position is a copy on the syscall's stack,
		// written back to f_pos when the call succeeds.
		pos := t.NewStack("pos", 8)
		t.Kernel().Poke(pos.Addr(), 8, t.LoadAt(posAt, 8))
		r := fopsCall(t, w, fn, int64(file), int64(buf), n, int64(pos.Addr()))
		if t.State() == ksync.Dead {
			return r
		}
		if r >= 0 {
			v, _ := t.Kernel().Peek(pos.Addr(), 8)
			t.StoreAt(posAt, 8, v)
		}
		return r
	case "ioctl":
		t.SetSyscall(framesIoctl)
		defer t.SetSyscall(nil)
		arg := uint64(c.Arg)
		switch c.ArgKind {
		case ArgString:
			arg = t.UserAlloc("ioctl argument", len(c.Data)+1, c.Data)
		case ArgBuffer:
			arg = t.UserAlloc("ioctl buffer", IoctlBufSize, nil)
		}
		fn := fopsOpAt(t, w, fop, tag, name("ioctl"))
		if !proc {
			fn = fopsOpAt(t, w, fop, tag, "unlocked_ioctl")
		}
		if fn == 0 {
			return -fopsENOTTY
		}
		r := fopsCall(t, w, fn, int64(file), int64(uint32(c.N)), int64(arg))
		if r == -fopsENOIOCTLCMD {
			r = -fopsENOTTY
		}
		return r
	case "lseek":
		t.SetSyscall(framesLseek)
		defer t.SetSyscall(nil)
		if c.Arg > fopsSeekMax || c.Arg < 0 {
			return -fopsEINVAL
		}
		if mode()&fmodeLseek == 0 {
			return -fopsESPIPE
		}
		fn := fopsOpAt(t, w, fop, tag, "llseek")
		if proc {
			fn = fopsOpAt(t, w, fop, tag, "proc_lseek")
		}
		return fopsCall(t, w, fn, int64(file), c.N, c.Arg)
	}
	return -fopsEINVAL
}

// release is the last fput of the file: __fput calls the module's release
// (proc_reg_release: the proc_ops' proc_release).
func fopsRelease(t *ksync.Task, w taskWorld, tg *fopsTarget, file, fop uint64) {
	fn := uint64(0)
	if tg.kind == ksync.FileProc {
		fn = fopsOpAt(t, w, fop, "proc_ops", "proc_release")
	} else {
		fn = fopsOpAt(t, w, fop, "file_operations", "release")
	}
	if fn != 0 && t.State() != ksync.Dead {
		fopsCall(t, w, fn, int64(tg.inode), int64(file))
	}
}

// sigint is what SIGINT's arrival leaves in the process's task_struct:
// pending.signal.sig[0] has SIGINT's bit, as modules that test
// current->pending.signal (LKMPG's sleep.c) read it.
func fopsSigint(t *ksync.Task, w taskWorld) {
	ts := taskStruct(nil, w, t)
	p, ok1 := w.Offsetof("task_struct", "pending")
	s, ok2 := w.Offsetof("sigpending", "signal")
	if !ok1 || !ok2 {
		return
	}
	a := ts.Addr() + uint64(p+s)
	v, _ := t.Kernel().Peek(a, 8)
	t.Kernel().Poke(a, 8, v|sigintBit)
}

// errnoName is the E-name of errno e, for ksim's lines.
func fopsErrno(e int64) string {
	switch e {
	case fopsEBUSY:
		return "EBUSY"
	case fopsENOENT:
		return "ENOENT"
	case fopsENXIO:
		return "ENXIO"
	case fopsENODEV:
		return "ENODEV"
	case fopsEINVAL:
		return "EINVAL"
	case ksync.EINTR:
		return "EINTR"
	case ksync.EAGAIN:
		return "EAGAIN"
	case ksync.ENOMEM:
		return "ENOMEM"
	case ksync.ERESTARTSYS:
		return "ERESTARTSYS"
	}
	return fmt.Sprintf("errno %d", e)
}

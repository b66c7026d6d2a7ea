package scenarios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/syntax"
	"github.com/ksim-dev/ksim/sched"
)

// builtin runs one kernel API call on ksync.
func (r *runner) builtin(b *Builtin, e *syntax.CallExpr) cval {
	t := r.t
	args := e.Args
	arg := func(i int) cval { return r.eval(args[i]) }
	num := func(i int) int { return int(r.eval(args[i]).i) }
	r.at(e.Fun.Pos())
	switch b.Op {
	// struct semaphore
	case OpSemaInit:
		s := r.object(args[0]).(*ksync.Semaphore)
		s.Init(t, num(1))
	case OpDown:
		r.object(args[0]).(*ksync.Semaphore).Down(t)
	case OpDownInterruptible:
		return cval{i: int64(r.object(args[0]).(*ksync.Semaphore).DownInterruptible(t))}
	case OpDownKillable:
		return cval{i: int64(r.object(args[0]).(*ksync.Semaphore).DownKillable(t))}
	case OpDownTrylock:
		return cval{i: int64(r.object(args[0]).(*ksync.Semaphore).DownTrylock(t))}
	case OpDownTimeout:
		s := r.object(args[0]).(*ksync.Semaphore)
		return cval{i: int64(s.DownTimeout(t, num(1)))}
	case OpUp:
		r.object(args[0]).(*ksync.Semaphore).Up(t)

	// struct mutex
	case OpMutexInit:
		m := r.object(args[0]).(*ksync.Mutex)
		m.SetClass(r.w.in.initClass[e])
		m.Init(t)
	case OpMutexLock:
		r.object(args[0]).(*ksync.Mutex).Lock(t)
	case OpMutexLockNested:
		m := r.object(args[0]).(*ksync.Mutex)
		m.LockNested(t, num(1))
	case OpMutexLockInterruptible:
		return cval{i: int64(r.object(args[0]).(*ksync.Mutex).LockInterruptible(t))}
	case OpMutexLockKillable:
		return cval{i: int64(r.object(args[0]).(*ksync.Mutex).LockKillable(t))}
	case OpMutexTrylock:
		return cval{i: int64(r.object(args[0]).(*ksync.Mutex).Trylock(t))}
	case OpMutexUnlock:
		r.object(args[0]).(*ksync.Mutex).Unlock(t)
	case OpMutexIsLocked:
		return cval{i: int64(r.object(args[0]).(*ksync.Mutex).IsLocked(t))}

	// spinlock_t
	case OpSpinLockInit:
		l := r.object(args[0]).(*ksync.Spinlock)
		l.SetClass(r.w.in.initClass[e])
		l.Init(t)
	case OpSpinLock:
		r.object(args[0]).(*ksync.Spinlock).Lock(t)
	case OpSpinLockNested:
		l := r.object(args[0]).(*ksync.Spinlock)
		l.LockNested(t, num(1))
	case OpSpinUnlock:
		r.object(args[0]).(*ksync.Spinlock).Unlock(t)
	case OpSpinTrylock:
		return cval{i: int64(r.object(args[0]).(*ksync.Spinlock).Trylock(t))}
	case OpSpinLockIrqsave:
		l := r.object(args[0]).(*ksync.Spinlock)
		flags := l.LockIrqsave(t)
		r.lvalue(args[1]).store(r, cval{i: int64(flags)})
	case OpSpinUnlockIrqrestore:
		l := r.object(args[0]).(*ksync.Spinlock)
		l.UnlockIrqrestore(t, num(1))
	case OpSpinLockIrq:
		r.object(args[0]).(*ksync.Spinlock).LockIRQ(t)
	case OpSpinUnlockIrq:
		r.object(args[0]).(*ksync.Spinlock).UnlockIRQ(t)
	case OpSpinLockBh:
		r.object(args[0]).(*ksync.Spinlock).LockBH(t)
	case OpSpinUnlockBh:
		r.object(args[0]).(*ksync.Spinlock).UnlockBH(t)

	// rwlock_t
	case OpRwlockInit:
		l := r.object(args[0]).(*ksync.RWLock)
		l.SetClass(r.w.in.initClass[e])
		l.Init(t)
	case OpReadLock:
		r.object(args[0]).(*ksync.RWLock).ReadLock(t)
	case OpReadUnlock:
		r.object(args[0]).(*ksync.RWLock).ReadUnlock(t)
	case OpWriteLock:
		r.object(args[0]).(*ksync.RWLock).WriteLock(t)
	case OpWriteUnlock:
		r.object(args[0]).(*ksync.RWLock).WriteUnlock(t)
	case OpReadLockIrqsave:
		l := r.object(args[0]).(*ksync.RWLock)
		r.lvalue(args[1]).store(r, cval{i: int64(l.ReadLockIrqsave(t))})
	case OpWriteLockIrqsave:
		l := r.object(args[0]).(*ksync.RWLock)
		r.lvalue(args[1]).store(r, cval{i: int64(l.WriteLockIrqsave(t))})
	case OpReadUnlockIrqrestore:
		l := r.object(args[0]).(*ksync.RWLock)
		l.ReadUnlockIrqrestore(t, num(1))
	case OpWriteUnlockIrqrestore:
		l := r.object(args[0]).(*ksync.RWLock)
		l.WriteUnlockIrqrestore(t, num(1))
	case OpReadTrylock:
		return cval{i: int64(r.object(args[0]).(*ksync.RWLock).ReadTrylock(t))}
	case OpWriteTrylock:
		return cval{i: int64(r.object(args[0]).(*ksync.RWLock).WriteTrylock(t))}

	// struct rw_semaphore
	case OpInitRwsem:
		l := r.object(args[0]).(*ksync.RWSem)
		l.SetClass(r.w.in.initClass[e])
		l.Init(t)
	case OpDownRead:
		r.object(args[0]).(*ksync.RWSem).DownRead(t)
	case OpUpRead:
		r.object(args[0]).(*ksync.RWSem).UpRead(t)
	case OpDownWrite:
		r.object(args[0]).(*ksync.RWSem).DownWrite(t)
	case OpUpWrite:
		r.object(args[0]).(*ksync.RWSem).UpWrite(t)
	case OpDownReadTrylock:
		return cval{i: int64(r.object(args[0]).(*ksync.RWSem).DownReadTrylock(t))}
	case OpDownWriteTrylock:
		return cval{i: int64(r.object(args[0]).(*ksync.RWSem).DownWriteTrylock(t))}

	// struct completion
	case OpInitCompletion:
		r.object(args[0]).(*ksync.Completion).Init(t)
	case OpReinitCompletion:
		r.object(args[0]).(*ksync.Completion).Reinit(t)
	case OpWaitForCompletion:
		r.object(args[0]).(*ksync.Completion).Wait(t)
	case OpWaitForCompletionTimeout:
		c := r.object(args[0]).(*ksync.Completion)
		return cval{i: int64(c.WaitTimeout(t, num(1)))}
	case OpWaitForCompletionInterruptible:
		return cval{i: int64(r.object(args[0]).(*ksync.Completion).WaitInterruptible(t))}
	case OpComplete:
		r.object(args[0]).(*ksync.Completion).Complete(t)
	case OpCompleteAll:
		r.object(args[0]).(*ksync.Completion).CompleteAll(t)

	// atomic_t
	case OpAtomicRead:
		return cval{i: int64(r.object(args[0]).(*ksync.Atomic).Read(t))}
	case OpAtomicSet:
		a := r.object(args[0]).(*ksync.Atomic)
		a.Set(t, num(1))
	case OpAtomicInc:
		r.object(args[0]).(*ksync.Atomic).Inc(t)
	case OpAtomicDec:
		r.object(args[0]).(*ksync.Atomic).Dec(t)
	case OpAtomicAdd: // atomic_add(i, v)
		d := num(0)
		r.object(args[1]).(*ksync.Atomic).Add(t, d)
	case OpAtomicSub:
		d := num(0)
		r.object(args[1]).(*ksync.Atomic).Sub(t, d)
	case OpAtomicIncReturn:
		return cval{i: int64(r.object(args[0]).(*ksync.Atomic).IncReturn(t))}
	case OpAtomicDecReturn:
		return cval{i: int64(r.object(args[0]).(*ksync.Atomic).DecReturn(t))}
	case OpAtomicDecAndTest:
		return cval{i: b2i(r.object(args[0]).(*ksync.Atomic).DecAndTest(t))}
	case OpAtomicCmpxchg:
		a := r.object(args[0]).(*ksync.Atomic)
		old, nw := num(1), num(2)
		return cval{i: int64(a.Cmpxchg(t, old, nw))}

	// marked accesses
	case OpReadOnce: // a global shows as READ_ONCE in the trace; anything else is a plain read
		lv := r.lvalue(args[0])
		if lv.cell != nil {
			return lv.cell.ReadOnce(t)
		}
		return lv.load(r) // evaluated once: its index may read globals
	case OpWriteOnce:
		v := arg(1)
		if lv := r.lvalue(args[0]); lv.cell != nil {
			lv.cell.WriteOnce(t, convert(v, lv.typ))
		} else {
			lv.store(r, v)
		}

	// preemption, interrupts, bottom halves
	case OpPreemptDisable:
		t.PreemptDisable()
	case OpPreemptEnable:
		t.PreemptEnable()
	case OpLocalIrqDisable:
		t.LocalIrqDisable()
	case OpLocalIrqEnable:
		t.LocalIrqEnable()
	case OpLocalIrqSave:
		r.lvalue(args[0]).store(r, cval{i: int64(t.LocalIrqSave())})
	case OpLocalIrqRestore:
		t.LocalIrqRestore(num(0))
	case OpLocalBhDisable:
		t.LocalBHDisable()
	case OpLocalBhEnable:
		t.LocalBHEnable()

	// sleeping, delays, context
	case OpMsleep:
		t.Msleep(num(0))
	case OpSsleep:
		t.Msleep(num(0) * 1000)
	case OpUdelay, OpMdelay, OpNdelay, OpCPURelax:
		t.CPURelax(b.Name)
	case OpSchedule:
		t.Schedule()
	case OpCondResched:
		t.CondResched()
	case OpMightSleep:
		t.MightSleep()
	case OpInAtomic:
		return cval{i: b2i(t.InAtomic())}
	case OpInInterrupt:
		return cval{i: b2i(t.InInterrupt())}
	case OpIrqsDisabled:
		return cval{i: b2i(t.IrqsDisabled())}

	// memory
	case OpKmalloc, OpKzalloc:
		size, gfp := num(0), ksync.GFP(num(1))
		r.at(e.Fun.Pos())
		// kmalloc_noprof (include/linux/slab.h) calls __kmalloc_cache_noprof for a
		// size the compiler folds (__builtin_constant_p), __kmalloc_noprof otherwise.
		_, constSize := r.w.s.Consts[args[0]]
		var buf *ksync.Buffer
		switch {
		case b.Op == OpKmalloc && constSize:
			buf = t.Kmalloc(size, gfp)
		case b.Op == OpKmalloc:
			buf = t.KmallocVar(size, gfp)
		case constSize:
			buf = t.Kzalloc(size, gfp)
		default:
			buf = t.KzallocVar(size, gfp)
		}
		if buf == nil {
			return cval{}
		}
		return cval{obj: buf}
	case OpKfree:
		p := arg(0)
		r.at(e.Fun.Pos())
		switch o := p.obj.(type) {
		case *ksync.Buffer:
			if p.off != 0 {
				t.BadAddress(r.w.pointerBits(p))
			}
			t.Kfree(o)
		case nil:
			if p.i != 0 {
				t.BadAddress(p.i)
			}
			t.Kfree(nil)
		default:
			t.Oops("kernel BUG at mm/slub.c:4390! (kfree of memory kmalloc did not return)")
		}

	// tasks
	case OpKthreadRun, OpKernelThread:
		fi, _ := arg(0).obj.(*FuncInfo)
		data := arg(1)
		name := fi.Name
		if b.Op == OpKthreadRun {
			name = r.format(args[2:])
		}
		r.at(e.Fun.Pos())
		child := t.KthreadRun(name, func(ct *ksync.Task) { r.w.runner(ct).call(fi, []cval{data}) })
		if child == nil {
			return r.spawnFails(b, name, e.Fun.Pos())
		}
		if b.Op == OpKernelThread {
			return cval{i: int64(child.PID)}
		}
		return cval{obj: child}
	case OpKthreadShouldStop:
		return cval{}

	// time: include/linux/jiffies.h's comparisons, on the wrapping difference
	case OpTimeAfter:
		return cval{i: b2i(int64(arg(1).i-arg(0).i) < 0)}
	case OpTimeBefore:
		return cval{i: b2i(int64(arg(0).i-arg(1).i) < 0)}
	case OpTimeAfterEq:
		return cval{i: b2i(int64(arg(0).i-arg(1).i) >= 0)}
	case OpTimeBeforeEq:
		return cval{i: b2i(int64(arg(1).i-arg(0).i) >= 0)}
	case OpMsecsToJiffies: // HZ divides 1000: (m + 3) / 4 rounds up, as _msecs_to_jiffies does
		m := arg(0).i
		if m < 0 {
			return cval{i: ksync.MaxJiffyOffset}
		}
		return cval{i: (m*ksync.HZ + 999) / 1000}
	case OpJiffiesToMsecs:
		return cval{i: arg(0).i * (1000 / ksync.HZ)}

	// error pointers
	case OpIsErr:
		return cval{i: b2i(isErrPtr(arg(0)))}
	case OpIsErrOrNull:
		v := arg(0)
		return cval{i: b2i(!v.truth() || isErrPtr(v))}
	case OpPtrErr:
		return cval{i: r.w.pointerBits(arg(0))}
	case OpErrPtr:
		return cval{i: int64(num(0))}

	// assertions
	case OpBugOn:
		c := arg(0).truth()
		r.at(e.Fun.Pos())
		t.BugOn(c)
	case OpBug:
		t.BugOn(true)
	case OpWarnOn:
		c := arg(0).truth()
		r.at(e.Fun.Pos())
		return cval{i: b2i(t.WarnOn(c))}
	case OpWarnOnOnce:
		c := arg(0).truth()
		r.at(e.Fun.Pos())
		if c && !r.w.warnOnce[e] {
			if r.w.warnOnce == nil {
				r.w.warnOnce = map[*syntax.CallExpr]bool{}
			}
			r.w.warnOnce[e] = true
			t.WarnOn(true)
		}
		return cval{i: b2i(c)}

	// logging
	case OpPrintk, OpPrInfo, OpPrWarn, OpPrErr, OpPrDebug, OpPrNotice:
		msg := r.format(args)
		if b.Op != OpPrDebug { // pr_debug prints only with dynamic debug on
			t.Printk(msg)
		}
		return cval{i: int64(len(msg))}

	// interrupts and tasklets
	case OpRequestIrq:
		irq := num(0)
		fi, _ := arg(1).obj.(*FuncInfo)
		name, _ := arg(3).obj.(string)
		dev := arg(4)
		r.at(e.Fun.Pos())
		w := r.w
		return cval{i: int64(t.RequestIRQ(irq, name, func(h *ksync.Task) ksync.IRQReturn {
			return ksync.IRQReturn(w.runner(h).call(fi, []cval{{i: int64(irq)}, dev}).i)
		}))}
	case OpFreeIrq:
		t.FreeIRQ(num(0))
	case OpTaskletInit:
		tl := r.object(args[0]).(*ksync.Tasklet)
		fi, _ := arg(1).obj.(*FuncInfo)
		data := arg(2)
		tl.Init(t, r.w.taskletFunc(fi, data))
	case OpTaskletSchedule:
		t.TaskletSchedule(r.object(args[0]).(*ksync.Tasklet))
	case OpTaskletKill:
		t.TaskletKill(r.object(args[0]).(*ksync.Tasklet))

	case OpLockdepAssertHeld:
		if l, ok := r.object(args[0]).(ksync.Lock); ok {
			t.LockdepAssertHeld(l)
		}
	}
	return cval{}
}

// maxErrno is MAX_ERRNO: IS_ERR is true of the last 4095 addresses, -1 to -4095.
const maxErrno = 4095

// isErrPtr is IS_ERR: an error code made a pointer (ERR_PTR(-EAGAIN)).
func isErrPtr(v cval) bool { return v.obj == nil && v.i < 0 && v.i >= -maxErrno }

// spawnFails is kthread_run or kernel_thread when the execution has no room for
// another task: like the kernel's at threads-max (copy_process fails with -EAGAIN),
// kthread_run returns ERR_PTR(-EAGAIN) and kernel_thread -EAGAIN, and no task
// starts. The kernel prints nothing; ksim says why in dmesg and in the trace.
func (r *runner) spawnFails(b *Builtin, name string, pos syntax.Pos) cval {
	t := r.t
	t.CPURelax(b.Name)
	ret := "ERR_PTR(-EAGAIN)"
	if b.Op == OpKernelThread {
		ret = "-EAGAIN"
	}
	t.Thread().Note(fmt.Sprintf("fails: returns %s (at most %d tasks)", ret, sched.MaxThreads))
	t.Printk(fmt.Sprintf("ksim: %s(%s) at %s returns %s: ksim runs at most %d tasks in an execution "+
		"(the kernel fails the same way past its threads-max)",
		b.Name, name, r.w.in.posString(pos), ret, sched.MaxThreads))
	return cval{i: -eagain}
}

// eagain is EAGAIN, the error of a fork past the kernel's thread limit.
const eagain = 11

// initClasses names the lockdep class of every lock init call site. The kernel's
// mutex_init and its kin declare one static lock_class_key per call site, so every
// lock initialised at one site shares a class, and locks initialised at two sites
// have two classes even when the init calls read the same ("mutex_init(m)" in two
// helpers). The class is named after the init call's argument as written
// ("&forks[i]", "m"); when two classes get the same name, lockdep prints the
// second as "m#2", the third as "m#3" (lock_class.name_version). The kernel numbers
// them in the order it registers them; ksim numbers them in source order, so that a
// class has the same name in every execution of an exploration. The names of the
// scenario's global locks count as taken first.
func initClasses(s *Scenario) map[*syntax.CallExpr]string {
	var sites []*syntax.CallExpr
	for call, b := range s.Calls {
		switch b.Op {
		case OpMutexInit, OpSpinLockInit, OpRwlockInit, OpInitRwsem:
			sites = append(sites, call)
		}
	}
	if len(sites) == 0 {
		return nil
	}
	sort.Slice(sites, func(i, j int) bool { return sites[i].Fun.Pos().Before(sites[j].Fun.Pos()) })
	versions := map[string]int{}
	for _, g := range s.Globals {
		if g.Type.Kind.IsLock() {
			for i := range max(g.Type.Len(), 1) {
				versions[elemName(g, i)] = 1
			}
		}
	}
	out := make(map[*syntax.CallExpr]string, len(sites))
	for _, call := range sites {
		name := exprText(call.Args[0])
		versions[name]++
		if v := versions[name]; v > 1 {
			name += "#" + strconv.Itoa(v)
		}
		out[call] = name
	}
	return out
}

// exprText prints an expression the way it is usually written in C.
func exprText(e syntax.Expr) string {
	switch e := e.(type) {
	case *syntax.Ident:
		return e.Name
	case *syntax.ParenExpr:
		return "(" + exprText(e.X) + ")"
	case *syntax.UnaryExpr:
		return e.Op.String() + exprText(e.X)
	case *syntax.IndexExpr:
		return exprText(e.X) + "[" + exprText(e.Index) + "]"
	case *syntax.IntLit:
		return e.Raw
	case *syntax.BinaryExpr:
		return exprText(e.X) + " " + e.Op.String() + " " + exprText(e.Y)
	}
	return syntax.ExprString(e)
}

// format renders a printf-style format and its arguments, the way the kernel's
// vsnprintf does for the conversions scenarios use.
func (r *runner) format(args []syntax.Expr) string {
	if len(args) == 0 {
		return ""
	}
	fv := r.eval(args[0])
	f, _ := fv.obj.(string)
	vals := make([]cval, 0, len(args)-1)
	for _, a := range args[1:] {
		vals = append(vals, r.eval(a))
	}
	return cformat(f, vals, r.w.pointerBits)
}

// cformat implements %d %i %u %x %X %o %c %s %p %% with flags, width and the l, ll,
// h, z length modifiers.
// atoiDigits is the value of a short run of decimal digits.
func atoiDigits(d string) int {
	n := 0
	for i := 0; i < len(d); i++ {
		n = n*10 + int(d[i]-'0')
	}
	return n
}

func cformat(f string, args []cval, pointerBits func(cval) int64) string {
	var b strings.Builder
	next := func() cval {
		if len(args) == 0 {
			return cval{}
		}
		v := args[0]
		args = args[1:]
		return v
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(f) && strings.IndexByte("-+ #0", f[j]) >= 0 {
			j++
		}
		w := j
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		spec := f[i:j]
		if j-w > 4 || j > w && atoiDigits(f[w:j]) > ksync.PrintkRecordMax {
			// The record is cut at PrintkRecordMax anyway: do not build
			// megabytes of padding first.
			spec = f[i:w] + strconv.Itoa(ksync.PrintkRecordMax)
		}
		for j < len(f) && strings.IndexByte("lhzt", f[j]) >= 0 {
			j++
		}
		if j >= len(f) {
			b.WriteString(f[i:])
			break
		}
		switch verb := f[j]; verb {
		case '%':
			b.WriteByte('%')
		case 'd', 'i':
			fmt.Fprintf(&b, spec+"d", next().i)
		case 'u':
			fmt.Fprintf(&b, spec+"d", uint64(next().i))
		case 'x', 'X', 'o':
			fmt.Fprintf(&b, spec+string(verb), uint64(next().i))
		case 'c':
			b.WriteByte(byte(next().i))
		case 's':
			s, _ := next().obj.(string)
			fmt.Fprintf(&b, spec+"s", s)
		case 'p':
			v := next()
			b.WriteString(fmt.Sprintf("%016x", uint64(pointerBits(v))))
		default:
			b.WriteString(f[i : j+1])
		}
		i = j
	}
	return b.String()
}

package scenarios

import (
	"math"
	"sort"

	"github.com/ksim-dev/ksim/ksync"
)

// Op identifies a kernel API call, so that the interpreter can switch on it
// instead of comparing names.
type Op uint16

const (
	OpInvalid Op = iota

	// struct semaphore
	OpSemaInit
	OpDown
	OpDownInterruptible
	OpDownKillable
	OpDownTrylock
	OpDownTimeout
	OpUp

	// struct mutex
	OpMutexInit
	OpMutexLock
	OpMutexLockInterruptible
	OpMutexLockKillable
	OpMutexTrylock
	OpMutexUnlock
	OpMutexIsLocked
	OpMutexLockNested

	// spinlock_t
	OpSpinLockInit
	OpSpinLock
	OpSpinUnlock
	OpSpinTrylock
	OpSpinLockIrqsave
	OpSpinUnlockIrqrestore
	OpSpinLockIrq
	OpSpinUnlockIrq
	OpSpinLockBh
	OpSpinUnlockBh
	OpSpinLockNested

	// rwlock_t
	OpRwlockInit
	OpReadLock
	OpReadUnlock
	OpWriteLock
	OpWriteUnlock
	OpReadLockIrqsave
	OpWriteLockIrqsave
	OpReadUnlockIrqrestore
	OpWriteUnlockIrqrestore
	OpReadTrylock
	OpWriteTrylock

	// struct rw_semaphore
	OpInitRwsem
	OpDownRead
	OpUpRead
	OpDownWrite
	OpUpWrite
	OpDownReadTrylock
	OpDownWriteTrylock

	// struct completion
	OpInitCompletion
	OpReinitCompletion
	OpWaitForCompletion
	OpWaitForCompletionTimeout
	OpWaitForCompletionInterruptible
	OpComplete
	OpCompleteAll

	// atomic_t
	OpAtomicRead
	OpAtomicSet
	OpAtomicInc
	OpAtomicDec
	OpAtomicAdd
	OpAtomicSub
	OpAtomicIncReturn
	OpAtomicDecReturn
	OpAtomicDecAndTest
	OpAtomicCmpxchg

	// marked accesses to plain globals
	OpReadOnce
	OpWriteOnce

	// preemption, interrupts, bottom halves
	OpPreemptDisable
	OpPreemptEnable
	OpLocalIrqDisable
	OpLocalIrqEnable
	OpLocalIrqSave
	OpLocalIrqRestore
	OpLocalBhDisable
	OpLocalBhEnable

	// sleeping, delays and context queries
	OpMsleep
	OpSsleep
	OpUdelay
	OpMdelay
	OpNdelay
	OpCPURelax
	OpSchedule
	OpCondResched
	OpMightSleep
	OpInAtomic
	OpInInterrupt
	OpIrqsDisabled

	// memory
	OpKmalloc
	OpKzalloc
	OpKfree

	// tasks
	OpKthreadRun
	OpKernelThread
	OpKthreadShouldStop

	// time (jiffies)
	OpTimeAfter
	OpTimeBefore
	OpTimeAfterEq
	OpTimeBeforeEq
	OpMsecsToJiffies
	OpJiffiesToMsecs

	// error pointers
	OpIsErr
	OpIsErrOrNull
	OpPtrErr
	OpErrPtr

	// assertions
	OpBugOn
	OpBug
	OpWarnOn
	OpWarnOnOnce

	// logging
	OpPrintk
	OpPrInfo
	OpPrWarn
	OpPrErr
	OpPrDebug
	OpPrNotice

	// lockdep
	OpLockdepAssertHeld

	// interrupts and tasklets
	OpRequestIrq
	OpFreeIrq
	OpTaskletInit
	OpTaskletSchedule
	OpTaskletKill

	numOps
)

// ParamKind says what a kernel API parameter accepts.
type ParamKind uint8

const (
	PInt     ParamKind = iota + 1 // an int expression
	PCond                         // a condition: an int or a pointer (BUG_ON(!p), WARN_ON(p))
	PLvalue                       // an assignable int variable that the macro writes (flags of spin_lock_irqsave)
	PObject                       // a pointer to a kernel object of Param.Object: &x, &arr[i], or a pointer variable
	PAnyLock                      // a pointer to any lock lockdep tracks (mutex, spinlock, rwlock, rw_semaphore)
	PGlobal                       // READ_ONCE/WRITE_ONCE's target: a global int variable or element
	PFunc                         // the name of a defined function of shape Param.Shape
	PString                       // a string literal (or string #define): a name
	PFormat                       // a printf-style format literal; the variadic arguments follow
	PPtr                          // any pointer, NULL included
	PGFP                          // gfp_t flags (an int expression)
)

// FuncShape is the parameter list a function passed to the kernel API may
// have. The checker is lenient where kernel code is (seed 000 passes a
// void f(void) to kernel_thread), but a function the simulator could not
// call with the arguments it has is an error.
type FuncShape uint8

const (
	// ThreadFn: (void), () or one pointer parameter (int fn(void *data)).
	ThreadFn FuncShape = iota + 1
	// IRQHandler: (void), (int irq) or (int irq, void *dev_id).
	IRQHandler
	// TaskletFn: (void) or one int or pointer parameter
	// (void fn(unsigned long data), void fn(struct tasklet_struct *t)).
	TaskletFn
)

var shapeHints = map[FuncShape]string{
	ThreadFn:   "a thread function takes (void) or one pointer: int fn(void *data)",
	IRQHandler: "an interrupt handler takes (int irq, void *dev_id): irqreturn_t fn(int irq, void *dev_id)",
	TaskletFn:  "a tasklet function takes one argument: void fn(unsigned long data)",
}

// Param is one parameter of a kernel API call.
type Param struct {
	Name   string // for messages: "sem", "flags"
	Kind   ParamKind
	Object Kind      // PObject: which kernel object
	Shape  FuncShape // PFunc: which functions fit
}

// Builtin is a kernel API entry: what the checker checks each call
// against, and what the interpreter switches on.
type Builtin struct {
	Op       Op
	Name     string
	Params   []Param
	Variadic bool // extra arguments after Params (printk, kthread_run's name format)
	Result   Kind // Void, Int or Ptr
	// Role groups the same operation across object kinds ("lock",
	// "unlock", "trylock", "init" ...), to suggest the right primitive
	// when a call gets the wrong kind of lock.
	Role string
	// Usage is a one-line example shown with argument-count errors.
	Usage string
}

// Object returns the kernel object kind of the first parameter, or Invalid
// if the first parameter is not an object pointer.
func (b *Builtin) Object() Kind {
	for _, p := range b.Params {
		if p.Kind == PObject {
			return p.Object
		}
	}
	return Invalid
}

// KernelConst is a kernel constant the scenario may use by name.
type KernelConst struct {
	Name  string
	Value int64
	Kind  Kind // Int, or Ptr for NULL
}

var (
	builtins     = map[string]*Builtin{}
	builtinByOp  [numOps]*Builtin
	builtinOrder []*Builtin
)

// LookupBuiltin returns the kernel API entry called name, or nil.
func LookupBuiltin(name string) *Builtin { return builtins[name] }

// BuiltinOf returns the kernel API entry of op, or nil.
func BuiltinOf(op Op) *Builtin {
	if op < numOps {
		return builtinByOp[op]
	}
	return nil
}

// Builtins returns every kernel API entry, sorted by name.
func Builtins() []*Builtin { return append([]*Builtin(nil), builtinOrder...) }

// Constants returns the kernel constants, sorted by name.
func Constants() []KernelConst {
	out := make([]KernelConst, 0, len(constants))
	for _, c := range constants {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupConstant returns the kernel constant called name.
func LookupConstant(name string) (KernelConst, bool) {
	c, ok := constants[name]
	return c, ok
}

// Values of the GFP flags from include/linux/gfp_types.h (6.12), as ksync models them.
const (
	GFPHigh            = int64(ksync.GFPHigh)
	GFPIO              = int64(ksync.GFPIO)
	GFPFS              = int64(ksync.GFPFS)
	GFPZero            = int64(ksync.GFPZero)
	GFPDirectReclaim   = int64(ksync.GFPDirectReclaim)
	GFPKswapdReclaim   = int64(ksync.GFPKswapdReclaim)
	GFPNoWarn          = int64(ksync.GFPNoWarn)
	GFPRetryMayfail    = int64(ksync.GFPRetryMayfail)
	GFPNoFail          = int64(ksync.GFPNoFail)
	GFPNoRetry         = int64(ksync.GFPNoRetry)
	GFPReclaim         = int64(ksync.GFPReclaim)
	GFPKernel          = int64(ksync.GFPKernel) // 0xcc0: may sleep
	GFPNoFS            = int64(ksync.GFPNoFS)   // 0xc40: may sleep
	GFPNoIO            = int64(ksync.GFPNoIO)   // 0xc00: may sleep
	GFPAtomic          = int64(ksync.GFPAtomic) // 0x820
	GFPNowait          = int64(ksync.GFPNoWait) // 0x2800: __GFP_NOWARN included since 6.12's GFP_NOWAIT has it
	MaxScheduleTimeout = math.MaxInt64          // LONG_MAX
)

var constants = map[string]KernelConst{}

func init() {
	for _, c := range []KernelConst{
		{"NULL", 0, Ptr},
		{"true", 1, Int},
		{"false", 0, Int},
		{"GFP_KERNEL", GFPKernel, Int},
		{"GFP_ATOMIC", GFPAtomic, Int},
		{"GFP_NOWAIT", GFPNowait, Int},
		{"__GFP_NOWARN", GFPNoWarn, Int},
		{"__GFP_HIGH", GFPHigh, Int},
		{"__GFP_IO", GFPIO, Int},
		{"__GFP_FS", GFPFS, Int},
		{"__GFP_DIRECT_RECLAIM", GFPDirectReclaim, Int},
		{"__GFP_KSWAPD_RECLAIM", GFPKswapdReclaim, Int},
		{"__GFP_RECLAIM", GFPReclaim, Int},
		{"GFP_NOIO", GFPNoIO, Int},
		{"GFP_NOFS", GFPNoFS, Int},
		{"__GFP_ZERO", GFPZero, Int},
		{"__GFP_NOFAIL", GFPNoFail, Int},
		{"__GFP_RETRY_MAYFAIL", GFPRetryMayfail, Int},
		{"__GFP_NORETRY", GFPNoRetry, Int},
		{"SINGLE_DEPTH_NESTING", 1, Int},
		{"HZ", ksync.HZ, Int}, // CONFIG_HZ of Debian's 6.12 kernels (see ksync.Jiffies)
		{"MAX_SCHEDULE_TIMEOUT", MaxScheduleTimeout, Int},
		{"EINTR", 4, Int},
		{"EAGAIN", 11, Int},
		{"ENOMEM", 12, Int},
		{"EBUSY", 16, Int},
		{"EINVAL", 22, Int},
		{"ETIME", 62, Int},
		{"ERESTARTSYS", 512, Int},
		{"IRQ_NONE", 0, Int},
		{"IRQ_HANDLED", 1, Int},
		{"IRQF_SHARED", 0x80, Int},
	} {
		constants[c.Name] = c
	}

	obj := func(k Kind, name string) Param { return Param{Name: name, Kind: PObject, Object: k} }
	sem := obj(Semaphore, "sem")
	mtx := obj(Mutex, "lock")
	spn := obj(Spinlock, "lock")
	rwl := obj(RWLock, "lock")
	rws := obj(RWSem, "sem")
	cmp := obj(Completion, "x")
	atm := obj(Atomic, "v")
	tsk := obj(Tasklet, "t")
	num := func(name string) Param { return Param{Name: name, Kind: PInt} }
	cond := Param{Name: "condition", Kind: PCond}
	flags := Param{Name: "flags", Kind: PLvalue}
	fn := func(s FuncShape) Param { return Param{Name: "fn", Kind: PFunc, Shape: s} }
	ptr := func(name string) Param { return Param{Name: name, Kind: PPtr} }
	gfp := Param{Name: "flags", Kind: PGFP}
	format := Param{Name: "fmt", Kind: PFormat}
	global := Param{Name: "x", Kind: PGlobal}

	type entry struct {
		op       Op
		name     string
		result   Kind
		role     string
		usage    string
		variadic bool
		params   []Param
	}
	P := func(ps ...Param) []Param { return ps }
	for _, e := range []entry{
		{OpSemaInit, "sema_init", Void, "init", "sema_init(&sem, 1) sets the initial count", false, P(sem, num("val"))},
		{OpDown, "down", Void, "lock", "down(&sem)", false, P(sem)},
		{OpDownInterruptible, "down_interruptible", Int, "lock", "ret = down_interruptible(&sem) returns 0 or -EINTR", false, P(sem)},
		{OpDownKillable, "down_killable", Int, "lock", "ret = down_killable(&sem) returns 0 or -EINTR", false, P(sem)},
		{OpDownTrylock, "down_trylock", Int, "trylock", "down_trylock(&sem) returns 0 when it got the semaphore", false, P(sem)},
		{OpDownTimeout, "down_timeout", Int, "lock", "ret = down_timeout(&sem, HZ) returns 0 or -ETIME", false, P(sem, num("jiffies"))},
		{OpUp, "up", Void, "unlock", "up(&sem)", false, P(sem)},

		{OpMutexInit, "mutex_init", Void, "init", "mutex_init(&lock)", false, P(mtx)},
		{OpMutexLock, "mutex_lock", Void, "lock", "mutex_lock(&lock)", false, P(mtx)},
		{OpMutexLockInterruptible, "mutex_lock_interruptible", Int, "lock", "ret = mutex_lock_interruptible(&lock) returns 0 or -EINTR", false, P(mtx)},
		{OpMutexLockKillable, "mutex_lock_killable", Int, "lock", "ret = mutex_lock_killable(&lock) returns 0 or -EINTR", false, P(mtx)},
		{OpMutexTrylock, "mutex_trylock", Int, "trylock", "mutex_trylock(&lock) returns 1 when it got the lock", false, P(mtx)},
		{OpMutexUnlock, "mutex_unlock", Void, "unlock", "mutex_unlock(&lock)", false, P(mtx)},
		{OpMutexIsLocked, "mutex_is_locked", Int, "", "mutex_is_locked(&lock)", false, P(mtx)},
		{OpMutexLockNested, "mutex_lock_nested", Void, "lock_nested", "mutex_lock_nested(&lock, SINGLE_DEPTH_NESTING) takes a second lock of the same class", false, P(mtx, num("subclass"))},

		{OpSpinLockInit, "spin_lock_init", Void, "init", "spin_lock_init(&lock)", false, P(spn)},
		{OpSpinLock, "spin_lock", Void, "lock", "spin_lock(&lock)", false, P(spn)},
		{OpSpinUnlock, "spin_unlock", Void, "unlock", "spin_unlock(&lock)", false, P(spn)},
		{OpSpinTrylock, "spin_trylock", Int, "trylock", "spin_trylock(&lock) returns 1 when it got the lock", false, P(spn)},
		{OpSpinLockIrqsave, "spin_lock_irqsave", Void, "lock_irqsave", "spin_lock_irqsave(&lock, flags) saves the irq state into flags", false, P(spn, flags)},
		{OpSpinUnlockIrqrestore, "spin_unlock_irqrestore", Void, "unlock_irqrestore", "spin_unlock_irqrestore(&lock, flags) restores the irq state saved in flags", false, P(spn, num("flags"))},
		{OpSpinLockIrq, "spin_lock_irq", Void, "lock_irq", "spin_lock_irq(&lock)", false, P(spn)},
		{OpSpinUnlockIrq, "spin_unlock_irq", Void, "unlock_irq", "spin_unlock_irq(&lock)", false, P(spn)},
		{OpSpinLockBh, "spin_lock_bh", Void, "lock_bh", "spin_lock_bh(&lock)", false, P(spn)},
		{OpSpinUnlockBh, "spin_unlock_bh", Void, "unlock_bh", "spin_unlock_bh(&lock)", false, P(spn)},
		{OpSpinLockNested, "spin_lock_nested", Void, "lock_nested", "spin_lock_nested(&lock, SINGLE_DEPTH_NESTING) takes a second lock of the same class", false, P(spn, num("subclass"))},

		{OpRwlockInit, "rwlock_init", Void, "init", "rwlock_init(&lock)", false, P(rwl)},
		{OpReadLock, "read_lock", Void, "read_lock", "read_lock(&lock)", false, P(rwl)},
		{OpReadUnlock, "read_unlock", Void, "read_unlock", "read_unlock(&lock)", false, P(rwl)},
		{OpWriteLock, "write_lock", Void, "lock", "write_lock(&lock)", false, P(rwl)},
		{OpWriteUnlock, "write_unlock", Void, "unlock", "write_unlock(&lock)", false, P(rwl)},
		{OpReadLockIrqsave, "read_lock_irqsave", Void, "read_lock_irqsave", "read_lock_irqsave(&lock, flags) saves the irq state into flags", false, P(rwl, flags)},
		{OpWriteLockIrqsave, "write_lock_irqsave", Void, "lock_irqsave", "write_lock_irqsave(&lock, flags) saves the irq state into flags", false, P(rwl, flags)},
		{OpReadUnlockIrqrestore, "read_unlock_irqrestore", Void, "read_unlock_irqrestore", "read_unlock_irqrestore(&lock, flags) restores the irq state saved in flags", false, P(rwl, num("flags"))},
		{OpWriteUnlockIrqrestore, "write_unlock_irqrestore", Void, "unlock_irqrestore", "write_unlock_irqrestore(&lock, flags) restores the irq state saved in flags", false, P(rwl, num("flags"))},
		{OpReadTrylock, "read_trylock", Int, "read_trylock", "read_trylock(&lock) returns 1 when it got the lock", false, P(rwl)},
		{OpWriteTrylock, "write_trylock", Int, "trylock", "write_trylock(&lock) returns 1 when it got the lock", false, P(rwl)},

		{OpInitRwsem, "init_rwsem", Void, "init", "init_rwsem(&sem)", false, P(rws)},
		{OpDownRead, "down_read", Void, "read_lock", "down_read(&sem)", false, P(rws)},
		{OpUpRead, "up_read", Void, "read_unlock", "up_read(&sem)", false, P(rws)},
		{OpDownWrite, "down_write", Void, "lock", "down_write(&sem)", false, P(rws)},
		{OpUpWrite, "up_write", Void, "unlock", "up_write(&sem)", false, P(rws)},
		{OpDownReadTrylock, "down_read_trylock", Int, "read_trylock", "down_read_trylock(&sem) returns 1 when it got the semaphore", false, P(rws)},
		{OpDownWriteTrylock, "down_write_trylock", Int, "trylock", "down_write_trylock(&sem) returns 1 when it got the semaphore", false, P(rws)},

		{OpInitCompletion, "init_completion", Void, "init", "init_completion(&done)", false, P(cmp)},
		{OpReinitCompletion, "reinit_completion", Void, "", "reinit_completion(&done)", false, P(cmp)},
		{OpWaitForCompletion, "wait_for_completion", Void, "wait", "wait_for_completion(&done)", false, P(cmp)},
		{OpWaitForCompletionTimeout, "wait_for_completion_timeout", Int, "", "left = wait_for_completion_timeout(&done, HZ) returns 0 on timeout", false, P(cmp, num("timeout"))},
		{OpWaitForCompletionInterruptible, "wait_for_completion_interruptible", Int, "", "ret = wait_for_completion_interruptible(&done) returns 0 or -ERESTARTSYS", false, P(cmp)},
		{OpComplete, "complete", Void, "signal", "complete(&done)", false, P(cmp)},
		{OpCompleteAll, "complete_all", Void, "", "complete_all(&done)", false, P(cmp)},

		{OpAtomicRead, "atomic_read", Int, "read", "atomic_read(&v)", false, P(atm)},
		{OpAtomicSet, "atomic_set", Void, "set", "atomic_set(&v, 0)", false, P(atm, num("i"))},
		{OpAtomicInc, "atomic_inc", Void, "", "atomic_inc(&v)", false, P(atm)},
		{OpAtomicDec, "atomic_dec", Void, "", "atomic_dec(&v)", false, P(atm)},
		{OpAtomicAdd, "atomic_add", Void, "", "atomic_add(i, &v) adds i to v (the amount comes first)", false, P(num("i"), atm)},
		{OpAtomicSub, "atomic_sub", Void, "", "atomic_sub(i, &v) subtracts i from v (the amount comes first)", false, P(num("i"), atm)},
		{OpAtomicIncReturn, "atomic_inc_return", Int, "", "n = atomic_inc_return(&v)", false, P(atm)},
		{OpAtomicDecReturn, "atomic_dec_return", Int, "", "n = atomic_dec_return(&v)", false, P(atm)},
		{OpAtomicDecAndTest, "atomic_dec_and_test", Int, "", "atomic_dec_and_test(&v) returns 1 when v reaches 0", false, P(atm)},
		{OpAtomicCmpxchg, "atomic_cmpxchg", Int, "", "old = atomic_cmpxchg(&v, old, new)", false, P(atm, num("old"), num("new"))},

		{OpReadOnce, "READ_ONCE", Int, "", "v = READ_ONCE(x) reads the global x once", false, P(global)},
		{OpWriteOnce, "WRITE_ONCE", Void, "", "WRITE_ONCE(x, v) writes v to the global x once", false, P(global, num("val"))},

		{OpPreemptDisable, "preempt_disable", Void, "", "preempt_disable()", false, nil},
		{OpPreemptEnable, "preempt_enable", Void, "", "preempt_enable()", false, nil},
		{OpLocalIrqDisable, "local_irq_disable", Void, "", "local_irq_disable()", false, nil},
		{OpLocalIrqEnable, "local_irq_enable", Void, "", "local_irq_enable()", false, nil},
		{OpLocalIrqSave, "local_irq_save", Void, "", "local_irq_save(flags) saves the irq state into flags", false, P(flags)},
		{OpLocalIrqRestore, "local_irq_restore", Void, "", "local_irq_restore(flags) restores the irq state saved in flags", false, P(num("flags"))},
		{OpLocalBhDisable, "local_bh_disable", Void, "", "local_bh_disable()", false, nil},
		{OpLocalBhEnable, "local_bh_enable", Void, "", "local_bh_enable()", false, nil},

		{OpMsleep, "msleep", Void, "", "msleep(10) sleeps for 10 ms", false, P(num("msecs"))},
		{OpSsleep, "ssleep", Void, "", "ssleep(1) sleeps for 1 s", false, P(num("secs"))},
		{OpUdelay, "udelay", Void, "", "udelay(10) busy-waits 10 µs", false, P(num("usecs"))},
		{OpMdelay, "mdelay", Void, "", "mdelay(10) busy-waits 10 ms", false, P(num("msecs"))},
		{OpNdelay, "ndelay", Void, "", "ndelay(100) busy-waits 100 ns", false, P(num("nsecs"))},
		{OpCPURelax, "cpu_relax", Void, "", "cpu_relax() in a busy-wait loop", false, nil},
		{OpSchedule, "schedule", Void, "", "schedule()", false, nil},
		{OpCondResched, "cond_resched", Void, "", "cond_resched()", false, nil},
		{OpMightSleep, "might_sleep", Void, "", "might_sleep()", false, nil},
		{OpInAtomic, "in_atomic", Int, "", "in_atomic()", false, nil},
		{OpInInterrupt, "in_interrupt", Int, "", "in_interrupt()", false, nil},
		{OpIrqsDisabled, "irqs_disabled", Int, "", "irqs_disabled()", false, nil},

		{OpKmalloc, "kmalloc", Ptr, "", "p = kmalloc(size, GFP_KERNEL)", false, P(num("size"), gfp)},
		{OpKzalloc, "kzalloc", Ptr, "", "p = kzalloc(size, GFP_KERNEL)", false, P(num("size"), gfp)},
		{OpKfree, "kfree", Void, "", "kfree(p)", false, P(ptr("p"))},

		{OpKthreadRun, "kthread_run", Ptr, "", "kthread_run(fn, data, \"name/%d\", i) starts fn(data) in a new kernel thread", true, P(fn(ThreadFn), ptr("data"), format)},
		{OpKernelThread, "kernel_thread", Int, "", "kernel_thread(fn, arg, flags) starts fn(arg) in a new kernel thread", false, P(fn(ThreadFn), ptr("arg"), num("flags"))},
		{OpKthreadShouldStop, "kthread_should_stop", Int, "", "kthread_should_stop()", false, nil},

		{OpTimeAfter, "time_after", Int, "", "time_after(jiffies, timeout): is a later than b, as include/linux/jiffies.h compares them (wrapping)", false, P(num("a"), num("b"))},
		{OpTimeBefore, "time_before", Int, "", "while (time_before(jiffies, end)) cpu_relax();", false, P(num("a"), num("b"))},
		{OpTimeAfterEq, "time_after_eq", Int, "", "time_after_eq(a, b)", false, P(num("a"), num("b"))},
		{OpTimeBeforeEq, "time_before_eq", Int, "", "time_before_eq(a, b)", false, P(num("a"), num("b"))},
		{OpMsecsToJiffies, "msecs_to_jiffies", Int, "", "unsigned long end = jiffies + msecs_to_jiffies(100);", false, P(num("m"))},
		{OpJiffiesToMsecs, "jiffies_to_msecs", Int, "", "jiffies_to_msecs(j)", false, P(num("j"))},
		{OpIsErr, "IS_ERR", Int, "", "if (IS_ERR(task)) return PTR_ERR(task);", false, P(ptr("ptr"))},
		{OpIsErrOrNull, "IS_ERR_OR_NULL", Int, "", "IS_ERR_OR_NULL(ptr)", false, P(ptr("ptr"))},
		{OpPtrErr, "PTR_ERR", Int, "", "return PTR_ERR(task); gives the error code of an error pointer", false, P(ptr("ptr"))},
		{OpErrPtr, "ERR_PTR", Ptr, "", "return ERR_PTR(-ENOMEM); makes an error pointer", false, P(num("error"))},

		{OpBugOn, "BUG_ON", Void, "", "BUG_ON(condition)", false, P(cond)},
		{OpBug, "BUG", Void, "", "BUG()", false, nil},
		{OpWarnOn, "WARN_ON", Int, "", "WARN_ON(condition)", false, P(cond)},
		{OpWarnOnOnce, "WARN_ON_ONCE", Int, "", "WARN_ON_ONCE(condition)", false, P(cond)},

		{OpPrintk, "printk", Int, "", "printk(KERN_INFO \"x=%d\\n\", x)", true, P(format)},
		{OpPrInfo, "pr_info", Void, "", "pr_info(\"x=%d\\n\", x)", true, P(format)},
		{OpPrWarn, "pr_warn", Void, "", "pr_warn(\"x=%d\\n\", x)", true, P(format)},
		{OpPrErr, "pr_err", Void, "", "pr_err(\"x=%d\\n\", x)", true, P(format)},
		{OpPrDebug, "pr_debug", Void, "", "pr_debug(\"x=%d\\n\", x)", true, P(format)},
		{OpPrNotice, "pr_notice", Void, "", "pr_notice(\"x=%d\\n\", x)", true, P(format)},

		{OpLockdepAssertHeld, "lockdep_assert_held", Void, "", "lockdep_assert_held(&lock)", false, P(Param{Name: "lock", Kind: PAnyLock})},

		{OpRequestIrq, "request_irq", Int, "", "request_irq(irq, handler, flags, \"name\", dev) installs handler for irq", false, P(num("irq"), fn(IRQHandler), num("flags"), Param{Name: "name", Kind: PString}, ptr("dev"))},
		{OpFreeIrq, "free_irq", Void, "", "free_irq(irq, dev)", false, P(num("irq"), ptr("dev"))},
		{OpTaskletInit, "tasklet_init", Void, "init", "tasklet_init(&t, fn, data)", false, P(tsk, fn(TaskletFn), num("data"))},
		{OpTaskletSchedule, "tasklet_schedule", Void, "", "tasklet_schedule(&t)", false, P(tsk)},
		{OpTaskletKill, "tasklet_kill", Void, "", "tasklet_kill(&t)", false, P(tsk)},
	} {
		b := &Builtin{Op: e.op, Name: e.name, Params: e.params, Variadic: e.variadic, Result: e.result, Role: e.role, Usage: e.usage}
		if builtins[b.Name] != nil || builtinByOp[b.Op] != nil {
			panic("scenarios: duplicate builtin " + b.Name)
		}
		builtins[b.Name] = b
		builtinByOp[b.Op] = b
		builtinOrder = append(builtinOrder, b)
	}
	sort.Slice(builtinOrder, func(i, j int) bool { return builtinOrder[i].Name < builtinOrder[j].Name })
}

// suggest names the primitive that does for kind k what b does for its own
// kind: down on a mutex suggests mutex_lock. It returns "" if there is none.
func suggest(b *Builtin, k Kind) string {
	if b.Role == "" {
		return ""
	}
	roles := []string{b.Role}
	// Fall back from a variant to the plain operation: spin_lock_irqsave
	// on a mutex still means mutex_lock, down_read on a mutex mutex_lock.
	switch b.Role {
	case "read_lock", "lock_irqsave", "lock_irq", "lock_bh", "lock_nested", "read_lock_irqsave", "wait":
		roles = append(roles, "lock")
	case "read_unlock", "unlock_irqrestore", "unlock_irq", "unlock_bh", "read_unlock_irqrestore", "signal":
		roles = append(roles, "unlock")
	case "read_trylock":
		roles = append(roles, "trylock")
	}
	if k == Completion {
		switch b.Role {
		case "lock", "lock_irqsave", "lock_irq", "lock_bh", "lock_nested", "read_lock":
			roles = append(roles, "wait")
		case "unlock", "unlock_irqrestore", "unlock_irq", "unlock_bh", "read_unlock":
			roles = append(roles, "signal")
		}
	}
	for _, role := range roles {
		for _, c := range builtinOrder {
			if c.Role == role && c.Object() == k && c.Params[0].Kind == PObject {
				return c.Name
			}
		}
	}
	return ""
}

// unmodelled are kernel APIs that scenarios plausibly use but ksim does not
// model (yet): calling one gets a specific message instead of "undefined".
var unmodelled = map[string]string{
	"kthread_stop":             "kthread_should_stop() is, but stopping another thread is not",
	"kthread_create":           "use kthread_run",
	"wake_up_process":          "use kthread_run",
	"schedule_timeout":         "use msleep",
	"wait_event":               "use a completion",
	"wait_event_interruptible": "use a completion",
	"wake_up":                  "use complete",
	"wake_up_interruptible":    "use complete",
	"rcu_read_lock":            "RCU is not modelled",
	"rcu_read_unlock":          "RCU is not modelled",
	"synchronize_rcu":          "RCU is not modelled",
	"vmalloc":                  "use kmalloc",
	"vfree":                    "use kfree",
	"copy_from_user":           "there is no user space in a scenario",
	"copy_to_user":             "there is no user space in a scenario",
	"atomic64_inc":             "use atomic_t",
	"raw_spin_lock":            "use spin_lock",
	"raw_spin_unlock":          "use spin_unlock",
	"spin_is_locked":           "use spin_trylock",
	"queue_work":               "workqueues are not modelled; use kthread_run or a tasklet",
	"schedule_work":            "workqueues are not modelled; use kthread_run or a tasklet",
	"mod_timer":                "timers are not modelled; use kthread_run with msleep",
	"add_timer":                "timers are not modelled; use kthread_run with msleep",
	"current":                  "there is no task_struct in a scenario",
	"memset":                   "use kzalloc or a loop",
	"memcpy":                   "use a loop",
	"strcpy":                   "strings are not modelled",
	"sprintf":                  "strings are not modelled",
	"snprintf":                 "strings are not modelled",
}

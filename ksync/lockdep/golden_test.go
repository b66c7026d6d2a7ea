package lockdep

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kthread is a task of the golden scenarios; stacks are innermost last.
type kthread struct {
	g    *Graph
	task TaskInfo
	held []Held
	file string
}

func (k *kthread) at(fn string, line int) {
	k.task.Stack = []Frame{{Func: "kthread"}, {Func: fn, File: k.file, Line: line}}
}

func (k *kthread) lock(h Held, fn string, line int) *Report {
	k.at(fn, line)
	r := k.g.Acquire(&k.task, k.held, h)
	k.held = append(k.held, h)
	return r
}

func (k *kthread) unlock(h Held, fn string, line int) *Report {
	k.at(fn, line)
	r := k.g.Release(&k.task, k.held, h)
	for i := len(k.held) - 1; i >= 0; i-- {
		if k.held[i].Addr == h.Addr {
			k.held = append(k.held[:i], k.held[i+1:]...)
			break
		}
	}
	return r
}

func mutexHeld(name string, addr uint64, at string) Held {
	return Held{Class: Class{Key: name, Kind: Mutex}, Addr: addr, At: at}
}

// TestGoldenCircularABBA is mutex-abba.c: bad_function takes m1 then m2; later
// another_function takes m2 then m1.
func TestGoldenCircularABBA(t *testing.T) {
	g := NewGraph()
	a := &kthread{g: g, task: TaskInfo{Comm: "bad_function", PID: 3, CPU: 0}, file: "mutex-abba.c"}
	require.Nil(t, a.lock(mutexHeld("m1", 0xffffffffc0002000, "bad_function+0x0/0x60"), "bad_function", 11))
	require.Nil(t, a.lock(mutexHeld("m2", 0xffffffffc0002040, "bad_function+0x10/0x60"), "bad_function", 12))
	require.Nil(t, a.unlock(mutexHeld("m2", 0xffffffffc0002040, "bad_function+0x20/0x60"), "bad_function", 13))
	require.Nil(t, a.unlock(mutexHeld("m1", 0xffffffffc0002000, "bad_function+0x30/0x60"), "bad_function", 14))

	b := &kthread{g: g, task: TaskInfo{Comm: "another_functio", PID: 4, CPU: 1}, file: "mutex-abba.c"}
	require.Nil(t, b.lock(mutexHeld("m2", 0xffffffffc0002040, "another_function+0x0/0x60"), "another_function", 19))
	r := b.lock(mutexHeld("m1", 0xffffffffc0002000, "another_function+0x10/0x60"), "another_function", 20)
	require.NotNil(t, r)
	assert.Equal(t, "circular", r.Kind)
	assert.Equal(t, "m1 m2", r.Key)
	assert.Equal(t, []Dep{{From: "m1", To: "m2", Comm: "bad_function", PID: 3,
		Stack: []Frame{{Func: "kthread"}, {Func: "bad_function", File: "mutex-abba.c", Line: 12}}}}, r.Chain)
	checkStructure(t, r)
	assert.Contains(t, r.Text, "\n-> #1 (m2){+.+.}-{3:3}:\n       bad_function (mutex-abba.c:12)\n       kthread\n")
	assert.Contains(t, r.Text, "\n  lock(m2);\n                               lock(m1);\n                               lock(m2);\n  lock(m1);\n")
	golden(t, "circular-abba", r.Text)
}

// TestGoldenCircularChain is a three-lock cycle on spinlocks (A-B-B-C-C-A) built by
// three tasks, with "Chain exists of:" and a tainted kernel.
func TestGoldenCircularChain(t *testing.T) {
	g := NewGraph()
	spin := func(name string, addr uint64, at string) Held {
		return Held{Class: Class{Key: name, Kind: Spin}, Addr: addr, At: at}
	}
	A := func(at string) Held { return spin("&dev->lock", 0xffff888003a1c040, at) }
	B := func(at string) Held { return spin("&q->lock", 0xffff888003a1d100, at) }
	C := func(at string) Held { return spin("stats_lock", 0xffffffffc0004000, at) }

	t1 := &kthread{g: g, task: TaskInfo{Comm: "irq/24-eth0", PID: 5, CPU: 0}, file: "chain.c"}
	require.Nil(t, t1.lock(A("dev_xmit+0x0/0x80"), "dev_xmit", 30))
	require.Nil(t, t1.lock(B("dev_xmit+0x10/0x80"), "dev_xmit", 31))
	require.Nil(t, t1.unlock(B("dev_xmit+0x20/0x80"), "dev_xmit", 32))
	require.Nil(t, t1.unlock(A("dev_xmit+0x30/0x80"), "dev_xmit", 33))

	t2 := &kthread{g: g, task: TaskInfo{Comm: "kworker/1:2", PID: 6, CPU: 1}, file: "chain.c"}
	require.Nil(t, t2.lock(B("queue_flush+0x0/0x60"), "queue_flush", 40))
	require.Nil(t, t2.lock(C("queue_flush+0x10/0x60"), "queue_flush", 41))
	require.Nil(t, t2.unlock(C("queue_flush+0x20/0x60"), "queue_flush", 42))
	require.Nil(t, t2.unlock(B("queue_flush+0x30/0x60"), "queue_flush", 43))

	t3 := &kthread{g: g, task: TaskInfo{Comm: "stats_reader", PID: 7, CPU: 0, Tainted: "Tainted: G        W         ", TaintedVerbose: "Tainted: [W]=WARN"}, file: "chain.c"}
	require.Nil(t, t3.lock(C("stats_show+0x0/0x70"), "stats_show", 50))
	r := t3.lock(A("stats_show+0x10/0x70"), "stats_show", 51)
	require.NotNil(t, r)
	assert.Equal(t, "&dev->lock &q->lock stats_lock", r.Key)
	assert.Contains(t, r.Text, "\nChain exists of:\n  &dev->lock --> &q->lock --> stats_lock\n\n")
	assert.Contains(t, r.Text, "\n  lock(stats_lock);\n                               lock(&q->lock);\n                               lock(stats_lock);\n  lock(&dev->lock);\n")
	assert.Contains(t, r.Text, "-> #2 (stats_lock){+.+.}-{2:2}:\n       queue_flush (chain.c:41)\n")
	assert.Contains(t, r.Text, "-> #1 (&q->lock){+.+.}-{2:2}:\n       dev_xmit (chain.c:31)\n")
	assert.Contains(t, r.Text, "-> #0 (&dev->lock){+.+.}-{2:2}:\n       stats_show (chain.c:51)\n")
	lines := strings.Split(r.Text, "\n")
	assert.Equal(t, "6.12.0-ksim #1 Tainted: G        W         ", lines[2])
	golden(t, "circular-chain", r.Text)

	// Another execution closing the same cycle elsewhere: found again, a repeat.
	t4 := &kthread{g: g, task: TaskInfo{Comm: "stats_reader", PID: 8}, file: "chain.c"}
	require.Nil(t, t4.lock(C("stats_show+0x0/0x70"), "stats_show", 50))
	r4 := t4.lock(A("stats_show+0x10/0x70"), "stats_show", 51)
	require.NotNil(t, r4)
	assert.True(t, r4.Repeat)
	assert.Equal(t, r.Key, r4.Key)
	t5 := &kthread{g: g, task: TaskInfo{Comm: "other", PID: 9}, file: "chain.c"}
	require.Nil(t, t5.lock(C("other+0x0/0x70"), "other", 60))
	try := spin("unrelated", 0xffffffffc0005000, "other+0x8/0x70")
	try.Trylock = true
	require.Nil(t, t5.lock(try, "other", 61))
	edges := g.Edges()
	r5 := t5.lock(A("other+0x10/0x70"), "other", 62)
	require.NotNil(t, r5, "the same cycle, found past a held trylock")
	assert.True(t, r5.Repeat)
	assert.Equal(t, edges+1, g.Edges(), "unrelated -> &dev->lock was recorded before the walk reached stats_lock")
}

// TestGoldenCircularRead: the held lock is read-held (down_read), so CPU0's first
// line is rlock(.
func TestGoldenCircularRead(t *testing.T) {
	g := NewGraph()
	sem := Held{Class: Class{Key: "&mm->mmap_lock", Kind: RWSem}, Addr: 0xffff888004b2e0a8}
	mtx := Held{Class: Class{Key: "&inode->i_rwsem", Kind: RWSem}, Addr: 0xffff888004c31b28}
	t1 := &kthread{g: g, task: TaskInfo{Comm: "writer", PID: 10}, file: "mm.c"}
	sem.At, mtx.At = "do_fault+0x0/0x90", "do_fault+0x20/0x90"
	mtx.Read = true
	require.Nil(t, t1.lock(sem, "do_fault", 70))
	require.Nil(t, t1.lock(mtx, "do_fault", 72))

	t2 := &kthread{g: g, task: TaskInfo{Comm: "reader", PID: 11, CPU: 1}, file: "mm.c"}
	mtx.Read, sem.Read = false, true
	mtx.At, sem.At = "do_write+0x0/0x90", "do_write+0x10/0x90"
	require.Nil(t, t2.lock(mtx, "do_write", 80))
	r := t2.lock(sem, "do_write", 81)
	require.NotNil(t, r)
	assert.Contains(t, r.Text, "\n  lock(&inode->i_rwsem);\n                               lock(&mm->mmap_lock);\n                               lock(&inode->i_rwsem);\n  rlock(&mm->mmap_lock);\n")
	assert.Contains(t, r.Text, "(&mm->mmap_lock){++++}-{3:3}")
	assert.Contains(t, r.Text, "(&inode->i_rwsem){++++}-{3:3}")
}

func TestGoldenRecursive(t *testing.T) {
	g := NewGraph()
	k := &kthread{g: g, task: TaskInfo{Comm: "rename", PID: 12, CPU: 1}, file: "fs.c"}
	dir := func(addr uint64, at string) Held {
		return Held{Class: Class{Key: "&p->lock", Kind: Mutex}, Addr: addr, At: at}
	}
	require.Nil(t, k.lock(mutexHeld("rename_lock", 0xffffffffc0002080, "do_rename+0x0/0xa0"), "do_rename", 20))
	require.Nil(t, k.lock(dir(0xffff888005d10a30, "lock_two+0x10/0x50"), "lock_two", 31))
	r := k.lock(dir(0xffff888005d11e70, "lock_two+0x20/0x50"), "lock_two", 32)
	require.NotNil(t, r)
	assert.Equal(t, "recursive", r.Kind)
	assert.Equal(t, "WARNING: possible recursive locking detected", r.Title)
	assert.Equal(t, "&p->lock", r.Key)
	checkStructure(t, r)
	assert.Contains(t, r.Text, "\n  lock(&p->lock);\n  lock(&p->lock);\n\n *** DEADLOCK ***\n\n May be due to missing lock nesting notation\n\n2 locks held by rename/12:\n")
	golden(t, "recursive", r.Text)

	// The fix: mutex_lock_nested(&b->lock, SINGLE_DEPTH_NESTING).
	k2 := &kthread{g: g, task: TaskInfo{Comm: "rename", PID: 13}, file: "fs.c"}
	require.Nil(t, k2.lock(dir(0xffff888005d10a30, "lock_two+0x10/0x50"), "lock_two", 31))
	nested := dir(0xffff888005d11e70, "lock_two+0x20/0x50")
	nested.Class.Subclass = SingleDepthNesting
	require.Nil(t, k2.lock(nested, "lock_two", 32))
	assert.Contains(t, g.HeldLocks(&k2.task, k2.held), " #1: ffff888005d11e70 (&p->lock/1){+.+.}-{3:3}, at: lock_two+0x20/0x50\n")
}

func TestGoldenBadUnlock(t *testing.T) {
	g := NewGraph()
	k := &kthread{g: g, task: TaskInfo{Comm: "bad_function", PID: 3}, file: "unlock.c"}
	other := Held{Class: Class{Key: "list_lock", Kind: Spin}, Addr: 0xffffffffc00020c0, At: "bad_function+0x0/0x40"}
	m := mutexHeld("m", 0xffffffffc0002000, "bad_function+0x10/0x40")
	require.Nil(t, k.lock(other, "bad_function", 8))
	require.Nil(t, k.lock(m, "bad_function", 9))
	m.At = "bad_function+0x20/0x40"
	require.Nil(t, k.unlock(m, "bad_function", 10))
	m.At = "bad_function+0x30/0x40"
	r := k.unlock(m, "bad_function", 11)
	require.NotNil(t, r)
	assert.Equal(t, "bad-unlock", r.Kind)
	checkStructure(t, r)
	assert.Contains(t, r.Text, "bad_function/3 is trying to release lock (m) at:\n[<")
	assert.Contains(t, r.Text, "] bad_function+0x30/0x40\nbut there are no more locks to release!\n\nother info that might help us debug this:\n1 lock held by bad_function/3:\n")
	golden(t, "bad-unlock", r.Text)
}

func TestGoldenHeldLockFreed(t *testing.T) {
	g := NewGraph()
	k := &kthread{g: g, task: TaskInfo{Comm: "teardown", PID: 14}, file: "free.c"}
	lock := Held{Class: Class{Key: "&obj->lock", Kind: Spin}, Addr: 0xffff888006a00010, At: "obj_put+0x10/0x60"}
	require.Nil(t, k.lock(lock, "obj_put", 40))
	k.at("obj_put", 42)
	k.task.Stack = append([]Frame{{Func: "kthread"}, {Func: "obj_put", File: "free.c", Line: 42}}, Frame{Func: "kfree"})
	r := g.HeldLockFreed(&k.task, k.held, lock, 0xffff888006a00000, 64)
	assert.Equal(t, "WARNING: held lock freed!", r.Title)
	checkStructure(t, r)
	assert.Contains(t, r.Text, "teardown/14 is freeing memory ffff888006a00000-ffff888006a0003f, with a lock still held there!\nffff888006a00010 (&obj->lock){+.+.}-{2:2}, at: obj_put+0x10/0x60\n1 lock held by teardown/14:\n")
	golden(t, "held-lock-freed", r.Text)
}

func TestGoldenExitWithLocks(t *testing.T) {
	g := NewGraph()
	k := &kthread{g: g, task: TaskInfo{Comm: "leaker", PID: 15}, file: "exit.c"}
	assert.Nil(t, g.ExitWithLocks(&k.task, nil))
	require.Nil(t, k.lock(mutexHeld("m", 0xffffffffc0002000, "leaker+0x0/0x30"), "leaker", 5))
	k.at("leaker", 7)
	r := g.ExitWithLocks(&k.task, k.held)
	require.NotNil(t, r)
	assert.Equal(t, "WARNING: leaker/15 still has locks held!", r.Title)
	assert.True(t, strings.HasPrefix(r.Text, strings.Repeat("=", 36)+"\n"+r.Title+"\n6.12.0-ksim #1 Not tainted\n"+strings.Repeat("-", 36)+"\n1 lock held by leaker/15:\n"))
	golden(t, "exit-with-locks", r.Text)
}

// irqTask is a task of the irq golden scenarios.
func irqTask(g *Graph, comm string, pid, cpu int, file string) *kthread {
	return &kthread{g: g, task: TaskInfo{Comm: comm, PID: pid, CPU: cpu}, file: file}
}

func spinHeld(name string, addr uint64, at string) Held {
	return Held{Class: Class{Key: name, Kind: Spin}, Addr: addr, At: at}
}

// TestGoldenInconsistent: my_handler takes my_lock in hardirq context; later a kernel
// thread of insmod takes it with irqs enabled (spin_lock instead of
// spin_lock_irqsave).
func TestGoldenInconsistent(t *testing.T) {
	g := NewGraph()
	h := irqTask(g, "swapper/0", 0, 0, "irq.c")
	h.task.IRQ = IRQContext{InHardirq: true}
	h.task.Stack = []Frame{{Func: "handle_irq_event"}, {Func: "my_handler", File: "irq.c", Line: 9}}
	require.Nil(t, g.Acquire(&h.task, nil, spinHeld("my_lock", 0xffffffffc0002000, "my_handler+0x8/0x30")))

	k := irqTask(g, "insmod", 2, 1, "irq.c")
	k.task.IRQTrace = IRQTrace{Events: 1842,
		HardirqEnable:  IRQEvent{1841, "_raw_spin_unlock_irqrestore+0x30/0x60"},
		HardirqDisable: IRQEvent{1842, "_raw_spin_lock_irqsave+0x40/0x60"},
		SoftirqEnable:  IRQEvent{1720, "handle_softirqs+0x2f0/0x3c0"},
		SoftirqDisable: IRQEvent{1711, "__irq_exit_rcu+0x90/0xe0"}}
	require.Nil(t, k.lock(spinHeld("list_lock", 0xffffffffc0002040, "my_thread+0x0/0x60"), "my_thread", 20))
	r := k.lock(spinHeld("my_lock", 0xffffffffc0002000, "my_thread+0x10/0x60"), "my_thread", 21)
	require.NotNil(t, r)
	assert.Equal(t, "inconsistent", r.Kind)
	assert.Equal(t, "WARNING: inconsistent lock state", r.Title)
	assert.Equal(t, "my_lock {IN-HARDIRQ-W} -> {HARDIRQ-ON-W}", r.Key)
	checkStructure(t, r)
	assert.True(t, strings.HasPrefix(r.Text, strings.Repeat("=", 32)+"\nWARNING: inconsistent lock state\n6.12.0-ksim #1 Not tainted\n"+strings.Repeat("-", 32)+
		"\ninconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.\n"+
		"insmod/2 [HC0[0]:SC0[0]:HE1:SE1] takes:\n"+
		"ffffffffc0002000 (my_lock){?...}-{2:2}, at: my_thread+0x10/0x60\n"+ // mark_usage stopped before SOFTIRQ-ON-W
		"{IN-HARDIRQ-W} state was registered at:\n  my_handler (irq.c:9)\n  handle_irq_event\nirq event stamp: 1842\n"))
	assert.Contains(t, r.Text, "\nhardirqs last  enabled at (1841): [<")
	assert.Contains(t, r.Text, "] _raw_spin_unlock_irqrestore+0x30/0x60\nhardirqs last disabled at (1842): [<")
	assert.Contains(t, r.Text, "\n\nother info that might help us debug this:\n Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock(my_lock);\n  <Interrupt>\n    lock(my_lock);\n\n *** DEADLOCK ***\n\n1 lock held by insmod/2:\n #0: ffffffffc0002040 (list_lock){+.+.}-{2:2}, at: my_thread+0x0/0x60\n\nstack backtrace:\n")
	golden(t, "inconsistent", r.Text)

	// The reported bit is not kept: the same conflict is found again, a repeat.
	k2 := irqTask(g, "insmod", 3, 0, "irq.c")
	r2 := k2.lock(spinHeld("my_lock", 0xffffffffc0002000, "my_thread+0x10/0x60"), "my_thread", 21)
	require.NotNil(t, r2)
	assert.True(t, r2.Repeat)

	// A task without irq-event history prints the kernel's zero events.
	g2 := NewGraph()
	require.Nil(t, g2.Acquire(&h.task, nil, spinHeld("my_lock", 0xffffffffc0002000, "my_handler+0x8/0x30")))
	k3 := irqTask(g2, "insmod", 2, 1, "irq.c")
	r = k3.lock(spinHeld("my_lock", 0xffffffffc0002000, "my_thread+0x10/0x60"), "my_thread", 21)
	require.NotNil(t, r)
	assert.Contains(t, r.Text, "\nirq event stamp: 0\nhardirqs last  enabled at (0): [<0000000000000000>] 0x0\nhardirqs last disabled at (0): [<0000000000000000>] 0x0\n")
}

// TestGoldenIRQOrder: my_handler makes dev_lock HARDIRQ-safe, a worker makes
// stats_lock HARDIRQ-unsafe, then insmod takes stats_lock under dev_lock with irqs
// disabled: the new dependency dev_lock -> stats_lock.
func TestGoldenIRQOrder(t *testing.T) {
	g := NewGraph()
	h := irqTask(g, "swapper/0", 0, 0, "irq.c")
	h.task.IRQ = IRQContext{InHardirq: true}
	h.task.Stack = []Frame{{Func: "handle_irq_event"}, {Func: "my_handler", File: "irq.c", Line: 9}}
	require.Nil(t, g.Acquire(&h.task, nil, spinHeld("dev_lock", 0xffffffffc0002000, "my_handler+0x8/0x30")))

	w := irqTask(g, "kworker/1:1", 30, 1, "irq.c")
	require.Nil(t, w.lock(spinHeld("stats_lock", 0xffffffffc0002080, "stats_work+0x10/0x40"), "stats_work", 40))

	k := irqTask(g, "insmod", 2, 1, "irq.c")
	k.task.IRQ = IRQContext{HardirqsOff: true} // spin_lock_irqsave
	require.Nil(t, k.lock(spinHeld("dev_lock", 0xffffffffc0002000, "my_thread+0x10/0x60"), "my_thread", 21))
	r := k.lock(spinHeld("stats_lock", 0xffffffffc0002080, "my_thread+0x20/0x60"), "my_thread", 22)
	require.NotNil(t, r)
	assert.Equal(t, "irq-order", r.Kind)
	assert.Equal(t, "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected", r.Title)
	assert.Equal(t, "dev_lock -> stats_lock HARDIRQ", r.Key)
	checkStructure(t, r)
	lines := strings.Split(r.Text, "\n")
	assert.Equal(t, strings.Repeat("=", 53), lines[0])
	assert.Equal(t, strings.Repeat("-", 53), lines[3])
	assert.Contains(t, r.Text, "\ninsmod/2 [HC0[0]:SC0[0]:HE0:SE1] is trying to acquire:\n"+
		"ffffffffc0002080 (stats_lock){+.+.}-{2:2}, at: my_thread+0x20/0x60\n\n"+
		"and this task is already holding:\n"+
		"ffffffffc0002000 (dev_lock){-...}-{2:2}, at: my_thread+0x10/0x60\n"+
		"which would create a new lock dependency:\n"+
		" (dev_lock){-...}-{2:2} -> (stats_lock){+.+.}-{2:2}\n\n"+
		"but this new dependency connects a HARDIRQ-irq-safe lock:\n (dev_lock){-...}-{2:2}\n\n"+
		"... which became HARDIRQ-irq-safe at:\n  my_handler (irq.c:9)\n  handle_irq_event\n\n"+
		"to a HARDIRQ-irq-unsafe lock:\n (stats_lock){+.+.}-{2:2}\n\n"+
		"... which became HARDIRQ-irq-unsafe at:\n...\n  stats_work (irq.c:40)\n  kthread\n\n"+
		"other info that might help us debug this:\n\n"+
		" Possible interrupt unsafe locking scenario:\n\n"+
		"       CPU0                    CPU1\n"+
		"       ----                    ----\n"+
		"  lock(stats_lock);\n"+
		"                               local_irq_disable();\n"+
		"                               lock(dev_lock);\n"+
		"                               lock(stats_lock);\n"+
		"  <Interrupt>\n"+
		"    lock(dev_lock);\n\n"+
		" *** DEADLOCK ***\n\n1 lock held by insmod/2:\n")
	// print_lock_class_header pads each usage stack by depth+3+len(name)+4+1.
	assert.Contains(t, r.Text, "\nthe dependencies between HARDIRQ-irq-safe lock and the holding lock:\n"+
		"-> (dev_lock){-...}-{2:2} {\n"+
		"   IN-HARDIRQ-W at:\n"+strings.Repeat(" ", 20)+"my_handler (irq.c:9)\n"+strings.Repeat(" ", 20)+"handle_irq_event\n"+
		"   INITIAL USE at:\n"+strings.Repeat(" ", 19)+"my_handler (irq.c:9)\n")
	assert.Contains(t, r.Text, " }\n ... key      at: [<ffffffffc0002000>] dev_lock+0x0/0x20\n\n"+
		"the dependencies between the lock to be acquired\n and HARDIRQ-irq-unsafe lock:\n-> (stats_lock){+.+.}-{2:2} {\n")
	assert.Contains(t, r.Text, " ... acquired at:\n   my_thread (irq.c:22)\n   kthread\n\n\nstack backtrace:\n")
	golden(t, "irq-order", r.Text)
	assert.Zero(t, countDeps(g, "dev_lock", "stats_lock"))
}

// TestGoldenIRQInversion: the same locks, the other order of events: the dependency
// dev_lock -> stats_lock is recorded first (irqs off), stats_lock becomes
// HARDIRQ-unsafe, and then the handler makes dev_lock HARDIRQ-safe.
func TestGoldenIRQInversion(t *testing.T) {
	g := NewGraph()
	k := irqTask(g, "insmod", 2, 1, "irq.c")
	k.task.IRQ = IRQContext{HardirqsOff: true}
	require.Nil(t, k.lock(spinHeld("dev_lock", 0xffffffffc0002000, "my_thread+0x10/0x60"), "my_thread", 21))
	require.Nil(t, k.lock(spinHeld("stats_lock", 0xffffffffc0002080, "my_thread+0x20/0x60"), "my_thread", 22))

	w := irqTask(g, "kworker/1:1", 30, 1, "irq.c")
	require.Nil(t, w.lock(spinHeld("stats_lock", 0xffffffffc0002080, "stats_work+0x10/0x40"), "stats_work", 40))

	h := irqTask(g, "swapper/0", 0, 0, "irq.c")
	h.task.IRQ = IRQContext{InHardirq: true}
	h.task.Stack = []Frame{{Func: "handle_irq_event"}, {Func: "my_handler", File: "irq.c", Line: 9}}
	r := g.Acquire(&h.task, nil, spinHeld("dev_lock", 0xffffffffc0002000, "my_handler+0x8/0x30"))
	require.NotNil(t, r)
	assert.Equal(t, "irq-inversion", r.Kind)
	assert.Equal(t, "WARNING: possible irq lock inversion dependency detected", r.Title)
	assert.Equal(t, "dev_lock -> stats_lock HARDIRQ", r.Key)
	checkStructure(t, r)
	assert.Contains(t, r.Text, "\nswapper/0/0 just changed the state of lock:\n"+
		"ffffffffc0002000 (dev_lock){-...}-{2:2}, at: my_handler+0x8/0x30\n"+
		"but this lock took another, HARDIRQ-unsafe lock in the past:\n (stats_lock){+.+.}-{2:2}\n\n\n"+
		"and interrupts could create inverse lock ordering between them.\n\n\n"+
		"other info that might help us debug this:\n Possible interrupt unsafe locking scenario:\n")
	assert.Contains(t, r.Text, "\nno locks held by swapper/0/0.\n\nthe shortest dependencies between 2nd lock and 1st lock:\n"+
		" -> (stats_lock){+.+.}-{2:2} {\n    HARDIRQ-ON-W at:\n")
	golden(t, "irq-inversion", r.Text)

	// The dependency is the same problem as the irq-order report: not reported again.
	k2 := irqTask(g, "insmod", 4, 1, "irq.c")
	k2.task.IRQ = IRQContext{HardirqsOff: true}
	require.Nil(t, k2.lock(spinHeld("other_lock", 0xffffffffc00020c0, "my_thread+0x0/0x60"), "my_thread", 20))
	require.Nil(t, k2.lock(spinHeld("dev_lock", 0xffffffffc0002000, "my_thread+0x10/0x60"), "my_thread", 21))
	assert.Nil(t, k2.lock(spinHeld("stats_lock", 0xffffffffc0002080, "my_thread+0x20/0x60"), "my_thread", 22))
}

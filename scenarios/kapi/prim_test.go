package kapi

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
	"github.com/ksim-dev/ksim/sched"
)

// call runs the entry name in t, at x.c:line, with args; text names the first
// argument as written ("&dev->lock"), for the names a lock gets on first use.
func call(t *ksync.Task, line string, name string, args ...int64) int64 {
	b := Lookup(name)
	if b == nil {
		panic("no entry " + name)
	}
	pos := "x.c:" + line
	t.At(pos)
	return b.Impl(&interp.Call{T: t, Args: args, Site: &interp.Site{Pos: pos, Builtin: b}})
}

// mem is a module's memory for a test: objects and string literals.
type mem struct{ k *ksync.Kernel }

// object is a zeroed object of size bytes in region r.
func (m mem) object(name string, size int, r ksync.Region) uint64 {
	return m.k.NewObject(name, size, r).Addr()
}

// literal is a string literal's address.
func (m mem) literal(s string) uint64 {
	b := m.k.NewObject("str", len(s)+1, ksync.RegionRodata)
	copy(b.Bytes(), s)
	return b.Addr()
}

// testKinds are the kinds the tables name.
var testKinds = map[string]kind{"mutex": kindMutex, "spin": kindSpinlock, "rwlock": kindRWLock,
	"rwsem": kindRWSem, "sem": kindSemaphore, "completion": kindCompletion}

// define is what DEFINE_MUTEX(name) & co. write at addr: the static-init mark,
// the class name, and the family's count (a semaphore's) at offset 24.
func (m mem) define(kd kind, addr uint64, name string, count int) {
	m.k.Poke(addr+offInit, 8, staticInit(kd))
	m.k.Poke(addr+offDepName, 8, m.literal(name))
	m.k.Poke(addr+offCount, 4, uint64(count))
}

// explore runs setup's tasks exhaustively.
func exploreLocks(t *testing.T, setup func(k *ksync.Kernel, m mem)) *sched.Result {
	t.Helper()
	res := sched.Explore(ksync.Program(ksync.Config{}, func(k *ksync.Kernel) { setup(k, mem{k}) }), sched.Options{})
	require.NoError(t, res.Err)
	return res
}

func titles(res *sched.Result) []string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.Title)
	}
	return out
}

func TestDecls(t *testing.T) {
	all := All()
	require.Greater(t, len(all), 150)
	for _, b := range all {
		// The declarations are parsed as C where the headers are (cfront's
		// tests); here: one prototype of this name, a type before it.
		re := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_ ]*[ *]` + regexp.QuoteMeta(b.Name) + `\(.*\);$`)
		assert.Regexp(t, re, b.Decl, "%s's declaration", b.Name)
		assert.Regexp(t, `^(linux|asm|asm-generic)/`, b.Header, "%s's header %q", b.Name, b.Header)
		assert.True(t, strings.HasSuffix(b.Header, ".h"), "%s's header %q", b.Name, b.Header)
		assert.NotNil(t, b.Impl, b.Name)
	}
	for _, name := range []string{
		"sema_init", "down", "down_interruptible", "down_killable", "down_trylock", "down_timeout", "up",
		"__mutex_init", "mutex_lock", "mutex_lock_interruptible", "mutex_lock_killable", "mutex_trylock",
		"mutex_unlock", "mutex_is_locked", "mutex_lock_nested",
		"__raw_spin_lock_init", "spin_lock", "spin_unlock", "spin_trylock", "_raw_spin_lock_irqsave",
		"spin_unlock_irqrestore", "spin_lock_irq", "spin_unlock_irq", "spin_lock_bh", "spin_unlock_bh", "spin_lock_nested",
		"__rwlock_init", "read_lock", "read_unlock", "write_lock", "write_unlock", "_raw_read_lock_irqsave",
		"_raw_write_lock_irqsave", "read_unlock_irqrestore", "write_unlock_irqrestore", "read_trylock", "write_trylock",
		"read_lock_irq", "read_unlock_irq", "write_lock_irq", "write_unlock_irq", "read_lock_bh", "read_unlock_bh",
		"write_lock_bh", "write_unlock_bh",
		"__init_rwsem", "down_read", "up_read", "down_write", "up_write", "down_read_trylock", "down_write_trylock",
		"init_completion", "reinit_completion", "wait_for_completion", "wait_for_completion_timeout",
		"wait_for_completion_interruptible", "complete", "complete_all",
		"atomic_read", "atomic_set", "atomic_inc", "atomic_dec", "atomic_add", "atomic_sub", "atomic_inc_return",
		"atomic_dec_return", "atomic_dec_and_test", "atomic_cmpxchg", "atomic64_add_return", "atomic_long_inc",
		"set_bit", "clear_bit", "change_bit", "test_bit", "test_and_set_bit", "test_and_clear_bit",
		"test_and_change_bit", "__set_bit",
		"preempt_disable", "preempt_enable", "arch_local_irq_save", "arch_local_irq_restore", "local_irq_disable",
		"local_irq_enable", "local_bh_disable", "local_bh_enable", "in_atomic", "in_interrupt", "irqs_disabled",
		"lockdep_assert_held",
	} {
		assert.NotNil(t, Lookup(name), "%s is not registered", name)
	}
}

// TestMutexABBA: two statically defined mutexes taken in opposite orders through
// the entries: lockdep's circular dependency, and the hung tasks.
func TestMutexABBA(t *testing.T) {
	res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
		a, b := m.object("a", 64, ksync.RegionStatic), m.object("b", 64, ksync.RegionStatic)
		m.define(kindMutex, a, "a", 0)
		m.define(kindMutex, b, "b", 0)
		k.KernelThread("ab", func(t *ksync.Task) {
			call(t, "3", "mutex_lock", int64(a))
			call(t, "4", "mutex_lock", int64(b))
			call(t, "5", "mutex_unlock", int64(b))
			call(t, "6", "mutex_unlock", int64(a))
		})
		k.KernelThread("ba", func(t *ksync.Task) {
			call(t, "9", "mutex_lock", int64(b))
			call(t, "10", "mutex_lock", int64(a))
			call(t, "11", "mutex_unlock", int64(a))
			call(t, "12", "mutex_unlock", int64(b))
		})
	})
	got := titles(res)
	assert.Contains(t, got, "WARNING: possible circular locking dependency detected")
	assert.Contains(t, got, "INFO: task ab:2 blocked for more than 120 seconds.")
	for _, p := range res.Problems {
		if p.Kind == "warning" {
			assert.Contains(t, p.Report, "(a){+.+.}-{3:3}")
			assert.Contains(t, p.Report, "(b){+.+.}-{3:3}")
		}
	}
}

// TestInitialisation: how the memory was initialised decides what using the lock
// reports, as 6.12's debug checks do.
func TestInitialisation(t *testing.T) {
	type how int
	const (
		static   how = iota // DEFINE_SPINLOCK & co.
		initCall            // spin_lock_init & co. on a heap object
		never               // never initialised
	)
	cases := []struct {
		name   string
		region ksync.Region
		how    how
		kind   string // "spin", "mutex", "rwlock", "rwsem"
		want   []string
	}{
		{"static spinlock", ksync.RegionStatic, static, "spin", nil},
		{"init-call spinlock", ksync.RegionHeap, initCall, "spin", nil},
		{"heap spinlock never initialised", ksync.RegionHeap, never, "spin", []string{"INFO: trying to register non-static key."}},
		{"static spinlock never initialised", ksync.RegionStatic, never, "spin", []string{"BUG: spinlock bad magic on CPU#0, user/2"}},
		{"static initialiser on the stack", ksync.RegionStack, static, "spin", []string{"INFO: trying to register non-static key."}},
		{"static mutex", ksync.RegionStatic, static, "mutex", nil},
		{"init-call mutex", ksync.RegionHeap, initCall, "mutex", nil},
		{"heap mutex never initialised", ksync.RegionHeap, never, "mutex",
			[]string{"WARNING: CPU: 0 PID: 2 at kernel/locking/mutex.c:588 __mutex_lock+0x8d2/0xc90"}},
		{"static mutex never initialised", ksync.RegionStatic, never, "mutex",
			[]string{"WARNING: CPU: 0 PID: 2 at kernel/locking/mutex.c:588 __mutex_lock+0x8d2/0xc90"}},
		{"init-call rwlock", ksync.RegionHeap, initCall, "rwlock", nil},
		{"heap rwlock never initialised", ksync.RegionHeap, never, "rwlock", []string{"INFO: trying to register non-static key."}},
		{"static rwlock never initialised", ksync.RegionStatic, never, "rwlock", []string{"BUG: rwlock bad magic on CPU#0, user/2, "}},
		{"init-call rwsem", ksync.RegionHeap, initCall, "rwsem", nil},
		// DEBUG_RWSEMS_WARN_ON is not silenced by lockdep's report: up_write warns.
		{"heap rwsem never initialised", ksync.RegionHeap, never, "rwsem",
			[]string{"INFO: trying to register non-static key.", "WARNING: CPU: 0 PID: 2 at kernel/locking/rwsem.c:1362 up_write"}},
		{"static rwsem never initialised", ksync.RegionStatic, never, "rwsem",
			[]string{"WARNING: CPU: 0 PID: 2 at kernel/locking/rwsem.c:1362 up_write"}},
	}
	cases = append(cases, []struct {
		name   string
		region ksync.Region
		how    how
		kind   string
		want   []string
	}{
		{"init-call semaphore", ksync.RegionHeap, initCall, "sem", nil},
		{"static semaphore", ksync.RegionStatic, static, "sem", nil},
		// The raw spinlock inside: lockdep's non-static key (which silences the
		// bad magic) in the heap, the bad magic in static memory.
		{"heap semaphore never initialised", ksync.RegionHeap, never, "sem", []string{"INFO: trying to register non-static key."}},
		{"static semaphore never initialised", ksync.RegionStatic, never, "sem", []string{"BUG: spinlock bad magic on CPU#0, user/2"}},
		{"static completion never initialised", ksync.RegionStatic, never, "completion", []string{"BUG: spinlock bad magic on CPU#0, user/2"}},
		{"static completion", ksync.RegionStatic, static, "completion", nil},
	}...)
	ops := map[string][3]string{
		"sem":        {"sema_init", "up", "down"},
		"completion": {"init_completion", "complete", "wait_for_completion"},
		"spin":       {"__raw_spin_lock_init", "spin_lock", "spin_unlock"},
		"mutex":      {"__mutex_init", "mutex_lock", "mutex_unlock"},
		"rwlock":     {"__rwlock_init", "write_lock", "write_unlock"},
		"rwsem":      {"__init_rwsem", "down_write", "up_write"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op := ops[c.kind]
			res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
				var lock uint64
				if c.region != ksync.RegionStack {
					lock = m.object("dev", 64, c.region) + 8
				}
				key := m.object("__key", 1, ksync.RegionStatic)
				name := m.literal("&dev->lock")
				k.KernelThread("user", func(t *ksync.Task) {
					if c.region == ksync.RegionStack {
						b := t.NewStack("lock", 64)
						b.Escape()
						lock = b.Addr()
					}
					switch c.how {
					case static:
						m.define(testKinds[c.kind], lock, "lock", 0)
					case initCall:
						if c.kind == "sem" {
							call(t, "2", op[0], int64(lock), 0)
							break
						}
						call(t, "2", op[0], int64(lock), int64(name), int64(key), 0)
					}
					call(t, "3", op[1], int64(lock))
					call(t, "4", op[2], int64(lock))
				})
			})
			got := titles(res)
			require.Len(t, got, len(c.want), "%q", got)
			for i := range c.want {
				assert.True(t, strings.HasPrefix(got[i], c.want[i]), "got %q, want %q", got[i], c.want[i])
			}
		})
	}
}

// TestInitSiteClasses: the lock_class_key of the init call decides the class, not
// the text: one key for two devices' locks is one class (nesting them is recursive
// locking), two keys with the same name are two classes, the second "#2".
func TestInitSiteClasses(t *testing.T) {
	for _, c := range []struct {
		name     string
		sameKey  bool
		title    string
		contains string
	}{
		{"one init site", true, "WARNING: possible recursive locking detected", "(&dev->lock){+.+.}-{3:3}"},
		{"two init sites", false, "WARNING: possible circular locking dependency detected", "(&dev->lock#2){+.+.}-{3:3}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
				d1, d2 := m.object("kmalloc-64", 64, ksync.RegionHeap), m.object("kmalloc-64", 64, ksync.RegionHeap)
				k1, k2 := m.object("__key", 1, ksync.RegionStatic), m.object("__key", 1, ksync.RegionStatic)
				if c.sameKey {
					k2 = k1
				}
				name := m.literal("&dev->lock")
				k.KernelThread("insmod", func(t *ksync.Task) {
					call(t, "2", "__mutex_init", int64(d1), int64(name), int64(k1))
					call(t, "3", "__mutex_init", int64(d2), int64(name), int64(k2))
					t.KthreadRun("ab", func(t *ksync.Task) {
						call(t, "7", "mutex_lock", int64(d1))
						call(t, "8", "mutex_lock", int64(d2))
						call(t, "9", "mutex_unlock", int64(d2))
						call(t, "10", "mutex_unlock", int64(d1))
					})
					if !c.sameKey {
						t.KthreadRun("ba", func(t *ksync.Task) {
							call(t, "13", "mutex_lock", int64(d2))
							call(t, "14", "mutex_lock", int64(d1))
							call(t, "15", "mutex_unlock", int64(d1))
							call(t, "16", "mutex_unlock", int64(d2))
						})
					}
				})
			})
			var found bool
			for _, p := range res.Problems {
				if p.Title == c.title {
					found = true
					assert.Contains(t, p.Report, c.contains)
				}
			}
			assert.True(t, found, "no %q in %q", c.title, titles(res))
		})
	}
}

// run runs body in one task of one execution and fails the test on any problem.
func runLocks(t *testing.T, body func(t *ksync.Task, m mem)) {
	t.Helper()
	res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
		k.KernelThread("user", func(t *ksync.Task) { body(t, m) })
	})
	assert.Empty(t, titles(res))
}

func TestTrylocks(t *testing.T) {
	var got []int64
	runLocks(t, func(t *ksync.Task, m mem) {
		got = got[:0] // every execution's
		obj := func() int64 { return int64(m.object("x", 64, ksync.RegionStatic)) }
		mu, sp, rw, rs, sem := obj(), obj(), obj(), obj(), obj()
		for i, a := range []int64{mu, sp, rw, rs} {
			m.define([]kind{kindMutex, kindSpinlock, kindRWLock, kindRWSem}[i], uint64(a), "x", 0)
		}
		m.define(kindSemaphore, uint64(sem), "sem", 1)
		got = append(got,
			call(t, "1", "mutex_trylock", mu), call(t, "2", "mutex_trylock", mu), call(t, "3", "mutex_is_locked", mu))
		call(t, "4", "mutex_unlock", mu)
		got = append(got, call(t, "5", "mutex_is_locked", mu),
			call(t, "6", "spin_trylock", sp), call(t, "7", "spin_trylock", sp))
		call(t, "8", "spin_unlock", sp)
		got = append(got, call(t, "9", "read_trylock", rw), call(t, "10", "write_trylock", rw))
		call(t, "11", "read_unlock", rw)
		got = append(got, call(t, "12", "down_read_trylock", rs), call(t, "13", "down_write_trylock", rs))
		call(t, "14", "up_read", rs)
		// down_trylock is 0 on success: DEFINE_SEMAPHORE(sem, 1) lets one in.
		got = append(got, call(t, "15", "down_trylock", sem), call(t, "16", "down_trylock", sem))
		call(t, "17", "up", sem)
	})
	assert.Equal(t, []int64{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1}, got)
}

func TestIrqFlags(t *testing.T) {
	var got []int64
	runLocks(t, func(t *ksync.Task, m mem) {
		got = got[:0] // every execution's
		l := m.object("l", 64, ksync.RegionStatic)
		m.define(kindSpinlock, l, "l", 0)
		f := call(t, "1", "_raw_spin_lock_irqsave", int64(l))
		got = append(got, f, call(t, "2", "irqs_disabled"), call(t, "3", "in_atomic"))
		inner := call(t, "4", "arch_local_irq_save")
		got = append(got, inner)
		call(t, "5", "arch_local_irq_restore", inner)
		call(t, "6", "spin_unlock_irqrestore", int64(l), f)
		got = append(got, call(t, "7", "irqs_disabled"), call(t, "8", "in_atomic"))
		got = append(got, call(t, "9", "in_interrupt"))
		call(t, "9", "local_bh_disable")
		got = append(got, call(t, "10", "in_atomic"), call(t, "10", "in_interrupt"))
		call(t, "11", "local_bh_enable")
		call(t, "12", "preempt_disable")
		got = append(got, call(t, "13", "preempt_count"))
		call(t, "14", "preempt_enable")
	})
	// x86's flags: 0x246 with interrupts on (X86_EFLAGS_IF), 0x46 off.
	assert.Equal(t, []int64{0x246, 1, 1, 0x46, 0, 0, 0, 1, 1, 1}, got)
}

func TestAtomics(t *testing.T) {
	cases := []struct {
		name      string
		size      int
		init      uint64
		args      []int64 // before the counter's address, then after it
		vFirst    bool    // the counter is the first argument
		ret, want int64
	}{
		{"atomic_read", 4, 7, nil, true, 7, 7},
		{"atomic_read", 4, 0xffffffff, nil, true, -1, -1},
		{"atomic_set", 4, 7, []int64{-3}, true, 0, -3},
		{"atomic_inc", 4, 7, nil, true, 0, 8},
		{"atomic_dec", 4, 7, nil, true, 0, 6},
		{"atomic_add", 4, 7, []int64{5}, false, 0, 12},
		{"atomic_sub", 4, 7, []int64{5}, false, 0, 2},
		{"atomic_inc_return", 4, 7, nil, true, 8, 8},
		{"atomic_dec_return", 4, 7, nil, true, 6, 6},
		{"atomic_add_return", 4, 7, []int64{5}, false, 12, 12},
		{"atomic_sub_return", 4, 7, []int64{10}, false, -3, -3},
		{"atomic_fetch_add", 4, 7, []int64{5}, false, 7, 12},
		{"atomic_fetch_or", 4, 5, []int64{2}, false, 5, 7},
		{"atomic_dec_and_test", 4, 1, nil, true, 1, 0},
		{"atomic_dec_and_test", 4, 2, nil, true, 0, 1},
		{"atomic_inc_and_test", 4, 0xffffffff, nil, true, 1, 0},
		{"atomic_sub_and_test", 4, 5, []int64{5}, false, 1, 0},
		{"atomic_add_negative", 4, 5, []int64{-6}, false, 1, -1},
		{"atomic_cmpxchg", 4, 7, []int64{7, 9}, true, 7, 9},
		{"atomic_cmpxchg", 4, 7, []int64{8, 9}, true, 7, 7},
		{"atomic_cmpxchg", 4, 0xffffffff, []int64{-1, 9}, true, -1, 9},
		{"atomic_xchg", 4, 7, []int64{9}, true, 7, 9},
		{"atomic_add_unless", 4, 7, []int64{1, 7}, true, 0, 7},
		{"atomic_add_unless", 4, 6, []int64{1, 7}, true, 1, 7},
		{"atomic_inc_not_zero", 4, 0, nil, true, 0, 0},
		{"atomic_inc", 4, 0x7fffffff, nil, true, 0, -0x80000000},
		{"atomic64_inc_return", 8, 0xffffffff, nil, true, 0x100000000, 0x100000000},
		{"atomic64_add", 8, 1, []int64{-2}, false, 0, -1},
		{"atomic_long_dec_and_test", 8, 1, nil, true, 1, 0},
		{"atomic_long_read", 8, 1 << 40, nil, true, 1 << 40, 1 << 40},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ret, v int64
			runLocks(t, func(tk *ksync.Task, m mem) {
				a := m.object("cnt", 16, ksync.RegionStatic)
				m.k.Poke(a, c.size, c.init)
				args := append([]int64{int64(a)}, c.args...)
				if !c.vFirst {
					args = append(append([]int64{}, c.args...), int64(a))
				}
				ret = call(tk, "1", c.name, args...)
				w, _ := m.k.Peek(a, c.size)
				v = atomicTypes[0].value(w)
				if c.size == 8 {
					v = int64(w)
				}
			})
			assert.Equal(t, c.ret, ret, "result")
			assert.Equal(t, c.want, v, "counter")
		})
	}
}

func TestTryCmpxchg(t *testing.T) {
	var ok1, ok2 int64
	var old uint64
	runLocks(t, func(tk *ksync.Task, m mem) {
		a := m.object("cnt", 8, ksync.RegionStatic)
		o := tk.NewStack("old", 8)
		m.k.Poke(a, 4, 5)
		m.k.Poke(o.Addr(), 4, 4)
		ok1 = call(tk, "1", "atomic_try_cmpxchg", int64(a), int64(o.Addr()), 9) // fails: old becomes 5
		ok2 = call(tk, "2", "atomic_try_cmpxchg", int64(a), int64(o.Addr()), 9)
		old, _ = m.k.Peek(a, 4)
	})
	assert.Equal(t, []int64{0, 1}, []int64{ok1, ok2})
	assert.Equal(t, uint64(9), old)
}

func TestBitops(t *testing.T) {
	cases := []struct {
		name    string
		nr      int64
		init    [2]uint64
		ret     int64
		want    [2]uint64
		nonAtom bool
	}{
		{"set_bit", 3, [2]uint64{0, 0}, 0, [2]uint64{8, 0}, false},
		{"set_bit", 70, [2]uint64{0, 0}, 0, [2]uint64{0, 1 << 6}, false},
		{"clear_bit", 0, [2]uint64{3, 0}, 0, [2]uint64{2, 0}, false},
		{"change_bit", 64, [2]uint64{0, 1}, 0, [2]uint64{0, 0}, false},
		{"test_bit", 65, [2]uint64{0, 2}, 1, [2]uint64{0, 2}, false},
		{"test_bit", 1, [2]uint64{0, 2}, 0, [2]uint64{0, 2}, false},
		{"test_and_set_bit", 1, [2]uint64{2, 0}, 1, [2]uint64{2, 0}, false},
		{"test_and_set_bit", 0, [2]uint64{2, 0}, 0, [2]uint64{3, 0}, false},
		{"test_and_clear_bit", 1, [2]uint64{2, 0}, 1, [2]uint64{0, 0}, false},
		{"test_and_change_bit", 63, [2]uint64{0, 0}, 0, [2]uint64{1 << 63, 0}, false},
		{"__set_bit", 5, [2]uint64{0, 0}, 0, [2]uint64{32, 0}, true},
		{"__test_and_clear_bit", 5, [2]uint64{32, 0}, 1, [2]uint64{0, 0}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ret int64
			var got [2]uint64
			runLocks(t, func(tk *ksync.Task, m mem) {
				a := m.object("flags", 16, ksync.RegionStatic)
				m.k.Poke(a, 8, c.init[0])
				m.k.Poke(a+8, 8, c.init[1])
				ret = call(tk, "1", c.name, c.nr, int64(a))
				got[0], _ = m.k.Peek(a, 8)
				got[1], _ = m.k.Peek(a+8, 8)
			})
			assert.Equal(t, c.ret, ret)
			assert.Equal(t, c.want, got)
		})
	}
}

// TestNonAtomicBitopsRace: two tasks' __set_bit on one word can lose an update;
// set_bit never does.
func TestNonAtomicBitopsRace(t *testing.T) {
	for _, c := range []struct {
		op   string
		lost bool
	}{{"__set_bit", true}, {"set_bit", false}} {
		t.Run(c.op, func(t *testing.T) {
			lost := false
			exploreLocks(t, func(k *ksync.Kernel, m mem) {
				a := m.object("flags", 8, ksync.RegionStatic)
				done := 0
				for _, nr := range []int64{0, 1} {
					k.KernelThread("t", func(t *ksync.Task) {
						call(t, "1", c.op, nr, int64(a))
						if done++; done == 2 {
							if w, _ := k.Peek(a, 8); w != 3 {
								lost = true
							}
						}
					})
				}
			})
			assert.Equal(t, c.lost, lost)
		})
	}
}

// TestCompletionAndSemaphore: a completion's waiter goes on after complete; a
// semaphore from sema_init hands its count over.
func TestCompletionAndSemaphore(t *testing.T) {
	res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
		done := m.object("done", 32, ksync.RegionStatic)
		m.define(kindCompletion, done, "done", 0)
		sem := m.object("sem", 32, ksync.RegionHeap)
		k.KernelThread("waiter", func(t *ksync.Task) {
			call(t, "1", "sema_init", int64(sem), 0)
			t.KthreadRun("upper", func(t *ksync.Task) {
				call(t, "5", "up", int64(sem))
				call(t, "6", "complete", int64(done))
			})
			call(t, "2", "down", int64(sem))
			call(t, "3", "wait_for_completion", int64(done))
		})
	})
	assert.Empty(t, titles(res))
	assert.True(t, res.Complete)
}

func TestLockdepAssertHeld(t *testing.T) {
	res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
		l := m.object("l", 64, ksync.RegionStatic)
		m.define(kindSpinlock, l, "l", 0)
		k.KernelThread("user", func(t *ksync.Task) {
			call(t, "1", "spin_lock", int64(l))
			call(t, "2", "lockdep_assert_held", int64(l))
			call(t, "3", "spin_unlock", int64(l))
			call(t, "4", "lockdep_assert_held", int64(l))
		})
	})
	got := titles(res)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "WARNING: CPU: 0 PID: 2 at x.c:4")
}

// TestBadAddress: a lock call on NULL oopses, as the kernel's access to the lock does.
func TestBadAddress(t *testing.T) {
	res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
		k.KernelThread("user", func(t *ksync.Task) { call(t, "1", "mutex_lock", 0) })
	})
	got := titles(res)
	require.NotEmpty(t, got)
	assert.Contains(t, got[0], "BUG: kernel NULL pointer dereference")
}

// TestLockInFreedMemory: a lock in memory freed since is KASAN's use-after-free
// report; the kernel goes on, and so does the lock.
func TestLockInFreedMemory(t *testing.T) {
	res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
		k.KernelThread("user", func(t *ksync.Task) {
			b := t.Kzalloc(64, ksync.GFPKernel)
			name, key := m.literal("&dev->lock"), m.object("__key", 1, ksync.RegionStatic)
			call(t, "1", "__raw_spin_lock_init", int64(b.Addr()), int64(name), int64(key), 0)
			t.Kfree(b)
			call(t, "2", "spin_lock", int64(b.Addr()))
			call(t, "3", "spin_unlock", int64(b.Addr()))
		})
	})
	got := titles(res)
	require.Len(t, got, 1, "%q", got)
	assert.Contains(t, got[0], "KASAN: slab-use-after-free")
}

// TestInitAfterUse: an init call on an object used before it was initialised
// makes it whole: only the use before the init reports.
func TestInitAfterUse(t *testing.T) {
	res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
		s := m.object("sem", 32, ksync.RegionStatic)
		k.KernelThread("user", func(t *ksync.Task) {
			call(t, "1", "up", int64(s))
			call(t, "2", "sema_init", int64(s), 1)
			call(t, "3", "down", int64(s))
			call(t, "4", "up", int64(s))
		})
	})
	got := titles(res)
	require.Len(t, got, 1, "%q", got)
	assert.Contains(t, got[0], "BUG: spinlock bad magic")
}

// TestLockdepAssertHeldNeverUsed: asserting a lock nobody ever took warns.
func TestLockdepAssertHeldNeverUsed(t *testing.T) {
	res := exploreLocks(t, func(k *ksync.Kernel, m mem) {
		l := m.object("l", 64, ksync.RegionStatic)
		m.define(kindSpinlock, l, "l", 0)
		k.KernelThread("user", func(t *ksync.Task) { call(t, "7", "lockdep_assert_held", int64(l)) })
	})
	got := titles(res)
	require.Len(t, got, 1, "%q", got)
	assert.Contains(t, got[0], "WARNING: CPU: 0 PID: 2 at x.c:7")
}

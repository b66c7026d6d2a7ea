package lockdep

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var update = flag.Bool("update", false, "rewrite the golden report files in testdata")

// golden compares got with testdata/name.golden; -update rewrites the file.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./ksync/lockdep -update")
	assert.Equal(t, string(want), got, "report differs from %s (regenerate with -update after checking)", path)
}

// sim is one task of a test: it keeps the held-locks stack as ksync does.
type sim struct {
	t       *testing.T
	g       *Graph
	task    TaskInfo
	held    []Held
	reports []*Report
	kind    Kind
	read    bool
	qread   bool // a read_lock is a queued (non-recursive) reader: process context
	line    int
}

func newSim(t *testing.T, g *Graph, comm string, pid int, kind Kind, read bool) *sim {
	return &sim{t: t, g: g, task: TaskInfo{Comm: comm, PID: pid, CPU: pid % 2}, kind: kind, read: read, line: 10}
}

// addr gives each lock instance ("A", "A2", ...) a stable address.
func addr(inst string) uint64 {
	return 0xffffffffc0002000 + uint64(inst[0]-'A')*0x100 + uint64(len(inst)-1)*0x40
}

func (s *sim) held1(inst string, sub int, try bool) Held {
	s.line++
	fn := s.task.Comm
	return Held{
		Class: Class{Key: inst[:1], Subclass: sub, Kind: s.kind},
		Addr:  addr(inst), At: fmt.Sprintf("%s+0x%x/0x200", fn, (s.line-10)*0x10),
		// An rwlock reader is recursive here, as lib/locking-selftest.c forces it for
		// its families (force_read_lock_recursive = 1); qread says otherwise.
		Read: s.read, Recursive: s.read && !s.qread, Trylock: try,
	}
}

func (s *sim) stack() []Frame {
	return []Frame{{Func: "kthread"}, {Func: s.task.Comm, File: "selftest.c", Line: s.line}}
}

func (s *sim) acquire(inst string, sub int, try bool) *Report {
	h := s.held1(inst, sub, try)
	s.task.Stack = s.stack()
	r := s.g.Acquire(&s.task, s.held, h)
	s.held = append(s.held, h)
	if r != nil {
		s.reports = append(s.reports, r)
	}
	return r
}

func (s *sim) lock(inst string) *Report { return s.acquire(inst, 0, false) }

func (s *sim) unlock(inst string) *Report {
	h := s.held1(inst, 0, false)
	s.task.Stack = s.stack()
	r := s.g.Release(&s.task, s.held, h)
	if r != nil {
		s.reports = append(s.reports, r)
		return r
	}
	for i := len(s.held) - 1; i >= 0; i-- {
		if s.held[i].Addr == h.Addr {
			s.held = append(s.held[:i], s.held[i+1:]...)
			break
		}
	}
	return nil
}

// pairs runs LOCK_UNLOCK_2(x, y) for each pair; the last acquisition may be a trylock.
func (s *sim) pairs(ps [][2]string, lastTry bool) {
	for i, p := range ps {
		s.lock(p[0])
		s.acquire(p[1], 0, lastTry && i == len(ps)-1)
		s.unlock(p[1])
		s.unlock(p[0])
	}
}

type lockType struct {
	name string
	kind Kind
	read bool
	fail bool // the deadlock families must be reported
}

var lockTypes = []lockType{
	{"spin", Spin, false, true},
	{"wlock", RWLock, false, true},
	{"rlock", RWLock, true, false},
	{"mutex", Mutex, false, true},
	{"wsem", RWSem, false, true},
	{"rsem", RWSem, true, true},
}

type family struct {
	name  string
	pairs [][2]string
	key   string // the cycle's classes
	chain string // the "Chain exists of:" line, "" for two-lock cycles
}

// The deadlock families of lib/locking-selftest.c, as the kernel runs them.
var families = []family{
	{"A-B-B-A", [][2]string{{"A", "B"}, {"B", "A"}}, "A B", ""},
	{"A-B-B-C-C-A", [][2]string{{"A", "B"}, {"B", "C"}, {"C", "A"}}, "A B C", "A --> B --> C"},
	{"A-B-C-A-B-C", [][2]string{{"A", "B"}, {"C", "A"}, {"B", "C"}}, "A B C", "C --> A --> B"},
	{"A-B-B-C-C-D-D-A", [][2]string{{"A", "B"}, {"B", "C"}, {"C", "D"}, {"D", "A"}}, "A B C D", "A --> C --> D"},
	{"A-B-C-D-B-D-D-A", [][2]string{{"A", "B"}, {"C", "D"}, {"B", "D"}, {"D", "A"}}, "A B D", "A --> B --> D"},
	{"A-B-C-D-B-C-D-A", [][2]string{{"A", "B"}, {"C", "D"}, {"B", "C"}, {"D", "A"}}, "A B C D", "A --> C --> D"},
}

func TestSelftestDeadlockFamilies(t *testing.T) {
	for _, lt := range lockTypes {
		for _, f := range families {
			t.Run(lt.name+"/"+f.name, func(t *testing.T) {
				s := newSim(t, NewGraph(), "selftest", 1, lt.kind, lt.read)
				s.pairs(f.pairs, false)
				assert.Empty(t, s.held)
				if !lt.fail {
					assert.Empty(t, s.reports, "recursive readers cannot deadlock")
					return
				}
				require.Len(t, s.reports, 1)
				r := s.reports[0]
				assert.Equal(t, "circular", r.Kind)
				assert.Equal(t, "WARNING: possible circular locking dependency detected", r.Title)
				assert.Equal(t, f.key, r.Key)
				if f.chain == "" {
					assert.NotContains(t, r.Text, "Chain exists of:")
				} else {
					assert.Contains(t, r.Text, "Chain exists of:\n  "+f.chain+"\n\n")
				}
				last := f.pairs[len(f.pairs)-1]
				assert.Contains(t, r.Text, "but task is already holding lock:\n"+fmt.Sprintf("%016x (%s)", addr(last[0]), last[0]))
				assert.Len(t, r.Chain, len(strings.Fields(f.key))-1, "the path new -> ... -> held")
				checkStructure(t, r)
			})
			t.Run(lt.name+"/"+f.name+"/trylock", func(t *testing.T) {
				s := newSim(t, NewGraph(), "selftest", 1, lt.kind, lt.read)
				s.pairs(f.pairs, true)
				assert.Empty(t, s.reports, "a trylock is never the new lock of a report")
			})
			t.Run(lt.name+"/"+f.name+"/once", func(t *testing.T) {
				g := NewGraph()
				s := newSim(t, g, "selftest", 1, lt.kind, lt.read)
				s.pairs(f.pairs, false)
				// Another execution, another task, the same graph: the same problem,
				// found again and marked as a repeat.
				s2 := newSim(t, g, "selftest2", 2, lt.kind, lt.read)
				s2.pairs(f.pairs, false)
				s2.pairs(f.pairs[len(f.pairs)-1:], false)
				if !lt.fail {
					assert.Empty(t, s2.reports)
					return
				}
				require.NotEmpty(t, s2.reports)
				for _, r := range s2.reports {
					assert.True(t, r.Repeat)
					assert.Equal(t, s.reports[0].Key, r.Key)
				}
			})
		}
		t.Run(lt.name+"/A-A", func(t *testing.T) {
			s := newSim(t, NewGraph(), "selftest", 1, lt.kind, lt.read)
			s.lock("A")
			s.lock("A2") // another instance of the same class
			if !lt.fail {
				assert.Empty(t, s.reports)
				return
			}
			require.Len(t, s.reports, 1)
			assert.Equal(t, "recursive", s.reports[0].Kind)
			assert.Equal(t, "A", s.reports[0].Key)
			checkStructure(t, s.reports[0])
		})
		t.Run(lt.name+"/A-A/trylock", func(t *testing.T) {
			s := newSim(t, NewGraph(), "selftest", 1, lt.kind, lt.read)
			s.lock("A")
			s.acquire("A2", 0, true)
			assert.Empty(t, s.reports)
		})
		t.Run(lt.name+"/A-A/nested", func(t *testing.T) {
			g := NewGraph()
			s := newSim(t, g, "selftest", 1, lt.kind, lt.read)
			s.lock("A")
			s.acquire("A2", SingleDepthNesting, false) // mutex_lock_nested(&a2, SINGLE_DEPTH_NESTING)
			assert.Empty(t, s.reports)
			assert.Equal(t, []string{"A -> A/1"}, depNames(g))
		})
		t.Run(lt.name+"/double-unlock", func(t *testing.T) {
			s := newSim(t, NewGraph(), "selftest", 1, lt.kind, lt.read)
			s.lock("A")
			s.unlock("A")
			r := s.unlock("A")
			require.NotNil(t, r)
			assert.Equal(t, "bad-unlock", r.Kind)
			assert.Equal(t, []*Report{r}, s.reports)
			checkStructure(t, r)
		})
	}
}

func depNames(g *Graph) []string {
	var ns []string
	for _, d := range g.Deps() {
		ns = append(ns, d.From+" -> "+d.To)
	}
	return ns
}

// TestReadWrite covers lockdep's recursive-read rules.
func TestReadWrite(t *testing.T) {
	type step struct {
		inst  string
		read  bool
		kind  Kind
		try   bool
		qread bool
	}
	RL := func(i string) step { return step{i, true, RWLock, false, false} }
	// QRL is read_lock in process context on a CONFIG_QUEUED_RWLOCKS kernel:
	// read_lock_is_recursive() is false, so it is a plain reader (read == 1).
	QRL := func(i string) step { return step{i, true, RWLock, false, true} }
	WL := func(i string) step { return step{i, false, RWLock, false, false} }
	RS := func(i string) step { return step{i, true, RWSem, false, false} }
	WS := func(i string) step { return step{i, false, RWSem, false, false} }
	L := func(i string) step { return step{i, false, Spin, false, false} }
	U := step{inst: "unlock-all"}
	tests := []struct {
		name  string
		steps []step
		want  string // report kind, "" for none
	}{
		{"read_lock A; read_lock A (same instance)", []step{RL("A"), RL("A")}, ""},
		{"read_lock A; read_lock A2", []step{RL("A"), RL("A2")}, ""},
		{"down_read A; down_read A", []step{RS("A"), RS("A")}, "recursive"},
		{"queued read_lock A; read_lock A", []step{QRL("A"), QRL("A")}, "recursive"},
		{"queued read_lock A; read_lock A in irq", []step{QRL("A"), RL("A")}, ""},
		{"read_lock A in irq; queued read_lock A", []step{RL("A"), QRL("A")}, "recursive"},
		{"queued: RL A, RL B / RL B, RL A", []step{QRL("A"), QRL("B"), U, QRL("B"), QRL("A")}, "circular"},
		{"queued rlock_ABBA3: RL X, L Y / L Y, RL X", []step{QRL("X"), L("Y"), U, L("Y"), QRL("X")}, "circular"},
		{"write_lock A; read_lock A", []step{WL("A"), RL("A")}, "recursive"},
		{"read_lock A; write_lock A", []step{RL("A"), WL("A")}, "recursive"},
		{"rlock_ABBA1: RL X, L Y / L Y, WL X", []step{RL("X"), L("Y"), U, L("Y"), WL("X")}, "circular"},
		{"rlock_ABBA2: L Y, RL X / WL X, L Y", []step{L("Y"), RL("X"), U, WL("X"), L("Y")}, "circular"},
		{"rlock_ABBA3: RL X, L Y / L Y, RL X", []step{RL("X"), L("Y"), U, L("Y"), RL("X")}, ""},
		{"rsem_ABBA3: down_read X, L Y / L Y, down_read X", []step{RS("X"), L("Y"), U, L("Y"), RS("X")}, "circular"},
		{"rsem_ABBA1: down_read X, L Y / L Y, down_write X", []step{RS("X"), L("Y"), U, L("Y"), WS("X")}, "circular"},
		{"read_lock A; lock B; read_lock A", []step{RL("A"), L("B"), RL("A")}, ""},
		{"read_lock A; lock B; write_lock A", []step{RL("A"), L("B"), WL("A")}, "recursive"},
		{"RL A, RL B / RL B, RL A", []step{RL("A"), RL("B"), U, RL("B"), RL("A")}, ""},
		{"RL A, WL B / WL B, RL A", []step{RL("A"), WL("B"), U, WL("B"), RL("A")}, ""},
		{"WL A, RL B / RL B, WL A", []step{WL("A"), RL("B"), U, RL("B"), WL("A")}, ""},
		{"WL A, WL B / RL B, WL A", []step{WL("A"), WL("B"), U, RL("B"), WL("A")}, "circular"},
		// X -(ER)-> Y -(SN)-> Z is not a strong path: Y held shared by two readers.
		{"not strong: WL A, RL B / RL B, L C / L C, WL A", []step{WL("A"), RL("B"), U, RL("B"), L("C"), U, L("C"), WL("A")}, ""},
		{"strong: WL A, RL B / WL B, L C / L C, WL A", []step{WL("A"), RL("B"), U, WL("B"), L("C"), U, L("C"), WL("A")}, "circular"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, NewGraph(), "rw", 1, RWLock, false)
			for _, st := range tt.steps {
				if st.inst == "unlock-all" {
					for len(s.held) > 0 {
						h := s.held[len(s.held)-1]
						require.Nil(t, s.g.Release(&s.task, s.held, h))
						s.held = s.held[:len(s.held)-1]
					}
					continue
				}
				s.kind, s.read, s.qread = st.kind, st.read, st.qread
				s.acquire(st.inst, 0, st.try)
			}
			if tt.want == "" {
				for _, r := range s.reports {
					t.Log(r.Text)
				}
				assert.Empty(t, s.reports)
				return
			}
			require.Len(t, s.reports, 1)
			assert.Equal(t, tt.want, s.reports[0].Kind)
			checkStructure(t, s.reports[0])
		})
	}
}

// TestTrylockAddsEdgesLater: a trylock adds no dependency, but later acquisitions
// while it is held do, and the kernel walks past held trylocks to the first
// non-trylock lock.
func TestTrylockAddsEdgesLater(t *testing.T) {
	g := NewGraph()
	s := newSim(t, g, "try", 1, Mutex, false)
	s.lock("A")
	s.acquire("B", 0, true)
	s.lock("C")
	assert.Equal(t, []string{"A -> C", "B -> C"}, depNames(g))
	s.unlock("C")
	s.unlock("B")
	s.unlock("A")

	s.acquire("B", 0, true)
	s.lock("D")
	s.unlock("D")
	s.unlock("B")
	s.lock("D")
	r := s.lock("B")
	require.NotNil(t, r, "B -> D was recorded while B was trylocked")
	assert.Equal(t, "B D", r.Key)
	assert.Empty(t, s.reports[1:])
}

func TestOnlyTopHeldLockGetsEdges(t *testing.T) {
	g := NewGraph()
	s := newSim(t, g, "top", 1, Spin, false)
	s.lock("A")
	s.lock("B")
	s.lock("C")
	assert.Equal(t, []string{"A -> B", "B -> C"}, depNames(g))
	d := g.Deps()[1]
	assert.Equal(t, "top", d.Comm)
	assert.Equal(t, 1, d.PID)
	assert.Equal(t, Frame{Func: "top", File: "selftest.c", Line: 13}, d.Stack[len(d.Stack)-1])
}

func TestRelease(t *testing.T) {
	g := NewGraph()
	s := newSim(t, g, "rel", 1, Mutex, false)
	assert.NotNil(t, s.unlock("A"), "never taken")
	s.reports = nil
	s.lock("A")
	s.lock("B")
	assert.Nil(t, s.unlock("A"), "out-of-order unlock is fine")
	assert.Nil(t, s.unlock("B"))
	r := s.unlock("B")
	require.NotNil(t, r)
	assert.Contains(t, r.Text, "rel/1 is trying to release lock (B) at:\n")
	assert.Contains(t, r.Text, "no locks held by rel/1.\n")
	// Release reports are per execution: not deduplicated.
	assert.NotNil(t, s.unlock("B"))
}

func TestInvalidSubclass(t *testing.T) {
	g := NewGraph()
	s := newSim(t, g, "sub", 1, Mutex, false)
	r := s.acquire("A", MaxSubclasses, false)
	require.NotNil(t, r)
	assert.Equal(t, "BUG: looking up invalid subclass: 8", r.Title)
	assert.True(t, strings.HasPrefix(r.Text, r.Title+"\nturning off the locking correctness validator.\nCPU: 1 UID: 0 PID: 1 Comm: sub"))
	assert.False(t, r.Repeat)
	r = s.acquire("A", MaxSubclasses, false)
	require.NotNil(t, r)
	assert.True(t, r.Repeat, "found again: a repeat")
	assert.Equal(t, 0, g.Classes())
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name  string
		ctx   IRQContext
		read  bool
		try   bool
		chars string
		names []string
	}{
		{"process, irqs on, write", IRQContext{}, false, false, "+.+.", []string{"HARDIRQ-ON-W", "SOFTIRQ-ON-W", "INITIAL USE"}},
		{"process, irqs on, read", IRQContext{}, true, false, ".+.+", []string{"HARDIRQ-ON-R", "SOFTIRQ-ON-R", "INITIAL READ USE"}},
		{"spin_lock_irq", IRQContext{HardirqsOff: true}, false, false, "....", []string{"INITIAL USE"}},
		{"spin_lock_bh", IRQContext{SoftirqsOff: true}, false, false, "+...", []string{"HARDIRQ-ON-W", "INITIAL USE"}},
		{"hardirq handler", IRQContext{InHardirq: true, HardirqsOff: true}, false, false, "-...", []string{"IN-HARDIRQ-W", "INITIAL USE"}},
		{"softirq", IRQContext{InSoftirq: true, SoftirqsOff: true}, false, false, "+.-.", []string{"HARDIRQ-ON-W", "IN-SOFTIRQ-W", "INITIAL USE"}},
		{"softirq read", IRQContext{InSoftirq: true, SoftirqsOff: true}, true, false, ".+.-", []string{"HARDIRQ-ON-R", "IN-SOFTIRQ-R", "INITIAL READ USE"}},
		{"trylock in hardirq", IRQContext{InHardirq: true, HardirqsOff: true}, false, true, "....", []string{"INITIAL USE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := UsageOf(tt.ctx, tt.read, tt.try)
			assert.Equal(t, tt.chars, u.Chars())
			assert.Equal(t, tt.names, u.Names())
		})
	}
	assert.Equal(t, "????", (UsedInHardirq | EnabledHardirq | UsedInHardirqRead | EnabledHardirqRead |
		UsedInSoftirq | EnabledSoftirq | UsedInSoftirqRead | EnabledSoftirqRead).Chars())
	assert.Equal(t, "{IN-HARDIRQ-W,HARDIRQ-ON-W}", (UsedInHardirq | EnabledHardirq).String())

	g := NewGraph()
	c := Class{Key: "rw", Kind: RWLock}
	assert.Equal(t, "....", g.Usage(c))
	s := newSim(t, g, "u", 1, RWLock, true)
	s.lock("R") // class "R"
	assert.Equal(t, ".+.+", g.Usage(Class{Key: "R"}))
	s.read = false
	s.unlock("R")
	s.lock("R")
	assert.Equal(t, "++++", g.Usage(Class{Key: "R"}))
	assert.Equal(t, UsedInHardirq|Used, g.MarkUsage(c, UsedInHardirq|Used))
	assert.Equal(t, Usage(0), g.MarkUsage(c, UsedInHardirq))
	assert.Equal(t, "-...", g.Usage(c))
	assert.Equal(t, UsedInHardirq|Used, g.ClassUsage(c))
}

func TestHeldLocks(t *testing.T) {
	g := NewGraph()
	task := TaskInfo{Comm: "worker", PID: 7}
	assert.Equal(t, "no locks held by worker/7.\n", g.HeldLocks(&task, nil))
	held := []Held{
		{Class: Class{Key: "m", Kind: Mutex}, Addr: 0xffffffffc0002000, At: "f+0x0/0x40"},
		{Class: Class{Key: "&p->lock", Subclass: 1, Kind: Spin}, Addr: 0xffff888004a01000, At: "f+0x10/0x40"},
	}
	assert.Equal(t, "1 lock held by worker/7:\n #0: ffffffffc0002000 (m){+.+.}-{3:3}, at: f+0x0/0x40\n", g.HeldLocks(&task, held[:1]))
	assert.Equal(t, "2 locks held by worker/7:\n"+
		" #0: ffffffffc0002000 (m){+.+.}-{3:3}, at: f+0x0/0x40\n"+
		" #1: ffff888004a01000 (&p->lock/1){+.+.}-{2:2}, at: f+0x10/0x40\n", g.HeldLocks(&task, held))
}

// In an interrupt context the listing is the interrupted contexts' locks
// (BelowHeld), then the context's own, numbered on, under the interrupted task's
// name: the kernel's current->held_locks.
func TestHeldLocksBelowAnInterrupt(t *testing.T) {
	g := NewGraph()
	m := Held{Class: Class{Key: "m", Kind: Mutex}, Addr: 0xffffffffc0002000, At: "init+0x0/0x40"}
	l := Held{Class: Class{Key: "l", Kind: Spin}, Addr: 0xffffffffc0002040, At: "handler+0x10/0x40"}
	task := TaskInfo{Comm: "insmod", PID: 2, BelowHeld: []Held{m}}
	assert.Equal(t, "1 lock held by insmod/2:\n #0: ffffffffc0002000 (m){+.+.}-{3:3}, at: init+0x0/0x40\n", g.HeldLocks(&task, nil))
	assert.Equal(t, "2 locks held by insmod/2:\n"+
		" #0: ffffffffc0002000 (m){+.+.}-{3:3}, at: init+0x0/0x40\n"+
		" #1: ffffffffc0002040 (l){+.+.}-{2:2}, at: handler+0x10/0x40\n", g.HeldLocks(&task, []Held{l}))
}

// belowFrames is a Below with fixed frames.
type belowFrames struct {
	irq, task []Frame
	idle      bool
}

func (b belowFrames) BelowFrames() ([]Frame, []Frame, bool) { return b.irq, b.task, b.idle }

// A stack backtrace in an interrupt context: the kernel functions and the context's
// frames, then those of the interrupt contexts below it, on the irq stack; the
// interrupted task's frames on the task stack. A kernel thread's base frames follow
// its own on the task stack.
func TestStackBacktraceSections(t *testing.T) {
	own := []Frame{{Func: "handler", File: "d.c", Line: 9}}
	tasklet := []Frame{{Func: "rx_work", File: "d.c", Line: 4}}
	task := []Frame{{Func: "kthread"}, {Func: "drv_init", File: "d.c", Line: 20}}
	head := "stack backtrace:\nCPU: 0 UID: 0 PID: 2 Comm: insmod Not tainted 6.12.0-ksim #1 \nHardware name: " + HardwareName + "\nCall Trace:\n"
	info := TaskInfo{Comm: "insmod", PID: 2, Stack: own, OnIRQStack: true, Below: belowFrames{tasklet, task, false}}
	assert.Equal(t, head+" <IRQ>\n dump_stack_lvl\n lock_acquire\n handler (d.c:9)\n rx_work (d.c:4)\n </IRQ>\n"+
		" <TASK>\n drv_init (d.c:20)\n kthread\n </TASK>\n", StackBacktrace(&info, "dump_stack_lvl", "lock_acquire"))
	info.Below = belowFrames{nil, nil, true}
	assert.Equal(t, head+" <IRQ>\n dump_stack_lvl\n handler (d.c:9)\n </IRQ>\n", StackBacktrace(&info, "dump_stack_lvl"))
	info = TaskInfo{Comm: "insmod", PID: 2, Stack: tasklet, Below: belowFrames{nil, []Frame{{Func: "kthread"}, {Func: "run_ksoftirqd"}}, false}}
	assert.Equal(t, head+" <TASK>\n dump_stack_lvl\n rx_work (d.c:4)\n run_ksoftirqd\n kthread\n </TASK>\n", StackBacktrace(&info, "dump_stack_lvl"))
	info.Below = nil
	assert.Equal(t, head+" <TASK>\n dump_stack_lvl\n rx_work (d.c:4)\n </TASK>\n", StackBacktrace(&info, "dump_stack_lvl"))
}

// TestMemory: repeating the same acquisitions neither adds dependencies nor chains,
// and the validated-chain fast path does not allocate.
func TestMemory(t *testing.T) {
	g := NewGraph()
	s := newSim(t, g, "mem", 1, Spin, false)
	for range 100_000 {
		s.line = 10
		s.lock("A")
		s.lock("B")
		s.unlock("B")
		s.unlock("A")
	}
	assert.Empty(t, s.reports)
	assert.Equal(t, 1, g.Edges())
	assert.Equal(t, 2, g.Chains())
	assert.Equal(t, 2, g.Classes())

	task := TaskInfo{Comm: "mem", PID: 1}
	a := Held{Class: Class{Key: "A", Kind: Spin}, Addr: 1}
	b := Held{Class: Class{Key: "B", Kind: Spin}, Addr: 2}
	held := []Held{a}
	allocs := testing.AllocsPerRun(1000, func() {
		g.Acquire(&task, nil, a)
		g.Acquire(&task, held, b)
		g.Release(&task, held, a)
	})
	assert.Zero(t, allocs)
}

func TestDeterministic(t *testing.T) {
	run := func() string {
		var out strings.Builder
		for _, lt := range lockTypes {
			for _, f := range families {
				s := newSim(t, NewGraph(), "det", 3, lt.kind, lt.read)
				s.pairs(f.pairs, false)
				for _, r := range s.reports {
					out.WriteString(r.Text)
				}
			}
		}
		return out.String()
	}
	assert.Equal(t, run(), run())
}

var columnCPU1 = regexp.MustCompile(`(?m)^ {31}lock\(`)

// checkStructure asserts the shape every lockdep report shares.
func checkStructure(t *testing.T, r *Report) {
	t.Helper()
	lines := strings.Split(r.Text, "\n")
	require.Greater(t, len(lines), 5)
	assert.Equal(t, r.Title, lines[1])
	width := len(r.Title)
	if r.Kind == "irq-order" {
		width = 53 // print_bad_irq_dependency's separators are shorter than its title
	}
	assert.Equal(t, strings.Repeat("=", width), lines[0])
	assert.Equal(t, strings.Repeat("-", width), lines[3])
	assert.Equal(t, "6.12.0-ksim #1 Not tainted", lines[2])
	assert.True(t, strings.HasSuffix(r.Text, " </TASK>\n"))
	assert.Contains(t, r.Text, "\nstack backtrace:\nCPU: ")
	if r.Kind == "circular" {
		for _, l := range lines {
			if strings.Contains(l, "CPU1") {
				assert.Equal(t, 31, strings.Index(l, "CPU1"), "CPU1 column")
			}
		}
		assert.Len(t, columnCPU1.FindAllString(r.Text, -1), 2)
		assert.Contains(t, r.Text, "\n\nwhich lock already depends on the new lock.\n\n\nthe existing dependency chain (in reverse order) is:\n\n-> #")
	}
	if r.Kind == "irq-order" || r.Kind == "irq-inversion" {
		for _, l := range lines {
			if strings.Contains(l, "CPU1") {
				assert.Equal(t, 31, strings.Index(l, "CPU1"), "CPU1 column")
			}
		}
		assert.Len(t, columnCPU1.FindAllString(r.Text, -1), 2)
		assert.Regexp(t, `\n  lock\([^)]+\);\n {31}local_irq_disable\(\);\n {31}lock\([^)]+\);\n {31}lock\([^)]+\);\n  <Interrupt>\n    lock\([^)]+\);\n\n \*\*\* DEADLOCK \*\*\*\n\n`, r.Text)
	}
	if r.Kind == "inconsistent" {
		assert.Regexp(t, `\nother info that might help us debug this:\n Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock\(([^)]+)\);\n  <Interrupt>\n    lock\(([^)]+)\);\n\n \*\*\* DEADLOCK \*\*\*\n\n`, r.Text)
		assert.Regexp(t, `(?m)^\S+/\d+ \[HC\d\[\d+\]:SC\d\[\d+\]:HE\d:SE\d\] takes:$`, r.Text)
		assert.Regexp(t, `\nirq event stamp: \d+\nhardirqs last  enabled at \(\d+\): \[<[0-9a-f]{16}>\] \S+\nhardirqs last disabled at \(\d+\): \[<[0-9a-f]{16}>\] \S+\nsoftirqs last  enabled at \(\d+\): \[<[0-9a-f]{16}>\] \S+\nsoftirqs last disabled at \(\d+\): \[<[0-9a-f]{16}>\] \S+\n\nother info`, r.Text)
	}
	if r.Kind == "recursive" {
		assert.Contains(t, r.Text, "\nother info that might help us debug this:\n Possible unsafe locking scenario:\n\n       CPU0\n       ----\n")
	}
	held := regexp.MustCompile(`(?m)^ #\d+: [0-9a-f]{16} \([^)]+\)\{[-+.?]{4}\}-\{\d:\d\}, at: \S+$`)
	if !strings.Contains(r.Text, "\nno locks held by ") {
		assert.NotEmpty(t, held.FindAllString(r.Text, -1), "held-lock lines")
	}
}

func TestKeyName(t *testing.T) {
	g := NewGraph()
	for _, tc := range []struct {
		key  uint64
		name string
		want string
	}{
		{0x10, "&dev->lock", "&dev->lock"},
		{0x20, "&dev->lock", "&dev->lock#2"},
		{0x10, "&dev->lock", "&dev->lock"},
		{0x30, "m", "m"},
		{0x40, "&dev->lock", "&dev->lock#3"},
		{0x20, "other", "&dev->lock#2"}, // a key keeps the name it was registered with
	} {
		if got := g.KeyName(tc.key, tc.name); got != tc.want {
			t.Errorf("KeyName(%#x, %q) = %q, want %q", tc.key, tc.name, got, tc.want)
		}
	}
}

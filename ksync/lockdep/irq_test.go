package lockdep

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// irqSim is one task of lib/locking-selftest.c's irq test cases: it keeps the held
// stack and the irq state as the kernel's HARDIRQ_ENTER / SOFTIRQ_ENTER /
// IRQ_DISABLE / IRQ_ENABLE macros change it, and calls IRQsOn on every enable.
type irqSim struct {
	t       *testing.T
	g       *Graph
	task    TaskInfo
	held    []Held
	reports []*Report
	soft    bool // the flavour: IRQ_* are the SOFTIRQ_* macros
	lockT   string
	hardOff int // local_irq_disable depth
	bhOff   int // local_bh_disable depth
	inHard  bool
	inSoft  bool
	line    int
}

func newIRQSim(t *testing.T, g *Graph, soft bool, lockT string) *irqSim {
	return &irqSim{t: t, g: g, task: TaskInfo{Comm: "swapper/0", PID: 1}, soft: soft, lockT: lockT, line: 10}
}

func (s *irqSim) sync() {
	s.line++
	s.task.IRQ = IRQContext{InHardirq: s.inHard, InSoftirq: s.inSoft, HardirqsOff: s.hardOff > 0,
		SoftirqsOff: s.bhOff > 0, SoftirqCount: 2 * s.bhOff}
	fn := "selftest"
	if s.inHard || s.inSoft {
		fn = "selftest_irq"
	}
	s.task.Stack = []Frame{{Func: "kernel_init"}, {Func: fn, File: "locking-selftest.c", Line: s.line}}
}

func (s *irqSim) record(r *Report) {
	if r != nil {
		s.reports = append(s.reports, r)
	}
}

func (s *irqSim) hardDisable() { s.hardOff++; s.sync() }
func (s *irqSim) hardEnable()  { s.hardOff--; s.sync(); s.record(s.g.IRQsOn(&s.task, s.held)) }
func (s *irqSim) bhDisable()   { s.bhOff++; s.sync() }
func (s *irqSim) bhEnable()    { s.bhOff--; s.sync(); s.record(s.g.IRQsOn(&s.task, s.held)) }

// hardEnter / hardExit are HARDIRQ_ENTER / HARDIRQ_EXIT; softEnter / softExit are
// SOFTIRQ_ENTER / SOFTIRQ_EXIT (bottom halves and irqs off, softirq context).
func (s *irqSim) hardEnter() { s.hardDisable(); s.inHard = true; s.sync() }
func (s *irqSim) hardExit()  { s.inHard = false; s.hardEnable() }
func (s *irqSim) softEnter() { s.bhDisable(); s.hardDisable(); s.inSoft = true; s.sync() }
func (s *irqSim) softExit()  { s.inSoft = false; s.hardEnable(); s.bhEnable() }

// The flavoured macros.
func (s *irqSim) irqEnter() {
	if s.soft {
		s.softEnter()
	} else {
		s.hardEnter()
	}
}

func (s *irqSim) irqExit() {
	if s.soft {
		s.softExit()
	} else {
		s.hardExit()
	}
}

func (s *irqSim) irqDisable() {
	if s.soft {
		s.bhDisable()
	} else {
		s.hardDisable()
	}
}

func (s *irqSim) irqEnable() {
	if s.soft {
		s.bhEnable()
	} else {
		s.hardEnable()
	}
}

// held1 is the lock x of type lt ("spin", "wlock", "rlock"): the selftest's lock_X
// or rwlock_X.
func (s *irqSim) held1(x, lt string) Held {
	h := Held{Class: Class{Key: "lock_" + x, Kind: Spin}, Addr: addr(x)}
	if lt != "spin" {
		h.Class = Class{Key: "rwlock_" + x, Kind: RWLock}
		h.Addr += 0x1000
		h.Read = lt == "rlock" || lt == "qrlock"
		// rlock is recursive, as lib/locking-selftest.c forces it for its families;
		// qrlock is read_lock as rwlock_acquire_read takes it on a kernel with
		// CONFIG_QUEUED_RWLOCKS: recursive only in_interrupt() (read_lock_is_recursive).
		h.Recursive = lt == "rlock" || lt == "qrlock" && (s.inHard || s.inSoft || s.bhOff > 0)
	}
	h.At = fmt.Sprintf("selftest+0x%x/0x400", s.line*0x10)
	return h
}

func (s *irqSim) lockAs(x, lt string) {
	s.sync()
	h := s.held1(x, lt)
	s.record(s.g.Acquire(&s.task, s.held, h))
	s.held = append(s.held, h)
}

func (s *irqSim) unlock(x string) {
	s.sync()
	for i := len(s.held) - 1; i >= 0; i-- {
		if strings.HasSuffix(s.held[i].Class.Key, "_"+x) {
			require.Nil(s.t, s.g.Release(&s.task, s.held, s.held[i]))
			s.held = append(s.held[:i], s.held[i+1:]...)
			return
		}
	}
	s.t.Fatalf("unlock(%s): not held", x)
}

func (s *irqSim) lock(x string) { s.lockAs(x, s.lockT) } // LOCK(x)

type irqFamily struct {
	name   string
	events []func(s *irqSim) // E1, E2[, E3]
	// want is the report kind for a lock type ("spin", "wlock") and permutation
	// ("12", "231", ...): "" for none. rlock never fails in these families.
	want func(perm string) string
	// title of an irq-order report, %s = HARDIRQ or SOFTIRQ.
	orderTitle string
	maxReports int
}

// The irq families of lib/locking-selftest.c, as the kernel runs them.
var irqFamilies = []irqFamily{
	{
		name: "irqs-on + irq-safe-A", // irqsafe1
		events: []func(s *irqSim){
			func(s *irqSim) { s.irqEnter(); s.lock("A"); s.unlock("A"); s.irqExit() },
			func(s *irqSim) { s.lock("A"); s.unlock("A") },
		},
		want:       func(string) string { return "inconsistent" },
		maxReports: 1,
	},
	{
		name: "safe-A + irqs-on", // irqsafe2B: irqs re-enabled with the irq-safe lock held
		events: []func(s *irqSim){
			func(s *irqSim) { s.irqEnter(); s.lock("A"); s.unlock("A"); s.irqExit() },
			func(s *irqSim) { s.irqDisable(); s.lock("A"); s.irqEnable(); s.unlock("A") },
		},
		want:       func(string) string { return "inconsistent" },
		maxReports: 1,
	},
	{
		name: "safe-A + unsafe-B #1", // irqsafe3: A also taken with irqs on
		events: []func(s *irqSim){
			func(s *irqSim) { s.lock("A"); s.lock("B"); s.unlock("B"); s.unlock("A") },
			func(s *irqSim) { s.lock("B"); s.unlock("B") },
			func(s *irqSim) { s.irqEnter(); s.lock("A"); s.unlock("A"); s.irqExit() },
		},
		want:       func(string) string { return "inconsistent" },
		maxReports: 2,
	},
	{
		name: "safe-A + unsafe-B #2", // irqsafe4
		events: []func(s *irqSim){
			func(s *irqSim) {
				s.irqDisable()
				s.lock("A")
				s.lock("B")
				s.unlock("B")
				s.unlock("A")
				s.irqEnable()
			},
			func(s *irqSim) { s.lock("B"); s.unlock("B") },
			func(s *irqSim) { s.irqEnter(); s.lock("A"); s.unlock("A"); s.irqExit() },
		},
		want:       orderOrInversion,
		maxReports: 1,
		orderTitle: "WARNING: %[1]s-safe -> %[1]s-unsafe lock order detected",
	},
	{
		name: "irq lock-inversion", // irq_inversion: A write-locked, read-locked in the irq
		events: []func(s *irqSim){
			func(s *irqSim) {
				s.irqDisable()
				s.lockAs("A", "wlock")
				s.lock("B")
				s.unlock("B")
				s.unlock("A")
				s.irqEnable()
			},
			func(s *irqSim) { s.lock("B"); s.unlock("B") },
			func(s *irqSim) { s.irqEnter(); s.lockAs("A", "rlock"); s.unlock("A"); s.irqExit() },
		},
		want:       orderOrInversion,
		maxReports: 1,
		orderTitle: "WARNING: %[1]s-READ-safe -> %[1]s-READ-unsafe lock order detected",
	},
}

// orderOrInversion: when the irq-safe and irq-unsafe usages both exist before the
// dependency A -> B is added (E2 and E3 before E1), check_irq_usage reports the new
// dependency; otherwise the usage bit that comes last is checked against the recorded
// dependency (mark_lock_irq's check_usage_forwards / _backwards).
func orderOrInversion(perm string) string {
	if strings.HasSuffix(perm, "1") {
		return "irq-order"
	}
	return "irq-inversion"
}

func permutations(n int) []string {
	if n == 2 {
		return []string{"12", "21"}
	}
	return []string{"123", "132", "213", "231", "312", "321"}
}

var irqTitles = map[string]string{
	"inconsistent":  "WARNING: inconsistent lock state",
	"irq-inversion": "WARNING: possible irq lock inversion dependency detected",
}

func TestSelftestIRQFamilies(t *testing.T) {
	for _, f := range irqFamilies {
		for _, soft := range []bool{false, true} {
			flavour, irq := "hard", "HARDIRQ"
			if soft {
				flavour, irq = "soft", "SOFTIRQ"
			}
			for _, lt := range []string{"spin", "wlock", "rlock"} {
				for _, perm := range permutations(len(f.events)) {
					t.Run(fmt.Sprintf("%s/%s-%s/%s", f.name, flavour, lt, perm), func(t *testing.T) {
						s := newIRQSim(t, NewGraph(), soft, lt)
						for _, c := range perm {
							f.events[c-'1'](s)
						}
						assert.Empty(t, s.held)
						if lt == "rlock" {
							for _, r := range s.reports {
								t.Log(r.Text)
							}
							assert.Empty(t, s.reports, "recursive read-locks cannot deadlock here")
							return
						}
						// The kernel stops at its first report; ksim goes on and may report
						// another, distinct problem later in the same case (safe-A +
						// unsafe-B #1: after "inconsistent" on A, A -> B is also an
						// irq-safe -> irq-unsafe order).
						require.NotEmpty(t, s.reports)
						require.LessOrEqual(t, len(s.reports), f.maxReports)
						r := s.reports[0]
						want := f.want(perm)
						assert.Equal(t, want, r.Kind)
						title := irqTitles[want]
						if want == "irq-order" {
							title = fmt.Sprintf(f.orderTitle, irq)
						}
						assert.Equal(t, title, r.Title)
						assert.Contains(t, r.Key, irq)
						if want == "inconsistent" {
							assert.Regexp(t, `\ninconsistent \{(IN-`+irq+`-W|`+irq+`-ON-W)\} -> \{(IN-`+irq+`-W|`+irq+`-ON-W)\} usage\.\n`, r.Text)
						}
						checkStructure(t, r)
					})
				}
			}
		}
	}
}

// TestSelftestSirqSafeHirqsOn is irqsafe2A, "sirq-safe-A => hirqs-on": A is used in a
// softirq, then held while hardirqs are re-enabled with softirqs on, which makes it
// SOFTIRQ-ON.
func TestSelftestSirqSafeHirqsOn(t *testing.T) {
	e1 := func(s *irqSim) { s.softEnter(); s.lock("A"); s.unlock("A"); s.softExit() }
	e2 := func(s *irqSim) { s.hardDisable(); s.lock("A"); s.hardEnable(); s.unlock("A") }
	for _, lt := range []string{"spin", "wlock", "rlock"} {
		for _, perm := range []string{"12", "21"} {
			t.Run(lt+"/"+perm, func(t *testing.T) {
				s := newIRQSim(t, NewGraph(), false, lt)
				for _, c := range perm {
					[]func(*irqSim){e1, e2}[c-'1'](s)
				}
				if lt == "rlock" {
					assert.Empty(t, s.reports)
					return
				}
				require.Len(t, s.reports, 1)
				assert.Equal(t, "inconsistent", s.reports[0].Kind)
				want := map[string]string{"12": "{IN-SOFTIRQ-W} -> {SOFTIRQ-ON-W}", "21": "{SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}"}[perm]
				assert.Contains(t, s.reports[0].Text, "\ninconsistent "+want+" usage.\n")
			})
		}
	}
}

// TestIRQPositiveControls: correct irq locking is silent.
func TestIRQPositiveControls(t *testing.T) {
	t.Run("irqsave in process context, plain in the handler", func(t *testing.T) {
		g := NewGraph()
		s := newIRQSim(t, g, false, "spin")
		for range 3 {
			s.hardDisable() // spin_lock_irqsave
			s.lock("A")
			s.lock("B")
			s.unlock("B")
			s.unlock("A")
			s.hardEnable() // spin_unlock_irqrestore
			s.hardEnter()
			s.lock("A")
			s.unlock("A")
			s.hardExit()
		}
		assert.Empty(t, s.reports)
		assert.Equal(t, "-...", g.Usage(Class{Key: "lock_A"}))
		assert.Equal(t, "....", g.Usage(Class{Key: "lock_B"}))
	})
	t.Run("process context with irqs on only", func(t *testing.T) {
		g := NewGraph()
		s := newIRQSim(t, g, false, "spin")
		s.lock("A")
		s.lock("B")
		s.unlock("B")
		s.unlock("A")
		s.lock("B")
		s.unlock("B")
		assert.Empty(t, s.reports)
		assert.Equal(t, "+.+.", g.Usage(Class{Key: "lock_A"}))
	})
	t.Run("spin_lock_bh in process context, plain in the softirq", func(t *testing.T) {
		g := NewGraph()
		s := newIRQSim(t, g, true, "spin")
		s.bhDisable()
		s.lock("A")
		s.unlock("A")
		s.bhEnable()
		s.softEnter()
		s.lock("A")
		s.unlock("A")
		s.softExit()
		assert.Empty(t, s.reports)
		assert.Equal(t, "+.-.", g.Usage(Class{Key: "lock_A"}), "hardirq-unsafe but never used in a hardirq")
	})
	t.Run("read_lock in irq and with irqs on", func(t *testing.T) {
		g := NewGraph()
		s := newIRQSim(t, g, false, "rlock")
		s.lock("A")
		s.unlock("A")
		s.hardEnter()
		s.lock("A")
		s.unlock("A")
		s.hardExit()
		assert.Empty(t, s.reports)
		assert.Equal(t, ".?.+", g.Usage(Class{Key: "rwlock_A"}), "IN-HARDIRQ-R + HARDIRQ-ON-R is allowed")
	})
	t.Run("irqs enabled in a handler mark nothing", func(t *testing.T) {
		g := NewGraph()
		s := newIRQSim(t, g, false, "spin")
		s.hardEnter()
		s.lock("A")
		s.task.IRQ.HardirqsOff = false
		assert.Nil(t, g.IRQsOn(&s.task, s.held))
		assert.Equal(t, "-...", g.Usage(Class{Key: "lock_A"}))
	})
}

// TestIRQReportOrder: mark_usage runs before validate_chain, so an acquisition that is
// both an inconsistent use and the end of a cycle reports the inconsistency and adds
// no dependency.
func TestIRQReportOrder(t *testing.T) {
	g := NewGraph()
	s := newIRQSim(t, g, false, "spin")
	s.lock("A") // A: HARDIRQ-ON-W
	s.unlock("A")
	s.hardDisable()
	s.lock("A")
	s.lock("B") // A -> B
	s.unlock("B")
	s.unlock("A")
	s.hardEnable()
	require.Empty(t, s.reports)
	edges := g.Edges()
	s.hardEnter()
	s.lock("B")
	s.lock("A") // IN-HARDIRQ-W on a HARDIRQ-ON-W class, and B -> A closes a cycle
	require.Len(t, s.reports, 1)
	assert.Equal(t, "inconsistent", s.reports[0].Kind)
	assert.Equal(t, "lock_A {HARDIRQ-ON-W} -> {IN-HARDIRQ-W}", s.reports[0].Key)
	assert.Contains(t, s.reports[0].Text, "(lock_A){?.+.}-{2:2}")
	assert.Equal(t, edges, g.Edges())
	s.unlock("A")
	s.unlock("B")
	// The reported bit is not kept: the same use is found again, first, as a repeat.
	s.lock("B")
	s.lock("A")
	require.Len(t, s.reports, 2)
	assert.Equal(t, "inconsistent", s.reports[1].Kind)
	assert.True(t, s.reports[1].Repeat)
	assert.Equal(t, edges, g.Edges())
}

// TestIRQDedup: the same problem found again, in later executions and through other
// chains, is a repeat.
func TestIRQDedup(t *testing.T) {
	g := NewGraph()
	run := func(comm string, pid int, extra bool) []*Report {
		s := newIRQSim(t, g, false, "spin")
		s.task.Comm, s.task.PID = comm, pid
		s.lock("B") // B irq-unsafe
		s.unlock("B")
		s.hardEnter()
		s.lock("A") // A irq-safe
		s.unlock("A")
		s.hardExit()
		s.hardDisable()
		if extra {
			s.lock("X")
		}
		s.lock("A")
		s.lock("B")
		s.unlock("B")
		s.unlock("A")
		if extra {
			s.unlock("X")
		}
		s.hardEnable()
		return s.reports
	}
	r := run("first", 1, false)
	require.Len(t, r, 1)
	assert.Equal(t, "irq-order", r[0].Kind)
	assert.Equal(t, "lock_A -> lock_B HARDIRQ", r[0].Key)
	assert.False(t, r[0].Repeat)
	for _, r := range [][]*Report{run("second", 2, false), run("third", 3, true)} { // the third: another chain, the same pair
		require.Len(t, r, 1)
		assert.Equal(t, "lock_A -> lock_B HARDIRQ", r[0].Key)
		assert.True(t, r[0].Repeat)
	}
	assert.Zero(t, countDeps(g, "lock_A", "lock_B"), "a reported dependency is not recorded")
}

func countDeps(g *Graph, from, to string) int {
	n := 0
	for _, d := range g.Deps() {
		if d.From == from && d.To == to {
			n++
		}
	}
	return n
}

// TestIRQOrderChain: the irq-safe lock reaches the held one through a recorded
// dependency, so the scenario names the chain and the backward dependencies are
// printed from the safe lock down to the held one.
func TestIRQOrderChain(t *testing.T) {
	g := NewGraph()
	s := newIRQSim(t, g, false, "spin")
	s.lock("U") // U irq-unsafe
	s.unlock("U")
	s.hardEnter()
	s.lock("S") // S irq-safe
	s.unlock("S")
	s.hardExit()
	s.hardDisable()
	s.lock("S") // S -> M
	s.lock("M")
	s.unlock("M")
	s.unlock("S")
	s.lock("M")
	s.lock("U") // M -> U: S -> M -> U connects safe S to unsafe U
	s.unlock("U")
	s.unlock("M")
	s.hardEnable()
	require.Len(t, s.reports, 1)
	r := s.reports[0]
	assert.Equal(t, "irq-order", r.Kind)
	assert.Equal(t, "lock_S -> lock_U HARDIRQ", r.Key)
	assert.Contains(t, r.Text, "\nChain exists of:\n  lock_S --> lock_M --> lock_U\n\n Possible interrupt unsafe locking scenario:\n")
	assert.Contains(t, r.Text, "\n  lock(lock_U);\n"+strings.Repeat(" ", 31)+"local_irq_disable();\n"+
		strings.Repeat(" ", 31)+"lock(lock_S);\n"+strings.Repeat(" ", 31)+"lock(lock_M);\n  <Interrupt>\n    lock(lock_S);\n")
	assert.Contains(t, r.Text, "holding lock:\n -> (lock_S){-...}-{2:2} {\n    IN-HARDIRQ-W at:\n")
	assert.Contains(t, r.Text, "\n-> (lock_M){....}-{2:2} {\n   INITIAL USE at:\n")
	assert.Contains(t, r.Text, " ... acquired at:\n   selftest (locking-selftest.c:")
	checkStructure(t, r)
}

func TestIRQContextFlags(t *testing.T) {
	for _, tt := range []struct {
		ctx  IRQContext
		want string
	}{
		{IRQContext{}, "[HC0[0]:SC0[0]:HE1:SE1]"},
		{IRQContext{HardirqsOff: true}, "[HC0[0]:SC0[0]:HE0:SE1]"},
		{IRQContext{InHardirq: true}, "[HC1[1]:SC0[0]:HE0:SE1]"},
		{IRQContext{InHardirq: true, HardirqCount: 2}, "[HC1[2]:SC0[0]:HE0:SE1]"},
		{IRQContext{SoftirqsOff: true, SoftirqCount: 2}, "[HC0[0]:SC0[2]:HE1:SE0]"},
		{IRQContext{InSoftirq: true}, "[HC0[0]:SC1[1]:HE1:SE0]"},
	} {
		assert.Equal(t, tt.want, tt.ctx.flags())
	}
}

func TestIRQMasks(t *testing.T) {
	assert.Equal(t, uint8(bitEnabledHardirq), exclusiveBit(bitUsedInHardirq))
	assert.Equal(t, uint8(bitEnabledHardirq), exclusiveBit(bitUsedInHardirq+1))
	assert.Equal(t, uint8(bitUsedInSoftirq), exclusiveBit(bitEnabledSoftirq+1))
	assert.Equal(t, EnabledHardirq|EnabledHardirqRead, exclusiveMask(UsedInHardirqRead))
	assert.Equal(t, UsedInSoftirq|UsedInSoftirqRead, originalMask(EnabledSoftirq))
	assert.Equal(t, "HARDIRQ-READ", stateName(1))
	assert.Equal(t, "SOFTIRQ", stateName(6))
	b, e, ok := findExclusiveMatch(EnabledHardirq|UsedInSoftirq|Used, EnabledHardirq|EnabledSoftirq|Used)
	assert.True(t, ok)
	assert.Equal(t, []uint8{bitUsedInSoftirq, bitEnabledSoftirq}, []uint8{b, e})
}

// TestSelftestQueuedReadLock is lib/locking-selftest.c's queued_read_lock_tests, run
// with force_read_lock_recursive = 0 as the kernel runs them: a read_lock is a
// recursive reader only in the hardirq handler (read_lock_is_recursive()). LOCK(B)
// there is write_lock(&rwlock_B) (the last template included is the wlock one).
func TestSelftestQueuedReadLock(t *testing.T) {
	for _, tt := range []struct {
		name string
		body func(s *irqSim)
		want []string // report kinds; the kernel says only FAILURE or SUCCESS
	}{
		// hardirq read-lock/lock-read: FAILURE.
		{"queued_read_lock_hardirq_RE_Er", func(s *irqSim) {
			s.hardEnter()
			s.lockAs("A", "qrlock")
			s.lockAs("B", "wlock")
			s.unlock("B")
			s.unlock("A")
			s.hardExit()
			s.hardDisable()
			s.lockAs("B", "wlock")
			s.lockAs("A", "qrlock")
			s.unlock("A")
			s.unlock("B")
			s.hardEnable()
		}, []string{"circular"}},
		// hardirq lock-read/read-lock: SUCCESS (B -(ER)-> A, then A held as a
		// plain reader -> B: no strong path closes a cycle).
		{"queued_read_lock_hardirq_ER_rE", func(s *irqSim) {
			s.hardEnter()
			s.lockAs("B", "wlock")
			s.lockAs("A", "qrlock")
			s.unlock("A")
			s.unlock("B")
			s.hardExit()
			s.hardDisable()
			s.lockAs("A", "qrlock")
			s.lockAs("B", "wlock")
			s.unlock("B")
			s.unlock("A")
			s.hardEnable()
		}, nil},
		// hardirq inversion: FAILURE.
		{"queued_read_lock_hardirq_inversion", func(s *irqSim) {
			s.hardEnter()
			s.lockAs("B", "wlock")
			s.unlock("B")
			s.hardExit()
			s.hardDisable()
			s.lockAs("B", "wlock")
			s.lockAs("A", "qrlock")
			s.unlock("A")
			s.unlock("B")
			s.hardEnable()
			s.lockAs("A", "qrlock")
			s.unlock("A")
		}, []string{"irq-inversion"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newIRQSim(t, NewGraph(), false, "qrlock")
			tt.body(s)
			var got []string
			for _, r := range s.reports {
				got = append(got, r.Kind)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

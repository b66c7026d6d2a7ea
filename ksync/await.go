package ksync

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/sched"
)

// Spin and polling loops as awaits.
//
// A loop iteration that changes nothing shared, leaves the task's locks, preemption and
// irq state as they were, and (the interpreter checks this) leaves its locals as they
// were, cannot make progress on its own: run again, it would do exactly the same. So
// instead of spinning until the step limit (a schedule no machine produces: the other
// CPU runs too), the task blocks until another task changes something the iteration
// read: GenMC's spin-assume, SPIN's blocking guard. Blocking loses nothing: every
// further iteration before that change would leave the same state, and the change can
// land inside the first iteration as well as after it, which the search explores.
//
// What counts as a change is a step that wrote an object (sched.Execution.Version):
// a plain or atomic write, a lock taken or released, a semaphore's up. Taking and
// releasing a lock within the iteration leaves it as it was, and is no change, unless
// another task can observe the round trip (a trylock or *_is_locked elsewhere counts
// them; the interpreter says so with RoundTripsObservable): then it is progress, and
// the loop runs on. Time passing (msleep, udelay, cpu_relax) changes nothing.
//
// A task that waits this way and that nothing will ever release is what the kernel
// reports: a soft lockup when it spins without sleeping (with preemption off, or under
// voluntary preemption with no cond_resched in the loop), a hard LOCKUP with irqs off,
// and nothing for a loop that sleeps each time round; ksim adds a livelock line naming
// the loop and what it waits on.

// loopAcc is one shared access of a task inside a loop iteration.
type loopAcc struct {
	step   int // its step's index in the trace
	obj    sched.ObjID
	before uint32       // the object's version when the access ran
	acc    sched.Access // how it ran: filled in when its step has closed
}

// Loop is the state of one loop of a task that the interpreter runs: where its
// current iteration's accesses start in the task's journal, and the task's own state
// when it began.
type Loop struct {
	t      *Task
	pos    string // the loop's source position
	start  int    // the iteration's first entry in t.journal
	sleeps int    // t.sleeps when the iteration began
	// t.clockReads when the iteration began: counts, not flags, so that an inner
	// loop's iterations do not hide an outer one's reads of jiffies.
	clockReads int
	preempt    int
	irqsOff    bool
	held       []*lockBase
	// The loop bound (kthread.go): t.ws.woken when the iteration began, and the
	// iterations that counted so far.
	woken, rounds int
}

// ReadClock tells the loop tracking that the task read the time (jiffies). An
// iteration that did, and changed nothing else, waits for a deadline as much as for
// another task: whether the deadline passes first is an explored choice. Either time
// jumps past it now (Kernel.Jiffies, timeSkip), or the task waits for another task's
// change, and should every other task block first, time passes then.
func (t *Task) ReadClock() { t.clockReads++ }

// LoopEnter starts tracking a loop the task is about to run; LoopLeave ends it.
// Loops nest: an outer loop's iteration includes its inner loops' accesses.
func (t *Task) LoopEnter(pos string) *Loop {
	t.k.e.TrackVersions()
	t.settle()
	t.loops++
	l := &Loop{t: t, pos: pos}
	l.begin()
	return l
}

// LoopLeave ends the loop LoopEnter began.
func (t *Task) LoopLeave(l *Loop) {
	t.loops--
	if t.loops == 0 {
		t.journal, t.journalOpen = t.journal[:0], false
	}
}

func (l *Loop) begin() {
	t := l.t
	t.settle()
	l.start = len(t.journal)
	l.sleeps, l.clockReads, l.woken = t.sleeps, t.clockReads, t.ws.woken
	l.preempt, l.irqsOff = t.preempt, t.irqsOff
	l.held = l.held[:0]
	for _, h := range t.held {
		l.held = append(l.held, h.l)
	}
}

// Iterated closes one iteration of the loop and begins the next. localsSame says the
// iteration left the task's locals as it found them. When the iteration could not make
// progress, the task first waits until another task writes something it read.
func (l *Loop) Iterated(localsSame bool, roundTripsObservable bool) {
	t := l.t
	if localsSame && l.stuck(roundTripsObservable) {
		if t.aw.timed && t.k.e.Choose(2) == 0 {
			t.skipTime("the deadline passes first")
		} else {
			t.await(l)
		}
	} else {
		t.loopBound(l, localsSame)
	}
	l.begin()
}

// settle fills in how the task's last journalled access finally ran (a failed trylock
// only reads), while its step is still the one running: called before the task
// announces its next operation. Should another step have run on the task's thread
// since (a spawn or a join, which do not pass through opx), the access is taken as a
// change, which can only make a loop run on: sound.
func (t *Task) settle() {
	if !t.journalOpen {
		return
	}
	t.journalOpen = false
	a := &t.journal[len(t.journal)-1]
	if t.th.StepIndex() == a.step {
		a.acc = t.th.StepAccess()
	} else {
		a.acc = sched.Write
	}
}

// record journals the access the task's running step makes, inside a tracked loop.
func (t *Task) record(o *sched.Op) {
	if o.Obj == 0 || o.Access == sched.None {
		return
	}
	t.journal = append(t.journal, loopAcc{step: t.th.StepIndex(), obj: o.Obj, before: t.k.e.Version(o.Obj), acc: o.Access})
	t.journalOpen = true
}

// stuck reports whether the iteration that just ended made no progress, and sets the
// task's await: the objects it read, each with the version it left it at.
func (l *Loop) stuck(roundTripsObservable bool) bool {
	t := l.t
	t.settle()
	if t.preempt != l.preempt || t.irqsOff != l.irqsOff || len(t.held) != len(l.held) {
		return false
	}
	for i, h := range t.held {
		if h.l != l.held[i] {
			return false
		}
	}
	win := t.journal[l.start:]
	if len(win) > maxAwaitWindow {
		return false // too long to reason about cheaply: run it again, which is sound
	}
	aw := &t.aw
	aw.objs, aw.want = aw.objs[:0], aw.want[:0]
	for _, a := range win {
		switch a.acc {
		case sched.Write:
			return false // it wrote something: progress
		case sched.Acquire, sched.Release, sched.AcquireShared, sched.ReleaseShared:
			if roundTripsObservable {
				return false
			}
		}
		k := -1
		for j, o := range aw.objs {
			if o == a.obj {
				k = j
				break
			}
		}
		if k < 0 {
			aw.objs = append(aw.objs, a.obj)
			aw.want = append(aw.want, a.before)
			k = len(aw.objs) - 1
		} else if a.before != aw.want[k] {
			return false // another task changed it between two of our accesses: go round again
		}
		if a.acc.Changes() {
			aw.want[k]++ // our own change: the version we leave it at
		}
	}
	// Anything differing from what the iteration left: changed by another task since.
	e := t.k.e
	var lastObj sched.ObjID // a change whose step still runs: Version does not count it yet
	if n := len(win); n > 0 && win[n-1].acc.Changes() && win[n-1].step == t.th.StepIndex() {
		lastObj = win[n-1].obj
	}
	for j, o := range aw.objs {
		v := e.Version(o)
		if o == lastObj {
			v++
		}
		if v != aw.want[j] {
			return false
		}
	}
	aw.loop = l
	aw.slept = t.sleeps != l.sleeps
	aw.timed = t.clockReads != l.clockReads
	return true
}

// maxAwaitWindow bounds the accesses one iteration may make and still be judged
// stuck: beyond it the loop just runs on.
const maxAwaitWindow = 256

// awaitGuard holds a task whose loop is stuck until one of the objects its last
// iteration read is changed by someone else.
type awaitGuard struct {
	t     *Task
	loop  *Loop
	objs  []sched.ObjID
	want  []uint32
	slept bool // the iteration slept (msleep, schedule): a polling loop, not a busy one
	timed bool // the iteration read jiffies: time passing ends the wait too
}

func (g *awaitGuard) Enabled(*sched.Op) bool {
	return g.changed() || g.timed && g.t.k.othersBlocked(g.t)
}

// changed reports whether another task changed an object the loop read.
func (g *awaitGuard) changed() bool {
	e := g.t.k.e
	for j, o := range g.objs {
		if e.Version(o) != g.want[j] {
			return true
		}
	}
	return false
}

// othersBlocked reports whether no task but self (and other tasks waiting for time)
// can run: then the only thing left to happen is time passing.
func (k *Kernel) othersBlocked(self *Task) bool {
	for _, ts := range [...][]*Task{k.tasks, k.handlers} {
		for _, o := range ts {
			if o == self || o.exited || o.th == nil || o.th.Finished() || o.awaiting && o.aw.timed {
				continue
			}
			if op := o.th.PendingOp(); op.Guard == nil || op.Guard.Enabled(op) {
				return false
			}
		}
	}
	return true
}

// skipTime lets every pending deadline pass.
func (t *Task) skipTime(why string) {
	t.k.skipped += timeSkip
	t.note("%s: jiffies jumps %d s ahead", why, timeSkip/HZ)
}

// what names the objects a stuck loop waits on, for traces and reports.
func (g *awaitGuard) what() string {
	if len(g.objs) == 0 {
		return "nothing (it reads no shared state)"
	}
	names := make([]string, len(g.objs))
	for i, o := range g.objs {
		names[i] = g.t.k.e.ObjName(o)
	}
	return strings.Join(names, ", ")
}

// await blocks the task until its stuck loop's await guard lets it go round again.
func (t *Task) await(l *Loop) {
	aw := &t.aw
	aw.t = t
	var obj sched.ObjID
	if len(aw.objs) > 0 {
		obj = aw.objs[0]
	}
	kind := "spin"
	if aw.slept {
		kind = "poll"
	}
	prev := t.wait
	t.wait = waiting{kind: kind, pos: l.pos, prim: "loop"}
	t.awaiting = true
	t.opx(&sched.Op{Name: "await", Obj: obj, Access: sched.Read, Guard: aw})
	t.awaiting = false
	t.wait = prev
	if aw.timed && !aw.changed() {
		t.skipTime("nothing else can happen but time passing")
		return
	}
	t.note("%s changed: goes round again", aw.what())
}

// Awaiting reports whether the task is blocked in a stuck loop.
func (t *Task) Awaiting() bool { return t.awaiting }

// loopLockup reports tasks stuck in loops that nothing will ever release. One that
// spins without sleeping holds its CPU: with irqs off the NMI watchdog's hard LOCKUP,
// otherwise the soft-lockup watchdog (the modelled kernel preempts voluntarily, so a
// kernel loop without cond_resched keeps its CPU even with preemption on). One that
// sleeps each time round (msleep, schedule_timeout) is ordinary to the kernel, which
// prints nothing. ksim adds the livelock line either way.
func (k *Kernel) loopLockup(t *Task) sched.Problem {
	aw := &t.aw
	var b strings.Builder
	livelock := fmt.Sprintf("ksim: livelock: %s loops at %s waiting for %s to change, and no task will change it\n",
		t.id(), t.wait.pos, aw.what())
	site := "loop at " + t.wait.pos
	if aw.slept {
		b.WriteString(livelock)
		b.WriteString("ksim: the kernel prints nothing for this: the loop sleeps each time round, so neither the\n" +
			"ksim: soft-lockup watchdog nor the hung-task detector sees it.\n")
		title := fmt.Sprintf("ksim: livelock: %s polls forever at %s", t.id(), t.wait.pos)
		return sched.Problem{Kind: sched.KindHang, Site: site, Title: title, Report: b.String()}
	}
	// The watchdog's report: watchdog_hardlockup_check (kernel/watchdog.c) from the NMI
	// with irqs off, as hardLockup prints it; otherwise watchdog_timer_fn, as
	// softLockup prints it, the taint coming after the report.
	title := fmt.Sprintf("watchdog: BUG: soft lockup - CPU#%d stuck for 22s! [%s:%d]", t.cpu, t.Comm, t.PID)
	after, what := 22.0, "soft lockup in "
	if t.irqsOff {
		title = fmt.Sprintf("watchdog: Watchdog detected hard LOCKUP on cpu %d", t.cpu)
		after, what = 10, "hard lockup in "
	}
	b.WriteString(title + "\n")
	b.WriteString("Modules linked in:\n")
	b.WriteString(t.irqTraceEvents())
	b.WriteString(t.header())
	fmt.Fprintf(&b, "RIP: 0010:%s\n", t.site())
	b.WriteString(t.callTrace())
	k.printkAt(after, b.String())
	b.WriteString("\n" + livelock)
	if !t.irqsOff {
		t.addTaint(taintSoftLock) // LOCKDEP_STILL_OK
		if t.preempt == 0 {
			b.WriteString("ksim: the loop never sleeps nor calls cond_resched(), so under voluntary preemption (the\n" +
				"ksim: modelled kernel's) it keeps its CPU and the watchdog's thread never runs there.\n")
		}
	}
	return sched.Problem{Kind: "lockup", Site: what + site, Title: title, Report: b.String()}
}

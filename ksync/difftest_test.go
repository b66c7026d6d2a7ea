package ksync

// Differential testing of the engine's reduction through the kernel model: random
// small programs over ksync's primitives, explored with the default strategy (dfs:
// Optimal-DPOR, falling back to sleep sets where it must) and with naive exhaustive
// search, both collecting every problem (the CLI's --all). The two must find the same
// problems — the same (kind, site) keys, with the same headlines where those do not
// depend on which execution showed a problem first — and reach the same final states.
// A problem naive search finds and dfs does not is the worst bug ksim can have: a
// wrong "OK … exploration complete".
//
// Unlike TestKernelPrimitivesSoundUnderDPOR, the programs use fewer CPUs than tasks,
// lockdep, spinlocks in every variant, rwlocks and rw_semaphores, trylocks of every
// kind, unlocks by non-owners and of unheld locks, interrupt handlers and tasklets,
// and kmalloc with GFP flags.
//
// A program has a text form (dtParse reads it back) and a C rendering that
// `ksim run` accepts; the simulated source positions are the C rendering's lines, so
// the reports of a disagreement point into the listing printed with it.
//
//	go test ./ksync -run 'TestDiffDPORvsNaive' -v                 # CI size
//	go test ./ksync -run 'TestDiffDPORvsNaive' -v -ksim.long -timeout 3h      # 60,000 programs (~40 min on 2 cores)
//	go test ./ksync -run 'TestDiffRegressions' -v                 # the minimised misses
//	go test ./ksync -run 'TestDiffDPORvsNaive' -v -ksim.long -timeout 3h -ksim.minimize  # minimise what disagrees
//	go test ./ksync -run 'TestDiffRegressions' -v -ksim.prog 'cpus 2|t0: mutex_unlock m0|t1: mutex_lock m0 { }'

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ksim-dev/ksim/sched"
)

var (
	dtLong         = flag.Bool("ksim.long", false, "run the long versions of the randomized tests")
	dtPrograms     = flag.Int("ksim.programs", 0, "TestDiffDPORvsNaive: how many random programs (0: the CI or -ksim.long default)")
	dtSeed         = flag.Uint64("ksim.seed", 0, "TestDiffDPORvsNaive: the first program's seed")
	dtMinimizeFlag = flag.Bool("ksim.minimize", false, "TestDiffDPORvsNaive: minimise every disagreement and print the distinct smallest ones")
	dtShow         = flag.Int("ksim.show", 5, "TestDiffDPORvsNaive: how many disagreements to print in full")
	dtProgram      = flag.String("ksim.prog", "", "TestDiffRegressions: run this program (text form, lines separated by newlines or '|') instead of the table")
)

// dtNaiveCap caps naive search; a program it does not finish is skipped (and counted).
const dtNaiveCap = 5000

// ---- programs ----

// dtOp is one statement of a random program. Blocks: a lock op with a body takes the
// lock, runs the body and releases it; a trylock with a body and an else runs the body
// (then releases) when it got the lock, else the else block; "if" runs its body when a
// shared int has a value.
type dtOp struct {
	name      string
	args      []int
	body, els []*dtOp
	line      int // its line in the C rendering (the simulated source position)
	line2     int // the line of the release that ends its body
}

type dtSpec struct {
	args   string // one letter per argument: m mutex, s spinlock, g int, v value
	blocks int    // 0: a plain op, 1: lock { body }, 2: trylock { body } else { els }
	sleeps bool   // may sleep: rarely generated in atomic context
}

var dtSpecs = map[string]dtSpec{
	"mutex_lock":          {"m", 1, true},
	"mutex_trylock":       {"m", 2, false},
	"mutex_unlock":        {"m", 0, false},
	"spin_lock":           {"s", 1, false},
	"spin_lock_bh":        {"s", 1, false},
	"spin_lock_irq":       {"s", 1, false},
	"spin_lock_irqsave":   {"s", 1, false},
	"spin_trylock":        {"s", 2, false},
	"spin_unlock":         {"s", 0, false},
	"down":                {"", 0, true},
	"up":                  {"", 0, false},
	"down_trylock":        {"", 0, false},
	"read_lock":           {"", 1, false},
	"write_lock":          {"", 1, false},
	"read_trylock":        {"", 2, false},
	"write_trylock":       {"", 2, false},
	"read_unlock":         {"", 0, false},
	"write_unlock":        {"", 0, false},
	"down_read":           {"", 1, true},
	"down_write":          {"", 1, true},
	"down_read_trylock":   {"", 2, false},
	"down_write_trylock":  {"", 2, false},
	"up_read":             {"", 0, false},
	"up_write":            {"", 0, false},
	"wait_for_completion": {"", 0, true},
	"complete":            {"", 0, false},
	"complete_all":        {"", 0, false},
	"atomic_inc":          {"", 0, false},
	"atomic_read":         {"", 0, false},
	"atomic_cmpxchg":      {"vv", 0, false},
	"write":               {"gv", 0, false},
	"read":                {"g", 0, false},
	"bug_on":              {"gv", 0, false},
	"if":                  {"gv", 1, false},
	"kmalloc_kernel":      {"", 0, true},
	"kmalloc_atomic":      {"", 0, false},
	"tasklet_schedule":    {"", 0, false},
}

// dtProg is a random program: tasks started at load time (as `#pragma ksim threads`
// starts them), optionally an interrupt handler that task irqTask requests first
// thing, and a tasklet.
type dtProg struct {
	cpus     int
	sem      int // the semaphore's initial count
	pressure bool
	tasks    [][]*dtOp
	irq      []*dtOp // the handler's body; nil: no interrupt line
	irqTimes int
	irqTask  int
	tasklet  []*dtOp // nil: no tasklet
}

// ---- the text form ----

func (p *dtProg) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cpus %d sem %d", p.cpus, p.sem)
	if p.pressure {
		b.WriteString(" pressure")
	}
	b.WriteString("\n")
	for i, ops := range p.tasks {
		fmt.Fprintf(&b, "t%d:", i)
		dtWriteOps(&b, ops)
		b.WriteString("\n")
	}
	if p.irq != nil {
		fmt.Fprintf(&b, "irq %d t%d:", p.irqTimes, p.irqTask)
		dtWriteOps(&b, p.irq)
		b.WriteString("\n")
	}
	if p.tasklet != nil {
		b.WriteString("tasklet:")
		dtWriteOps(&b, p.tasklet)
		b.WriteString("\n")
	}
	return b.String()
}

func dtWriteOps(b *strings.Builder, ops []*dtOp) {
	for _, o := range ops {
		b.WriteString(" " + o.name)
		spec := dtSpecs[o.name]
		for i, c := range spec.args {
			switch c {
			case 'm', 's', 'g':
				fmt.Fprintf(b, " %c%d", c, o.args[i])
			default:
				fmt.Fprintf(b, " %d", o.args[i])
			}
		}
		if spec.blocks >= 1 {
			b.WriteString(" {")
			dtWriteOps(b, o.body)
			b.WriteString(" }")
		}
		if spec.blocks == 2 {
			b.WriteString(" else {")
			dtWriteOps(b, o.els)
			b.WriteString(" }")
		}
	}
}

// dtParse reads the text form back.
func dtParse(src string) (*dtProg, error) {
	p := &dtProg{cpus: 2}
	for _, line := range strings.Split(strings.TrimSpace(src), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var err error
		switch {
		case f[0] == "cpus":
			for i := 0; i < len(f); i++ {
				switch f[i] {
				case "cpus":
					p.cpus, err = strconv.Atoi(f[i+1])
					i++
				case "sem":
					p.sem, err = strconv.Atoi(f[i+1])
					i++
				case "pressure":
					p.pressure = true
				default:
					err = fmt.Errorf("unknown setting %q", f[i])
				}
			}
		case f[0] == "irq":
			if len(f) < 3 {
				return nil, fmt.Errorf("irq line: %q", line)
			}
			if p.irqTimes, err = strconv.Atoi(f[1]); err == nil {
				p.irqTask, err = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(f[2], "t"), ":"))
			}
			if err == nil {
				p.irq, err = dtParseOps(f[3:])
				if p.irq == nil {
					p.irq = []*dtOp{}
				}
			}
		case f[0] == "tasklet:":
			p.tasklet, err = dtParseOps(f[1:])
			if p.tasklet == nil {
				p.tasklet = []*dtOp{}
			}
		case strings.HasPrefix(f[0], "t") && strings.HasSuffix(f[0], ":"):
			var ops []*dtOp
			ops, err = dtParseOps(f[1:])
			p.tasks = append(p.tasks, ops)
		default:
			err = fmt.Errorf("unknown line %q", line)
		}
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

func dtParseOps(toks []string) ([]*dtOp, error) {
	ops, rest, err := dtParseBlock(toks)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected %q", rest[0])
	}
	return ops, err
}

func dtParseBlock(toks []string) ([]*dtOp, []string, error) {
	var ops []*dtOp
	for len(toks) > 0 && toks[0] != "}" {
		spec, ok := dtSpecs[toks[0]]
		if !ok {
			return nil, nil, fmt.Errorf("unknown op %q", toks[0])
		}
		o := &dtOp{name: toks[0]}
		toks = toks[1:]
		for range spec.args {
			if len(toks) == 0 {
				return nil, nil, fmt.Errorf("%s: missing argument", o.name)
			}
			n, err := strconv.Atoi(strings.TrimLeft(toks[0], "msg"))
			if err != nil {
				return nil, nil, fmt.Errorf("%s: argument %q", o.name, toks[0])
			}
			o.args = append(o.args, n)
			toks = toks[1:]
		}
		block := func() ([]*dtOp, error) {
			if len(toks) == 0 || toks[0] != "{" {
				return nil, fmt.Errorf("%s: expected {", o.name)
			}
			body, rest, err := dtParseBlock(toks[1:])
			if err != nil {
				return nil, err
			}
			if len(rest) == 0 {
				return nil, fmt.Errorf("%s: missing }", o.name)
			}
			toks = rest[1:]
			return body, nil
		}
		var err error
		if spec.blocks >= 1 {
			if o.body, err = block(); err != nil {
				return nil, nil, err
			}
		}
		if spec.blocks == 2 {
			if len(toks) == 0 || toks[0] != "else" {
				return nil, nil, fmt.Errorf("%s: expected else", o.name)
			}
			toks = toks[1:]
			if o.els, err = block(); err != nil {
				return nil, nil, err
			}
		}
		ops = append(ops, o)
	}
	return ops, toks, nil
}

// ---- the C rendering ----

// C renders the program as a scenario file and numbers every op with its line, the
// source position the Go program reports at.
func (p *dtProg) C() string {
	var lines []string
	add := func(format string, a ...any) int {
		lines = append(lines, fmt.Sprintf(format, a...))
		return len(lines)
	}
	add("/* ksync difftest program:")
	for _, l := range strings.Split(strings.TrimSpace(p.String()), "\n") {
		add(" *   %s", l)
	}
	add(" */")
	add("#pragma ksim threads%s", func() string {
		var s string
		for i := range p.tasks {
			s += fmt.Sprintf(" t%d", i)
		}
		return s
	}())
	add("#pragma ksim cpus %d", p.cpus)
	if p.pressure {
		add("#pragma ksim memory pressure")
	}
	if p.irq != nil {
		add("#pragma ksim irq 1 times %d", max(p.irqTimes, 1))
	}
	add("static DEFINE_MUTEX(m0);")
	add("static DEFINE_MUTEX(m1);")
	add("static DEFINE_SPINLOCK(s0);")
	add("static DEFINE_SPINLOCK(s1);")
	add("static DEFINE_SEMAPHORE(sem, %d);", p.sem)
	add("static DEFINE_RWLOCK(rw);")
	add("static DECLARE_RWSEM(rs);")
	add("static DECLARE_COMPLETION(c);")
	add("static atomic_t a = ATOMIC_INIT(0);")
	add("static int g0, g1;")
	var block func(ops []*dtOp, ind string, depth int)
	block = func(ops []*dtOp, ind string, depth int) {
		for _, o := range ops {
			ar := o.args
			switch o.name {
			case "mutex_lock":
				o.line = add("%smutex_lock(&m%d);", ind, ar[0])
				block(o.body, ind, depth)
				o.line2 = add("%smutex_unlock(&m%d);", ind, ar[0])
			case "spin_lock", "spin_lock_bh", "spin_lock_irq":
				o.line = add("%s%s(&s%d);", ind, o.name, ar[0])
				block(o.body, ind, depth)
				o.line2 = add("%s%s(&s%d);", ind, strings.Replace(o.name, "lock", "unlock", 1), ar[0])
			case "spin_lock_irqsave":
				o.line = add("%sspin_lock_irqsave(&s%d, flags%d);", ind, ar[0], depth)
				block(o.body, ind, depth+1)
				o.line2 = add("%sspin_unlock_irqrestore(&s%d, flags%d);", ind, ar[0], depth)
			case "read_lock", "write_lock":
				o.line = add("%s%s(&rw);", ind, o.name)
				block(o.body, ind, depth)
				o.line2 = add("%s%s(&rw);", ind, strings.Replace(o.name, "lock", "unlock", 1))
			case "down_read", "down_write":
				o.line = add("%s%s(&rs);", ind, o.name)
				block(o.body, ind, depth)
				o.line2 = add("%s%s(&rs);", ind, strings.Replace(o.name, "down", "up", 1))
			case "mutex_trylock", "spin_trylock", "read_trylock", "write_trylock", "down_read_trylock", "down_write_trylock":
				obj, unlock := "&rw", strings.Replace(o.name, "trylock", "unlock", 1)
				switch o.name {
				case "mutex_trylock":
					obj = fmt.Sprintf("&m%d", ar[0])
				case "spin_trylock":
					obj = fmt.Sprintf("&s%d", ar[0])
				case "down_read_trylock", "down_write_trylock":
					obj, unlock = "&rs", strings.Replace(strings.TrimSuffix(o.name, "_trylock"), "down", "up", 1)
				}
				o.line = add("%sif (%s(%s)) {", ind, o.name, obj)
				block(o.body, ind+"\t", depth)
				o.line2 = add("%s\t%s(%s);", ind, unlock, obj)
				if len(o.els) > 0 {
					add("%s} else {", ind)
					block(o.els, ind+"\t", depth)
				}
				add("%s}", ind)
			case "if":
				o.line = add("%sif (g%d == %d) {", ind, ar[0], ar[1])
				block(o.body, ind+"\t", depth)
				add("%s}", ind)
			case "mutex_unlock":
				o.line = add("%smutex_unlock(&m%d);", ind, ar[0])
			case "spin_unlock":
				o.line = add("%sspin_unlock(&s%d);", ind, ar[0])
			case "down", "up":
				o.line = add("%s%s(&sem);", ind, o.name)
			case "down_trylock":
				o.line = add("%sr = down_trylock(&sem);", ind)
			case "read_unlock", "write_unlock":
				o.line = add("%s%s(&rw);", ind, o.name)
			case "up_read", "up_write":
				o.line = add("%s%s(&rs);", ind, o.name)
			case "wait_for_completion", "complete", "complete_all":
				o.line = add("%s%s(&c);", ind, o.name)
			case "atomic_inc":
				o.line = add("%satomic_inc(&a);", ind)
			case "atomic_read":
				o.line = add("%sr = atomic_read(&a);", ind)
			case "atomic_cmpxchg":
				o.line = add("%sr = atomic_cmpxchg(&a, %d, %d);", ind, ar[0], ar[1])
			case "write":
				o.line = add("%sg%d = %d;", ind, ar[0], ar[1])
			case "read":
				o.line = add("%sr = g%d;", ind, ar[0])
			case "bug_on":
				o.line = add("%sBUG_ON(g%d == %d);", ind, ar[0], ar[1])
			case "kmalloc_kernel", "kmalloc_atomic":
				o.line = add("%sp = kmalloc(16, %s);", ind, strings.ToUpper("GFP_"+strings.TrimPrefix(o.name, "kmalloc_")))
				o.line2 = add("%skfree(p);", ind)
			case "tasklet_schedule":
				o.line = add("%stasklet_schedule(&tl);", ind)
			default:
				panic("C: unknown op " + o.name)
			}
		}
	}
	locals := func() {
		add("\tunsigned long flags0, flags1, flags2;")
		add("\tchar *p;")
		add("\tint r;")
	}
	if p.tasklet != nil {
		add("static void tl_fn(unsigned long data)")
		add("{")
		locals()
		block(p.tasklet, "\t", 0)
		add("}")
		add("static DECLARE_TASKLET(tl, tl_fn);")
	}
	if p.irq != nil {
		add("static irqreturn_t h(int irq, void *dev_id)")
		add("{")
		locals()
		block(p.irq, "\t", 0)
		add("\treturn IRQ_HANDLED;")
		add("}")
	}
	for i, ops := range p.tasks {
		add("static int t%d(void *data)", i)
		add("{")
		locals()
		if p.irq != nil && p.irqTask == i {
			add("\trequest_irq(1, h, 0, \"h\", NULL);")
		}
		block(ops, "\t", 0)
		add("\treturn 0;")
		add("}")
	}
	return strings.Join(lines, "\n") + "\n"
}

// ---- running a program on ksync ----

// program is the Go program of p. Every observation (trylock results, reads) and the
// final state of every execution that was not cut short goes into out.
func (p *dtProg) program(out map[string]bool) sched.Program {
	p.C() // number the lines
	cfg := Config{CPUs: p.cpus, MemoryPressure: p.pressure}
	if p.irq != nil {
		cfg.IRQs = map[int]IRQSetting{1: {Times: max(p.irqTimes, 1), CPU: -1}}
	}
	return Program(cfg, func(k *Kernel) {
		m := []*Mutex{k.DefineMutex("m0"), k.DefineMutex("m1")}
		s := []*Spinlock{k.DefineSpinlock("s0"), k.DefineSpinlock("s1")}
		sem := k.DefineSemaphore("sem", p.sem)
		rw := k.DefineRWLock("rw")
		rs := k.DeclareRWSem("rs")
		c := k.DeclareCompletion("c")
		a := k.NewAtomic("a", 0)
		g := []*Int{k.NewInt("g0", 0), k.NewInt("g1", 0)}
		obs := map[string][]int{}
		var tl *Tasklet
		var run func(t *Task, who string, ops []*dtOp)
		at := func(t *Task, line int) { t.At("d.c:" + strconv.Itoa(line)) }
		run = func(t *Task, who string, ops []*dtOp) {
			see := func(v int) { obs[who] = append(obs[who], v) }
			for _, o := range ops {
				ar := o.args
				at(t, o.line)
				section := func(lock, unlock func()) {
					lock()
					run(t, who, o.body)
					at(t, o.line2)
					unlock()
				}
				try := func(ok bool, unlock func()) {
					see(b2i(ok))
					if ok {
						run(t, who, o.body)
						at(t, o.line2)
						unlock()
					} else {
						run(t, who, o.els)
					}
				}
				switch o.name {
				case "mutex_lock":
					section(func() { m[ar[0]].Lock(t) }, func() { m[ar[0]].Unlock(t) })
				case "mutex_trylock":
					try(m[ar[0]].Trylock(t) == 1, func() { m[ar[0]].Unlock(t) })
				case "mutex_unlock":
					m[ar[0]].Unlock(t)
				case "spin_lock":
					section(func() { s[ar[0]].Lock(t) }, func() { s[ar[0]].Unlock(t) })
				case "spin_lock_bh":
					section(func() { s[ar[0]].LockBH(t) }, func() { s[ar[0]].UnlockBH(t) })
				case "spin_lock_irq":
					section(func() { s[ar[0]].LockIRQ(t) }, func() { s[ar[0]].UnlockIRQ(t) })
				case "spin_lock_irqsave":
					var flags int
					section(func() { flags = s[ar[0]].LockIrqsave(t) }, func() { s[ar[0]].UnlockIrqrestore(t, flags) })
				case "spin_trylock":
					try(s[ar[0]].Trylock(t) == 1, func() { s[ar[0]].Unlock(t) })
				case "spin_unlock":
					s[ar[0]].Unlock(t)
				case "down":
					sem.Down(t)
				case "up":
					sem.Up(t)
				case "down_trylock":
					see(sem.DownTrylock(t))
				case "read_lock":
					section(func() { rw.ReadLock(t) }, func() { rw.ReadUnlock(t) })
				case "write_lock":
					section(func() { rw.WriteLock(t) }, func() { rw.WriteUnlock(t) })
				case "read_trylock":
					try(rw.ReadTrylock(t) == 1, func() { rw.ReadUnlock(t) })
				case "write_trylock":
					try(rw.WriteTrylock(t) == 1, func() { rw.WriteUnlock(t) })
				case "read_unlock":
					rw.ReadUnlock(t)
				case "write_unlock":
					rw.WriteUnlock(t)
				case "down_read":
					section(func() { rs.DownRead(t) }, func() { rs.UpRead(t) })
				case "down_write":
					section(func() { rs.DownWrite(t) }, func() { rs.UpWrite(t) })
				case "down_read_trylock":
					try(rs.DownReadTrylock(t) == 1, func() { rs.UpRead(t) })
				case "down_write_trylock":
					try(rs.DownWriteTrylock(t) == 1, func() { rs.UpWrite(t) })
				case "up_read":
					rs.UpRead(t)
				case "up_write":
					rs.UpWrite(t)
				case "wait_for_completion":
					c.Wait(t)
				case "complete":
					c.Complete(t)
				case "complete_all":
					c.CompleteAll(t)
				case "atomic_inc":
					a.Inc(t)
				case "atomic_read":
					see(a.Read(t))
				case "atomic_cmpxchg":
					see(a.Cmpxchg(t, ar[0], ar[1]))
				case "write":
					g[ar[0]].Store(t, int64(ar[1]))
				case "read":
					see(int(g[ar[0]].Load(t)))
				case "bug_on":
					t.BugOn(g[ar[0]].Load(t) == int64(ar[1]))
				case "if":
					v := g[ar[0]].Load(t)
					see(int(v))
					if v == int64(ar[1]) {
						run(t, who, o.body)
					}
				case "kmalloc_kernel", "kmalloc_atomic":
					gfp := GFPKernel
					if o.name == "kmalloc_atomic" {
						gfp = GFPAtomic
					}
					b := t.Kmalloc(16, gfp)
					see(b2i(b != nil))
					at(t, o.line2)
					t.Kfree(b)
				case "tasklet_schedule":
					t.TaskletSchedule(tl)
				default:
					panic("run: unknown op " + o.name)
				}
			}
		}
		if p.tasklet != nil {
			tl = k.DeclareTasklet("tl", func(t *Task) { run(t, "tasklet", p.tasklet) })
		} else {
			tl = k.DeclareTasklet("tl", func(*Task) {})
		}
		for i, ops := range p.tasks {
			who := fmt.Sprint("t", i)
			k.KernelThread(who, func(t *Task) {
				if p.irq != nil && p.irqTask == i {
					t.RequestIRQ(1, "h", func(t *Task) IRQReturn {
						run(t, "irq", p.irq)
						return IRQHandled
					})
				}
				run(t, who, ops)
			})
		}
		k.Execution().OnEnd(func(o sched.Outcome) {
			if o == sched.Cut {
				return
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%v g=%d,%d a=%d sem=%d", o, g[0].Value(), g[1].Value(), a.Value(), sem.Count())
			whos := make([]string, 0, len(obs))
			for w := range obs {
				whos = append(whos, w)
			}
			sort.Strings(whos)
			for _, w := range whos {
				fmt.Fprintf(&b, " %s%v", w, obs[w])
			}
			for _, t := range k.Tasks() {
				if t.State() != Dead {
					fmt.Fprintf(&b, " %s:%c", t.Comm, t.State())
				}
			}
			out[b.String()] = true
		})
	})
}

// ---- comparing strategies ----

// dtResult is what one exploration found.
type dtResult struct {
	complete bool
	err      error
	fullNote string
	execs    int64
	problems map[string]string // "kind\x00site" -> the headline, normalised
	examples map[string]*sched.Found
	outcomes map[string]bool
}

func dtExplore(prog func(out map[string]bool) sched.Program, opts sched.Options) *dtResult {
	r := &dtResult{problems: map[string]string{}, examples: map[string]*sched.Found{}, outcomes: map[string]bool{}}
	res := sched.Explore(prog(r.outcomes), opts)
	r.complete, r.err, r.fullNote, r.execs = res.Complete, res.Err, res.FullSearch, res.Stats.Executions
	for _, f := range res.Problems {
		key := f.Kind + "\x00" + f.Site
		r.problems[key] = dtNormTitle(f.Title)
		r.examples[key] = f
	}
	return r
}

// dtTitleNoise is what a headline says about the execution that showed a problem
// first rather than about the problem: CPU numbers, pids, which of the tasks involved
// (an interrupt handler runs under the interrupted task's name), preempt counts.
var dtTitleNoise = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`CPU#?\d+`), "CPU#N"},
	{regexp.MustCompile(`CPU: \d+ PID: \d+`), "CPU: N PID: N"},
	{regexp.MustCompile(`cpu \d+`), "cpu N"},
	{regexp.MustCompile(`task [^ ]+:\d+`), "task T"},
	{regexp.MustCompile(`\[[^ \]]+:\d+\]`), "[T]"},
	{regexp.MustCompile(`[^ ]+/\d+/0x[0-9a-f]+`), "T/P/0xN"},
	{regexp.MustCompile(`, [^ ]+/-?\d+$`), ", T"},
	{regexp.MustCompile(`WARNING: [^ ]+/\d+ still`), "WARNING: T still"},
}

func dtNormTitle(s string) string {
	for _, n := range dtTitleNoise {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// dtDiff compares a dfs exploration with a naive one. It returns the differences
// (empty when they agree) and a signature of them that does not depend on line
// numbers, so that minimising a program can keep its failure mode.
func dtDiff(naive, dfs *dtResult) (diffs []string, sig string) {
	var sigs []string
	add := func(sigPart, format string, a ...any) {
		diffs = append(diffs, fmt.Sprintf(format, a...))
		sigs = append(sigs, sigPart)
	}
	if dfs.err != nil {
		add("error", "dfs: exploration error: %v", dfs.err)
	}
	if !dfs.complete {
		add("incomplete", "dfs: exploration not complete")
	}
	for _, k := range sortedKeys2(naive.problems) {
		kind, site, _ := strings.Cut(k, "\x00")
		if _, ok := dfs.problems[k]; !ok {
			add("dfs misses "+kind+": "+dtNormSite(site), "dfs misses %s at %q: %s (naive: execution %d of %d, seen in %d)",
				kind, site, naive.examples[k].Title, naive.examples[k].Execution, naive.execs, naive.examples[k].Count)
		} else if naive.problems[k] != dfs.problems[k] {
			add("title of "+kind+": "+dtNormSite(site), "headline of %s at %q: naive %q, dfs %q", kind, site, naive.problems[k], dfs.problems[k])
		}
	}
	for _, k := range sortedKeys2(dfs.problems) {
		kind, site, _ := strings.Cut(k, "\x00")
		if _, ok := naive.problems[k]; !ok {
			add("dfs only "+kind+": "+dtNormSite(site), "dfs only %s at %q: %s (dfs execution %d)", kind, site, dfs.examples[k].Title, dfs.examples[k].Execution)
		}
	}
	// The worst case first: a kind of problem naive search finds and dfs finds
	// nowhere, so that dfs's verdict itself is wrong ("OK" where naive says "BUG").
	for _, kind := range sortedKeys2(dtKinds(naive.problems)) {
		if !dtKinds(dfs.problems)[kind] {
			diffs = append([]string{fmt.Sprintf("VERDICT: naive search finds a %s, dfs finds none at all", kind)}, diffs...)
		}
	}
	var missing, extra []string
	for o := range naive.outcomes {
		if !dfs.outcomes[o] {
			missing = append(missing, o)
		}
	}
	for o := range dfs.outcomes {
		if !naive.outcomes[o] {
			extra = append(extra, o)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		add("dfs misses outcomes", "dfs misses %d of naive's %d final states, e.g. %s", len(missing), len(naive.outcomes), missing[0])
	}
	if len(extra) > 0 {
		add("dfs only outcomes", "dfs reaches %d final states naive does not, e.g. %s", len(extra), extra[0])
	}
	sort.Strings(sigs)
	return diffs, strings.Join(dtUniq(sigs), "; ")
}

var (
	dtLineRe = regexp.MustCompile(`d\.c:\d+`)
	dtObjRe  = regexp.MustCompile(`\b([msg])[01]\b`)
)

// dtNormSite is a site without its line numbers and with m0/m1 (s0/s1, g0/g1) alike.
func dtNormSite(s string) string {
	return dtObjRe.ReplaceAllString(dtLineRe.ReplaceAllString(s, "L"), "$1")
}

func dtUniq(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func sortedKeys2[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dtKinds are the kinds of the problems in m.
func dtKinds(m map[string]string) map[string]bool {
	kinds := map[string]bool{}
	for k := range m {
		kind, _, _ := strings.Cut(k, "\x00")
		kinds[kind] = true
	}
	return kinds
}

// dtCompare explores p both ways. skipped: naive search hit its cap.
func dtCompare(p *dtProg, naiveCap int) (naive, dfs *dtResult, diffs []string, sig string, skipped bool) {
	naive = dtExplore(p.program, sched.Options{Strategy: sched.Naive, MaxExecutions: naiveCap})
	if !naive.complete || naive.err != nil {
		return naive, nil, nil, "", true
	}
	dfs = dtExplore(p.program, sched.Options{})
	diffs, sig = dtDiff(naive, dfs)
	return naive, dfs, diffs, sig, false
}

func dtReport(p *dtProg, naive, dfs *dtResult, diffs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dfs (%d executions%s) and naive (%d executions) disagree:\n", dfs.execs,
		map[bool]string{true: ", " + dfs.fullNote, false: ""}[dfs.fullNote != ""], naive.execs)
	for _, d := range diffs {
		b.WriteString("  " + d + "\n")
	}
	b.WriteString("program (TestDiffRegressions form):\n" + p.String())
	b.WriteString("as a scenario (ksim run --all d.c; --strategy naive):\n" + p.C())
	return b.String()
}

// ---- generating programs ----

type dtGen struct {
	r        *rand.Rand
	families map[string]bool
	tasklet  bool
	budget   int // ops left to generate
}

// dtFamilies are the primitive families a program draws from; each program uses the
// shared ints and a few of these, so that its tasks meet on the same objects.
var dtFamilies = []string{"mutex", "mutex", "spin", "spin", "sem", "rwlock", "rwsem", "completion", "atomic", "kmalloc", "irq", "tasklet"}

func dtGenerate(seed uint64) *dtProg {
	r := rand.New(rand.NewPCG(seed, 0x6469666674657374))
	p := &dtProg{}
	ntasks := 2 + r.IntN(3)
	p.cpus = 1 + r.IntN(ntasks+1)
	p.sem = r.IntN(2)
	g := &dtGen{r: r, families: map[string]bool{}}
	for range 1 + r.IntN(3) {
		g.families[dtFamilies[r.IntN(len(dtFamilies))]] = true
	}
	if g.families["kmalloc"] && r.IntN(3) == 0 {
		p.pressure = true
	}
	g.tasklet = g.families["tasklet"]
	g.budget = 9 - ntasks
	if g.families["irq"] || g.tasklet {
		g.budget -= 2
	}
	p.tasks = make([][]*dtOp, ntasks)
	for i := range p.tasks {
		p.tasks[i] = g.block(0, false, false, 1+r.IntN(2))
	}
	for g.budget > 0 { // spend what is left on random tasks
		i := r.IntN(ntasks)
		p.tasks[i] = append(p.tasks[i], g.block(0, false, false, 1)...)
	}
	if g.families["irq"] {
		p.irqTimes = 1 + r.IntN(2)
		p.irqTask = r.IntN(ntasks)
		g.budget = 2
		p.irq = g.block(1, true, true, 1+r.IntN(2))
	}
	if g.tasklet {
		g.budget = 2
		p.tasklet = g.block(1, true, true, 1+r.IntN(2))
		if p.irq == nil || r.IntN(2) == 0 {
			// someone must schedule it
			i := r.IntN(ntasks)
			p.tasks[i] = append(p.tasks[i], &dtOp{name: "tasklet_schedule"})
		}
	}
	return p
}

// block generates n ops (fewer when the budget runs out) at nesting depth. atomic:
// inside a spinning lock or in interrupt context, where sleeping ops are rare.
func (g *dtGen) block(depth int, atomic, irq bool, n int) []*dtOp {
	var ops []*dtOp
	for range n {
		if g.budget <= 0 {
			break
		}
		g.budget--
		ops = append(ops, g.op(depth, atomic, irq))
	}
	return ops
}

type dtChoice struct {
	name   string
	weight int
}

func (g *dtGen) op(depth int, atomic, irq bool) *dtOp {
	var cs []dtChoice
	add := func(w int, names ...string) {
		for _, n := range names {
			cs = append(cs, dtChoice{n, w})
		}
	}
	add(4, "write")
	add(2, "read", "bug_on")
	if depth < 2 {
		add(1, "if")
	}
	f := g.families
	nested := depth < 2
	if f["mutex"] {
		if nested {
			add(4, "mutex_lock")
			add(3, "mutex_trylock")
		}
		add(2, "mutex_unlock")
	}
	if f["spin"] || f["irq"] || f["tasklet"] {
		if nested {
			add(2, "spin_lock", "spin_lock_irqsave", "spin_trylock")
			add(1, "spin_lock_bh", "spin_lock_irq")
		}
		add(2, "spin_unlock")
	}
	if f["sem"] {
		add(2, "down", "up")
		add(1, "down_trylock")
	}
	if f["rwlock"] && nested {
		add(2, "read_lock", "write_lock")
		add(1, "read_trylock", "write_trylock")
		add(2, "read_unlock", "write_unlock")
	}
	if f["rwsem"] && nested {
		add(2, "down_read", "down_write")
		add(1, "down_read_trylock", "down_write_trylock")
		add(2, "up_read", "up_write")
	}
	if f["completion"] {
		add(2, "wait_for_completion", "complete")
		add(1, "complete_all")
	}
	if f["atomic"] || f["irq"] {
		add(2, "atomic_inc", "atomic_read", "atomic_cmpxchg")
	}
	if f["kmalloc"] || irq {
		add(1, "kmalloc_kernel")
		add(2, "kmalloc_atomic")
	}
	if g.tasklet && !irq {
		add(2, "tasklet_schedule")
	}
	total := 0
	for i := range cs {
		if atomic && dtSpecs[cs[i].name].sleeps {
			cs[i].weight = 0
			if g.r.IntN(10) == 0 {
				cs[i].weight = 1 // a bug now and then, not in every program
			}
		}
		total += cs[i].weight
	}
	x := g.r.IntN(total)
	var name string
	for _, c := range cs {
		if x < c.weight {
			name = c.name
			break
		}
		x -= c.weight
	}
	o := &dtOp{name: name}
	spec := dtSpecs[name]
	for _, c := range spec.args {
		switch c {
		case 'm', 's', 'g':
			o.args = append(o.args, g.r.IntN(2))
		default:
			o.args = append(o.args, 1+g.r.IntN(2))
		}
	}
	if name == "atomic_cmpxchg" {
		o.args[0] = g.r.IntN(2)
	}
	inner := atomic || strings.HasPrefix(name, "spin_") || name == "read_lock" || name == "write_lock" ||
		name == "read_trylock" || name == "write_trylock"
	if spec.blocks >= 1 {
		o.body = g.block(depth+1, inner, irq, g.r.IntN(3))
	}
	if spec.blocks == 2 && g.r.IntN(2) == 0 {
		o.els = g.block(depth+1, atomic, irq, 1+g.r.IntN(2))
	}
	return o
}

// ---- the tests ----

// dtStats are the figures a run reports.
type dtStats struct {
	compared, skipped, disagree int
	dfsExecs, naiveExecs        int64
	fullSearch                  int
	sigs                        map[string]int     // failure signature -> how many programs
	minimal                     map[string]*dtProg // failure signature -> its smallest program
}

// TestDiffDPORvsNaive compares dfs with naive search on random programs. It fails on
// every disagreement, printing the first few in full (program, scenario rendering,
// what each strategy found). With -ksim.minimize it minimises the smallest program of
// each distinct failure mode and prints the result.
func TestDiffDPORvsNaive(t *testing.T) {
	n := 400
	if dtRace {
		n = 40 // the race detector makes every execution some ten times slower
	}
	if *dtLong {
		n = 60000
	}
	if *dtPrograms > 0 {
		n = *dtPrograms
	}
	type outcome struct {
		p          *dtProg
		naive, dfs *dtResult
		diffs      []string
		sig        string
		skipped    bool
	}
	results := make([]outcome, n)
	start := time.Now()
	dtParallel(n, func(i int) {
		p := dtGenerate(*dtSeed + uint64(i))
		naive, dfs, diffs, sig, skipped := dtCompare(p, dtNaiveCap)
		results[i] = outcome{p, naive, dfs, diffs, sig, skipped}
	})
	st := dtStats{sigs: map[string]int{}, minimal: map[string]*dtProg{}}
	shown := 0
	for i, r := range results {
		if r.skipped {
			st.skipped++
			continue
		}
		st.compared++
		st.naiveExecs += r.naive.execs
		st.dfsExecs += r.dfs.execs
		if r.dfs.fullNote != "" {
			st.fullSearch++
		}
		if len(r.diffs) == 0 {
			continue
		}
		st.disagree++
		st.sigs[r.sig]++
		if old := st.minimal[r.sig]; old == nil || dtSize(r.p) < dtSize(old) {
			st.minimal[r.sig] = r.p
		}
		if shown < *dtShow {
			shown++
			t.Errorf("program %d (seed %d): %s", i, *dtSeed+uint64(i), dtReport(r.p, r.naive, r.dfs, r.diffs))
		} else {
			t.Fail()
		}
	}
	t.Logf("ksync difftest: %d programs compared, %d skipped (naive search over %d executions), %d disagreements; "+
		"dfs %d executions (%d programs after a fallback to full search), naive %d executions; %v",
		st.compared, st.skipped, dtNaiveCap, st.disagree, st.dfsExecs, st.fullSearch, st.naiveExecs, time.Since(start).Round(time.Millisecond))
	for _, s := range sortedKeys2(st.sigs) {
		t.Logf("  %5d× %s", st.sigs[s], s)
	}
	if *dtMinimizeFlag {
		sigs := sortedKeys2(st.minimal)
		mins := make([]*dtProg, len(sigs))
		dtParallel(len(sigs), func(i int) { mins[i] = dtMinimize(st.minimal[sigs[i]], sigs[i]) })
		for i, s := range sigs {
			naive, dfs, diffs, _, _ := dtCompare(mins[i], dtNaiveCap)
			t.Logf("smallest program for %q:\n%s", s, dtReport(mins[i], naive, dfs, diffs))
		}
	}
	if st.compared < n/2 {
		t.Errorf("only %d of %d programs were small enough for naive search", st.compared, n)
	}
}

// dtParallel runs f(0) … f(n-1) on GOMAXPROCS goroutines: explorations are
// independent.
func dtParallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// dtSize is a program's size for minimisation: ops, tasks, CPUs.
func dtSize(p *dtProg) int {
	var count func(ops []*dtOp) int
	count = func(ops []*dtOp) int {
		n := 0
		for _, o := range ops {
			n += 1 + count(o.body) + count(o.els)
		}
		return n
	}
	n := 0
	for _, ops := range p.tasks {
		n += 2 + count(ops)
	}
	if p.irq != nil {
		n += 2 + count(p.irq) + p.irqTimes
	}
	if p.tasklet != nil {
		n += 2 + count(p.tasklet)
	}
	if p.pressure {
		n++
	}
	return n*4 + p.cpus + p.sem
}

// dtMinimize shrinks p while dfs and naive still disagree with the same signature:
// it drops tasks, the handler, the tasklet, single ops, else blocks and bodies
// (keeping or hoisting their contents), CPUs and the semaphore's count, until no
// single change keeps the failure.
func dtMinimize(p *dtProg, sig string) *dtProg {
	p = dtClone(p)
	keeps := func(c *dtProg) bool {
		_, _, diffs, s, skipped := dtCompare(c, dtNaiveCap)
		return !skipped && len(diffs) > 0 && s == sig
	}
	for changed := true; changed; {
		changed = false
		for _, c := range dtShrinks(p) {
			if dtSize(c) < dtSize(p) && keeps(c) {
				p, changed = c, true
				break
			}
		}
	}
	return p
}

func dtClone(p *dtProg) *dtProg {
	q, err := dtParse(p.String())
	if err != nil {
		panic(err)
	}
	return q
}

// dtShrinks lists the programs one simplification away from p.
func dtShrinks(p *dtProg) []*dtProg {
	var out []*dtProg
	if len(p.tasks) > 1 {
		for i := range p.tasks {
			q := dtClone(p)
			q.tasks = append(q.tasks[:i], q.tasks[i+1:]...)
			if q.irq != nil {
				if q.irqTask == i {
					q.irqTask = 0
				} else if q.irqTask > i {
					q.irqTask--
				}
			}
			out = append(out, q)
		}
	}
	if p.irq != nil {
		q := dtClone(p)
		q.irq, q.irqTimes = nil, 0
		out = append(out, q)
		if p.irqTimes > 1 {
			q := dtClone(p)
			q.irqTimes--
			out = append(out, q)
		}
	}
	if p.tasklet != nil {
		q := dtClone(p)
		q.tasklet = nil
		out = append(out, q)
	}
	if p.pressure {
		q := dtClone(p)
		q.pressure = false
		out = append(out, q)
	}
	if p.cpus > 1 {
		q := dtClone(p)
		q.cpus--
		out = append(out, q)
	}
	if p.sem > 0 {
		q := dtClone(p)
		q.sem--
		out = append(out, q)
	}
	// Op-level edits, addressed by a path through the clone.
	lists := func(q *dtProg) []*[]*dtOp {
		var ls []*[]*dtOp
		var walk func(l *[]*dtOp)
		walk = func(l *[]*dtOp) {
			ls = append(ls, l)
			for _, o := range *l {
				walk(&o.body)
				walk(&o.els)
			}
		}
		for i := range q.tasks {
			walk(&q.tasks[i])
		}
		if q.irq != nil {
			walk(&q.irq)
		}
		if q.tasklet != nil {
			walk(&q.tasklet)
		}
		return ls
	}
	for li, l := range lists(p) {
		for oi, o := range *l {
			// drop the op
			q := dtClone(p)
			ql := lists(q)[li]
			*ql = append((*ql)[:oi:oi], (*ql)[oi+1:]...)
			out = append(out, q)
			// replace it by its body (and else block)
			if len(o.body)+len(o.els) > 0 {
				q := dtClone(p)
				ql := lists(q)[li]
				qo := (*ql)[oi]
				repl := append(append([]*dtOp{}, qo.body...), qo.els...)
				*ql = append(append(append([]*dtOp{}, (*ql)[:oi]...), repl...), (*ql)[oi+1:]...)
				out = append(out, q)
			}
			if len(o.els) > 0 {
				q := dtClone(p)
				(*lists(q)[li])[oi].els = nil
				out = append(out, q)
			}
			// simpler values
			for ai, v := range o.args {
				if v > 0 {
					q := dtClone(p)
					(*lists(q)[li])[oi].args[ai] = v - 1
					out = append(out, q)
				}
			}
		}
	}
	return out
}

// dtRegressions are minimised disagreements found by TestDiffDPORvsNaive (the
// smallest program of each failure mode, from 25,000 random programs). Each failed
// when it was added: dfs (the default strategy) reported fewer problems or final
// states than naive search. Two roots show: fewer CPUs than tasks (a mutex or
// rw_semaphore holder preempted on the only CPU, so that a trylock fails), and
// unlocks by a task that does not hold the lock.
var dtRegressions = []struct{ name, prog string }{
	// Fewer CPUs than tasks.
	{"cpus-case-a-trylock-fails-bug-on", // the hand-found case (a), on ksync's API
		"cpus 2\nt0: bug_on g0 1\nt1: mutex_trylock m0 { } else { write g0 1 }\nt2: mutex_lock m0 { }"},
	{"cpus-one-trylock-fails", // dfs never sees the trylock fail: one final state of two
		"cpus 1\nt0: mutex_trylock m0 { } else { }\nt1: mutex_lock m0 { }"},
	{"cpus-one-two-trylocks-bug-on", // verdict: naive finds a BUG, dfs says OK
		"cpus 1\nt0: mutex_trylock m0 { bug_on g0 2 } else { }\nt1: mutex_trylock m0 { } else { write g0 2 }"},
	{"cpus-one-trylock-completion-deadlock", // verdict: naive finds a hung task, dfs says OK
		"cpus 1\nt0: mutex_trylock m0 { } else { wait_for_completion }\nt1: mutex_trylock m0 { } else { }"},
	{"cpus-one-trylock-rwlock-unlock", // verdict: naive finds a bad unlock balance, dfs says OK
		"cpus 1\nt0: mutex_trylock m0 { } else { write_unlock }\nt1: mutex_trylock m0 { } else { }"},
	{"cpus-one-rwsem-trylocks", // the same with rw_semaphore trylocks
		"cpus 1\nt0: down_write_trylock { } else { write g0 1 }\nt1: down_write_trylock { } else { }"},
	{"cpus-one-non-owner-unlock-semaphore-deadlock",
		"cpus 1\nt0: mutex_unlock m0 down\nt1: mutex_lock m0 { mutex_lock m0 { } }"},
	// Unlocks by non-owners and of unheld locks, with a CPU per task.
	{"mutex-unlock-unheld-then-lock", // case (b): the unlock after t1 took the mutex is never explored
		"cpus 2\nt0: mutex_unlock m0\nt1: mutex_lock m0 { }"},
	{"mutex-double-unlock-after-trylock",
		"cpus 2\nt0: mutex_lock m0 { }\nt1: mutex_trylock m0 { mutex_unlock m0 } else { }"},
	{"mutex-bad-unlock-balance",
		"cpus 2\nt0: mutex_trylock m0 { mutex_lock m0 { } } else { }\nt1: mutex_unlock m0 mutex_unlock m0"},
	{"spin-unlock-unheld-then-lock", // case (b) for spinlocks: "spinlock wrong owner", "already unlocked"
		"cpus 2\nt0: spin_unlock s0\nt1: spin_lock s0 { }"},
	{"spin-unlock-wrong-owner-three-tasks",
		"cpus 3\nt0: spin_lock s0 { }\nt1: spin_unlock s0\nt2: spin_lock_irqsave s0 { }"},
	{"spin-unlock-already-unlocked",
		"cpus 2\nt0: spin_trylock s0 { spin_lock_irq s0 { } } else { }\nt1: spin_unlock s0 spin_unlock s0"},
	{"spin-unlock-hides-bug-on", // the BUG_ON after a stray unlock is missed too
		"cpus 2\nt0: spin_unlock s0 bug_on g0 1\nt1: spin_lock_irqsave s0 { spin_lock_irqsave s0 { write g0 1 } }"},
}

// TestDiffRegressions runs the minimised disagreements; each must find exactly what
// naive search finds.
func TestDiffRegressions(t *testing.T) {
	cases := dtRegressions
	if *dtProgram != "" {
		cases = []struct{ name, prog string }{{"ksim.prog", strings.ReplaceAll(*dtProgram, "|", "\n")}}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := dtParse(tc.prog)
			if err != nil {
				t.Fatalf("bad program: %v", err)
			}
			naive, dfs, diffs, _, skipped := dtCompare(p, 200000)
			if skipped {
				t.Fatalf("naive search did not finish")
			}
			if len(diffs) > 0 {
				t.Errorf("%s", dtReport(p, naive, dfs, diffs))
			}
		})
	}
}

// TestDiffProgramText checks the text form round trip and that every generated
// program's C rendering numbers every op.
func TestDiffProgramText(t *testing.T) {
	for seed := range uint64(200) {
		p := dtGenerate(seed)
		q, err := dtParse(p.String())
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, p)
		}
		if p.String() != q.String() {
			t.Fatalf("seed %d: round trip:\n%s\n%s", seed, p, q)
		}
		p.C()
		var check func(ops []*dtOp)
		check = func(ops []*dtOp) {
			for _, o := range ops {
				if o.line == 0 || (dtSpecs[o.name].blocks > 0 && o.name != "if" && o.line2 == 0) {
					t.Fatalf("seed %d: %s has no line in the C rendering", seed, o.name)
				}
				check(o.body)
				check(o.els)
			}
		}
		for _, ops := range p.tasks {
			check(ops)
		}
		check(p.irq)
		check(p.tasklet)
	}
}

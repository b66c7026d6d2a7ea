package scenarios

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// spinStmts are the statements random await programs are made of: spin and polling
// loops on shared state, lock round trips, trylock loops, writes and checks.
var spinStmts = []string{
	"WRITE_ONCE(x, %d);",
	"while (READ_ONCE(x) != %d) cpu_relax();",
	"while (READ_ONCE(x) == %d) msleep(1);",
	"mutex_lock(&m); y = y + 1; mutex_unlock(&m);",
	"spin_lock(&s); x = x + 1; spin_unlock(&s);",
	"while (!spin_trylock(&s)) cpu_relax(); y = %d; spin_unlock(&s);",
	"BUG_ON(READ_ONCE(y) == %d);",
	"WARN_ON(READ_ONCE(x) == %d);",
	"do { v = READ_ONCE(x); } while (v == %d);",
	"while (READ_ONCE(y) != %d) { mutex_lock(&m); mutex_unlock(&m); }",
	"while (READ_ONCE(x) != %d) { spin_lock(&s); spin_unlock(&s); }",
	"while (READ_ONCE(y) != %d && jiffies < end) cpu_relax();",
}

func randomSpinProgram(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("static DEFINE_MUTEX(m);\nstatic DEFINE_SPINLOCK(s);\nstatic int x, y;\n")
	n := 2 + r.Intn(2)
	var names []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("t%d", i)
		names = append(names, name)
		fmt.Fprintf(&b, "static int %s(void *d)\n{\n\tint v = 0;\n\tunsigned long end = jiffies + HZ / 20;\n", name)
		for k := 1 + r.Intn(3); k > 0; k-- {
			st := spinStmts[r.Intn(len(spinStmts))]
			if strings.Contains(st, "%d") {
				st = fmt.Sprintf(st, r.Intn(3))
			}
			b.WriteString("\t" + st + "\n")
		}
		b.WriteString("\treturn v;\n}\n")
	}
	fmt.Fprintf(&b, "#pragma ksim threads %s\n#pragma ksim cpus %d\n", strings.Join(names, " "), 1+r.Intn(n+1))
	return b.String()
}

// verdicts are the problems an exploration found, as "kind: title", sorted; spinning
// forever is one entry whatever the mode reports it as (see TestAwaitsLoseNothing).
func verdicts(res *sched.Result) []string {
	set := map[string]bool{}
	for _, f := range res.Problems {
		switch f.Kind {
		case "hang", "lockup":
			if !strings.HasPrefix(f.Title, "hang: an execution ran more than") || spinsAlone(f) {
				set["spins forever"] = true
			}
		case "deadlock":
			set["deadlock"] = true // a task hung behind a spinner: titles name whoever hangs first
		default:
			set[f.Kind+": "+f.Title] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// spinsAlone reports whether a step-limit hang is one thread spinning with nobody
// else able to run: its last quarter is one thread's steps, and no other thread could
// run at the end. A shorter prefix of a fair schedule can look like a livelock when
// the others are merely slow to be scheduled (a preemption-bounded search makes such
// schedules); this is the evidence that it is not.
func spinsAlone(f *sched.Found) bool {
	n := len(f.Trace)
	if n == 0 {
		return false
	}
	last := f.Trace[n-1].Thread
	for _, ev := range f.Trace[n-n/4:] {
		if ev.Thread != last {
			return false
		}
	}
	for _, p := range f.Pending {
		if p.Thread != last && p.Enabled {
			return false
		}
	}
	return true
}

// TestAwaitsLoseNothing checks the await reduction against loops run as written:
// random programs of spin and polling loops explored with awaits (complete) must find
// every bug and warning that a search of the same programs without awaits finds
// (every iteration a real step; preemption-bounded, as DPOR's independence does not
// hold for a loop that never ends), and spin forever wherever that search found a fair
// execution that never ends. Awaits cannot add behaviour (an await is a real
// execution stopped where it repeats itself), so found-by-the-reference ⊆ found-with-
// awaits is the soundness of the reduction; the test also counts how often the two
// are equal.
func TestAwaitsLoseNothing(t *testing.T) {
	n := 40
	if *sdLong {
		n = 3000
	}
	r := rand.New(rand.NewSource(7))
	compared, skipped, equal := 0, 0, 0
	for i := 0; i < n; i++ {
		src := randomSpinProgram(r)
		s, err := Load("t.c", []byte(src))
		require.NoError(t, err, src)
		cfg := s.KernelConfig()
		with := s.Explore(cfg, sched.Options{MaxSteps: 300, MaxExecutions: 5000})
		if !with.Complete {
			skipped++
			continue
		}
		cfg.NoAwait = true
		ref := s.Explore(cfg, sched.Options{Strategy: sched.Bounded, MaxPreemptions: 2, MaxSteps: 400, MaxExecutions: 2000})
		compared++
		if testing.Verbose() && ref.Stats.Elapsed+with.Stats.Elapsed > time.Second {
			t.Logf("program %d: %v with awaits (%d executions), %v without (%d)", i, with.Stats.Elapsed, with.Stats.Executions, ref.Stats.Elapsed, ref.Stats.Executions)
		}
		w, wo := verdicts(with), verdicts(ref)
		have := map[string]bool{}
		for _, v := range w {
			have[v] = true
		}
		for _, v := range wo {
			if !have[v] {
				t.Fatalf("loops run as written found %q, awaits did not (awaits: %v; reference: %v, %d executions):\n%s",
					v, w, wo, ref.Stats.Executions, src)
			}
		}
		if fmt.Sprint(w) == fmt.Sprint(wo) {
			equal++
		}
	}
	t.Logf("%d programs compared (%d with the same verdicts), %d skipped (the await search hit its execution limit)", compared, equal, skipped)
}

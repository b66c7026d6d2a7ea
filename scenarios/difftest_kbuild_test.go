package scenarios

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/scenarios/kbuild"
	"github.com/ksim-dev/ksim/sched"
)

// kbuildNaiveCap caps naive search here: the modules are small, and a larger one
// is skipped (and counted).
const kbuildNaiveCap = 2000

var kbuildDiffN = flag.Int("ksim.kbuild.programs", 0, "TestDiffKbuild: how many random modules (0: 20, or 3000 with -ksim.long or KSIM_KBUILD_LONG=1)")

// kbuildGen writes one random module of two files, a.c and b.c, with a shared
// header: locks and globals defined in a.c and used from both, functions that
// call across the files, and a static counter and helper of the same names in
// each file. It also writes the same program as one file, the statics renamed:
// linking must not change what the program does.
type kbuildGen struct {
	r *rand.Rand
}

func (g *kbuildGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// stmt writes one random statement of file f into w: a lock around a call or a
// memory access, a call, a global's update or the file's static helper. calls
// names the functions it may call; the lock nesting is one deep.
func (g *kbuildGen) stmt(w *strings.Builder, calls []string, ind string, nested bool) {
	simple := func() {
		switch g.r.IntN(4) {
		case 0:
			fmt.Fprintf(w, "%s@note();\n", ind)
		case 1:
			fmt.Fprintf(w, "%sg%d += %d;\n", ind, g.r.IntN(2), 1+g.r.IntN(2))
		default:
			if len(calls) > 0 {
				fmt.Fprintf(w, "%s%s();\n", ind, calls[g.r.IntN(len(calls))])
			} else {
				fmt.Fprintf(w, "%sg%d++;\n", ind, g.r.IntN(2))
			}
		}
	}
	if nested || g.r.IntN(3) == 0 {
		simple()
		return
	}
	lock := g.pick("m0", "m1", "m0", "m1", "s0")
	op, unop := "mutex_lock", "mutex_unlock"
	if lock == "s0" {
		op, unop = "spin_lock", "spin_unlock"
	}
	fmt.Fprintf(w, "%s%s(&%s);\n", ind, op, lock)
	g.stmt(w, calls, ind+"\t", true)
	fmt.Fprintf(w, "%s%s(&%s);\n", ind, unop, lock)
}

// kbuildGenerate writes module number seed: the Kbuild folder's files, and the
// one-file program.
func kbuildGenerate(seed uint64) (files map[string]string, one string) {
	g := &kbuildGen{r: rand.New(rand.NewPCG(seed, 0x6b6275696c64))}
	const head = "#include <linux/module.h>\n#include <linux/mutex.h>\n#include <linux/spinlock.h>\n#include <linux/kthread.h>\n"
	header := "extern struct mutex m0, m1;\nextern spinlock_t s0;\nextern int g0, g1;\nint b_hits(void);\nint thread_b(void *d);\n"
	// Leaves: one or two per file. The files of the callers and the callees
	// are chosen at random, so calls go both ways between the files, without
	// recursion.
	callee, caller := "a", "b"
	if g.r.IntN(2) == 0 {
		callee, caller = "b", "a"
	}
	type fn struct{ name, file, text string }
	var fns []fn
	var low []string
	for _, f := range []string{callee, caller} {
		var level []string
		for i := range 1 + g.r.IntN(2) {
			name := fmt.Sprintf("f%s%d", f, i)
			var w strings.Builder
			fmt.Fprintf(&w, "void %s(void)\n{\n", name)
			g.stmt(&w, low, "\t", false)
			w.WriteString("}\n\n")
			fns = append(fns, fn{name, f, w.String()})
			header += "void " + name + "(void);\n"
			level = append(level, name)
		}
		low = append(low, level...)
	}
	thread := func(sig string) string {
		var w strings.Builder
		w.WriteString(sig + "\n{\n")
		for range 1 + g.r.IntN(2) {
			g.stmt(&w, low, "\t", false)
		}
		w.WriteString("\treturn 0;\n}\n\n")
		return w.String()
	}
	ta, tb := thread("static int thread_a(void *d)"), thread("int thread_b(void *d)")

	statics := func(f string) string {
		inc := map[string]string{"a": "1", "b": "2"}[f]
		return "static int @hits;\nstatic void @note(void)\n{\n\t@hits += " + inc + ";\n}\n\n"
	}
	var a, b strings.Builder
	a.WriteString("DEFINE_MUTEX(m0);\nDEFINE_MUTEX(m1);\nDEFINE_SPINLOCK(s0);\nint g0, g1;\n\n")
	a.WriteString(statics("a"))
	b.WriteString(statics("b"))
	b.WriteString("int b_hits(void)\n{\n\treturn @hits;\n}\n\n")
	for _, f := range fns {
		if f.file == "a" {
			a.WriteString(f.text)
		} else {
			b.WriteString(f.text)
		}
	}
	a.WriteString(ta)
	b.WriteString(tb)
	a.WriteString(`static int __init mod_init(void)
{
	kthread_run(thread_a, NULL, "ta");
	kthread_run(thread_b, NULL, "tb");
	return 0;
}

static void __exit mod_exit(void)
{
	pr_info("final g0=%d g1=%d hits=%d b_hits=%d\n", g0, g1, @hits, b_hits());
}

module_init(mod_init);
module_exit(mod_exit);
MODULE_LICENSE("GPL");
`)
	as, bs := a.String(), b.String()
	files = map[string]string{
		"Kbuild":   "obj-m := d.o\nd-objs := a.o b.o\n",
		"shared.h": header,
		"a.c":      head + "#include \"shared.h\"\n\n" + strings.ReplaceAll(as, "@", ""),
		"b.c":      head + "#include \"shared.h\"\n\n" + strings.ReplaceAll(bs, "@", "") + "MODULE_LICENSE(\"GPL\");\n",
	}
	// One file: the header once, b's definitions first as prototypes say nothing
	// of order, the statics renamed per file.
	one = head + strings.Replace(header, "extern struct mutex m0, m1;\nextern spinlock_t s0;\nextern int g0, g1;\n", "", 1) +
		"\n" + strings.Replace(strings.ReplaceAll(as, "@", "sa_"), "module_init", "\n"+strings.ReplaceAll(bs, "@", "sb_")+"\nmodule_init", 1)
	return files, one
}

// kbuildLoadFS loads the module folder files.
func kbuildLoadFS(files map[string]string) (*Scenario, error) {
	fsys := fstest.MapFS{}
	for n, text := range files {
		fsys[n] = &fstest.MapFile{Data: []byte(text)}
	}
	kf, err := kbuild.Read(fsys, "Kbuild", "d/Kbuild")
	if err != nil {
		return nil, err
	}
	m, err := ModuleOf(kf.Name, "d", fsys, kf.Modules[0], nil)
	if err != nil {
		return nil, err
	}
	return LoadModule(m)
}

// TestDiffKbuild: random modules of two files, linked. Each explored by dfs and by
// naive search must agree (sdDiff); and the same program as one file (sdCompare,
// itself dfs against naive) must find the same kinds of problem and reach the same
// final states: linking changes nothing the program does.
func TestDiffKbuild(t *testing.T) {
	n := 20
	if sdRace {
		n = 8
	}
	if *sdLong || os.Getenv("KSIM_KBUILD_LONG") != "" {
		n = 3000
	}
	if *kbuildDiffN > 0 {
		n = *kbuildDiffN
	}
	type outcome struct {
		files            map[string]string
		one              string
		naive, dfs       *sdResult
		oneNaive, oneDFS *sdResult
		diffs            []string
		skipped          bool
		err              error
	}
	results := make([]outcome, n)
	start := time.Now()
	sdParallel(n, func(i int) {
		files, one := kbuildGenerate(*sdSeed + uint64(i))
		o := outcome{files: files, one: one}
		defer func() { results[i] = o }()
		s, err := kbuildLoadFS(files)
		if err != nil {
			o.err = err
			return
		}
		o.naive = sdExplore(s, sched.Options{Strategy: sched.Naive, MaxExecutions: kbuildNaiveCap})
		if !o.naive.complete || o.naive.err != nil {
			o.skipped = true
			return
		}
		o.dfs = sdExplore(s, sched.Options{})
		o.diffs, _ = sdDiff(o.naive, o.dfs)
		var oneDiffs []string
		var skipped bool
		o.oneNaive, o.oneDFS, oneDiffs, _, skipped, err = sdCompare(one, kbuildNaiveCap)
		if err != nil {
			o.err = fmt.Errorf("the one-file program: %w", err)
			return
		}
		if skipped {
			o.skipped = true
			return
		}
		for _, d := range oneDiffs {
			o.diffs = append(o.diffs, "one file: "+d)
		}
		kinds := func(r *sdResult) string { return strings.Join(sdKeys(sdKinds(r.problems)), " ") }
		if kinds(o.dfs) != kinds(o.oneDFS) {
			o.diffs = append(o.diffs, fmt.Sprintf("linked finds %q, one file %q", kinds(o.dfs), kinds(o.oneDFS)))
		}
		if a, b := strings.Join(sdKeys(o.dfs.outcomes), " | "), strings.Join(sdKeys(o.oneDFS.outcomes), " | "); a != b {
			o.diffs = append(o.diffs, fmt.Sprintf("final states: linked %q, one file %q", a, b))
		}
	})
	var compared, skipped, disagree int
	found := map[string]int{} // what the linked modules found, for the log
	for i, r := range results {
		require.NoError(t, r.err, "module %d:\n--- a.c\n%s\n--- b.c\n%s\n--- shared.h\n%s\n--- one file\n%s", i, r.files["a.c"], r.files["b.c"], r.files["shared.h"], sdNumbered(r.one))
		if r.skipped {
			skipped++
			continue
		}
		compared++
		found[strings.Join(sdKeys(sdKinds(r.dfs.problems)), "+")]++
		if len(r.diffs) > 0 {
			disagree++
			if disagree <= 3 {
				t.Errorf("module %d (seed %d) disagrees:\n  %s\n--- a.c\n%s\n--- b.c\n%s\n--- shared.h\n%s", i, *sdSeed+uint64(i),
					strings.Join(r.diffs, "\n  "), r.files["a.c"], r.files["b.c"], r.files["shared.h"])
			}
		}
	}
	t.Logf("kbuild difftest: %d compared, %d disagreements, %d skipped (naive search over %d executions); %v",
		compared, disagree, skipped, kbuildNaiveCap, time.Since(start).Round(time.Millisecond))
	for _, k := range sdKeys(found) {
		t.Logf("  %5d× %q", found[k], k)
	}
	if compared < n/2 {
		t.Errorf("only %d of %d modules were small enough for naive search", compared, n)
	}
}

package interp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// linkParse parses one unit named file, as parse does test.c.
func linkParse(t *testing.T, file, src string) Unit {
	t.Helper()
	abi, err := cc.NewABI("linux", "amd64")
	require.NoError(t, err)
	cfg := &cc.Config{ABI: abi, FSOnly: true, Predefined: testPredefined}
	require.NoError(t, cfg.ApplyOptions())
	ast, err := cc.Translate(cfg, []cc.Source{
		{Name: "<predefined>", Value: testPredefined},
		{Name: "<builtin>", Value: cc.Builtin},
		{Name: "test.h", Value: testHeader},
		{Name: file, Value: src},
		{Name: "<end>", Value: "static int __ksim_end_of_input;\n"},
	})
	require.NoError(t, err)
	return Unit{File: file, AST: ast}
}

func linkOptions(obs *observations) Options {
	return Options{Lookup: testAPI(obs),
		Files:  func(f string) bool { return f == "a.c" || f == "b.c" },
		Shared: func(f string) bool { return f == "test.h" || f[0] == '<' }}
}

// Two units linked: calls and externs cross them, statics stay in theirs, the
// header's inline functions are one copy.
func TestLinkUnits(t *testing.T) {
	obs := &observations{}
	a := linkParse(t, "a.c", `
int shared = 10;
static int count = 1;
static int id(void) { return 100; }
int from_b(void);
void f(void)
{
	observe(from_b());
	observe(id());
	observe(count);
	observe(shared);
	observe(header_helper(4));
}
`)
	b := linkParse(t, "b.c", `
extern int shared;
static int count = 2;
static int id(void) { return 200; }
int from_b(void) { shared++; return id() + count; }
`)
	p, err := Link([]Unit{a, b}, linkOptions(obs))
	require.NoError(t, err)
	res := sched.Explore(ksync.Program(ksync.Config{CPUs: 1}, func(k *ksync.Kernel) {
		w := p.NewWorld(k)
		f := w.Func("f")
		require.NotNil(t, f)
		k.KernelThread("f", func(tk *ksync.Task) { w.Run(tk, f, 0); obs.done(w) })
	}), sched.Options{})
	require.NoError(t, res.Err)
	require.Len(t, obs.all, 1)
	assert.Equal(t, []int64{202, 100, 1, 11, 8}, obs.all[0])
	var keys []string
	for _, fi := range p.Funcs() {
		keys = append(keys, fi.Key)
	}
	assert.Equal(t, []string{"id@a.c", "f", "id@b.c", "from_b"}, keys)
}

// An external name defined in two units is ld's error at the second, naming the
// first; one tentative definition per unit collides too (-fno-common).
func TestLinkMultipleDefinition(t *testing.T) {
	a := linkParse(t, "a.c", "int x;\nvoid f(void) { }\n")
	b := linkParse(t, "b.c", "int x;\nvoid f(void) { }\nstatic void g(void) { }\n")
	c := linkParse(t, "c.c", "static void g(void) { }\n")
	_, err := Link([]Unit{a, b, c}, linkOptions(&observations{}))
	require.Error(t, err)
	assert.Equal(t, "b.c:1:5: multiple definition of `x'; a.c:1:5: first defined here\n"+
		"b.c:2:6: multiple definition of `f'; a.c:2:6: first defined here", err.Error())
}

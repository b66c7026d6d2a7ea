package interp

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/cc/v4"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// The tests parse C with cc/v4 directly (the front end is another package's) and
// call a small fake kernel API.

const testPredefined = `#define __STDC__ 1
#define __STDC_VERSION__ 201112L
#define __x86_64__ 1
#define __linux__ 1
#define __LP64__ 1
#define __CHAR_BIT__ 8
#define __SIZE_TYPE__ unsigned long
#define __PTRDIFF_TYPE__ long
#define __WCHAR_TYPE__ int
#define __UINT16_TYPE__ unsigned short
#define __UINT32_TYPE__ unsigned int
#define __UINT64_TYPE__ unsigned long
#define NULL ((void *)0)
`

const testHeader = `
void observe(long v);
void lock(int *l);
void unlock(int *l);
void *alloc(unsigned long n);
void release(void *p);
void spawn(void (*fn)(void *), void *arg);
int trylock(int *l);
extern unsigned long volatile jiffies;
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) do { *(volatile __typeof__(x) *)&(x) = (v); } while (0)
#define offsetof(t, m) __builtin_offsetof(t, m)
static inline int unused_helper(void) { double d = 1.5; return nope_undefined(); }
int nope_undefined(void);
static inline int header_helper(int x) { return x * 2; }
#define container_of(ptr, type, member) ({ void *__mptr = (void *)(ptr); ((type *)(__mptr - offsetof(type, member))); })
`

func parse(src string) (*cc.AST, error) {
	abi, err := cc.NewABI("linux", "amd64")
	if err != nil {
		return nil, err
	}
	cfg := &cc.Config{ABI: abi, FSOnly: true, Predefined: testPredefined}
	if err := cfg.ApplyOptions(); err != nil {
		return nil, err
	}
	return cc.Translate(cfg, []cc.Source{
		{Name: "<predefined>", Value: testPredefined},
		{Name: "<builtin>", Value: cc.Builtin},
		{Name: "test.h", Value: testHeader},
		{Name: "test.c", Value: src},
		// As cfront does: cc/v4 v4.35.0 loops forever on input that ends inside
		// a pointer declarator ("*"); a declaration after the file stops it.
		{Name: "<end>", Value: "static int __ksim_end_of_input;\n"},
	})
}

// observations collects what observe() saw, per world.
type observations struct {
	mu   sync.Mutex
	seen map[*World][]int64
	all  [][]int64
}

func (o *observations) add(w *World, v int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen == nil {
		o.seen = map[*World][]int64{}
	}
	o.seen[w] = append(o.seen[w], v)
}

func (o *observations) done(w *World) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = append(o.all, o.seen[w])
	delete(o.seen, w)
}

// testAPI is the fake kernel API: observe records, lock/unlock are spinlocks living
// at their address, alloc is kzalloc, spawn starts a kernel thread.
func testAPI(obs *observations) func(string) *Builtin {
	spin := func(c *Call) *ksync.Spinlock {
		a := c.Addr(0)
		if s, ok := c.K().PrimAt(a).(*ksync.Spinlock); ok {
			return s
		}
		s := c.K().DefineSpinlock(c.Site.ArgText[0])
		c.K().SetPrimAt(a, s)
		return s
	}
	m := map[string]*Builtin{
		"observe": {Name: "observe", Impl: func(c *Call) int64 { obs.add(c.W, c.Int(0)); return 0 }},
		"lock":    {Name: "lock", Impl: func(c *Call) int64 { spin(c).Lock(c.T); return 0 }},
		"unlock":  {Name: "unlock", Impl: func(c *Call) int64 { spin(c).Unlock(c.T); return 0 }},
		"trylock": {Name: "trylock", Impl: func(c *Call) int64 { return int64(spin(c).Trylock(c.T)) }},
		"alloc": {Name: "alloc", Impl: func(c *Call) int64 {
			return int64(c.K().NewObject("alloc", int(c.Int(0)), ksync.RegionHeap).Addr())
		}},
		"release": {Name: "release", Impl: func(c *Call) int64 {
			if b, _ := c.K().Find(c.Addr(0)); b != nil {
				c.T.Kfree(b)
			}
			return 0
		}},
		"spawn": {Name: "spawn", Impl: func(c *Call) int64 {
			fn, arg := c.W.FuncAt(c.Addr(0)), c.Int(1)
			w := c.W
			c.K().KernelThread(fn.Name(), func(t *ksync.Task) { w.Run(t, fn, arg) })
			return 0
		}},
	}
	return func(name string) *Builtin { return m[name] }
}

func compile(t *testing.T, src string, obs *observations) *Program {
	t.Helper()
	ast, err := parse(src)
	require.NoError(t, err)
	p, err := Compile(ast, Options{Lookup: testAPI(obs), Files: isTestC})
	require.NoError(t, err)
	return p
}

func compileErr(t *testing.T, src string) string {
	t.Helper()
	ast, err := parse(src)
	require.NoError(t, err)
	_, err = Compile(ast, Options{Lookup: testAPI(&observations{}), Files: isTestC})
	require.Error(t, err)
	return err.Error()
}

// explore runs the named functions as kernel threads (each with argument 0).
func explore(t *testing.T, p *Program, obs *observations, cfg ksync.Config, opts sched.Options, threads ...string) *sched.Result {
	t.Helper()
	if cfg.CPUs == 0 {
		cfg.CPUs = 2
	}
	res := sched.Explore(ksync.Program(cfg, func(k *ksync.Kernel) {
		w := p.NewWorld(k)
		left := len(threads)
		for _, name := range threads {
			f := w.Func(name)
			require.NotNil(t, f, name)
			k.KernelThread(name, func(tk *ksync.Task) {
				w.Run(tk, f, 0)
				left--
				if left == 0 {
					obs.done(w)
				}
			})
		}
	}), opts)
	require.NoError(t, res.Err)
	return res
}

// runOne runs f alone and returns what it observed.
func runOne(t *testing.T, src string) ([]int64, *sched.Result) {
	t.Helper()
	obs := &observations{}
	p := compile(t, src, obs)
	res := explore(t, p, obs, ksync.Config{}, sched.Options{}, "f")
	if len(obs.all) == 0 {
		return nil, res
	}
	return obs.all[0], res
}

func titles(res *sched.Result) string {
	var s []string
	for _, p := range res.Problems {
		s = append(s, p.Title)
	}
	return strings.Join(s, "\n")
}

func isTestC(f string) bool { return f == "test.c" }

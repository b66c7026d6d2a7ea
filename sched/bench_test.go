package sched

import (
	"iter"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// BenchmarkPullFloor is the cost of the bare coroutine switch the engine is built on:
// one iter.Pull next/yield round trip. Every scheduling step needs at least one.
func BenchmarkPullFloor(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for yield(0) {
		}
	})
	defer stop()
	for b.Loop() {
		next()
	}
}

// floorMeter times bare Pull round trips inside another benchmark, in short bursts
// interleaved with the work measured, so that the ratio compares the two over the same
// stretch of a (noisy, shared) machine's time rather than a floor taken once up front.
type floorMeter struct {
	next  func() (int, bool)
	stop  func()
	ns, n int64
}

func newFloorMeter() *floorMeter {
	m := &floorMeter{}
	m.next, m.stop = iter.Pull(func(yield func(int) bool) {
		for yield(0) {
		}
	})
	return m
}

// burst runs n round trips and adds their time.
func (m *floorMeter) burst(n int) {
	start := time.Now()
	for range n {
		m.next()
	}
	m.ns += time.Since(start).Nanoseconds()
	m.n += int64(n)
}

func (m *floorMeter) nsPerOp() float64 { return float64(m.ns) / float64(m.n) }

// benchExplore explores prog once per iteration and reports ns/step, execs/s and
// x-floor: ns/step over the ns of a bare Pull round trip, measured in bursts between
// the iterations with about as many round trips as the exploration has steps. ns/op
// is the explorations' own time, without the bursts.
func benchExplore(b *testing.B, prog Program, opts Options) {
	b.Helper()
	floor := newFloorMeter()
	defer floor.stop()
	var steps, execs, ns int64
	burst := 1000
	for b.Loop() {
		floor.burst(burst) // not excluded with StopTimer: it stops the world to read memstats
		start := time.Now()
		res := Explore(prog, opts)
		ns += time.Since(start).Nanoseconds()
		steps += res.Stats.Steps
		execs += res.Stats.Executions
		burst = int(res.Stats.Steps)
	}
	nsStep := float64(ns) / float64(steps)
	b.ReportMetric(float64(ns)/float64(b.N), "ns/op") // the explorations' time alone
	b.ReportMetric(nsStep, "ns/step")
	b.ReportMetric(float64(execs)/(float64(ns)/1e9), "execs/s")
	b.ReportMetric(nsStep/floor.nsPerOp(), "x-floor")
}

// BenchmarkExplorePhilosophers5 explores 5 dining philosophers exhaustively with DPOR.
// x-floor is ns/step divided by the Pull round trip measured in the same benchmark.
func BenchmarkExplorePhilosophers5(b *testing.B) {
	benchExplore(b, philosophers(5, false), Options{})
}

// BenchmarkRandomPhilosophers5 is the same program under random scheduling: no DPOR
// bookkeeping, so it shows the cost of the step loop itself.
func BenchmarkRandomPhilosophers5(b *testing.B) {
	benchExplore(b, philosophers(5, false), Options{Strategy: Random, MaxExecutions: 1000})
}

// TestMemoryFlat explores 2·10^5 executions and checks that the heap left behind does
// not grow with the number of executions: everything per execution is reused. It does
// so for random search (philosophers) and for DPOR (a thread making 18 binary data
// choices while another writes: 2^18 executions through DPOR's nodes, clocks and
// trees). What DPOR does keep is its frontier, the wakeup trees of sequences still to
// explore: bounded by the program, not by the executions run, but large for some
// programs (see TestWakeupTreeFrontier).
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("explores 2·10^5 executions, twice")
	}
	heapAfter := func(prog Program, opts Options, execs int) uint64 {
		var heap uint64
		opts.MaxExecutions = execs
		opts.Progress = func(s Stats) {
			if s.Executions == int64(execs) {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				heap = m.HeapAlloc
			}
		}
		Explore(prog, opts)
		return heap
	}
	for _, tc := range []struct {
		name string
		prog Program
		opts Options
	}{
		{"random, philosophers(4)", philosophers(4, false), Options{Strategy: Random, Seed: 1}},
		{"dpor, 18 data choices", choices(18), Options{}},
	} {
		small := heapAfter(tc.prog, tc.opts, 10000)
		large := heapAfter(tc.prog, tc.opts, 200000)
		t.Logf("%s: live heap after 10^4 executions: %d KiB; after 2·10^5: %d KiB", tc.name, small/1024, large/1024)
		assert.Less(t, int64(large)-int64(small), int64(512<<10), "%s: the heap grows with executions", tc.name)
	}
}

// choices is a thread making n binary data choices, each followed by a write of a
// shared variable that another thread reads once: 2^n executions (times the reader's
// placements DPOR must try).
func choices(n int) Program {
	return func(e *Execution) {
		x := newVar(e, "x")
		e.Spawn("chooser", func(t *Thread) {
			for range n {
				x.write(t, t.Choose(2))
			}
		})
		e.Spawn("reader", func(t *Thread) { x.read(t) })
	}
}

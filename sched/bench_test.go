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

// pullFloor measures the floor inside another benchmark, so that the ratio is taken
// in the same run on the same (noisy, shared) machine.
func pullFloor() time.Duration {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for yield(0) {
		}
	})
	defer stop()
	const n = 200000
	best := time.Duration(1 << 62)
	for range 5 {
		start := time.Now()
		for range n {
			next()
		}
		best = min(best, time.Since(start)/n)
	}
	return best
}

func benchExplore(b *testing.B, prog Program, opts Options) {
	b.Helper()
	floor := pullFloor()
	var steps, execs int64
	start := time.Now()
	for b.Loop() {
		res := Explore(prog, opts)
		steps += res.Stats.Steps
		execs += res.Stats.Executions
	}
	el := time.Since(start)
	nsStep := float64(el.Nanoseconds()) / float64(steps)
	b.ReportMetric(nsStep, "ns/step")
	b.ReportMetric(float64(execs)/el.Seconds(), "execs/s")
	b.ReportMetric(nsStep/float64(floor.Nanoseconds()), "x-floor")
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
// not grow with the number of executions: everything per execution is reused.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("explores 2·10^5 executions")
	}
	heapAfter := func(execs int) uint64 {
		var heap uint64
		Explore(philosophers(4, false), Options{Strategy: Random, Seed: 1, MaxExecutions: execs,
			Progress: func(s Stats) {
				if s.Executions == int64(execs) {
					runtime.GC()
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					heap = m.HeapAlloc
				}
			}})
		return heap
	}
	small := heapAfter(10000)
	large := heapAfter(200000)
	t.Logf("live heap after 10^4 executions: %d KiB; after 2·10^5: %d KiB", small/1024, large/1024)
	assert.Less(t, int64(large)-int64(small), int64(512<<10), "the heap grows with executions")
}

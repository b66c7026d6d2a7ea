package ksync

import (
	"testing"
	"time"

	"github.com/ksim-dev/ksim/sched"
)

// BenchmarkPhilosophers5NoIRQ measures what "no interrupt lines, no cost" promises:
// a program that requests no line and schedules no tasklet explores the very same
// executions as without the interrupt model (TestNoIRQLinesAddNoChoices checks that
// they are step for step the same), and each of its steps pays only mayInterrupt's
// inlined test for lines and pending tasklets. It explores 5 philosophers on ksync
// mutexes (5 CPUs, lockdep off, as BenchmarkPhilosophers5Mutex) with the interrupt
// model present but idle — settings for lines nobody requests, a declared tasklet
// nobody schedules — and reports "x-noirq": its ns/step divided by that of the same
// exploration without them, both measured in every iteration. 1.00 is no cost; the
// spread between runs is the machine's noise.
func BenchmarkPhilosophers5NoIRQ(b *testing.B) {
	idle := Program(Config{CPUs: 5, NoLockdep: true, IRQs: irqIdleConfig}, irqModelIdle)
	base := Program(Config{CPUs: 5, NoLockdep: true}, mutexPhilosophers)
	var idleNS, baseNS, idleSteps, baseSteps int64
	timed := func(prog sched.Program, ns *int64) *sched.Result {
		start := time.Now()
		res := sched.Explore(prog, sched.Options{})
		*ns += time.Since(start).Nanoseconds()
		return res
	}
	for i := 0; b.Loop(); i++ {
		var r, s *sched.Result
		if i%2 == 0 { // alternate which goes first, so that neither always pays for the other
			r, s = timed(idle, &idleNS), timed(base, &baseNS)
		} else {
			s, r = timed(base, &baseNS), timed(idle, &idleNS)
		}
		if r.Stats.Steps != s.Stats.Steps || r.FullSearch != "" {
			b.Fatalf("the idle interrupt model changed the exploration: %d steps (%q), want %d", r.Stats.Steps, r.FullSearch, s.Stats.Steps)
		}
		idleSteps += r.Stats.Steps
		baseSteps += s.Stats.Steps
	}
	ns := float64(idleNS) / float64(idleSteps)
	b.ReportMetric(ns, "ns/step")
	b.ReportMetric(ns/(float64(baseNS)/float64(baseSteps)), "x-noirq")
}

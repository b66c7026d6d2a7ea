package ksync

import (
	"fmt"
	"testing"
	"time"

	"github.com/ksim-dev/ksim/sched"
)

// bareLock is the minimal lock sched's own tests use: the baseline the kernel model's
// cost is measured against.
type bareLock struct {
	id    sched.ObjID
	owner *sched.Thread
}

func (l *bareLock) Enabled(*sched.Op) bool { return l.owner == nil }

var forkNames, philNames = func() (f, p []string) {
	for i := range 5 {
		f = append(f, fmt.Sprintf("fork%d", i))
		p = append(p, fmt.Sprintf("phil%d", i))
	}
	return
}()

func barePhilosophers(e *sched.Execution) {
	forks := make([]*bareLock, 5)
	for i := range forks {
		forks[i] = &bareLock{id: e.NewObject(forkNames[i])}
	}
	for i := range 5 {
		l, r := forks[i], forks[(i+1)%5]
		e.Spawn(philNames[i], func(t *sched.Thread) {
			for _, f := range []*bareLock{l, r} {
				t.Op(&sched.Op{Name: "lock", Obj: f.id, Access: sched.Acquire, Guard: f})
				f.owner = t
			}
			for _, f := range []*bareLock{r, l} {
				t.Op(&sched.Op{Name: "unlock", Obj: f.id, Access: sched.Release})
				f.owner = nil
			}
		})
	}
}

func mutexPhilosophers(k *Kernel) {
	forks := make([]*Mutex, 5)
	for i := range forks {
		forks[i] = k.DefineMutex(forkNames[i])
	}
	for i := range 5 {
		l, r := forks[i], forks[(i+1)%5]
		k.KernelThread(philNames[i], func(t *Task) {
			l.Lock(t)
			r.Lock(t)
			r.Unlock(t)
			l.Unlock(t)
		})
	}
}

// BenchmarkPhilosophers5Mutex explores 5 philosophers on ksync mutexes with 5 CPUs
// (so the CPU model costs nothing) and lockdep off, and reports ns/step, and "x-bare": the ratio to the
// same exploration on sched's bare lock. Each iteration runs both, so they share the
// machine's noise.
func BenchmarkPhilosophers5Mutex(b *testing.B) {
	prog := Program(Config{CPUs: 5, NoLockdep: true}, mutexPhilosophers) // lockdep has its own benchmark
	var mutexNS, bareNS, mutexSteps, bareSteps int64
	for b.Loop() {
		start := time.Now()
		mutexSteps += sched.Explore(prog, sched.Options{}).Stats.Steps
		mid := time.Now()
		bareSteps += sched.Explore(barePhilosophers, sched.Options{}).Stats.Steps
		mutexNS += mid.Sub(start).Nanoseconds()
		bareNS += time.Since(mid).Nanoseconds()
	}
	ns := float64(mutexNS) / float64(mutexSteps)
	b.ReportMetric(ns, "ns/step")
	b.ReportMetric(ns/(float64(bareNS)/float64(bareSteps)), "x-bare")
}

// BenchmarkPhilosophers5Lockdep explores 5 philosophers on ksync mutexes with lockdep
// on, and reports "x-nolockdep": the ratio of its ns/step to the same exploration with
// lockdep off, both measured in every iteration.
func BenchmarkPhilosophers5Lockdep(b *testing.B) {
	on := Program(Config{CPUs: 5}, mutexPhilosophers)
	off := Program(Config{CPUs: 5, NoLockdep: true}, mutexPhilosophers)
	var onNS, offNS, onSteps, offSteps int64
	for b.Loop() {
		start := time.Now()
		onSteps += sched.Explore(on, sched.Options{}).Stats.Steps
		mid := time.Now()
		offSteps += sched.Explore(off, sched.Options{}).Stats.Steps
		onNS += mid.Sub(start).Nanoseconds()
		offNS += time.Since(mid).Nanoseconds()
	}
	ns := float64(onNS) / float64(onSteps)
	b.ReportMetric(ns, "ns/step")
	b.ReportMetric(ns/(float64(offNS)/float64(offSteps)), "x-nolockdep")
}

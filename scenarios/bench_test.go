package scenarios

import (
	"fmt"
	"testing"
	"time"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/sched"
)

// philosophers5 is ksync's BenchmarkPhilosophers5Lockdep model written as kernel C:
// five tasks, each taking its left then its right fork mutex, on 5 CPUs.
const philosophers5 = `
#pragma ksim cpus 5
#pragma ksim threads phil0 phil1 phil2 phil3 phil4
static DEFINE_MUTEX(fork0);
static DEFINE_MUTEX(fork1);
static DEFINE_MUTEX(fork2);
static DEFINE_MUTEX(fork3);
static DEFINE_MUTEX(fork4);
static int phil0(void *d)
{
	mutex_lock(&fork0);
	mutex_lock(&fork1);
	mutex_unlock(&fork1);
	mutex_unlock(&fork0);
	return 0;
}
static int phil1(void *d)
{
	mutex_lock(&fork1);
	mutex_lock(&fork2);
	mutex_unlock(&fork2);
	mutex_unlock(&fork1);
	return 0;
}
static int phil2(void *d)
{
	mutex_lock(&fork2);
	mutex_lock(&fork3);
	mutex_unlock(&fork3);
	mutex_unlock(&fork2);
	return 0;
}
static int phil3(void *d)
{
	mutex_lock(&fork3);
	mutex_lock(&fork4);
	mutex_unlock(&fork4);
	mutex_unlock(&fork3);
	return 0;
}
static int phil4(void *d)
{
	mutex_lock(&fork4);
	mutex_lock(&fork0);
	mutex_unlock(&fork0);
	mutex_unlock(&fork4);
	return 0;
}
`

// goPhilosophers is the same model on ksync's Go API.
func goPhilosophers(k *ksync.Kernel) {
	forks := make([]*ksync.Mutex, 5)
	for i := range forks {
		forks[i] = k.DefineMutex(fmt.Sprintf("fork%d", i))
	}
	for i := range 5 {
		l, r := forks[i], forks[(i+1)%5]
		k.KernelThread(fmt.Sprintf("phil%d", i), func(t *ksync.Task) {
			l.Lock(t)
			r.Lock(t)
			r.Unlock(t)
			l.Unlock(t)
		})
	}
}

// BenchmarkScenarioPhilosophers5 explores the five philosophers written in kernel C
// through the front end and the interpreter, lockdep on, and reports ns/step and
// "x-goapi": the ratio of its ns/step to the same model on ksync's Go API
// (BenchmarkPhilosophers5Lockdep's), both measured in every iteration so that they
// share the machine's noise.
func BenchmarkScenarioPhilosophers5(b *testing.B) {
	s, err := Load("philosophers5.c", []byte(philosophers5))
	if err != nil {
		b.Fatal(err)
	}
	c := s.Program(s.KernelConfig(), nil)
	g := ksync.Program(ksync.Config{CPUs: 5}, goPhilosophers)
	var cNS, gNS, cSteps, gSteps int64
	for b.Loop() {
		start := time.Now()
		cSteps += sched.Explore(c, sched.Options{}).Stats.Steps
		mid := time.Now()
		gSteps += sched.Explore(g, sched.Options{}).Stats.Steps
		cNS += mid.Sub(start).Nanoseconds()
		gNS += time.Since(mid).Nanoseconds()
	}
	ns := float64(cNS) / float64(cSteps)
	b.ReportMetric(ns, "ns/step")
	b.ReportMetric(ns/(float64(gNS)/float64(gSteps)), "x-goapi")
}

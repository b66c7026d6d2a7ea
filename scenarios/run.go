package scenarios

import (
	"fmt"
	"sort"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/ksync/lockdep"
	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/scenarios/interp"
	"github.com/ksim-dev/ksim/scenarios/kapi"
	"github.com/ksim-dev/ksim/sched"
)

// KernelConfig is the simulated kernel the scenario's pragmas ask for.
func (s *Scenario) KernelConfig() ksync.Config {
	cfg := ksync.Config{CPUs: s.Config.CPUs, MemoryPressure: s.Config.MemoryPressure, NoLockdep: s.Config.NoLockdep,
		LoopBound: s.Config.LoopBound, ArmBound: s.Config.ArmBound}
	for n, c := range s.Config.IRQ {
		if cfg.IRQs == nil {
			cfg.IRQs = map[int]ksync.IRQSetting{}
		}
		cfg.IRQs[n] = ksync.IRQSetting{Times: c.Times, CPU: c.CPU}
	}
	return cfg
}

// Program is the scenario as a sched program: every execution runs it on a fresh
// kernel configured by cfg. observe, if set, is called with each execution's kernel
// once its tasks are created (to read dmesg at the end of a replay, for instance).
func (s *Scenario) Program(cfg ksync.Config, observe func(*ksync.Kernel)) sched.Program {
	g := lockdep.NewGraph() // one per exploration: lockdep learns across executions
	return func(e *sched.Execution) {
		k := ksync.NewShared(e, cfg, g)
		s.start(s.Prog.NewWorld(k), k)
		if observe != nil {
			observe(k)
		}
	}
}

// start creates the execution's first tasks: insmod running module_init, or the
// thread functions; and rmmod running module_exit once every other task is done.
// A module_init that fails (returns a negative errno) leaves no module: its memory
// is freed (do_init_module, kernel/module/main.c), so the threads it started find it
// gone, and rmmod has nothing to unload. One that never returns (it oopsed) leaves a
// module that never went live, which delete_module refuses (-EBUSY): module_exit
// does not run either.
func (s *Scenario) start(w *interp.World, k *ksync.Kernel) {
	initOK := s.Init == ""
	if s.Init != "" {
		f := w.Func(s.Init)
		k.KernelThread("insmod", func(t *ksync.Task) {
			if int32(w.Run(t, f)) < 0 {
				t.FreeModule()
				return
			}
			initOK = true
			// The module is live: user processes drive the files it registered
			// (kapi/fops.go); rmmod waits for them to exit.
			kapi.StartProcesses(t, w, s.Config.Processes)
		})
	} else {
		for _, name := range s.Threads {
			f := w.Func(name)
			k.KernelThread(name, func(t *ksync.Task) { w.Run(t, f, 0) })
		}
	}
	if s.Exit != "" {
		f := w.Func(s.Exit)
		k.RunAfterAll("rmmod", func(t *ksync.Task) {
			if initOK {
				w.Run(t, f)
				t.UnloadModule(s.ModuleName())
			}
		})
	}
}

// Explore explores the scenario under cfg with opts.
func (s *Scenario) Explore(cfg ksync.Config, opts sched.Options) *sched.Result {
	return sched.Explore(s.Program(cfg, nil), opts)
}

// Replay runs exactly the execution a schedule describes and returns its result and
// what that execution left: its kernel (dmesg, /proc/interrupts), threads and trace,
// nil if it ran none. opts supplies the limits the schedule was found under (MaxSteps:
// a hang replays only under the same step limit); its strategy and schedule are set here.
func (s *Scenario) Replay(cfg ksync.Config, schedule string, opts sched.Options) (*sched.Result, *Replayed) {
	var last *Replayed
	opts.Strategy, opts.Schedule = sched.Replay, schedule
	res := sched.Explore(s.Program(cfg, func(k *ksync.Kernel) {
		r := &Replayed{Kernel: k}
		last = r
		e := k.Execution()
		// The engine reuses an Execution once it ends: keep its trace now.
		e.OnEnd(func(sched.Outcome) {
			for _, t := range e.Threads() {
				r.Threads = append(r.Threads, t.Name())
			}
			r.Trace = e.Trace()
		})
	}), opts)
	return res, last
}

// Replayed is what a replayed execution left behind.
type Replayed struct {
	Kernel  *ksync.Kernel
	Threads []string      // thread names in spawn order
	Trace   []sched.Event // every step it ran
}

// Kinds are the distinct problem kinds an exploration found, sorted; "ok" when none.
func Kinds(res *sched.Result) []string {
	seen := map[string]bool{}
	var ks []string
	for _, p := range res.Problems {
		if !seen[p.Kind] {
			seen[p.Kind] = true
			ks = append(ks, p.Kind)
		}
	}
	if len(ks) == 0 {
		return []string{"ok"}
	}
	sort.Strings(ks)
	return ks
}

// Match is how an exploration's result compares with an expect pragma.
type Match int8

const (
	// Undecided: the search is not complete and has found nothing the pragma
	// does not expect (yet); a complete search could still go either way.
	Undecided Match = iota
	// Matches: the search is complete and found exactly the expected kinds of
	// problem ("ok": none).
	Matches
	// Contradicts: the search found a kind of problem the pragma does not
	// expect (any problem, for "expect ok"), which no further search can undo;
	// or it is complete and missed an expected kind.
	Contradicts
)

// Compare compares a result with an expect pragma. A search cut short decides
// only against the pragma: finding an unexpected kind of problem is final, but
// finding the expected ones is not, since the rest of the search may add others.
func Compare(expect []string, res *sched.Result) Match {
	if res.Err != nil {
		return Undecided
	}
	want := map[string]bool{}
	for _, k := range expect {
		want[k] = true
	}
	got := Kinds(res)
	for _, k := range got {
		if k != "ok" && !want[k] {
			return Contradicts
		}
	}
	if !res.Complete {
		return Undecided
	}
	if len(got) != len(want) {
		return Contradicts
	}
	for _, k := range got {
		if !want[k] {
			return Contradicts
		}
	}
	return Matches
}

// AsExpected reports whether a result matches an expect pragma: the exploration is
// complete and found exactly the expected kinds of problem ("ok": none).
func AsExpected(expect []string, res *sched.Result) bool {
	return Compare(expect, res) == Matches
}

// CheckCPUs reports the `#pragma ksim irq N cpu C` lines that n CPUs cannot
// honour (C >= n), when something other than the scenario's own cpus pragma sets
// the CPU count: by names what did ("--cpus 1"). The errors are at the pragmas,
// as the check of a file's own cpus pragma reports them.
func (s *Scenario) CheckCPUs(n int, by string) error {
	var list cfront.ErrorList
	for irq, c := range s.Config.IRQ {
		if c.CPU >= n {
			list.Add(s.File, s.Config.Pos[fmt.Sprintf("irq %d cpu", irq)],
				fmt.Sprintf("irq %d is delivered to CPU %d, but %s leaves the scenario %d CPU%s (CPUs are numbered from 0)",
					irq, c.CPU, by, n, plural(n)))
		}
	}
	list.Sort()
	return list.Err()
}

package ksync

// What the kernel API keeps per task and per boot beyond the tasks themselves: each
// task's struct task_struct in the address space, the WARN_ONCE call sites of the
// module that have fired, and the disable depth of interrupt lines not requested.

// taskMem is the per-execution part of the kernel (kstate.tmem): it starts afresh
// with every execution.
type taskMem struct {
	structs  map[currentKey]*Buffer // struct task_struct objects, by task
	once     map[any]reportedBy     // module WARN_ON_ONCE / WARN_ONCE sites that fired
	irqDepth map[int]int            // desc->depth of lines not requested now (irq.go)
}

// currentKey identifies a task as "current" names it: a task, or the idle task of a
// CPU (an interrupt on an idle CPU runs on top of it).
type currentKey struct {
	t    *Task
	idle int // CPU+1 for the idle task of that CPU, 0 otherwise
}

// Current is the task "current" is in t's context: t itself in process context (a
// task, or ksoftirqd); in an interrupt or softirq context on top of a task, that
// task, as the kernel runs an interrupt with current unchanged (newContext gives the
// context its comm and pid for that reason); on an idle CPU, that CPU's idle task
// (swapper/N, pid 0), which ksim represents by the context itself.
func (t *Task) Current() *Task {
	for t.below != nil {
		t = t.below
	}
	return t
}

// idleContext reports whether t is an interrupt context on an idle CPU.
func (t *Task) idleContext() bool { return t.percpu && t.below == nil && !t.softirqd }

// TaskStruct is the memory of the struct task_struct of cur, a task as Current
// returns it: made by create the first time it is asked for in an execution, the
// same object afterwards; with create nil, nil until then. The kernel API lays it out (it knows the header's
// struct); ksync keeps it with the task. Every interrupt on an idle CPU shares the
// CPU's idle task's.
func (cur *Task) TaskStruct(create func(cur *Task) *Buffer) *Buffer {
	a := &cur.k.tmem
	key := currentKey{t: cur}
	if cur.idleContext() {
		key = currentKey{idle: cur.cpu + 1}
	}
	if b, ok := a.structs[key]; ok || create == nil {
		return b
	}
	b := create(cur)
	if a.structs == nil {
		a.structs = map[currentKey]*Buffer{}
	}
	a.structs[key] = b
	return b
}

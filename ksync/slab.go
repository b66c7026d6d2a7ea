package ksync

// slab hands out T's from chunks that a recycled kernel reuses: a scenario
// defines its locks afresh in every execution, and over a million executions one
// allocation per lock would be most of what the model allocates.
type slab[T any] struct {
	chunks [][]T
	c, i   int // next: chunks[c][i]
}

// alloc hands out the next T, as the last execution left it: the caller sets it
// whole, and may look at what was there first (reuseBase does).
func (s *slab[T]) alloc() *T {
	for s.c < len(s.chunks) && s.i == len(s.chunks[s.c]) {
		s.c, s.i = s.c+1, 0
	}
	if s.c == len(s.chunks) {
		s.chunks = append(s.chunks, make([]T, 8<<min(s.c, 6)))
	}
	p := &s.chunks[s.c][s.i]
	s.i++
	return p
}

// reset makes every T handed out so far available again.
func (s *slab[T]) reset() { s.c, s.i = 0, 0 }

// slabs are the kernel's recycled storage for its primitives.
type slabs struct {
	mutexes     slab[Mutex]
	spinlocks   slab[Spinlock]
	semaphores  slab[Semaphore]
	rwlocks     slab[RWLock]
	rwsems      slab[RWSem]
	completions slab[Completion]
	atomics     slab[Atomic]
}

func (s *slabs) reset() {
	s.mutexes.reset()
	s.spinlocks.reset()
	s.semaphores.reset()
	s.rwlocks.reset()
	s.rwsems.reset()
	s.completions.reset()
	s.atomics.reset()
}

package interp

import (
	"bytes"
	"slices"

	"github.com/ksim-dev/ksim/ksync"
)

// loop is a loop being run: the kernel model's view of its iteration (what it read,
// whether it changed anything) and the task's locals when the iteration began: the
// loop's frame's Go slots, and the bytes of every frame's stack object (a loop can
// change a caller's local through a pointer, and a private local's accesses are no
// steps ksync could see).
type loop struct {
	k     *ksync.Loop
	slots []int64
	mem   []byte
}

// loopEnter starts tracking a loop, so that an iteration that changes nothing can
// wait for another task to change what it read instead of spinning (ksync's
// awaits).
func (r *runner) loopEnter(f *frame, p *pos) *loop {
	if r.w.noAwait {
		return nil
	}
	var lp *loop
	if n := len(r.lpool); n > 0 {
		lp = r.lpool[n-1]
		r.lpool = r.lpool[:n-1]
	} else {
		lp = &loop{}
	}
	lp.k = r.t.LoopEnter(p.s)
	lp.slots = append(lp.slots[:0], f.slots...)
	lp.mem = r.snapshot(lp.mem[:0])
	return lp
}

func (r *runner) loopLeave(lp *loop) {
	if lp != nil {
		r.t.LoopLeave(lp.k)
		lp.k = nil
		r.lpool = append(r.lpool, lp)
	}
}

// loopNext closes an iteration: it waits if the iteration changed nothing, counts
// toward the scheduling point of loops that make none, and begins the next.
func (r *runner) loopNext(f *frame, lp *loop, p *pos) {
	if lp == nil {
		r.loopTick(f, p)
		return
	}
	same := slices.Equal(f.slots, lp.slots) && r.sameMem(lp.mem)
	r.at(f, p)
	lp.k.Iterated(same, r.w.p.roundTrips)
	copy(lp.slots, f.slots)
	lp.mem = r.snapshot(lp.mem[:0])
	r.loopTick(f, p)
}

// loopTick forces a scheduling point every 1024 iterations of loops that make none,
// so that a busy loop on local state is caught by the step limit (a hang) instead
// of running forever inside one step.
func (r *runner) loopTick(f *frame, p *pos) {
	r.loops++
	if r.loops&1023 == 0 {
		r.at(f, p)
		r.t.CPURelax("cpu_relax")
	}
}

// snapshot appends the bytes of every frame's stack object to buf.
func (r *runner) snapshot(buf []byte) []byte {
	for _, fr := range r.stack {
		if fr.stack != nil {
			buf = append(buf, fr.stack.Bytes()...)
		}
	}
	return buf
}

// sameMem reports whether the frames' stack objects hold what snapshot saw.
func (r *runner) sameMem(snap []byte) bool {
	off := 0
	for _, fr := range r.stack {
		if fr.stack != nil {
			b := fr.stack.Bytes()
			if off+len(b) > len(snap) || !bytes.Equal(b, snap[off:off+len(b)]) {
				return false
			}
			off += len(b)
		}
	}
	return off == len(snap)
}

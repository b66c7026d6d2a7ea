package sched

import (
	"fmt"
	"strconv"
	"strings"
)

// A schedule string records one execution's choices so that it can be replayed:
//
//	ksim1:<choices>:<fingerprint>
//
// Each scheduling choice among two or more enabled threads is one character naming the
// thread (0-9, a-z, A-Z, '-', '_' for threads 0..63); a data choice is '+' and its value
// in the same alphabet; a run of one thread choice is the character, '~' and the run
// length in that alphabet. Points with a single alternative are not recorded. The
// fingerprint hashes every step that ran (thread, operation, position), so replaying a
// schedule against a changed program is detected instead of silently diverging.
const scheduleVersion = "ksim1"

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

func encodeSchedule(cs []choice, fp uint32) string {
	var b strings.Builder
	b.WriteString(scheduleVersion)
	b.WriteByte(':')
	for i := 0; i < len(cs); {
		c := cs[i]
		if c.kind == 'd' {
			b.WriteByte('+')
			b.WriteByte(alphabet[c.val])
			i++
			continue
		}
		run := 1
		for i+run < len(cs) && cs[i+run] == c && run < len(alphabet)-1 {
			run++
		}
		b.WriteByte(alphabet[c.val])
		if run >= 3 {
			b.WriteByte('~')
			b.WriteByte(alphabet[run])
		} else if run == 2 {
			b.WriteByte(alphabet[c.val])
		}
		i += run
	}
	b.WriteByte(':')
	b.WriteString(strconv.FormatUint(uint64(fp), 36))
	return b.String()
}

func decodeSchedule(s string) ([]choice, uint32, error) {
	bad := func(format string, args ...any) ([]choice, uint32, error) {
		return nil, 0, fmt.Errorf("bad schedule %q: "+format, append([]any{s}, args...)...)
	}
	ver, rest, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return bad("want %s:<choices>:<fingerprint>", scheduleVersion)
	}
	if ver != scheduleVersion {
		return bad("version %q is not supported (this ksim reads %s)", ver, scheduleVersion)
	}
	body, fps, ok := strings.Cut(rest, ":")
	if !ok {
		return bad("missing the fingerprint after the second ':'")
	}
	fp, err := strconv.ParseUint(fps, 36, 32)
	if err != nil {
		return bad("fingerprint %q is not a base-36 number", fps)
	}
	var cs []choice
	for i := 0; i < len(body); i++ {
		switch ch := body[i]; {
		case ch == '+':
			if i+1 >= len(body) {
				return bad("'+' at the end: a data choice needs a value")
			}
			v := strings.IndexByte(alphabet, body[i+1])
			if v < 0 {
				return bad("unexpected %q at offset %d", body[i+1], i+1)
			}
			cs = append(cs, choice{'d', v})
			i++
		case ch == '~':
			if len(cs) == 0 || cs[len(cs)-1].kind != 't' || i+1 >= len(body) {
				return bad("'~' at offset %d must follow a thread and precede a count", i)
			}
			n := strings.IndexByte(alphabet, body[i+1])
			if n < 3 {
				return bad("run length %q at offset %d is not 3 or more", body[i+1], i+1)
			}
			for k := 1; k < n; k++ {
				cs = append(cs, cs[len(cs)-1])
			}
			i++
		default:
			v := strings.IndexByte(alphabet, ch)
			if v < 0 {
				return bad("unexpected %q at offset %d", ch, i)
			}
			cs = append(cs, choice{'t', v})
		}
	}
	return cs, uint32(fp), nil
}

// replayStrat follows a decoded schedule and refuses one that does not fit.
type replayStrat struct {
	cs   []choice
	fp   uint32
	pos  int
	done bool
}

func newReplay(s string) (*replayStrat, error) {
	cs, fp, err := decodeSchedule(s)
	if err != nil {
		return nil, err
	}
	return &replayStrat{cs: cs, fp: fp}, nil
}

func (r *replayStrat) begin(e *Execution) bool {
	if r.done {
		return false
	}
	r.done = true
	return true
}

func (r *replayStrat) mismatch(e *Execution, format string, args ...any) {
	if e.x.abort == nil {
		e.x.abort = fmt.Errorf("%w: at step %d, %s", errReplay, e.step+1, fmt.Sprintf(format, args...))
	}
}

func (r *replayStrat) next(e *Execution, kind byte) (int, bool) {
	if r.pos >= len(r.cs) {
		r.mismatch(e, "the schedule has ended but the program has more choices")
		return 0, false
	}
	c := r.cs[r.pos]
	r.pos++
	if c.kind != kind {
		want := map[byte]string{'t': "a thread choice", 'd': "a data choice"}
		r.mismatch(e, "the program makes %s where the schedule has %s", want[kind], want[c.kind])
		return 0, false
	}
	return c.val, true
}

func (r *replayStrat) pick(e *Execution, en uint64, prev int) int {
	if en&(en-1) == 0 {
		return lowest(en)
	}
	v, ok := r.next(e, 't')
	if !ok {
		return -1
	}
	if en&bit(v) == 0 {
		r.mismatch(e, "the schedule runs thread %d, which cannot run there", v)
		return -1
	}
	return v
}

func (r *replayStrat) data(e *Execution, n int) int {
	v, ok := r.next(e, 'd')
	if !ok {
		return 0
	}
	if v >= n {
		r.mismatch(e, "the schedule chooses value %d of a choice with %d alternatives", v, n)
		return 0
	}
	return v
}

func (r *replayStrat) spawned(*Execution, *Thread, *Thread) {}
func (r *replayStrat) stepping(*Execution, int)             {}
func (r *replayStrat) stepped(*Execution, int)              {}
func (r *replayStrat) finished(*Execution, *Thread)         {}
func (r *replayStrat) ending(*Execution)                    {}

func (r *replayStrat) end(e *Execution) bool {
	switch {
	case e.x.abort != nil:
	case r.pos < len(r.cs):
		r.mismatch(e, "the program ended with %d choice(s) of the schedule unused", len(r.cs)-r.pos)
	case e.fingerprint() != r.fp:
		r.mismatch(e, "the execution differs from the one recorded (fingerprint %s, schedule has %s): the program has changed",
			strconv.FormatUint(uint64(e.fingerprint()), 36), strconv.FormatUint(uint64(r.fp), 36))
	}
	return false
}

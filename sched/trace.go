package sched

import (
	"fmt"
	"strings"
)

// FormatTrace renders an execution the way Lincheck does: one column per thread, one
// row per step, so that who did what when reads at a glance. The step at which the
// problem was reported is marked with '>'; a last row shows what each unfinished thread
// was waiting to do.
func (f *Found) FormatTrace() string {
	return FormatTrace(f.Threads, f.Trace, f.Pending, f.Step)
}

// FormatTrace renders trace as a table; see Found.FormatTrace. mark is the step to mark
// (0 for none).
func FormatTrace(threads []string, trace []Event, pending []Pending, mark int) string {
	ncol := len(threads)
	cols := make([][]string, 0, len(trace)+1)
	at := make([]string, 0, len(trace)+1)
	steps := make([]string, 0, len(trace)+1)
	where := make([]string, 0, len(trace)+1)
	showWhere := false
	for _, ev := range trace {
		where = append(where, ev.Where)
		showWhere = showWhere || ev.Where != ""
		row := make([]string, ncol)
		cell := ev.Op
		if ev.Obj != "" && !mentions(ev.Op, ev.Obj) {
			cell += "(" + ev.Obj + ")"
		}
		if ev.Note != "" {
			cell += ": " + ev.Note
		}
		if ev.Thread < ncol {
			row[ev.Thread] = cell
		}
		cols = append(cols, row)
		at = append(at, ev.Pos)
		s := fmt.Sprint(ev.Step)
		if ev.Step == mark {
			s = ">" + s
		}
		steps = append(steps, s)
	}
	if len(pending) > 0 {
		row := make([]string, ncol)
		var pos []string
		for _, p := range pending {
			what := "blocked in "
			if p.Enabled {
				what = "next: "
			}
			cell := what + p.Op
			if p.Obj != "" && !mentions(p.Op, p.Obj) {
				cell += "(" + p.Obj + ")"
			}
			if p.Thread < ncol {
				row[p.Thread] = cell
			}
			if p.Pos != "" {
				pos = append(pos, p.Pos)
			}
		}
		cols = append(cols, row)
		at = append(at, strings.Join(pos, " "))
		where = append(where, "")
		end := "end"
		if mark > len(trace) {
			end = ">end"
		}
		steps = append(steps, end)
	}

	header := make([]string, ncol)
	width := make([]int, ncol)
	seen := map[string]int{}
	for _, name := range threads {
		seen[name]++
	}
	for i, name := range threads {
		if seen[name] > 1 {
			name = fmt.Sprintf("%s#%d", name, i) // two threads of one name need telling apart
		}
		header[i] = name
		width[i] = len(name)
	}
	for _, row := range cols {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	sw := len("step")
	for _, s := range steps {
		sw = max(sw, len(s))
	}
	ww := len("cpu")
	for _, w := range where {
		ww = max(ww, len(w))
	}
	var b strings.Builder
	line := func(step, place string, cells []string, pos string) {
		fmt.Fprintf(&b, "%*s", sw, step)
		if showWhere {
			fmt.Fprintf(&b, " | %-*s", ww, place)
		}
		for i, c := range cells {
			fmt.Fprintf(&b, " | %-*s", width[i], c)
		}
		b.WriteString(" | " + pos) // every row has every column, even when empty
		trimmed := strings.TrimRight(b.String(), " ")
		b.Reset()
		b.WriteString(trimmed)
		b.WriteString("\n")
	}
	line("step", "cpu", header, "at")
	sep := make([]string, ncol)
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(strings.Repeat("-", sw), strings.Repeat("-", ww), sep, "--")
	for r, row := range cols {
		line(steps[r], where[r], row, at[r])
	}
	return b.String()
}

// mentions says whether an operation's name already names its object as a word
// ("join worker"), so that the trace does not repeat it; "atomic_sub" does not
// mention an atomic_t named a.
func mentions(op, obj string) bool {
	word := func(b byte) bool {
		return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
	}
	for i := 0; ; {
		j := strings.Index(op[i:], obj)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(obj)
		if (start == 0 || !word(op[start-1])) && (end == len(op) || !word(op[end])) {
			return true
		}
		i = start + 1
	}
}

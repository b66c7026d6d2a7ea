package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ksim-dev/ksim/scenarios/cfront"
)

// MaxCPUs bounds `#pragma ksim cpus`: the kernel model keeps per-CPU state
// in 64-bit masks.
const MaxCPUs = 64

// MaxIRQ bounds the interrupt line numbers of `#pragma ksim irq`.
const MaxIRQ = 1023

const directiveList = "want cpus, threads, memory pressure, expect, lockdep off, irq, loop bound"

// MaxLoopBound bounds `#pragma ksim loop bound`: each further iteration multiplies
// the interleavings.
const MaxLoopBound = 100

// pragmas turns the `#pragma ksim` lines into s.Config. Thread names are
// only recorded here; threads validates them once the functions are known.
func (s *Scenario) pragmas(list *cfront.ErrorList) {
	c := &pragmaChecker{s: s, list: list}
	cfg := &s.Config
	cfg.CPUs = DefaultCPUs
	cfg.Pos = map[string]cfront.Pos{}
	cpuPos := map[int]cfront.Pos{} // irq N cpu C, checked against the final CPU count
	for i := range s.Unit.Pragmas {
		p := s.Unit.Pragmas[i]
		p.Pos = s.directivePos(p.Pos)
		p.Args = joinSigns(p.Args)
		w := p.Args
		if len(w) == 0 {
			c.errorf(p.Pos, "empty ksim directive (%s)", directiveList)
			continue
		}
		// once records the directive, reporting a repeated one.
		once := func(key string) bool {
			if prev, dup := cfg.Pos[key]; dup {
				c.errorf(p.Pos, "duplicate #pragma ksim %s (first at %s)", key, prev)
				return false
			}
			cfg.Pos[key] = p.Pos
			return true
		}
		switch w[0] {
		case "cpus":
			if len(w) != 2 {
				c.errorf(p.Pos, "#pragma ksim cpus wants one number: #pragma ksim cpus 2")
				continue
			}
			n, err := strconv.Atoi(w[1])
			if err != nil || n < 1 || n > MaxCPUs {
				c.errorf(p.Pos, "invalid CPU count %q (want a number from 1 to %d)", w[1], MaxCPUs)
				continue
			}
			if once("cpus") {
				cfg.CPUs = n
			}
		case "threads":
			if len(w) < 2 {
				c.errorf(p.Pos, "#pragma ksim threads wants at least one function name: #pragma ksim threads reader writer")
				continue
			}
			if once("threads") {
				cfg.Threads = append([]string(nil), w[1:]...)
			}
		case "memory":
			if len(w) != 2 || w[1] != "pressure" {
				c.errorf(p.Pos, "unknown ksim directive %q (did you mean \"memory pressure\"?)", strings.Join(w, " "))
				continue
			}
			if once("memory pressure") {
				cfg.MemoryPressure = true
			}
		case "lockdep":
			if len(w) != 2 || w[1] != "off" {
				c.errorf(p.Pos, "unknown ksim directive %q (lockdep is on by default; \"lockdep off\" turns it off)", strings.Join(w, " "))
				continue
			}
			if once("lockdep off") {
				cfg.NoLockdep = true
			}
		case "loop": // `loop bound N`: the wait family's loop bound (ksync.Config.LoopBound)
			if len(w) != 3 || w[1] != "bound" {
				c.errorf(p.Pos, "#pragma ksim loop bound wants one number: #pragma ksim loop bound 5")
				continue
			}
			n, err := strconv.Atoi(w[2])
			if err != nil || n < 1 || n > MaxLoopBound {
				c.errorf(p.Pos, "invalid loop bound %q (want a number from 1 to %d)", w[2], MaxLoopBound)
				continue
			}
			if once("loop bound") {
				cfg.LoopBound = n
			}
		case "expect":
			c.expect(&p, once)
		case "irq":
			c.irq(&p, cpuPos)
		default:
			c.errorf(p.Pos, "unknown ksim directive %q (%s)", w[0], directiveList)
		}
	}
	for irq, pos := range cpuPos {
		if cpu := cfg.IRQ[irq].CPU; cpu >= cfg.CPUs {
			c.errorf(pos, "irq %d is delivered to CPU %d, but the scenario has %d CPU%s (CPUs are numbered from 0)", irq, cpu, cfg.CPUs, plural(cfg.CPUs))
		}
	}
}

func (c *pragmaChecker) expect(p *cfront.Pragma, once func(string) bool) {
	w := p.Args
	if len(w) < 2 {
		c.errorf(p.Pos, "#pragma ksim expect wants a result: ok, or some of deadlock lockup bug warning hang")
		return
	}
	var kinds []string
	bad := false
	for _, k := range w[1:] {
		switch {
		case !slices.Contains(ExpectKinds, k):
			c.errorf(p.Pos, "unknown expected result %q (want ok, or some of deadlock lockup bug warning hang)", k)
			bad = true
		case slices.Contains(kinds, k):
			c.errorf(p.Pos, "expected result %q listed twice", k)
			bad = true
		default:
			kinds = append(kinds, k)
		}
	}
	if slices.Contains(kinds, "ok") && len(kinds) > 1 {
		c.errorf(p.Pos, "\"expect ok\" cannot be combined with other results (ok means no problem at all)")
		bad = true
	}
	if !bad && once("expect") {
		c.s.Config.Expect = kinds
	}
}

// irq parses `irq N times K` and `irq N cpu C`.
func (c *pragmaChecker) irq(p *cfront.Pragma, cpuPos map[int]cfront.Pos) {
	w := p.Args
	const usage = "#pragma ksim irq wants \"irq N times K\" or \"irq N cpu C\""
	if len(w) != 4 {
		c.errorf(p.Pos, usage)
		return
	}
	n, err := strconv.Atoi(w[1])
	if err != nil || n < 0 || n > MaxIRQ {
		c.errorf(p.Pos, "invalid interrupt number %q (want 0 to %d)", w[1], MaxIRQ)
		return
	}
	v, err := strconv.Atoi(w[3])
	cfg := &c.s.Config
	key := fmt.Sprintf("irq %d %s", n, w[2])
	if prev, dup := cfg.Pos[key]; dup {
		c.errorf(p.Pos, "duplicate #pragma ksim %s (first at %s)", key, prev)
		return
	}
	if cfg.IRQ == nil {
		cfg.IRQ = map[int]IRQConfig{}
	}
	ic, ok := cfg.IRQ[n]
	if !ok {
		ic.CPU = -1
	}
	switch w[2] {
	case "times":
		if err != nil || v < 1 || v > 1000 {
			c.errorf(p.Pos, "invalid count %q in #pragma ksim irq %d times (want 1 to 1000)", w[3], n)
			return
		}
		ic.Times = v
	case "cpu":
		if err != nil || v < 0 || v >= MaxCPUs {
			c.errorf(p.Pos, "invalid CPU %q in #pragma ksim irq %d cpu (want 0 to %d)", w[3], n, MaxCPUs-1)
			return
		}
		ic.CPU = v
		cpuPos[n] = p.Pos
	default:
		c.errorf(p.Pos, usage)
		return
	}
	cfg.IRQ[n] = ic
	cfg.Pos[key] = p.Pos
	if _, ok := cfg.Pos[fmt.Sprintf("irq %d", n)]; !ok {
		cfg.Pos[fmt.Sprintf("irq %d", n)] = p.Pos
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// pragmaChecker reports the errors of the `#pragma ksim` lines.
type pragmaChecker struct {
	s    *Scenario
	list *cfront.ErrorList
}

func (c *pragmaChecker) errorf(p cfront.Pos, format string, args ...any) {
	c.list.Add(c.s.File, p, fmt.Sprintf(format, args...))
}

// directivePos is the position of the '#' that starts the directive whose word
// "ksim" is at p: messages about a directive point at its start, as a compiler's
// do.
func (s *Scenario) directivePos(p cfront.Pos) cfront.Pos {
	line := 1
	start := 0
	for i, c := range s.Source {
		if line == p.Line {
			break
		}
		if c == '\n' {
			line++
			start = i + 1
		}
	}
	for i := start; i < len(s.Source) && i-start < p.Col; i++ {
		if s.Source[i] == '#' {
			return cfront.Pos{Line: p.Line, Col: i - start + 1}
		}
	}
	return p
}

// joinSigns puts a minus sign back on the number it precedes: the preprocessor
// hands a pragma's words over as tokens, and "-1" is two of them.
func joinSigns(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		if (args[i] == "-" || args[i] == "+") && i+1 < len(args) {
			out = append(out, args[i]+args[i+1])
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

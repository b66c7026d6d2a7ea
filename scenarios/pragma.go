package scenarios

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/scenarios/kapi"
)

// MaxCPUs bounds `#pragma ksim cpus`: the kernel model keeps per-CPU state
// in 64-bit masks.
const MaxCPUs = 64

// MaxIRQ bounds the interrupt line numbers of `#pragma ksim irq`.
const MaxIRQ = 1023

const directiveList = "want cpus, threads, memory pressure, expect, lockdep off, irq, loop bound, arm bound, process"

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
		case "arm": // `arm bound N`: works re-queued, timers re-armed (ksync.Config.ArmBound)
			if len(w) != 3 || w[1] != "bound" {
				c.errorf(p.Pos, "#pragma ksim arm bound wants one number: #pragma ksim arm bound 4")
				continue
			}
			n, err := strconv.Atoi(w[2])
			if err != nil || n < 1 || n > MaxLoopBound {
				c.errorf(p.Pos, "invalid arm bound %q (want a number from 1 to %d)", w[2], MaxLoopBound)
				continue
			}
			if once("arm bound") {
				cfg.ArmBound = n
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
		case "process":
			c.process(&p)
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

// MaxProcesses bounds the `#pragma ksim process` lines of a scenario.
const MaxProcesses = 16

// maxReadCount bounds a read's count: the process's buffer is that big.
const maxReadCount = 1 << 20

const processUsage = `#pragma ksim process COMM [/dev/NAME | /proc/NAME] CALL... with CALL one of: open, read [COUNT], ` +
	`write ["TEXT"], ioctl CMD [NUMBER | "TEXT" | buf], lseek OFFSET [SEEK_SET | SEEK_CUR | SEEK_END], release`

// processWord is one word of a process pragma's raw text, with its column.
type processWord struct {
	text string
	col  int
}

// process parses `#pragma ksim process COMM [PATH] CALL...` (the fops harness,
// scenarios/kapi/fops.go) from the line's own text: the preprocessor's tokens would
// cut a path or a string apart.
func (c *pragmaChecker) process(p *cfront.Pragma) {
	words, err := c.processWords(p.Pos.Line)
	at := func(w processWord) cfront.Pos { return cfront.Pos{Line: p.Pos.Line, Col: w.col} }
	if err != "" {
		c.errorf(p.Pos, "%s", err)
		return
	}
	if len(words) < 1 {
		c.errorf(p.Pos, "#pragma ksim process wants a process name and its calls: %s", processUsage)
		return
	}
	cfg := &c.s.Config
	if len(cfg.Processes) >= MaxProcesses {
		c.errorf(p.Pos, "too many #pragma ksim process lines (at most %d)", MaxProcesses)
		return
	}
	pos := fmt.Sprintf("%s:%d", c.s.Name+".c", p.Pos.Line)
	proc := kapi.Process{Comm: words[0].text, Pos: pos}
	switch comm := words[0].text; {
	case strings.HasPrefix(comm, "\"") || strings.HasPrefix(comm, "/") || processCall[comm]:
		c.errorf(at(words[0]), "#pragma ksim process wants the process's name first (like cat or reader), not %q: %s", comm, processUsage)
		return
	case len(comm) > 15:
		c.errorf(at(words[0]), "process name %q is longer than the kernel's 15 characters (TASK_COMM_LEN)", comm)
		return
	}
	words = words[1:]
	if len(words) > 0 && strings.HasPrefix(words[0].text, "/") {
		path := words[0].text
		name, ok := strings.CutPrefix(path, "/dev/")
		if !ok {
			name, ok = strings.CutPrefix(path, "/proc/")
		}
		if !ok || name == "" || strings.Contains(name, "/") {
			c.errorf(at(words[0]), "invalid file %q (want /dev/NAME or /proc/NAME: a device node or /proc file the module registers)", path)
			return
		}
		proc.Path = path
		words = words[1:]
	}
	sawOpen, sawRelease := false, false
	for i := 0; i < len(words); i++ {
		w := words[i]
		if sawRelease {
			c.errorf(at(w), "call %q after release: the process has closed its file", w.text)
			return
		}
		// arg returns the next word if it is not a call.
		arg := func() (processWord, bool) {
			if i+1 < len(words) && !processCall[words[i+1].text] {
				i++
				return words[i], true
			}
			return processWord{}, false
		}
		call := kapi.FileCall{Op: w.text, Pos: pos}
		switch w.text {
		case "open":
			if sawOpen || i > 0 {
				c.errorf(at(w), "open must be the process's first call, once (the process opens its file once)")
				return
			}
			sawOpen = true
			continue
		case "release", "close":
			sawRelease = true
			continue
		case "read":
			call.N = kapi.DefaultReadCount
			if a, ok := arg(); ok {
				n, err := strconv.ParseInt(a.text, 0, 64)
				if err != nil || n < 0 || n > maxReadCount {
					c.errorf(at(a), "invalid read count %q (want a number from 0 to %d)", a.text, maxReadCount)
					return
				}
				call.N = n
			}
		case "write":
			call.Data = []byte(kapi.DefaultWriteData)
			if a, ok := arg(); ok {
				s, err := processString(a.text)
				if err != "" {
					c.errorf(at(a), "invalid write data %s: %s (want a C string literal, \"hello\\n\")", a.text, err)
					return
				}
				call.Data = []byte(s)
			}
		case "ioctl":
			a, ok := arg()
			if !ok {
				c.errorf(at(w), "ioctl wants a command number: ioctl 0x4004660b [NUMBER | \"TEXT\" | buf]")
				return
			}
			cmd, err := strconv.ParseUint(a.text, 0, 32)
			if err != nil {
				c.errorf(at(a), "invalid ioctl command %q (want a number that fits 32 bits, e.g. 0x80046601; macros are not expanded in pragmas)", a.text)
				return
			}
			call.N = int64(cmd)
			if a, ok := arg(); ok {
				switch {
				case a.text == "buf":
					call.ArgKind = kapi.ArgBuffer
				case strings.HasPrefix(a.text, "\""):
					s, err := processString(a.text)
					if err != "" {
						c.errorf(at(a), "invalid ioctl argument %s: %s", a.text, err)
						return
					}
					call.ArgKind, call.Data = kapi.ArgString, []byte(s)
				default:
					v, err := processInt(a.text)
					if err != nil {
						c.errorf(at(a), "invalid ioctl argument %q (want a number, a \"string\" the argument points to, or buf: a zeroed %d-byte buffer)", a.text, kapi.IoctlBufSize)
						return
					}
					call.Arg = v
				}
			}
		case "lseek":
			a, ok := arg()
			if !ok {
				c.errorf(at(w), "lseek wants an offset: lseek 0 [SEEK_SET | SEEK_CUR | SEEK_END]")
				return
			}
			off, err := processInt(a.text)
			if err != nil {
				c.errorf(at(a), "invalid lseek offset %q (want a number)", a.text)
				return
			}
			call.N = off
			if a, ok := arg(); ok {
				wh, known := map[string]int64{"SEEK_SET": 0, "SEEK_CUR": 1, "SEEK_END": 2}[a.text]
				if !known {
					v, err := strconv.ParseInt(a.text, 0, 32)
					if err != nil {
						c.errorf(at(a), "invalid lseek whence %q (want SEEK_SET, SEEK_CUR, SEEK_END or a number)", a.text)
						return
					}
					wh = v
				}
				call.Arg = wh
			}
		default:
			c.errorf(at(w), "unknown call %q in #pragma ksim process: %s", w.text, processUsage)
			return
		}
		proc.Calls = append(proc.Calls, call)
	}
	if proc.Calls == nil {
		proc.Calls = []kapi.FileCall{}
	}
	if _, ok := cfg.Pos["process"]; !ok {
		cfg.Pos["process"] = p.Pos
	}
	cfg.Processes = append(cfg.Processes, proc)
}

// processCall are the words that name a call in a process pragma.
var processCall = map[string]bool{"open": true, "read": true, "write": true, "ioctl": true, "lseek": true, "release": true, "close": true}

// processWords splits the text after "process" on line into words: a C string
// literal is one word; a comment ends the line.
func (c *pragmaChecker) processWords(line int) ([]processWord, string) {
	text := sourceLine(c.s.Source, line)
	i := strings.Index(text, "process")
	if i < 0 {
		return nil, "#pragma ksim process must be written on one line"
	}
	var out []processWord
	for i += len("process"); i < len(text); {
		ch := text[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\r':
			i++
			continue
		case strings.HasPrefix(text[i:], "//") || strings.HasPrefix(text[i:], "/*"):
			return out, ""
		}
		start := i
		if ch == '"' {
			for i++; i < len(text) && text[i] != '"'; i++ {
				if text[i] == '\\' {
					i++
				}
			}
			if i >= len(text) {
				return nil, fmt.Sprintf("unterminated string in #pragma ksim process (column %d)", start+1)
			}
			i++
		} else {
			for i < len(text) && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' {
				i++
			}
		}
		out = append(out, processWord{text: text[start:i], col: start + 1})
	}
	return out, ""
}

// sourceLine is line n (from 1) of src, without its newline.
func sourceLine(src []byte, n int) string {
	for l := 1; l < n; l++ {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			return ""
		}
		src = src[i+1:]
	}
	if i := bytes.IndexByte(src, '\n'); i >= 0 {
		src = src[:i]
	}
	return string(src)
}

// processString is a C string literal's value.
func processString(lit string) (string, string) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return "", "not a string literal"
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		return "", "an escape Go and C do not share"
	}
	return s, ""
}

// processInt is a number as C writes it: decimal, 0x hex or 0 octal, signed.
func processInt(w string) (int64, error) {
	v, err := strconv.ParseInt(w, 0, 64)
	if err != nil {
		u, uerr := strconv.ParseUint(w, 0, 64)
		if uerr != nil {
			return 0, err
		}
		v = int64(u)
	}
	return v, nil
}

// processesCheck checks the process pragmas once the module's entry points are
// known: processes open the files module_init registers.
func (s *Scenario) processesCheck(list *cfront.ErrorList) {
	if pos, ok := s.Config.Pos["process"]; ok && s.Init == "" {
		list.Add(s.File, pos, "#pragma ksim process needs module_init: user processes start once module_init has registered the files they open")
	}
}

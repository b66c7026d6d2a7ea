package syntax

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// parseIntLit validates and evaluates an integer constant. The scanner hands
// over any pp-number ("0x", "12abc", "1.5"), so every malformed spelling is
// diagnosed here, once, at the literal's position. A bad constant is no
// consequence of another error, so each is reported, whatever else is wrong on
// its line (int x = 08, y = 0x; has two).
func (p *parser) parseIntLit(t token) *IntLit {
	lit := &IntLit{ValuePos: t.pos, Raw: t.lit}
	s := t.lit
	if strings.ContainsRune(s, '.') {
		p.sink.add(t.pos, "floating-point constants are not supported (the simulator has integers only)")
		return lit
	}
	base, digits := 10, s
	switch {
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, digits = 16, s[2:]
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'):
		base, digits = 2, s[2:]
	case len(s) >= 2 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	n := 0
	for n < len(digits) && digitVal(digits[n]) < 16 && (base == 16 || isDigit(digits[n])) {
		n++
	}
	suffix := digits[n:]
	digits = digits[:n]

	kind := map[int]string{16: "hexadecimal", 8: "octal", 2: "binary", 10: "decimal"}[base]
	for i := 0; i < len(digits); i++ {
		if digitVal(digits[i]) >= base {
			p.sink.add(t.pos, fmt.Sprintf("invalid digit '%c' in %s constant", digits[i], kind))
			return lit
		}
	}
	if digits == "" && base != 8 {
		p.sink.add(t.pos, fmt.Sprintf("%s constant %s has no digits", kind, s))
		return lit
	}
	if base != 16 && len(suffix) > 0 && (suffix[0] == 'e' || suffix[0] == 'E') {
		p.sink.add(t.pos, "floating-point constants are not supported (the simulator has integers only)")
		return lit
	}
	unsigned, long, ok := intSuffix(suffix)
	if !ok {
		p.sink.add(t.pos, fmt.Sprintf("invalid suffix '%s' on integer constant", suffix))
		return lit
	}
	lit.Unsigned, lit.Long = unsigned, long
	if digits == "" { // plain "0" seen as octal with no digits
		return lit
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil || base == 10 && !unsigned && v > math.MaxInt64 {
		p.sink.add(t.pos, fmt.Sprintf("integer constant %s is too large", s))
		return lit
	}
	lit.Value = int64(v)
	return lit
}

func digitVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return 16
}

// intSuffix decodes the C integer suffixes u, l, ll in either order and case.
func intSuffix(s string) (unsigned bool, long int, ok bool) {
	for s != "" {
		switch {
		case (s[0] == 'u' || s[0] == 'U') && !unsigned:
			unsigned = true
			s = s[1:]
		case (strings.HasPrefix(s, "ll") || strings.HasPrefix(s, "LL")) && long == 0:
			long = 2
			s = s[2:]
		case (s[0] == 'l' || s[0] == 'L') && long == 0:
			long = 1
			s = s[1:]
		default:
			return false, 0, false
		}
	}
	return unsigned, long, true
}

// unquote decodes the body of a string or character literal written at pos
// (raw includes the quotes). It reports bad escapes at their own column.
// ok is false when the literal is unterminated, which the scanner has
// already reported.
func (p *parser) unquote(pos Pos, raw string, quote byte) (val []byte, ok bool) {
	if len(raw) < 2 || raw[len(raw)-1] != quote {
		return nil, false
	}
	body := raw[1 : len(raw)-1]
	for i := 0; i < len(body); {
		c := body[i]
		if c != '\\' {
			val = append(val, c)
			i++
			continue
		}
		epos := Pos{pos.Line, pos.Col + 1 + i}
		i++
		if i >= len(body) {
			p.error(epos, "incomplete escape sequence")
			return val, true
		}
		e := body[i]
		i++
		switch e {
		case 'n':
			val = append(val, '\n')
		case 't':
			val = append(val, '\t')
		case 'r':
			val = append(val, '\r')
		case 'a':
			val = append(val, '\a')
		case 'b':
			val = append(val, '\b')
		case 'f':
			val = append(val, '\f')
		case 'v':
			val = append(val, '\v')
		case 'e', 'E': // GCC extension, used for terminal colours
			val = append(val, 0x1b)
		case '\\', '\'', '"', '?':
			val = append(val, e)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && i < len(body) && '0' <= body[i] && body[i] <= '7'; k++ {
				v = v*8 + int(body[i]-'0')
				i++
			}
			if v > 0xff {
				p.error(epos, "octal escape sequence out of range")
			}
			val = append(val, byte(v))
		case 'x':
			v, n := 0, 0
			for i < len(body) && digitVal(body[i]) < 16 {
				if v <= 0xff {
					v = v*16 + digitVal(body[i])
				}
				i++
				n++
			}
			if n == 0 {
				p.error(epos, `\x used with no following hex digits`)
			} else if v > 0xff {
				p.error(epos, "hex escape sequence out of range")
			}
			val = append(val, byte(v))
		default:
			p.error(epos, fmt.Sprintf("unknown escape sequence '\\%c'", e))
			val = append(val, e)
		}
	}
	return val, true
}

func (p *parser) parseCharLit(t token) *CharLit {
	lit := &CharLit{ValuePos: t.pos, Raw: t.lit}
	val, ok := p.unquote(t.pos, t.lit, '\'')
	switch {
	case !ok:
	case len(val) == 0:
		p.error(t.pos, "empty character constant")
	case len(val) > 1:
		p.error(t.pos, "multi-character character constants are not supported")
	default:
		lit.Value = int64(val[0])
	}
	return lit
}

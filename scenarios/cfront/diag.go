package cfront

import (
	"regexp"
	"strconv"
	"strings"

	"modernc.org/token"
)

// addAt adds msg at the cc/v4 position pos, mapped to what the user sees.
func (p *parse) addAt(list *ErrorList, pos token.Position, msg string) {
	p.add(list, pos.Filename, Pos{Line: pos.Line, Col: pos.Column}, msg)
}

// addCC adds one line of cc/v4's error text, "file:line:col: message".
func (p *parse) addCC(list *ErrorList, s string) {
	file, pos, msg, ok := splitPos(strings.TrimSpace(s))
	if !ok {
		// No position: cc/v4 says this of the whole translation unit.
		file, pos = p.name, Pos{}
	}
	// Some messages carry a second position (where something was declared
	// before); keep the first only, and no trailing colon.
	msg = reInternal.ReplaceAllString(msg, "")
	msg = strings.TrimSuffix(strings.TrimSpace(msg), ":")
	if msg == "" || strings.HasPrefix(msg, "TODO") || strings.HasPrefix(msg, "internal error") {
		// cc/v4's "TODO ... missed/failed type check" and "internal error:
		// <case>" lines (its checker meeting a form it has no case for, with
		// no position) follow a real error, which is reported on its own; if
		// none is, unexplained says what it can.
		return
	}
	if !pos.IsValid() && reEOFAny.MatchString(msg) && (file == "" || file == p.name) {
		file = endSource
	}
	p.add(list, file, pos, msg)
}

// add maps an error in file at pos to the user's view: errors in ksim's
// headers are ksim's bugs (the user's code cannot reach into them: they are
// included before it, so none of its macros applies), and cc/v4's wording is
// made plain.
func (p *parse) add(list *ErrorList, file string, pos Pos, msg string) {
	msg = plain(p, file, pos, msg)
	if msg == "" {
		return
	}
	if rel, ok := p.headerSource(file); ok {
		where := "<" + rel + ">"
		if pos.Line > 0 {
			where += " line " + strconv.Itoa(pos.Line)
		}
		list.Add(p.name, Pos{}, inKsimHeader+where+": "+msg+" (a bug in ksim's headers, not in your code)")
		return
	}
	if file == endSource {
		// cc/v4 met the sentinel after the user's file: the file ended
		// too soon.
		if _, rest, ok := strings.Cut(msg, ", expected "); ok {
			msg = "unexpected end of file, expected " + rest
		} else {
			msg = "unexpected end of file"
		}
		list.Add(p.name, p.endPos(), msg)
		return
	}
	if strings.HasPrefix(file, "<") {
		list.Add(p.name, Pos{}, "in ksim's "+file+" source: "+msg+" (a bug in ksim, not in your code)")
		return
	}
	list.Add(file, pos, msg)
}

const inKsimHeader = "in ksim's header "

var (
	reIncludeNotFound = regexp.MustCompile(`^include file not found: (.*)$`)
	reExpansion       = regexp.MustCompile(`^macro expansion limit exceeded`)
	reUndefined       = regexp.MustCompile(`^undefined: (\S+)$`)
	reInternal        = regexp.MustCompile(`\s*\([a-z0-9_]+\.go:\d+:[^)]*\)`)
	reNoMember        = regexp.MustCompile(`^type ((?:struct|union) \w+) \{.*\} has no member named (\w+)$`)
	reEOF             = regexp.MustCompile(`^unexpected <EOF>`)
	reConflict        = regexp.MustCompile(`^conflicting types for '([^']*)', previous declaration at (.*?):(\d+):\d+:?, (.*) and (.*)$`)
	reRedecl          = regexp.MustCompile(`^incompatible redeclaration of '((?:struct|union|enum) \w+)[^']*' at (.*?):(\d+):\d+:?$`)
)

// plain rewrites cc/v4's messages where they are cryptic or name cc/v4's
// internals. "" drops the message.
func plain(p *parse, file string, pos Pos, msg string) string {
	if m := reIncludeNotFound.FindStringSubmatch(msg); m != nil {
		arg := m[1]
		if strings.HasPrefix(arg, "<") {
			return "not modelled: " + arg + " (ksim's kernel headers do not have it)"
		}
		nm := strings.Trim(arg, `"`)
		if p.opt.Mounts != nil {
			where := "next to " + file
			if len(p.opt.IncludeDirs) > 0 {
				where += " or in the include directories (-I " + strings.Join(p.opt.IncludeDirs, ", -I ") + ")"
			}
			return "cannot include " + arg + ": no such file " + where + " inside the module's tree, and ksim's kernel headers do not have it (ksim reads nothing outside the module's directory and its declared include directories)"
		}
		if p.opt.Dir == nil {
			return "cannot include " + arg + ": ksim's kernel headers do not have " + nm + " and ksim reads no files of yours besides this one"
		}
		return "cannot include " + arg + ": no such file next to " + file + ", and ksim's kernel headers do not have it"
	}
	if file == p.name && p.isDirective(pos, "error") {
		return "#error " + msg
	}
	msg = strings.Replace(msg, "expected unary expression", "expected expression", 1)
	if reExpansion.MatchString(msg) {
		return "macro expansion too large: more than " + strconv.Itoa(ExpansionLimit) + " tokens of work (ksim's limit; a macro that expands to itself many times over?)"
	}
	if m := reConflict.FindStringSubmatch(msg); m != nil {
		return "conflicting types for " + m[1] + ": " + m[5] + " here, " + m[4] + " in " + p.where(m[2], m[3])
	}
	if m := reRedecl.FindStringSubmatch(msg); m != nil {
		return "redefinition of " + m[1] + " (" + p.where(m[2], m[3]) + " defines it)"
	}
	if m := reNoMember.FindStringSubmatch(msg); m != nil {
		return m[1] + " has no member named " + m[2]
	}
	if reEOF.MatchString(msg) {
		return "unexpected end of file" + strings.TrimPrefix(msg, "unexpected <EOF>")
	}
	if m := reUndefined.FindStringSubmatch(msg); m != nil {
		// Neither the user's code nor ksim's headers declare it: most often
		// a kernel API (a macro or a function) ksim does not model.
		return "not modelled: " + m[1] + " (no kernel header ksim has declares it)"
	}
	return msg
}

// isDirective reports whether the user's source has the directive name (as in
// "#error") at pos, where cc/v4 puts the position of a directive's message.
func (p *parse) isDirective(pos Pos, name string) bool {
	if !pos.IsValid() {
		return false
	}
	src := p.src
	line := 1
	i := 0
	for i < len(src) && line < pos.Line {
		if src[i] == '\n' {
			line++
		}
		i++
	}
	i += pos.Col - 1
	return i >= 0 && i+len(name) <= len(src) && string(src[i:i+len(name)]) == name
}

// where names a place another message refers to: a line of ksim's header or
// of the user's files.
func (p *parse) where(file, line string) string {
	if rel, ok := p.headerSource(file); ok {
		return "ksim's <" + rel + "> line " + line
	}
	return file + ":" + line
}

// headerSource reports whether file is the source name of one of ksim's
// headers, and its path ("linux/list.h").
func (p *parse) headerSource(file string) (string, bool) {
	rel, ok := strings.CutPrefix(file, headerDir)
	if !ok || file == p.name || !p.isHeader(rel) {
		return "", false
	}
	return rel, true
}

// endPos is the position just past the last character of the user's file.
func (p *parse) endPos() Pos {
	line, col := 1, 1
	for _, c := range p.src {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return Pos{Line: line, Col: col}
}

package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/scenarios/kbuild"
)

// The bundled scenarios live in a folder without Go files, because a Go
// package folder may not hold .c files without cgo; embedding them makes
// `ksim run abba` work from any directory. A scenario of several files is a
// module folder of its own, library/NAME/, with its Kbuild file.
//
//go:embed library/*.c library/*/*
var libraryFS embed.FS

// LibraryEntry describes one bundled scenario.
type LibraryEntry struct {
	Name    string // the CLI name: the file name without .c ("abba")
	Summary string // the first sentence of the file's opening comment
}

// List returns the bundled scenarios sorted by name.
func List() []LibraryEntry {
	files, err := fs.Glob(libraryFS, "library/*.c")
	if err != nil {
		return nil
	}
	out := make([]LibraryEntry, 0, len(files))
	for _, f := range files {
		src, err := libraryFS.ReadFile(f)
		if err != nil {
			continue
		}
		out = append(out, LibraryEntry{
			Name:    strings.TrimSuffix(path.Base(f), ".c"),
			Summary: Summary(src),
		})
	}
	// Sort by name, not file name: "abba" before "abba-fixed", although
	// "abba-fixed.c" sorts before "abba.c".
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Source returns the text of the bundled scenario name ("abba" or
// "abba.c").
func Source(name string) ([]byte, bool) {
	name = strings.TrimSuffix(name, ".c")
	if name == "" || strings.ContainsAny(name, "/\\") {
		return nil, false
	}
	src, err := libraryFS.ReadFile("library/" + name + ".c")
	if err != nil {
		return nil, false
	}
	return src, true
}

// Modules returns the bundled modules of several files, sorted by name: each a
// folder library/NAME/ with a Kbuild file, summarised by the opening comment of
// its first file.
func Modules() []LibraryEntry {
	dirs, err := fs.ReadDir(libraryFS, "library")
	if err != nil {
		return nil
	}
	var out []LibraryEntry
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		m, _, err := BundledModule(d.Name())
		if err != nil || m == nil || len(m.Sources) == 0 {
			continue
		}
		src, _ := m.read(m.Sources[0])
		out = append(out, LibraryEntry{Name: d.Name(), Summary: Summary(src)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// BundledModule is the bundled module folder name ("kbuild-abba") as its Kbuild
// file describes it, and the file's warnings; nil if there is no such folder.
// Positions name its files "kbuild-abba/core.c".
func BundledModule(name string) (*Module, []string, error) {
	if name == "" || strings.ContainsAny(name, "/\\.") {
		return nil, nil, nil
	}
	sub, err := fs.Sub(libraryFS, "library/"+name)
	if err != nil {
		return nil, nil, nil
	}
	if fi, err := fs.Stat(libraryFS, "library/"+name); err != nil || !fi.IsDir() {
		return nil, nil, nil
	}
	base := kbuild.Find(sub)
	if base == "" {
		return nil, nil, nil
	}
	kf, err := kbuild.Read(sub, base, name+"/"+base)
	if err != nil {
		return nil, nil, err
	}
	if len(kf.Modules) != 1 {
		return nil, nil, fmt.Errorf("bundled module %s builds %d modules, not one", name, len(kf.Modules))
	}
	m, err := ModuleOf(kf.Name, name, sub, kf.Modules[0], nil)
	return m, kf.Warnings, err
}

// ModuleFiles returns the files of the bundled module name, each with its text,
// in name order, the build file first: what `ksim show` prints.
func ModuleFiles(name string) (names []string, texts [][]byte, ok bool) {
	if m, _, err := BundledModule(name); m == nil || err != nil {
		return nil, nil, false
	}
	ents, err := fs.ReadDir(libraryFS, "library/"+name)
	if err != nil {
		return nil, nil, false
	}
	for _, e := range ents {
		b, err := libraryFS.ReadFile("library/" + name + "/" + e.Name())
		if err != nil {
			continue
		}
		if e.Name() == "Kbuild" {
			names, texts = append([]string{e.Name()}, names...), append([][]byte{b}, texts...)
			continue
		}
		names, texts = append(names, e.Name()), append(texts, b)
	}
	return names, texts, true
}

// ErrNotFound is returned (wrapped) by Resolve when arg is neither a file
// nor a bundled scenario.
var ErrNotFound = errors.New("no such scenario")

// Resolve finds the scenario that a command-line argument names: a path
// to an existing file, or else the name of a bundled scenario ("abba").
// A file wins over a bundled scenario of the same name, so that a student
// can edit a copy in the current directory. It returns the name to use in
// positions (the path as given, or "abba.c") and the source.
func Resolve(arg string) (filename string, src []byte, err error) {
	if fi, statErr := os.Stat(arg); statErr == nil {
		if fi.IsDir() {
			return "", nil, fmt.Errorf("%s is a directory, not a scenario file", arg)
		}
		if fi.Mode()&(os.ModeDevice|os.ModeCharDevice) != 0 {
			// Not even opened: opening some devices does something (/dev/watchdog).
			return "", nil, fmt.Errorf("%s is a device, not a scenario file (ksim reads kernel C source from a file or a pipe)", arg)
		}
		src, err := readSource(arg)
		if err != nil {
			return "", nil, err
		}
		return arg, src, nil
	}
	if src, ok := Source(arg); ok {
		return strings.TrimSuffix(arg, ".c") + ".c", src, nil
	}
	return "", nil, fmt.Errorf("%w %q: not a file, nor a bundled scenario (`ksim list` shows them)", ErrNotFound, arg)
}

// readSource reads a scenario file, at most cfront.MaxFileSize bytes of it: a
// larger file is the tooLarge error, and so is a pipe that never ends,
// which is read one byte past the limit and no further.
func readSource(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, cfront.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > cfront.MaxFileSize {
		return nil, tooLarge(name)
	}
	return src, nil
}

// Summary returns the first sentence of the opening /* ... */ comment of a
// scenario, or "" if it has none.
func Summary(src []byte) string {
	s := strings.TrimLeft(string(src), " \t\r\n")
	if !strings.HasPrefix(s, "/*") {
		return ""
	}
	end := strings.Index(s, "*/")
	if end < 0 {
		return ""
	}
	var words []string
	for _, line := range strings.Split(s[2:end], "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimSpace(strings.TrimPrefix(line, "*"))
		words = append(words, strings.Fields(line)...)
	}
	text := strings.Join(words, " ")
	// The sentence ends at the first ". " or at a final ".".
	if i := strings.Index(text, ". "); i >= 0 {
		return text[:i+1]
	}
	return text
}

// tooLarge is the error for a source of more than cfront.MaxFileSize bytes: "FILE:
// input is larger than 1 MiB; …", with no line or column, as it is about the whole
// file.
func tooLarge(filename string) cfront.ErrorList {
	return cfront.ErrorList{{Filename: filename,
		Msg: "input is larger than 1 MiB; ksim reads kernel C source files of at most 1 MiB"}}
}

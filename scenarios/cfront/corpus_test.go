package cfront

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// repoRoot is the directory of go.mod above the package directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package directory")
		}
		dir = parent
	}
}

// parseFile parses a file on disk as Parse sees a user's file: its directory
// is Options.Dir.
func parseFile(t *testing.T, path string) error {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(filepath.Base(path), src, Options{
		Headers:  testHeaders,
		Modelled: testModelled,
		Dir:      os.DirFS(filepath.Dir(path)),
	})
	return err
}

// TestCorpusLKMPG loads the 22 LKMPG examples of ../shared/corpus/lkmpg, when
// present: the ones ksim runs must load with no error; the others (the next
// issue's API) may stop only at `not modelled` errors naming an API.
func TestCorpusLKMPG(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "..", "shared", "corpus", "lkmpg")
	files, _ := filepath.Glob(filepath.Join(dir, "*.c"))
	if len(files) == 0 {
		t.Skipf("no LKMPG corpus at %s (the shared corpus is next to the repository)", dir)
	}
	mustLoad := map[string]bool{
		"hello-1.c": true, "hello-2.c": true, "hello-3.c": true, "hello-4.c": true, "hello-5.c": true,
		"example_mutex.c": true, "example_spinlock.c": true, "example_rwlock.c": true,
		"example_tasklet.c": true, "kmem_cache.c": true, "example_atomic.c": true,
	}
	sort.Strings(files)
	var table strings.Builder
	fmt.Fprintf(&table, "%-20s %s\n", "file", "outcome")
	for _, f := range files {
		name := filepath.Base(f)
		err := parseFile(t, f)
		if err == nil {
			fmt.Fprintf(&table, "%-20s loads\n", name)
			continue
		}
		var list ErrorList
		if !errors.As(err, &list) {
			t.Errorf("%s: error is not an ErrorList: %v", name, err)
			continue
		}
		var apis []string
		for _, e := range list {
			if e.Msg == "too many errors" {
				apis = append(apis, "...")
				continue
			}
			api, ok := strings.CutPrefix(e.Msg, "not modelled: ")
			if !ok {
				t.Errorf("%s: an error other than not modelled: %v", name, e)
				continue
			}
			apis = append(apis, strings.Fields(api)[0])
		}
		if mustLoad[name] {
			t.Errorf("%s must load, got:\n%s", name, list.Detail())
		}
		fmt.Fprintf(&table, "%-20s not modelled: %s\n", name, strings.Join(apis, " "))
	}
	t.Logf("LKMPG corpus:\n%s", table.String())
}

// TestLibrary: the bundled scenarios, the seed articles' code as ksim extracts
// it (scenarios/testdata) and the differential tests' generated style load with
// no error.
func TestLibrary(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "scenarios", "library", "*.c"))
	if len(files) == 0 {
		t.Fatal("no bundled library scenarios")
	}
	seeds, _ := filepath.Glob(filepath.Join(repoRoot(t), "scenarios", "testdata", "*.c"))
	files = append(files, seeds...)
	files = append(files, filepath.Join("testdata", "difftest-style.c"))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if err := parseFile(t, f); err != nil {
				var list ErrorList
				if errors.As(err, &list) {
					t.Errorf("\n%s", list.Detail())
				} else {
					t.Error(err)
				}
			}
		})
	}
}

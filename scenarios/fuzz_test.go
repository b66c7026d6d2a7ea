package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ksim-dev/ksim/scenarios/cfront"
)

// FuzzLoad checks that Load never panics, that every error it reports has a
// valid position and the file name, that the list is sorted and capped, and
// that a successful load is internally consistent.
func FuzzLoad(f *testing.F) {
	for _, e := range List() {
		src, _ := Source(e.Name)
		f.Add(src)
	}
	for _, tc := range errorCases {
		f.Add([]byte(tc.src))
	}
	files, _ := filepath.Glob("testdata/*.c")
	for _, name := range files {
		if src, err := os.ReadFile(name); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Load("fuzz.c", src)
		if err != nil {
			if s != nil {
				t.Fatal("Load returned a scenario and an error")
			}
			var list cfront.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %v", err)
			}
			if len(list) > maxErrors+1 {
				t.Fatalf("%d errors, want at most %d", len(list), maxErrors+1)
			}
			// The "too many errors" trailer closes the list wherever it
			// points (the parser's points at the error that overflowed).
			body := list
			if last := list[len(list)-1]; last.Msg == "too many errors" {
				body = list[:len(list)-1]
			}
			if !sort.IsSorted(body) {
				t.Fatalf("errors not sorted:\n%s", list.Detail())
			}
			for _, e := range list {
				if !e.Pos.IsValid() || e.Filename != "fuzz.c" {
					t.Fatalf("bad position in %q", e)
				}
				if strings.Contains(e.Msg, "internal") {
					t.Fatalf("internal error:\n%s", e.Msg)
				}
			}
			return
		}
		if s == nil || s.Prog == nil || s.Unit == nil {
			t.Fatal("Load returned neither a scenario nor an error")
		}
		if s.Init == "" && len(s.Threads) == 0 {
			t.Fatal("a loaded scenario has nothing to run")
		}
		for _, th := range s.Threads {
			if s.fn(th) == nil {
				t.Fatalf("thread %s is not a defined function", th)
			}
		}
		if c := s.Config.CPUs; c < 1 || c > MaxCPUs {
			t.Fatalf("CPUs = %d", c)
		}
	})
}

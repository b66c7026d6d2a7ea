package cfront

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParse: loading a bundled scenario, the prelude of ksim's headers
// included.
func BenchmarkParse(b *testing.B) {
	path := filepath.Join("..", "library", "tasklet-lock.c")
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{Headers: testHeaders, Modelled: testModelled}
	for b.Loop() {
		if _, err := Parse("tasklet-lock.c", src, opt); err != nil {
			b.Fatal(err)
		}
	}
}

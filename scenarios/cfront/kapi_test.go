package cfront_test

import (
	"errors"
	"testing"

	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/scenarios/kapi"
)

// TestKapiHeaders: ksim's headers with the kernel API's generated part load,
// so a declaration kapi generates fits the hand-written types and macros (a
// kapi entry named like a macro of the headers, mutex_init say, fails here),
// and every declared entry counts as modelled.
func TestKapiHeaders(t *testing.T) {
	opt := cfront.Options{
		Headers:  kapi.Headers(),
		Modelled: func(name string) bool { return kapi.Lookup(name) != nil },
	}
	if _, err := cfront.Parse("x.c", []byte("int x;\n"), opt); err != nil {
		var list cfront.ErrorList
		if errors.As(err, &list) {
			t.Fatalf("\n%s", list.Detail())
		}
		t.Fatal(err)
	}
}

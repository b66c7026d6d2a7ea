package kapi

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ksim-dev/ksim/scenarios/interp"
)

func TestErrorPointers(t *testing.T) {
	const heap = int64(-0x777effff00000000) // 0xffff888100000000: an object's address
	for _, tc := range []struct {
		name string
		arg  int64
		want int64
	}{
		{"IS_ERR", -12, 1}, // ERR_PTR(-ENOMEM)
		{"IS_ERR", -4095, 1},
		{"IS_ERR", -4096, 0},
		{"IS_ERR", 0, 0},
		{"IS_ERR", heap, 0},
		{"IS_ERR_OR_NULL", 0, 1},
		{"IS_ERR_OR_NULL", -1, 1},
		{"IS_ERR_OR_NULL", heap, 0},
		{"PTR_ERR", -12, -12},
		{"ERR_PTR", -11, -11},
		{"ERR_CAST", -22, -22},
		{"PTR_ERR_OR_ZERO", -22, -22},
		{"PTR_ERR_OR_ZERO", heap, 0},
		{"PTR_ERR_OR_ZERO", 0, 0},
	} {
		b := Lookup(tc.name)
		if assert.NotNil(t, b, tc.name) {
			assert.Equal(t, tc.want, b.Impl(&interp.Call{Args: []int64{tc.arg}}), "%s(%#x)", tc.name, tc.arg)
		}
	}
}

package kapi

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// The conversions at HZ=250, as include/linux/jiffies.h and kernel/time/time.c
// compute them.
func TestJiffiesConversions(t *testing.T) {
	for _, tc := range []struct {
		name string
		arg  int64 // as the interpreter passes it: converted to the parameter type
		want int64
	}{
		{"msecs_to_jiffies", 0, 0},
		{"msecs_to_jiffies", 1, 1},
		{"msecs_to_jiffies", 4, 1},
		{"msecs_to_jiffies", 5, 2},
		{"msecs_to_jiffies", 100, 25},
		{"msecs_to_jiffies", 1000, ksync.HZ},
		{"msecs_to_jiffies", 0x7fffffff, (0x7fffffff + 3) / 4},
		{"msecs_to_jiffies", 0xffffffff, ksync.MaxJiffyOffset}, // (unsigned int)-1: a negative int
		{"jiffies_to_msecs", 250, 1000},
		{"jiffies_to_msecs", 1, 4},
		{"jiffies_to_msecs", 1 << 31, 0}, // an unsigned int: 4 << 31 wraps
		{"usecs_to_jiffies", 0, 0},
		{"usecs_to_jiffies", 1, 1},
		{"usecs_to_jiffies", 4000, 1},
		{"usecs_to_jiffies", 4001, 2},
		{"usecs_to_jiffies", 4294959296, 1073740},
		{"usecs_to_jiffies", 4294959297, ksync.MaxJiffyOffset},
		{"jiffies_to_usecs", 1, 4000},
	} {
		b := Lookup(tc.name)
		if assert.NotNil(t, b, tc.name) {
			assert.Equal(t, tc.want, b.Impl(&interp.Call{Args: []int64{tc.arg}}), "%s(%d)", tc.name, tc.arg)
		}
	}
}

func TestGetJiffies64IsTheKernelsClock(t *testing.T) {
	var got, want uint64
	tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		k.KernelThread("insmod", func(task *ksync.Task) {
			got = uint64(tkCall(t, task, "j.c:3", "get_jiffies_64"))
			want = k.Jiffies()
		})
	})
	assert.Equal(t, want, got)
	assert.Greater(t, got, uint64(ksync.InitialJiffies))
}

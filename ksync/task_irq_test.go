package ksync

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Between disable_irq and enable_irq the line does not fire; before and after it
// may.
func TestDisabledLineDoesNotFire(t *testing.T) {
	for _, nosync := range []bool{false, true} {
		phases := map[int]bool{}
		depth := -1
		res := explore(t, Config{CPUs: 1, IRQs: map[int]IRQSetting{5: {Times: 2, CPU: -1}}}, func(k *Kernel) {
			phase := 0
			k.KernelThread("insmod", func(t *Task) {
				t.RequestIRQ(5, "dev", func(h *Task) IRQReturn { phases[phase] = true; return IRQHandled })
				if nosync {
					t.DisableIRQNosync(5)
				} else {
					t.DisableIRQ(5)
				}
				phase = 1
				t.CPURelax("cpu_relax")
				t.CPURelax("cpu_relax")
				depth = k.IRQDepth(5)
				t.EnableIRQ(5)
				phase = 2
				t.CPURelax("cpu_relax")
				t.FreeIRQ(5)
			})
		})
		require.Empty(t, res.Problems, res.Verdict())
		assert.Equal(t, map[int]bool{0: true, 2: true}, phases, "nosync %v", nosync)
		assert.Equal(t, 1, depth)
	}
}

// enable_irq without a disable_irq is the kernel's warning; a line never requested
// is disabled (depth 1), so one enable of it is balanced.
func TestUnbalancedEnableIRQ(t *testing.T) {
	var depths []int
	res := explore(t, Config{}, func(k *Kernel) {
		depths = depths[:0]
		k.KernelThread("insmod", func(t *Task) {
			depths = append(depths, k.IRQDepth(7))
			t.At("e.c:3")
			t.EnableIRQ(7) // 1 -> 0
			depths = append(depths, k.IRQDepth(7))
			t.At("e.c:4")
			t.EnableIRQ(7) // unbalanced
			depths = append(depths, k.IRQDepth(7))
		})
	})
	assert.Equal(t, []int{1, 0, 0}, depths)
	require.Len(t, res.Problems, 1)
	p := res.Problems[0]
	assert.Equal(t, "WARNING: CPU: 0 PID: 2 at kernel/irq/manage.c:791 __enable_irq", p.Title)
	assert.True(t, strings.HasPrefix(p.Report, "------------[ cut here ]------------\nUnbalanced enable for IRQ 7\nWARNING:"), p.Report)
}

// disable_irq waits for the line's handler running on another CPU: after it, no
// handler runs. disable_irq_nosync does not wait.
func TestDisableIRQSynchronizes(t *testing.T) {
	for _, tc := range []struct {
		nosync bool
		want   map[bool]bool
	}{{false, map[bool]bool{false: true}}, {true, map[bool]bool{false: true, true: true}}} {
		running := map[bool]bool{}
		explore(t, Config{CPUs: 2, IRQs: map[int]IRQSetting{5: {Times: 1, CPU: 1}}}, func(k *Kernel) {
			var line *IRQLine
			x := k.NewInt("x", 0)
			k.KernelThread("insmod", func(t *Task) {
				t.RequestIRQ(5, "dev", func(h *Task) IRQReturn { x.Store(h, 1); x.Store(h, 2); return IRQHandled })
				line = k.activeLine(5)
				x.Load(t)
				if tc.nosync {
					t.DisableIRQNosync(5)
				} else {
					t.DisableIRQ(5)
				}
				running[line.running > 0] = true
				t.EnableIRQ(5)
				t.FreeIRQ(5)
			})
		})
		assert.Equal(t, tc.want, running, "nosync %v", tc.nosync)
	}
}

package kapi

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ksim-dev/ksim/ksync"
)

func TestRequestIRQ(t *testing.T) {
	const irqfShared = 0x80
	for _, tc := range []struct {
		name      string
		handler   bool
		flags     int64
		dev       bool
		want      int64
		wantFires bool
	}{
		{"delivers the interrupt to the handler", true, 0, true, 0, true},
		{"shared line with dev_id", true, irqfShared, true, 0, true},
		{"shared line without dev_id", true, irqfShared, false, -ksync.EINVAL, false},
		{"NULL handler", false, 0, true, -ksync.EINVAL, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newTkWorld()
			tkUse(t, w)
			var fired bool
			var gotIRQ, gotDev, dev, ret int64
			handler := int64(w.fn(func(h *ksync.Task, args []int64) int64 {
				fired = true
				gotIRQ, gotDev = args[0], args[1]
				return int64(ksync.IRQHandled)
			}))
			if !tc.handler {
				handler = 0
			}
			tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
				if tc.dev {
					dev = int64(k.NewObject("mydev", 64, ksync.RegionHeap).Addr())
				}
				k.KernelThread("insmod", func(task *ksync.Task) {
					ret = tkCall(t, task, "irq.c:10", "request_irq", 5, handler, tc.flags, tkString(k, "mydev"), dev)
					tkCall(t, task, "irq.c:11", "cpu_relax")
					tkCall(t, task, "irq.c:12", "free_irq", 5, dev)
				})
			})
			assert.Equal(t, tc.want, ret)
			assert.Equal(t, tc.wantFires, fired)
			if tc.wantFires {
				assert.Equal(t, int64(5), gotIRQ)
				assert.Equal(t, dev, gotDev)
			}
		})
	}
}

// disable_irq and enable_irq reach the line's depth; an enable too many warns.
func TestDisableEnableIRQ(t *testing.T) {
	w := newTkWorld()
	tkUse(t, w)
	var depths []int
	handler := int64(w.fn(func(*ksync.Task, []int64) int64 { return int64(ksync.IRQHandled) }))
	res := tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
		depths = depths[:0]
		k.KernelThread("insmod", func(task *ksync.Task) {
			tkCall(t, task, "irq.c:10", "request_irq", 5, handler, 0, tkString(k, "mydev"), 0)
			tkCall(t, task, "irq.c:11", "disable_irq", 5)
			tkCall(t, task, "irq.c:12", "disable_irq_nosync", 5)
			depths = append(depths, k.IRQDepth(5))
			tkCall(t, task, "irq.c:13", "enable_irq", 5)
			tkCall(t, task, "irq.c:14", "enable_irq", 5)
			depths = append(depths, k.IRQDepth(5))
			tkCall(t, task, "irq.c:15", "enable_irq", 5)
			tkCall(t, task, "irq.c:16", "free_irq", 5, 0)
		})
	})
	assert.Equal(t, []int{2, 0}, depths)
	assert.Equal(t, []string{"WARNING: CPU: 0 PID: 2 at kernel/irq/manage.c:791 __enable_irq"}, tkTitles(res))
}

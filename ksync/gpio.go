package ksync

import (
	"fmt"

	"github.com/ksim-dev/ksim/sched"
)

// GPIO lines (drivers/gpio/gpiolib.c, gpiolib-legacy.c, include/linux/gpio.h of
// 6.12). The simulated board has one GPIO chip, "ksim-gpio", of GPIOLines lines
// numbered from 0 in the legacy number space (a board of the Raspberry Pi's kind,
// whose examples name GPIO 4, 17, 18); a number outside it has no descriptor
// (gpio_to_desc returns NULL), so gpio_request fails with -EPROBE_DEFER and the
// value calls do nothing, as VALIDATE_DESC makes them. Line g interrupts as irq
// GPIOIRQBase+g (the chip's to_irq): a button on an input line is an interrupt
// source like any line, firing where the search chooses while its irq is
// requested — once by default; `#pragma ksim irq N times K` with N = GPIOIRQBase+g
// lets it fire K times. The chip's interrupts are delivered to CPU 0, as a Raspberry
// Pi's GPIO interrupts are (its interrupt controller routes the peripheral
// interrupts to core 0, and they have no affinity to set): the handler interrupts
// what runs on CPU 0, or runs there when CPU 0 is idle, alongside the other CPUs.
// `#pragma ksim irq N cpu C` delivers it to CPU C instead. (Delivered to any CPU, a
// handler's steps interleave with every CPU's at once, and the full search that
// interrupts need grows past what a test can wait for.)
//
// A line's state is an object of its own: requesting, freeing, setting the
// direction or the value write it, reading the value reads it. An input line's level
// is low until its interrupt fires; each interrupt is an edge and flips it (a button
// pressed, released, ...). An output line reads back the value it drives.

// GPIO board constants.
const (
	GPIOLines   = 64  // lines of the board's chip: GPIO 0 to 63
	GPIOIRQBase = 200 // the chip's interrupts: GPIO g is irq GPIOIRQBase+g
	EPROBEDEFER = 517 // EPROBE_DEFER
	ENOENT      = 2
	ENODEV      = 19
)

// gpioLine is one line of the chip (struct gpio_desc's state).
type gpioLine struct {
	obj       sched.ObjID // made on first use
	requested bool        // FLAG_REQUESTED
	label     string
	out       bool // FLAG_IS_OUT
	drive     int  // the value an output drives
	level     int  // an input's level
	activeLow bool // FLAG_ACTIVE_LOW
}

// gpioState is the board's GPIO state in one execution.
type gpioState struct {
	lines  []gpioLine     // made on first use
	con    map[string]int // gpiod_get's lookups: function name to line
	conObj sched.ObjID    // the lookup table's object
	descs  *Buffer        // the chip's struct gpio_desc array, for gpiod_* pointers
}

// irqState is the state of the irq family beyond the lines in kstate.irqs: GPIO.
type irqState struct {
	gpio gpioState
}

// gpioDescSize is the size ksim gives a struct gpio_desc in the chip's array.
const gpioDescSize = 64

// gpioLine is line g, nil when the board has none (gpio_to_desc's NULL).
func (k *Kernel) gpioLine(g int64) *gpioLine {
	if g < 0 || g >= GPIOLines {
		return nil
	}
	s := &k.irq.gpio
	if s.lines == nil {
		s.lines = make([]gpioLine, GPIOLines)
	}
	l := &s.lines[g]
	if l.obj == 0 {
		l.obj = k.e.NewObject(fmt.Sprintf("gpio%d", g))
	}
	return l
}

// gpioIRQ reports whether irq n is one of the GPIO chip's.
func gpioIRQ(n int) bool { return n >= GPIOIRQBase && n < GPIOIRQBase+GPIOLines }

// edge is an interrupt of l: on a GPIO input line, an edge that flips its level.
func (l *IRQLine) edge() {
	g := l.n - GPIOIRQBase
	s := &l.k.irq.gpio
	if g >= 0 && g < GPIOLines && s.lines != nil && !s.lines[g].out {
		s.lines[g].level ^= 1
	}
}

// GPIORequest is gpio_request(g, label) (gpiolib-legacy.c, gpiod_request_commit):
// 0, -EPROBE_DEFER for a number with no line, -EBUSY for a line requested already.
func (t *Task) GPIORequest(prim string, g int64, label string) int {
	l := t.k.gpioLine(g)
	if l == nil {
		t.op(prim, 0, sched.None, nil)
		t.note("no GPIO %d on this board (lines 0 to %d)", g, GPIOLines-1)
		return -EPROBEDEFER
	}
	t.op(prim, l.obj, sched.Write, nil)
	if l.requested {
		t.note("GPIO %d is %q's already", g, l.label)
		return -EBUSY
	}
	if label == "" {
		label = "?" // desc_set_label(desc, label ? : "?")
	}
	l.requested, l.label = true, label
	return 0
}

// GPIOFree is gpio_free(g) and gpiod_put (gpiod_free_commit: might_sleep, then the
// line is released if it was requested; a line not requested is left as it is).
func (t *Task) GPIOFree(prim string, g int64, frames ...string) {
	t.mightResched("drivers/gpio/gpiolib.c:2420", append([]string{"gpiod_free"}, frames...)...)
	l := t.k.gpioLine(g)
	if l == nil {
		t.op(prim, 0, sched.None, nil)
		return
	}
	t.op(prim, l.obj, sched.Write, nil)
	if l.requested {
		l.requested, l.label, l.activeLow = false, "", false
	}
}

// GPIODirection is gpiod_direction_input (out false) or gpiod_direction_output_raw
// (out, driving value): 0 (for a number with no line too: VALIDATE_DESC returns 0).
func (t *Task) GPIODirection(prim string, g int64, out bool, value int) int {
	return t.gpioDirection(prim, g, out, value, false)
}

// GPIODirectionLogical is gpiod_direction_output: value is the logical value,
// inverted on an active-low line.
func (t *Task) GPIODirectionLogical(prim string, g int64, value int) int {
	return t.gpioDirection(prim, g, true, value, true)
}

func (t *Task) gpioDirection(prim string, g int64, out bool, value int, logical bool) int {
	l := t.k.gpioLine(g)
	if l == nil {
		t.op(prim, 0, sched.None, nil)
		return 0
	}
	t.op(prim, l.obj, sched.Write, nil)
	l.out = out
	if out {
		l.drive = b2i(value != 0)
		if logical && l.activeLow {
			l.drive ^= 1
		}
	}
	return 0
}

// GPIOSetActiveLow sets the line's FLAG_ACTIVE_LOW (gpio_request_one's
// GPIOF_ACTIVE_LOW, inside its step).
func (k *Kernel) GPIOSetActiveLow(g int64) {
	if l := k.gpioLine(g); l != nil {
		l.activeLow = true
	}
}

// GPIOGet is gpiod_get_raw_value (raw) or gpiod_get_value: the line's value, 0 for a
// number with no line. The logical value of an active-low line is inverted.
func (t *Task) GPIOGet(prim string, g int64, raw bool) int {
	l := t.k.gpioLine(g)
	if l == nil {
		t.op(prim, 0, sched.None, nil)
		return 0
	}
	t.op(prim, l.obj, sched.Read, nil)
	v := l.level
	if l.out {
		v = l.drive
	}
	if !raw && l.activeLow {
		v ^= 1
	}
	return v
}

// GPIOSet is gpiod_set_raw_value (raw) or gpiod_set_value: the line drives v
// (inverted for an active-low line's logical value); nothing for a number with no
// line.
func (t *Task) GPIOSet(prim string, g int64, v int, raw bool) {
	l := t.k.gpioLine(g)
	if l == nil {
		t.op(prim, 0, sched.None, nil)
		return
	}
	t.op(prim, l.obj, sched.Write, nil)
	v = b2i(v != 0)
	if !raw && l.activeLow {
		v ^= 1
	}
	l.drive = v
}

// GPIOToIRQ is gpiod_to_irq of line g: GPIOIRQBase+g, -EINVAL for a number with no
// line (a NULL descriptor).
func (k *Kernel) GPIOToIRQ(g int64) int {
	if g < 0 || g >= GPIOLines {
		return -EINVAL
	}
	return GPIOIRQBase + int(g)
}

// GPIODescAddr is &gdev->descs[g], the struct gpio_desc of line g, in the chip's
// array (kernel memory, made on first use); 0 for a number with no line.
func (k *Kernel) GPIODescAddr(g int64) uint64 {
	if g < 0 || g >= GPIOLines {
		return 0
	}
	s := &k.irq.gpio
	if s.descs == nil {
		s.descs = k.NewObject("gpio_desc", GPIOLines*gpioDescSize, RegionHeap)
	}
	return s.descs.Addr() + uint64(g)*gpioDescSize
}

// GPIODescLine is the line a struct gpio_desc pointer names (desc_to_gpio), -1 when
// it points at no descriptor of the chip.
func (k *Kernel) GPIODescLine(addr uint64) int64 {
	s := &k.irq.gpio
	if s.descs == nil || addr < s.descs.Addr() {
		return -1
	}
	off := addr - s.descs.Addr()
	if off%gpioDescSize != 0 || off/gpioDescSize >= GPIOLines {
		return -1
	}
	return int64(off / gpioDescSize)
}

// GPIOLookup is gpiod_get's lookup of the function con (gpiod_find): the board has a
// line for every function a driver asks for, the first name asked for being GPIO
// GPIOLines/2, the next one more, and so on; -ENOENT once they are all taken. Which
// name comes first depends on the order of the lookups: each is a step that writes
// the board's lookup table.
func (t *Task) GPIOLookup(con string) int64 {
	s := &t.k.irq.gpio
	if s.conObj == 0 {
		s.conObj = t.k.e.NewObject("gpio_lookup")
	}
	t.op("gpiod_find", s.conObj, sched.Write, nil)
	if g, ok := s.con[con]; ok {
		return int64(g)
	}
	g := GPIOLines/2 + len(s.con)
	if g >= GPIOLines {
		return -ENOENT
	}
	if s.con == nil {
		s.con = map[string]int{}
	}
	s.con[con] = g
	return int64(g)
}

// GPIOMightSleep is the might_sleep() of a gpiod_*_cansleep call, at file (its
// line in drivers/gpio/gpiolib.c).
func (t *Task) GPIOMightSleep(file, fn string) { t.mightResched(file, fn) }

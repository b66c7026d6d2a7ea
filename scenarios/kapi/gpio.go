package kapi

import (
	"fmt"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// GPIO lines (include/linux/gpio.h, include/linux/gpio/consumer.h of 6.12;
// drivers/gpio/gpiolib.c, gpiolib-legacy.c): the legacy number-based calls and the
// basic descriptor-based ones, on the board ksync models (ksync/gpio.go: one chip of
// ksync.GPIOLines lines from 0, line g interrupting as irq ksync.GPIOIRQBase+g).
// gpio_request_array and gpio_free_array were removed in 6.10; they are kept, with
// 6.9's semantics (gpiolib-legacy.c), so that drivers written for earlier kernels
// load (LKMPG's examples use them before 6.10).

// GPIOF_* (include/linux/gpio.h).
const (
	gpiofIn         = 1 << 0
	gpiofOutInitHi  = 1 << 1
	gpiofActiveLow  = 1 << 2
	gpiodFlagDirSet = 1 << 0 // GPIOD_FLAGS_BIT_DIR_SET
	gpiodFlagDirOut = 1 << 1 // GPIOD_FLAGS_BIT_DIR_OUT
	gpiodFlagDirVal = 1 << 2 // GPIOD_FLAGS_BIT_DIR_VAL
)

func init() {
	legacy := "linux/gpio.h"
	consumer := "linux/gpio/consumer.h"
	register(
		interp.Builtin{Name: "gpio_is_valid", Header: legacy,
			Decl: "_Bool gpio_is_valid(int number);",
			// "valid" GPIO numbers are nonnegative (include/linux/gpio.h).
			Impl: func(c *interp.Call) int64 { return b2i(int32(c.Args[0]) >= 0) }},
		interp.Builtin{Name: "gpio_request", Header: legacy,
			Decl: "int gpio_request(unsigned gpio, const char *label);",
			Impl: func(c *interp.Call) int64 {
				return int64(c.T.GPIORequest("gpio_request", int64(uint32(c.Args[0])), gpioLabel(c, 1)))
			}},
		interp.Builtin{Name: "gpio_request_one", Header: legacy,
			Decl: "int gpio_request_one(unsigned gpio, unsigned long flags, const char *label);",
			Impl: func(c *interp.Call) int64 {
				return gpioRequestOne(c.T, int64(uint32(c.Args[0])), uint64(c.Args[1]), gpioLabel(c, 2))
			}},
		interp.Builtin{Name: "gpio_request_array", Header: legacy,
			Decl: "int gpio_request_array(const struct gpio *array, size_t num);",
			Impl: gpioRequestArray},
		interp.Builtin{Name: "gpio_free_array", Header: legacy,
			Decl: "void gpio_free_array(const struct gpio *array, size_t num);",
			Impl: gpioFreeArray},
		interp.Builtin{Name: "gpio_free", Header: legacy,
			Decl: "void gpio_free(unsigned gpio);",
			Impl: func(c *interp.Call) int64 {
				c.T.GPIOFree("gpio_free", int64(uint32(c.Args[0])), "gpio_free")
				return 0
			}},
		interp.Builtin{Name: "gpio_direction_input", Header: legacy,
			Decl: "int gpio_direction_input(unsigned gpio);",
			Impl: func(c *interp.Call) int64 {
				return int64(c.T.GPIODirection("gpio_direction_input", int64(uint32(c.Args[0])), false, 0))
			}},
		interp.Builtin{Name: "gpio_direction_output", Header: legacy,
			Decl: "int gpio_direction_output(unsigned gpio, int value);",
			Impl: func(c *interp.Call) int64 {
				return int64(c.T.GPIODirection("gpio_direction_output", int64(uint32(c.Args[0])), true, int(int32(c.Args[1]))))
			}},
		interp.Builtin{Name: "gpio_get_value", Header: legacy,
			Decl: "int gpio_get_value(unsigned gpio);",
			Impl: func(c *interp.Call) int64 {
				return int64(c.T.GPIOGet("gpio_get_value", int64(uint32(c.Args[0])), true))
			}},
		interp.Builtin{Name: "gpio_set_value", Header: legacy,
			Decl: "void gpio_set_value(unsigned gpio, int value);",
			Impl: func(c *interp.Call) int64 {
				c.T.GPIOSet("gpio_set_value", int64(uint32(c.Args[0])), int(int32(c.Args[1])), true)
				return 0
			}},
		interp.Builtin{Name: "gpio_to_irq", Header: legacy,
			Decl: "int gpio_to_irq(unsigned gpio);",
			Impl: func(c *interp.Call) int64 { return int64(c.K().GPIOToIRQ(int64(uint32(c.Args[0])))) }},

		interp.Builtin{Name: "gpio_to_desc", Header: consumer,
			Decl: "struct gpio_desc *gpio_to_desc(unsigned gpio);",
			Impl: func(c *interp.Call) int64 { return int64(c.K().GPIODescAddr(int64(uint32(c.Args[0])))) }},
		interp.Builtin{Name: "desc_to_gpio", Header: consumer,
			Decl: "int desc_to_gpio(const struct gpio_desc *desc);",
			Impl: func(c *interp.Call) int64 {
				g, ok := gpioDesc(c, "desc_to_gpio")
				if !ok || g < 0 {
					return -ksync.EINVAL
				}
				return g
			}},
		interp.Builtin{Name: "gpiod_get", Header: consumer,
			Decl: "struct gpio_desc *gpiod_get(struct device *dev, const char *con_id, enum gpiod_flags flags);",
			Impl: func(c *interp.Call) int64 { return gpiodGet(c, false) }},
		interp.Builtin{Name: "gpiod_get_optional", Header: consumer,
			Decl: "struct gpio_desc *gpiod_get_optional(struct device *dev, const char *con_id, enum gpiod_flags flags);",
			Impl: func(c *interp.Call) int64 { return gpiodGet(c, true) }},
		interp.Builtin{Name: "gpiod_put", Header: consumer,
			Decl: "void gpiod_put(struct gpio_desc *desc);",
			Impl: func(c *interp.Call) int64 {
				if g, ok := gpioDesc(c, "gpiod_free"); ok && g >= 0 {
					c.T.GPIOFree("gpiod_put", g, "gpiod_put")
				}
				return 0
			}},
		interp.Builtin{Name: "gpiod_to_irq", Header: consumer,
			Decl: "int gpiod_to_irq(const struct gpio_desc *desc);",
			Impl: func(c *interp.Call) int64 {
				if isErrValue(c.Addr(0)) || c.Addr(0) == 0 {
					return -ksync.EINVAL // IS_ERR_OR_NULL(desc)
				}
				g, ok := gpioDesc(c, "gpiod_to_irq")
				if !ok || g < 0 {
					return -ksync.EINVAL
				}
				return int64(c.K().GPIOToIRQ(g))
			}},
		gpiodValue("gpiod_get_value", false, false),
		gpiodValue("gpiod_get_raw_value", true, false),
		gpiodValue("gpiod_get_value_cansleep", false, true),
		gpiodSetValue("gpiod_set_value", false, false),
		gpiodSetValue("gpiod_set_raw_value", true, false),
		gpiodSetValue("gpiod_set_value_cansleep", false, true),
		interp.Builtin{Name: "gpiod_direction_input", Header: consumer,
			Decl: "int gpiod_direction_input(struct gpio_desc *desc);",
			Impl: func(c *interp.Call) int64 {
				g, ok := gpioDesc(c, "gpiod_direction_input")
				if !ok {
					return g
				}
				return int64(c.T.GPIODirection("gpiod_direction_input", g, false, 0))
			}},
		interp.Builtin{Name: "gpiod_direction_output", Header: consumer,
			Decl: "int gpiod_direction_output(struct gpio_desc *desc, int value);",
			Impl: func(c *interp.Call) int64 { return gpiodOutput(c, "gpiod_direction_output", false) }},
		interp.Builtin{Name: "gpiod_direction_output_raw", Header: consumer,
			Decl: "int gpiod_direction_output_raw(struct gpio_desc *desc, int value);",
			Impl: func(c *interp.Call) int64 { return gpiodOutput(c, "gpiod_direction_output_raw", true) }},
	)
}

// gpioLabel is the label string argument i, "" for NULL.
func gpioLabel(c *interp.Call, i int) string {
	if a := c.Addr(i); a != 0 {
		return c.T.CString("gpio label", a, 64)
	}
	return ""
}

// gpioRequestOne is gpio_request_one (gpiolib-legacy.c): gpio_request, then
// FLAG_ACTIVE_LOW, then the direction GPIOF_IN or GPIOF_OUT_INIT_*; the line is
// freed again if that fails (it does not, on ksim's board).
func gpioRequestOne(t *ksync.Task, g int64, flags uint64, label string) int64 {
	if err := t.GPIORequest("gpio_request_one", g, label); err != 0 {
		return int64(err)
	}
	if flags&gpiofActiveLow != 0 {
		t.Kernel().GPIOSetActiveLow(g)
	}
	if flags&gpiofIn != 0 {
		return int64(t.GPIODirection("gpiod_direction_input", g, false, 0))
	}
	return int64(t.GPIODirection("gpiod_direction_output_raw", g, true, int(b2i(flags&gpiofOutInitHi != 0))))
}

// gpioArray reads entry i of a struct gpio array at base: its number, flags and
// label, as the struct's layout in the headers says.
func gpioArray(c *interp.Call, base uint64, i int) (g int64, flags uint64, label string, ok bool) {
	w := worldOf(c)
	size, sok := w.Sizeof("gpio")
	offG, ok1 := w.Offsetof("gpio", "gpio")
	offF, ok2 := w.Offsetof("gpio", "flags")
	offL, ok3 := w.Offsetof("gpio", "label")
	if !sok || !ok1 || !ok2 || !ok3 {
		c.T.Oops("ksim: struct gpio lacks gpio, flags or label")
		return 0, 0, "", false
	}
	at := base + uint64(i*size)
	g = int64(uint32(c.T.LoadAt(at+uint64(offG), 4)))
	flags = c.T.LoadAt(at+uint64(offF), 8)
	if a := c.T.LoadAt(at+uint64(offL), 8); a != 0 {
		label = c.T.CString("gpio label", a, 64)
	}
	return g, flags, label, true
}

// gpioRequestArray is gpio_request_array(array, num) of 6.9: gpio_request_one of
// each entry; on an error, the lines requested so far are freed and it is
// returned.
func gpioRequestArray(c *interp.Call) int64 {
	base, num := c.Addr(0), int(c.Args[1])
	for i := 0; i < num; i++ {
		g, flags, label, ok := gpioArray(c, base, i)
		if !ok {
			return 0
		}
		if err := gpioRequestOne(c.T, g, flags, label); err != 0 {
			for i--; i >= 0; i-- {
				if g, _, _, ok := gpioArray(c, base, i); ok {
					c.T.GPIOFree("gpio_free", g, "gpio_free", "gpio_request_array")
				}
			}
			return err
		}
	}
	return 0
}

// gpioFreeArray is gpio_free_array(array, num) of 6.9: gpio_free of each entry.
func gpioFreeArray(c *interp.Call) int64 {
	base, num := c.Addr(0), int(c.Args[1])
	for i := 0; i < num; i++ {
		g, _, _, ok := gpioArray(c, base, i)
		if !ok {
			return 0
		}
		c.T.GPIOFree("gpio_free", g, "gpio_free", "gpio_free_array")
	}
	return 0
}

// gpioDesc is the line the descriptor argument 0 names, and true. VALIDATE_DESC
// returns 0 for NULL, and for an error pointer prints "invalid GPIO (errorpointer)"
// and returns the error: both are (that value, false). A pointer to no descriptor of
// the chip is the fault of reading it.
func gpioDesc(c *interp.Call, fn string) (int64, bool) {
	a := c.Addr(0)
	if a == 0 {
		return 0, false
	}
	if isErrValue(a) {
		c.T.Printk(fmt.Sprintf("%s: invalid GPIO (errorpointer)", fn))
		return int64(a), false
	}
	g := c.K().GPIODescLine(a)
	if g < 0 {
		c.T.LoadAt(a, 8) // desc->gdev: the oops or KASAN report of a bad pointer
		return -ksync.EINVAL, false
	}
	return g, true
}

// gpiodGet is gpiod_get(dev, con_id, flags) and gpiod_get_optional (optional: a
// function the board has no line for is NULL, not -ENOENT): the line is looked up
// (ksync.Kernel.GPIOLookup), requested (ERR_PTR(-EBUSY) if taken) and configured
// as flags say (gpiod_configure_flags: GPIOD_IN, GPIOD_OUT_LOW, GPIOD_OUT_HIGH).
func gpiodGet(c *interp.Call, optional bool) int64 {
	prim := "gpiod_get"
	if optional {
		prim = "gpiod_get_optional"
	}
	con := gpioLabel(c, 1)
	g := c.T.GPIOLookup(con)
	if g < 0 {
		if optional {
			return 0
		}
		return g
	}
	label := con
	if label == "" {
		label = "?"
	}
	if err := c.T.GPIORequest(prim, g, label); err != 0 {
		return int64(err)
	}
	flags := uint64(c.Args[2])
	if flags&gpiodFlagDirSet != 0 {
		if flags&gpiodFlagDirOut != 0 {
			c.T.GPIODirectionLogical("gpiod_direction_output", g, int(b2i(flags&gpiodFlagDirVal != 0)))
		} else {
			c.T.GPIODirection("gpiod_direction_input", g, false, 0)
		}
	}
	return int64(c.K().GPIODescAddr(g))
}

// gpiodValue is a gpiod_get_*value* call: the logical value, or the raw one; the
// _cansleep ones might sleep (drivers/gpio/gpiolib.c).
func gpiodValue(name string, raw, cansleep bool) interp.Builtin {
	return interp.Builtin{Name: name, Header: "linux/gpio/consumer.h",
		Decl: "int " + name + "(const struct gpio_desc *desc);",
		Impl: func(c *interp.Call) int64 {
			if cansleep {
				c.T.GPIOMightSleep("drivers/gpio/gpiolib.c:3994", name)
			}
			g, ok := gpioDesc(c, name)
			if !ok {
				return g
			}
			return int64(c.T.GPIOGet(name, g, raw))
		}}
}

// gpiodSetValue is a gpiod_set_*value* call: 0, or what VALIDATE_DESC returns.
func gpiodSetValue(name string, raw, cansleep bool) interp.Builtin {
	return interp.Builtin{Name: name, Header: "linux/gpio/consumer.h",
		Decl: "int " + name + "(struct gpio_desc *desc, int value);",
		Impl: func(c *interp.Call) int64 {
			if cansleep {
				c.T.GPIOMightSleep("drivers/gpio/gpiolib.c:4095", name)
			}
			g, ok := gpioDesc(c, name)
			if !ok {
				return g
			}
			c.T.GPIOSet(name, g, int(int32(c.Args[1])), raw)
			return 0
		}}
}

// gpiodOutput is gpiod_direction_output (the logical value) and
// gpiod_direction_output_raw.
func gpiodOutput(c *interp.Call, name string, raw bool) int64 {
	g, ok := gpioDesc(c, name)
	if !ok {
		return g
	}
	v := int(b2i(c.Args[1] != 0))
	if raw {
		return int64(c.T.GPIODirection(name, g, true, v))
	}
	return int64(c.T.GPIODirectionLogical(name, g, v))
}

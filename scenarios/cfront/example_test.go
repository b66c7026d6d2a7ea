package cfront_test

import (
	"fmt"

	"github.com/ksim-dev/ksim/scenarios/cfront"
)

func ExampleParse() {
	// What kapi.Headers() and kapi.Lookup provide: the kernel API's
	// declarations, and which functions it implements.
	opt := cfront.Options{
		Headers:  map[string]string{"linux/mutex.h": "void mutex_lock(struct mutex *lock);\nvoid mutex_unlock(struct mutex *lock);\n"},
		Modelled: func(name string) bool { return name == "mutex_lock" || name == "mutex_unlock" },
	}

	u, err := cfront.Parse("counter.c", []byte(`#pragma ksim expect ok
static DEFINE_MUTEX(lock);
static int count;

static int __init counter_init(void)
{
	mutex_lock(&lock);
	count++;
	mutex_unlock(&lock);
	return 0;
}
module_init(counter_init);
`), opt)
	fmt.Println(err, u.Pragmas[0].Pos, u.Pragmas[0].Args)

	_, err = cfront.Parse("led.c", []byte(`static int __init led_init(void)
{
	return gpio_request(4, "led");
}
`), opt)
	fmt.Println(err)
	// Output:
	// <nil> 1:9 [expect ok]
	// led.c:3:9: not modelled: gpio_request (no kernel header ksim has declares it)
}

package syntax_test

import (
	"fmt"

	"github.com/ksim-dev/ksim/scenarios/syntax"
)

func ExampleParseFile() {
	src := []byte(`#pragma ksim threads worker worker
static DEFINE_MUTEX(lock);
static int counter;

static void worker(void) {
	mutex_lock(&lock);
	counter++;
	mutex_unlock(&lock)
}
`)
	f, err := syntax.ParseFile("example.c", src)
	if err != nil {
		// The tree is still usable; the error says what to fix.
		fmt.Println(err)
	}
	fmt.Println("pragma:", f.Pragmas[0].Words)
	syntax.Inspect(f, func(n syntax.Node) bool {
		if call, ok := n.(*syntax.CallExpr); ok {
			fmt.Printf("%s: call %s\n", call.Pos(), syntax.ExprString(call))
		}
		return true
	})
	// Output:
	// example.c:8:21: expected ';' after expression, found '}'
	// pragma: [threads worker worker]
	// 6:2: call mutex_lock(&lock)
	// 8:2: call mutex_unlock(&lock)
}

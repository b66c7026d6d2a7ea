package sched

import "runtime"

func runtimeGoexit() { runtime.Goexit() }

// Command ksim runs kernel-C scenarios under every interleaving of their tasks
// and reports the deadlocks, lockups, BUGs and WARNINGs the kernel would print,
// each with the interleaving that shows it and a command that replays it.
//
// Usage:
//
//	ksim run [flags] FILE|NAME...            explore; print each problem's report, trace and replay command
//	ksim check [flags] [FILE|DIR|NAME...]    compare scenarios with their #pragma ksim expect lines
//	ksim replay [flags] FILE|NAME SCHEDULE   re-run exactly one execution; print its trace and dmesg
//	ksim list                                list the bundled scenarios
//	ksim show NAME                           print a bundled scenario's source
//	ksim help [COMMAND]                      usage, examples, flags and exit codes
//
// Exit status: 0 no problem and the search was complete; 1 a problem was found
// (check: a scenario was not as expected); 2 bad input or usage; 3 no problem
// found, but a limit stopped the search.
//
// Standard output is deterministic (no timings), so that golden files and
// scripts can compare it; colour and the progress line appear only on a
// terminal.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

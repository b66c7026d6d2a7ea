//go:build race

package ksync

// raceEnabled: the tests run under the race detector, some ten times slower; the
// long differential tests run a sample there (their programs run in full without it).
const raceEnabled = true

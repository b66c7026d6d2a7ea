//go:build race

package ksync

// dtRace: the race detector is on, and TestDiffDPORvsNaive runs fewer programs.
const dtRace = true

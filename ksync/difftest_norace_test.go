//go:build !race

package ksync

// dtRace: the race detector is off.
const dtRace = false

//go:build !race

package ksync

const raceEnabled = false

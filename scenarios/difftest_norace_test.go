//go:build !race

package scenarios

// sdRace: the race detector is off.
const sdRace = false

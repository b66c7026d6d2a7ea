//go:build race

package scenarios

// sdRace: the race detector is on, and TestDiffScenarios runs fewer scenarios.
const sdRace = true

package sqlite

// SetCheckpointLikes sets how many stored likes make AfterWrite checkpoint
// (and the WAL size that makes it wait for a restart), and returns a
// function that puts the defaults back.
func SetCheckpointLikes(n int) (restore func()) {
	likes, frames := checkpointLikes, walRestartFrames
	checkpointLikes, walRestartFrames = n, 4*n
	return func() { checkpointLikes, walRestartFrames = likes, frames }
}

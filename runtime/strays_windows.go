package runtime

// killStrays finds nothing on Windows, which has no /proc to find
// processes by working directory: a plugin whose agent was killed while
// spawning it, before its record was saved, keeps running until it is
// ended by hand (its job's processes end with it, through its Job Object).
func killStrays(...string) []int { return nil }

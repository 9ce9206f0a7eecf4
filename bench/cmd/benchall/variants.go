package main

// variants lists the extra runs of a program, each with these flags added
// and its section printed after the program's own: figures a default run
// does not give. Keep each under about a minute.
func variants(name string) [][]string {
	switch name {
	case "executions":
		// submit → final state on three nodes (API calls to a follower,
		// so writes are forwarded); ~10 s here.
		return [][]string{{"-nodes", "3", "-n", "2000"}}
	}
	return nil
}

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
	case "enginelink":
		// Issue 4's target size and heartbeat (10,000 engines, 60 s), ~80 s
		// each: with the Go default GOMAXPROCS, and with one, as the bare
		// bare quic-go baseline was measured.
		return [][]string{
			{"-engines", "10000", "-interval", "60s", "-window", "30s"},
			{"-engines", "10000", "-interval", "60s", "-window", "30s", "-server-procs", "1"},
		}
	}
	return nil
}

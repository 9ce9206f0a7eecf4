//go:build unix

package main

import (
	"errors"
	"syscall"
)

// processAlive reports whether pid runs (signal 0 probes without sending).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

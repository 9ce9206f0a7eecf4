package cluster

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrCannotPersist is returned for a write this node cannot store: its
// disk is full. Nothing was proposed or changed.
var ErrCannotPersist = errors.New("this control-plane node cannot persist writes")

// StorageError reports why this node cannot persist writes now, or nil:
// the data dir's file system has less than MinFreeBytes free.
func (n *Node) StorageError() error {
	if n.cfg.MinFreeBytes < 0 {
		return nil
	}
	var st unix.Statfs_t
	if err := unix.Statfs(n.cfg.DataDir, &st); err != nil {
		return fmt.Errorf("%w: check free space of %s: %v", ErrCannotPersist, n.cfg.DataDir, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if free < n.cfg.MinFreeBytes {
		return fmt.Errorf("%w: %v: %d MiB free in %s, at least %d MiB are kept free; free space there",
			ErrCannotPersist, syscall.ENOSPC, free>>20, n.cfg.DataDir, n.cfg.MinFreeBytes>>20)
	}
	return nil
}

// noSpace turns a disk-full error from raft's stores into ErrCannotPersist.
func noSpace(err error) (error, bool) {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %v", ErrCannotPersist, err), true
	}
	return err, false
}

// Package datadir owns the layout of the engine's data dir and how its
// files are written: atomically, through a temporary file and a rename,
// with mode 0600 in a 0700 dir, so a crash leaves the old or the new
// content and no other user reads the engine's key. It also names the
// runtime's state dir, which must stay short enough for unix sockets.
//
// It imports nothing from this module and keeps no state; it must not
// decide what goes into the files.
package datadir

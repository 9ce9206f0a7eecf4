package main

import (
	"os"
	"strconv"
	"strings"
)

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// udpDrops is the host's count of UDP datagrams dropped for a full socket
// receive buffer (RcvbufErrors in /proc/net/snmp; -1 if unreadable): a
// process that stops reading its QUIC socket for seconds loses packets,
// and its sessions' requests wait for retransmissions.
func udpDrops() int64 {
	raw, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return -1
	}
	var names []string
	for _, line := range strings.Split(string(raw), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		for i, n := range names {
			if n == "RcvbufErrors" && i < len(fields) {
				v, err := strconv.ParseInt(fields[i], 10, 64)
				if err == nil {
					return v
				}
			}
		}
	}
	return -1
}

package main

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

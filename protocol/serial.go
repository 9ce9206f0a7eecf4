package protocol

import "math/big"

func newIntFromHex(s string) (*big.Int, bool) {
	if s == "" || len(s) > 40 {
		return nil, false
	}
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() <= 0 {
		return nil, false
	}
	return n, true
}

package state

import (
	"strconv"
	"strings"
)

// CompareVersions orders artifact versions such as "0.1.0", "1.2" and
// "1.10.3": dot-separated parts compare numerically when both are numbers,
// as text otherwise; a missing part counts as 0. It returns -1, 0 or 1.
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if c := comparePart(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func comparePart(x, y string) int {
	nx, ex := strconv.ParseUint(x, 10, 64)
	ny, ey := strconv.ParseUint(y, 10, 64)
	switch {
	case ex == nil && ey == nil:
		switch {
		case nx < ny:
			return -1
		case nx > ny:
			return 1
		}
		return 0
	case ex == nil:
		return 1 // numbers sort after text ("1.0.beta" < "1.0.0")
	case ey == nil:
		return -1
	}
	return strings.Compare(x, y)
}

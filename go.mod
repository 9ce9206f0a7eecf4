module github.com/roundhouse/roundhouse

go 1.26.0

require (
	github.com/hashicorp/cronexpr v1.1.3
	github.com/spf13/cobra v1.10.2
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
)

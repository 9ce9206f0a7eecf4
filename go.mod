module github.com/roundhouse/roundhouse

go 1.26

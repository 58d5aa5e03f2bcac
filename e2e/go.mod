module github.com/techconf/techconf/e2e

go 1.26.8

require github.com/techconf/techconf v0.0.0

replace github.com/techconf/techconf => ../

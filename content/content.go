// Package content embeds the sample conference, so that the binary serves a
// complete site with no files beside it. `techconf serve --content DIR`
// serves another conference from a folder of the same shape.
package content

import (
	"embed"
	"io/fs"
)

//go:embed sample
var sample embed.FS

// Sample returns the sample conference: one folder per edition.
func Sample() fs.FS {
	sub, err := fs.Sub(sample, "sample")
	if err != nil {
		panic(err) // the folder is embedded above; this cannot fail
	}
	return sub
}

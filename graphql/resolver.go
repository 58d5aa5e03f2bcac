package graphql

import (
	"github.com/techconf/techconf/conference"
)

// Resolver answers the API of one edition.
type Resolver struct {
	Conf  *conference.Edition // the edition this API serves
	Likes LikeService
}

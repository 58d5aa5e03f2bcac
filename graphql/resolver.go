package graphql

// THIS CODE WILL BE UPDATED WITH SCHEMA CHANGES. PREVIOUS IMPLEMENTATION FOR SCHEMA CHANGES WILL BE KEPT IN THE COMMENT SECTION. IMPLEMENTATION FOR UNCHANGED SCHEMA WILL BE KEPT.

import (
	"context"
	"fmt"
	"time"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/like"
)

// Resolver answers the API of one edition.
type Resolver struct {
	Conf  *conference.Edition // the edition this API serves
	Likes LikeService
}

// Days is the resolver for the days field.
func (r *editionResolver) Days(ctx context.Context, obj *conference.Edition) ([]string, error) {
	out := make([]string, len(obj.Days))
	for i, d := range obj.Days {
		out[i] = string(d)
	}
	return out, nil
}

// Tags is the resolver for the tags field.
func (r *editionResolver) Tags(ctx context.Context, obj *conference.Edition) ([]string, error) {
	return obj.Tags(), nil
}

// ID is the resolver for the id field.
func (r *exhibitionResolver) ID(ctx context.Context, obj *conference.Exhibition) (string, error) {
	return globalID(typeExhibition, r.Conf.ID, fmt.Sprint(obj.ID)), nil
}

// ID is the resolver for the id field.
func (r *likeResolver) ID(ctx context.Context, obj *like.Like) (string, error) {
	return globalID(typeLike, obj.Edition, fmt.Sprintf("%d:%s", obj.SessionID, obj.ID)), nil
}

// Session is the resolver for the session field.
func (r *likeResolver) Session(ctx context.Context, obj *like.Like) (*conference.Session, error) {
	return r.session(obj.SessionID)
}

// ID is the resolver for the id field.
func (r *movieResolver) ID(ctx context.Context, obj *conference.Movie) (string, error) {
	return globalID(typeMovie, r.Conf.ID, fmt.Sprint(obj.ID)), nil
}

// Speakers is the resolver for the speakers field.
func (r *movieResolver) Speakers(ctx context.Context, obj *conference.Movie) ([]*conference.Speaker, error) {
	return []*conference.Speaker{obj.Speaker}, nil
}

// CreateLike is the resolver for the createLike field.
func (r *mutationResolver) CreateLike(ctx context.Context, input CreateLikeInput) (*CreateLikePayload, error) {
	count := 1
	if input.Count != nil {
		count = *input.Count
	}
	if err := like.ValidateRequest(input.UUID, count); err != nil {
		return nil, err
	}
	if _, err := r.session(input.SessionID); err != nil {
		return nil, err
	}
	likes, err := r.Likes.Create(ctx, like.Key{Edition: r.Conf.ID, SessionID: input.SessionID}, input.UUID, count)
	if err != nil {
		return nil, err
	}
	last := likes[len(likes)-1]
	return &CreateLikePayload{ClientMutationID: input.ClientMutationID, Like: &last, Count: len(likes)}, nil
}

// ID is the resolver for the id field.
func (r *newsResolver) ID(ctx context.Context, obj *conference.News) (string, error) {
	return globalID(typeNews, r.Conf.ID, obj.ID), nil
}

// Date is the resolver for the date field.
func (r *newsResolver) Date(ctx context.Context, obj *conference.News) (string, error) {
	return string(obj.Date), nil
}

// Link is the resolver for the link field.
func (r *newsResolver) Link(ctx context.Context, obj *conference.News) (*string, error) {
	if obj.Link == "" {
		return nil, nil
	}
	return &obj.Link, nil
}

// Node is the resolver for the node field.
func (r *queryResolver) Node(ctx context.Context, id string) (Node, error) {
	return r.node(id)
}

// Nodes is the resolver for the nodes field.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]Node, error) {
	if len(ids) > MaxPageSize {
		return nil, techconf.Errorf(techconf.EINVALID, "nodes takes at most %d ids (got %d)", MaxPageSize, len(ids))
	}
	out := make([]Node, len(ids))
	for i, id := range ids {
		n, err := r.node(id)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// SessionList is the resolver for the sessionList field.
func (r *queryResolver) SessionList(ctx context.Context, first *int, after *string, req *SessionListInput) (*SessionConnection, error) {
	filter, err := r.sessionFilter(req)
	if err != nil {
		return nil, err
	}
	p, err := paginate("sessionList", r.Conf.FilterSessions(filter), first, after)
	if err != nil {
		return nil, err
	}
	conn := &SessionConnection{PageInfo: p.info, Edges: make([]*SessionEdge, len(p.items)), Nodes: p.items}
	for i, s := range p.items {
		conn.Edges[i] = &SessionEdge{Cursor: cursor("sessionList", p.offsets[i]), Node: s}
	}
	return conn, nil
}

// Session is the resolver for the session field.
func (r *queryResolver) Session(ctx context.Context, sessionID int) (*conference.Session, error) {
	return r.Conf.Session(sessionID), nil
}

// ExhibisionList is the resolver for the exhibisionList field.
func (r *queryResolver) ExhibisionList(ctx context.Context, first *int, after *string, req *ExhibitionListInput) (*ExhibitionConnection, error) {
	return r.ExhibitionList(ctx, first, after, req)
}

// ExhibitionList is the resolver for the exhibitionList field.
func (r *queryResolver) ExhibitionList(ctx context.Context, first *int, after *string, req *ExhibitionListInput) (*ExhibitionConnection, error) {
	p, err := paginate("exhibitionList", r.Conf.Exhibitions, first, after)
	if err != nil {
		return nil, err
	}
	conn := &ExhibitionConnection{PageInfo: p.info, Edges: make([]*ExhibitionEdge, len(p.items)), Nodes: p.items}
	for i, x := range p.items {
		conn.Edges[i] = &ExhibitionEdge{Cursor: cursor("exhibitionList", p.offsets[i]), Node: x}
	}
	return conn, nil
}

// NewsList is the resolver for the newsList field.
func (r *queryResolver) NewsList(ctx context.Context, first *int, after *string) (*NewsConnection, error) {
	p, err := paginate("newsList", r.Conf.News, first, after)
	if err != nil {
		return nil, err
	}
	conn := &NewsConnection{PageInfo: p.info, Edges: make([]*NewsEdge, len(p.items)), Nodes: p.items}
	for i, n := range p.items {
		conn.Edges[i] = &NewsEdge{Cursor: cursor("newsList", p.offsets[i]), Node: n}
	}
	return conn, nil
}

// SpeakerList is the resolver for the speakerList field.
func (r *queryResolver) SpeakerList(ctx context.Context, first *int, after *string) (*SpeakerConnection, error) {
	p, err := paginate("speakerList", r.Conf.Speakers, first, after)
	if err != nil {
		return nil, err
	}
	conn := &SpeakerConnection{PageInfo: p.info, Edges: make([]*SpeakerEdge, len(p.items)), Nodes: p.items}
	for i, s := range p.items {
		conn.Edges[i] = &SpeakerEdge{Cursor: cursor("speakerList", p.offsets[i]), Node: s}
	}
	return conn, nil
}

// Speaker is the resolver for the speaker field.
func (r *queryResolver) Speaker(ctx context.Context, speakerID string) (*conference.Speaker, error) {
	return r.Conf.Speaker(speakerID), nil
}

// Edition is the resolver for the edition field.
func (r *queryResolver) Edition(ctx context.Context) (*conference.Edition, error) {
	return r.Conf, nil
}

// ID is the resolver for the id field.
func (r *sessionResolver) ID(ctx context.Context, obj *conference.Session) (string, error) {
	return globalID(typeSession, r.Conf.ID, fmt.Sprint(obj.ID)), nil
}

// StartTime is the resolver for the startTime field.
func (r *sessionResolver) StartTime(ctx context.Context, obj *conference.Session) (string, error) {
	return obj.StartTime.Format(time.RFC3339), nil
}

// EndTime is the resolver for the endTime field.
func (r *sessionResolver) EndTime(ctx context.Context, obj *conference.Session) (string, error) {
	return obj.EndTime.Format(time.RFC3339), nil
}

// Liked is the resolver for the liked field.
func (r *sessionResolver) Liked(ctx context.Context, obj *conference.Session) (int, error) {
	return int(r.Likes.Total(like.Key{Edition: r.Conf.ID, SessionID: obj.ID})), nil
}

// ID is the resolver for the id field.
func (r *slideResolver) ID(ctx context.Context, obj *conference.Slide) (string, error) {
	return globalID(typeSlide, r.Conf.ID, fmt.Sprint(obj.ID)), nil
}

// Speakers is the resolver for the speakers field.
func (r *slideResolver) Speakers(ctx context.Context, obj *conference.Slide) ([]*conference.Speaker, error) {
	return []*conference.Speaker{obj.Speaker}, nil
}

// ID is the resolver for the id field.
func (r *speakerResolver) ID(ctx context.Context, obj *conference.Speaker) (string, error) {
	return globalID(typeSpeaker, r.Conf.ID, obj.ID), nil
}

// IconURL is the resolver for the iconUrl field.
func (r *speakerResolver) IconURL(ctx context.Context, obj *conference.Speaker) (string, error) {
	if obj.IconURL != "" {
		return obj.IconURL, nil
	}
	return baseURL(ctx) + "/" + r.Conf.ID + "/avatars/" + obj.ID + ".svg", nil
}

// LikeAdded is the resolver for the likeAdded field.
func (r *subscriptionResolver) LikeAdded(ctx context.Context, sessionID int) (<-chan *like.Event, error) {
	if _, err := r.session(sessionID); err != nil {
		return nil, err
	}
	return r.Likes.Subscribe(ctx, like.Key{Edition: r.Conf.ID, SessionID: sessionID})
}

// Edition returns EditionResolver implementation.
func (r *Resolver) Edition() EditionResolver { return &editionResolver{r} }

// Exhibition returns ExhibitionResolver implementation.
func (r *Resolver) Exhibition() ExhibitionResolver { return &exhibitionResolver{r} }

// Like returns LikeResolver implementation.
func (r *Resolver) Like() LikeResolver { return &likeResolver{r} }

// Movie returns MovieResolver implementation.
func (r *Resolver) Movie() MovieResolver { return &movieResolver{r} }

// Mutation returns MutationResolver implementation.
func (r *Resolver) Mutation() MutationResolver { return &mutationResolver{r} }

// News returns NewsResolver implementation.
func (r *Resolver) News() NewsResolver { return &newsResolver{r} }

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

// Session returns SessionResolver implementation.
func (r *Resolver) Session() SessionResolver { return &sessionResolver{r} }

// Slide returns SlideResolver implementation.
func (r *Resolver) Slide() SlideResolver { return &slideResolver{r} }

// Speaker returns SpeakerResolver implementation.
func (r *Resolver) Speaker() SpeakerResolver { return &speakerResolver{r} }

// Subscription returns SubscriptionResolver implementation.
func (r *Resolver) Subscription() SubscriptionResolver { return &subscriptionResolver{r} }

type (
	editionResolver      struct{ *Resolver }
	exhibitionResolver   struct{ *Resolver }
	likeResolver         struct{ *Resolver }
	movieResolver        struct{ *Resolver }
	mutationResolver     struct{ *Resolver }
	newsResolver         struct{ *Resolver }
	queryResolver        struct{ *Resolver }
	sessionResolver      struct{ *Resolver }
	slideResolver        struct{ *Resolver }
	speakerResolver      struct{ *Resolver }
	subscriptionResolver struct{ *Resolver }
)

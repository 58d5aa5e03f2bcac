-- Every like is a row, kept for later analysis. like_id is a random UUID
-- fixed when the like is accepted, so a retried write cannot store it twice.
CREATE TABLE likes (
	like_id    TEXT    PRIMARY KEY,
	edition    TEXT    NOT NULL,
	session_id INTEGER NOT NULL,
	user_uuid  TEXT    NOT NULL,
	created_at INTEGER NOT NULL, -- Unix microseconds, as the accepting server saw it
	server_id  TEXT    NOT NULL
) WITHOUT ROWID;

CREATE INDEX likes_by_session ON likes (edition, session_id);

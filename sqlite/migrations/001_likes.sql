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

-- How many likes one batch holds per session, server and second, written in
-- the same transaction as the likes. seq is the commit order: SQLite has
-- one writer at a time, so a reader that has seen seq N has seen every
-- summary below N, and the observer reads "everything after N" exactly once.
CREATE TABLE like_summaries (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	batch_id   TEXT    NOT NULL,
	edition    TEXT    NOT NULL,
	session_id INTEGER NOT NULL,
	server_id  TEXT    NOT NULL,
	second     INTEGER NOT NULL, -- Unix seconds of the likes' created_at
	likes      INTEGER NOT NULL,
	UNIQUE (batch_id, edition, session_id, server_id, second)
);

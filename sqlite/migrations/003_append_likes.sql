-- Likes appended in the order they are stored: like_row is the rowid, so
-- each commit adds its rows at the end of the table, many to a page,
-- instead of one random place per like (the like id, a UUID, was the key).
-- Exactly once needs a look-up by like id only for the likes that another
-- request may carry again (ids derived from an idempotency key), and that
-- look-up has a table of its own, like_keys: 16 bytes of id and the row,
-- several times denser than a whole like. A like id is still stored in
-- every row, for analysis.
CREATE TABLE likes_append (
	like_row   INTEGER PRIMARY KEY,
	like_id    BLOB    NOT NULL, -- the UUID's 16 bytes, or the bytes of an id that is not a UUID
	edition    TEXT    NOT NULL,
	session_id INTEGER NOT NULL,
	user_uuid  TEXT    NOT NULL,
	created_at INTEGER NOT NULL, -- Unix microseconds, as the accepting server saw it
	server_id  TEXT    NOT NULL
);

INSERT INTO likes_append (like_id, edition, session_id, user_uuid, created_at, server_id)
	SELECT like_id, edition, session_id, user_uuid, created_at, server_id
	FROM likes ORDER BY created_at, like_id;

-- Every like stored before this migration gets a key, whatever its id:
-- which of them came with an idempotency key is not worth guessing.
CREATE TABLE like_keys (
	like_id  BLOB    PRIMARY KEY,
	like_row INTEGER NOT NULL -- the like's like_row in likes
) WITHOUT ROWID;

INSERT INTO like_keys (like_id, like_row) SELECT like_id, like_row FROM likes_append;

DROP TABLE likes;

ALTER TABLE likes_append RENAME TO likes

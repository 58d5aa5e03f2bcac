-- Cheaper storage per like: the like id as its 16 bytes instead of the
-- 36 characters of its text form, and no index by session (only
-- analysis reads likes by session, and it can afford a scan or build its
-- own index). Every like costs one insert into one B-tree.
CREATE TABLE likes_compact (
	like_id    BLOB    PRIMARY KEY, -- the UUID's 16 bytes, or the bytes of an id that is not a UUID
	edition    TEXT    NOT NULL,
	session_id INTEGER NOT NULL,
	user_uuid  TEXT    NOT NULL,
	created_at INTEGER NOT NULL, -- Unix microseconds, as the accepting server saw it
	server_id  TEXT    NOT NULL
) WITHOUT ROWID;

INSERT INTO likes_compact (like_id, edition, session_id, user_uuid, created_at, server_id)
	SELECT CASE WHEN length(like_id) = 36 THEN coalesce(unhex(replace(like_id, '-', '')), CAST(like_id AS BLOB)) ELSE CAST(like_id AS BLOB) END,
		edition, session_id, user_uuid, created_at, server_id
	FROM likes;

DROP TABLE likes;

ALTER TABLE likes_compact RENAME TO likes;

-- Summaries without AUTOINCREMENT and without a unique index: a commit then
-- writes no sqlite_sequence row and no index entry besides its rows. seq
-- still grows in commit order: SQLite gives a new row the largest seq plus
-- one, summaries are never deleted, and one writer commits at a time. The
-- unique index guarded against a batch written twice: the likes' own key
-- does that now (a like already stored is not counted again).
CREATE TABLE like_summaries_compact (
	seq        INTEGER PRIMARY KEY,
	batch_id   TEXT    NOT NULL,
	edition    TEXT    NOT NULL,
	session_id INTEGER NOT NULL,
	server_id  TEXT    NOT NULL,
	second     INTEGER NOT NULL, -- Unix seconds of the likes' created_at
	likes      INTEGER NOT NULL
);

INSERT INTO like_summaries_compact (seq, batch_id, edition, session_id, server_id, second, likes)
	SELECT seq, batch_id, edition, session_id, server_id, second, likes FROM like_summaries;

DROP TABLE like_summaries;

ALTER TABLE like_summaries_compact RENAME TO like_summaries

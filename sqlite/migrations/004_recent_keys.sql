-- New like keys are appended to like_keys_recent, a log in the order of
-- commits, and move to like_keys in bulk (LikeStore.AfterWrite). Keys are
-- random, so a commit that inserted its keys straight into like_keys
-- dirtied a page of it for nearly every key, and wrote each of those pages
-- to the WAL and again at the checkpoint: most of the CPU of storing a
-- keyed like, and of a durable commit. Appended, a commit's keys share a
-- page or two, and a move of tens of thousands of sorted keys dirties each
-- page of like_keys at most once. A key is new when it is in neither:
-- the writer keeps the log in memory, reading the rows added since its
-- last read (seq, never reused: AUTOINCREMENT), and looks like_keys up.
CREATE TABLE like_keys_recent (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	like_id  BLOB    NOT NULL,
	like_row INTEGER NOT NULL -- the like's like_row in likes
);

-- Every key, wherever it is now, for analyses that look a like up by id.
CREATE VIEW like_keys_all AS
	SELECT like_id, like_row FROM like_keys
	UNION ALL
	SELECT like_id, like_row FROM like_keys_recent

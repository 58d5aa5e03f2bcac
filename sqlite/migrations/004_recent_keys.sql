-- New keys go to like_keys_recent, a small table, and move to like_keys in
-- bulk (LikeStore.AfterWrite). Keys are random, so a commit that inserted
-- its keys straight into like_keys dirtied a page of it for nearly every
-- key, and wrote each of those pages to the WAL and again at the
-- checkpoint: most of the CPU of storing a keyed like. The recent table
-- spans a few hundred pages, so a commit's keys share them, and a move
-- of tens of thousands of sorted keys dirties each page of like_keys at
-- most once. A key is new when it is in neither table: both are looked up
-- in the transaction that inserts it.
CREATE TABLE like_keys_recent (
	like_id  BLOB    PRIMARY KEY,
	like_row INTEGER NOT NULL -- the like's like_row in likes
) WITHOUT ROWID;

-- Every key, wherever it is now, for analyses that look a like up by id.
CREATE VIEW like_keys_all AS
	SELECT like_id, like_row FROM like_keys
	UNION ALL
	SELECT like_id, like_row FROM like_keys_recent

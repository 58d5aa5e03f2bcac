-- The schema of the like store on Cloud Spanner. `techconf migrate` applies
-- every statement whose table or index does not exist yet.
--
-- No key starts with an ever-growing value: likes are keyed by a random
-- UUID, summaries by their batch's random UUID, and the index the observer
-- reads in commit order starts with a shard number derived from that UUID.

CREATE TABLE Likes (
  LikeId    STRING(36)  NOT NULL,
  Edition   STRING(32)  NOT NULL,
  SessionId INT64       NOT NULL,
  UserUuid  STRING(256) NOT NULL,
  CreatedAt TIMESTAMP   NOT NULL,
  ServerId  STRING(128) NOT NULL,
) PRIMARY KEY (LikeId);

CREATE TABLE LikeSummaries (
  BatchId     STRING(36)  NOT NULL,
  Edition     STRING(32)  NOT NULL,
  SessionId   INT64       NOT NULL,
  ServerId    STRING(128) NOT NULL,
  Second      INT64       NOT NULL,
  Likes       INT64       NOT NULL,
  Shard       INT64       NOT NULL,
  CommittedAt TIMESTAMP   NOT NULL OPTIONS (allow_commit_timestamp = true),
) PRIMARY KEY (BatchId, Edition, SessionId, ServerId, Second);

CREATE INDEX LikeSummariesByCommit ON LikeSummaries (Shard, CommittedAt) STORING (Likes);

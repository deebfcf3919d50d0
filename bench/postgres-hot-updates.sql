-- HOT updates of durable state rows, three layouts (docs/postgres.md, "Growth and cleanup").
-- Run: psql -h 127.0.0.1 -U postgres -d test -q -f bench/postgres-hot-updates.sql
-- Each of 2,000 changes to 200 ids is its own transaction, as the store makes them.
DROP SCHEMA IF EXISTS memento_hot CASCADE;
CREATE SCHEMA memento_hot;
-- current: the ordering in the (tag, ordering) index, fillfactor 100
CREATE TABLE memento_hot.current (persistence_id text COLLATE "C" PRIMARY KEY, revision bigint NOT NULL, payload bytea,
  tag text, updated_at timestamptz NOT NULL DEFAULT now(), ordering bigint);
CREATE INDEX ON memento_hot.current (tag, ordering) WHERE tag IS NOT NULL;
-- fillfactor: the same with free space left in each page
CREATE TABLE memento_hot.fillfactor (LIKE memento_hot.current INCLUDING ALL) WITH (fillfactor = 70);
-- changelog: the ordering moved to an append-only change log; the state row has only its primary key indexed
CREATE TABLE memento_hot.changelog (persistence_id text COLLATE "C" PRIMARY KEY, revision bigint NOT NULL, payload bytea,
  tag text, updated_at timestamptz NOT NULL DEFAULT now()) WITH (fillfactor = 70);
CREATE TABLE memento_hot.changes (ordering bigint PRIMARY KEY, persistence_id text COLLATE "C" NOT NULL, tag text);
CREATE SEQUENCE memento_hot.seq;
INSERT INTO memento_hot.current SELECT 'id-' || i, 1, decode(repeat('ab', 100), 'hex'), 'tag', now(), nextval('memento_hot.seq')
  FROM generate_series(1, 200) i;
INSERT INTO memento_hot.fillfactor SELECT * FROM memento_hot.current;
INSERT INTO memento_hot.changelog SELECT persistence_id, revision, payload, tag, updated_at FROM memento_hot.current;
SELECT format($$UPDATE memento_hot.current SET revision = revision + 1, ordering = nextval('memento_hot.seq'), updated_at = now() WHERE persistence_id = 'id-%1$s';
UPDATE memento_hot.fillfactor SET revision = revision + 1, ordering = nextval('memento_hot.seq'), updated_at = now() WHERE persistence_id = 'id-%1$s';
UPDATE memento_hot.changelog SET revision = revision + 1, updated_at = now() WHERE persistence_id = 'id-%1$s';
INSERT INTO memento_hot.changes SELECT nextval('memento_hot.seq'), persistence_id, tag FROM memento_hot.changelog WHERE persistence_id = 'id-%1$s'$$,
  1 + (n * 7919) % 200)
FROM generate_series(1, 2000) n \gexec
SELECT pg_stat_force_next_flush();
SELECT relname AS layout, n_tup_upd AS updates, n_tup_hot_upd AS hot FROM pg_stat_user_tables
  WHERE schemaname = 'memento_hot' AND relname <> 'changes' ORDER BY relname;
DROP SCHEMA memento_hot CASCADE;

-- HOT updates of durable state rows, by layout (docs/postgres.md, "Growth and cleanup").
-- Run: psql -h 127.0.0.1 -U postgres -d test -q -f bench/postgres-hot-updates.sql
-- Each of 2,000 changes to 200 ids is its own transaction, as the store makes them.
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS memento_hot CASCADE;
CREATE SCHEMA memento_hot;
CREATE SEQUENCE memento_hot.seq;
-- v8: the ordering in the state row, in the (tag, ordering) index, fillfactor 100
CREATE TABLE memento_hot.v8 (persistence_id text COLLATE "C" PRIMARY KEY, revision bigint NOT NULL, payload bytea,
  tag text, updated_at timestamptz NOT NULL DEFAULT now(), ordering bigint);
CREATE INDEX ON memento_hot.v8 (tag, ordering) WHERE tag IS NOT NULL;
-- v8_ff70: the same with free space left in each page
CREATE TABLE memento_hot.v8_ff70 (LIKE memento_hot.v8 INCLUDING ALL) WITH (fillfactor = 70);
-- v9: the ordering in a change table of one row per id (version 9 of the schema), fillfactor 100
CREATE TABLE memento_hot.v9 (persistence_id text COLLATE "C" PRIMARY KEY, revision bigint NOT NULL, payload bytea,
  tag text, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE memento_hot.v9_changes (persistence_id text COLLATE "C" PRIMARY KEY, tag text, ordering bigint NOT NULL);
CREATE INDEX ON memento_hot.v9_changes (tag, ordering) WHERE tag IS NOT NULL;
-- v9_ff70: the same with free space left in each state page
CREATE TABLE memento_hot.v9_ff70 (LIKE memento_hot.v9 INCLUDING ALL) WITH (fillfactor = 70);
CREATE TABLE memento_hot.v9_ff70_changes (LIKE memento_hot.v9_changes INCLUDING ALL);
INSERT INTO memento_hot.v8 SELECT 'id-' || i, 1, decode(repeat('ab', 100), 'hex'), 'tag', now(), nextval('memento_hot.seq')
  FROM generate_series(1, 200) i;
INSERT INTO memento_hot.v8_ff70 SELECT * FROM memento_hot.v8;
INSERT INTO memento_hot.v9 SELECT persistence_id, revision, payload, tag, updated_at FROM memento_hot.v8;
INSERT INTO memento_hot.v9_ff70 SELECT * FROM memento_hot.v9;
INSERT INTO memento_hot.v9_changes SELECT persistence_id, tag, ordering FROM memento_hot.v8;
INSERT INTO memento_hot.v9_ff70_changes SELECT * FROM memento_hot.v9_changes;
SELECT format($$UPDATE memento_hot.v8 SET revision = revision + 1, ordering = nextval('memento_hot.seq'), updated_at = now() WHERE persistence_id = 'id-%1$s';
UPDATE memento_hot.v8_ff70 SET revision = revision + 1, ordering = nextval('memento_hot.seq'), updated_at = now() WHERE persistence_id = 'id-%1$s';
WITH state AS (UPDATE memento_hot.v9 SET revision = revision + 1, updated_at = now() WHERE persistence_id = 'id-%1$s' RETURNING persistence_id, tag)
  INSERT INTO memento_hot.v9_changes AS c SELECT persistence_id, tag, nextval('memento_hot.seq') FROM state
  ON CONFLICT (persistence_id) DO UPDATE SET tag = excluded.tag, ordering = excluded.ordering;
WITH state AS (UPDATE memento_hot.v9_ff70 SET revision = revision + 1, updated_at = now() WHERE persistence_id = 'id-%1$s' RETURNING persistence_id, tag)
  INSERT INTO memento_hot.v9_ff70_changes AS c SELECT persistence_id, tag, nextval('memento_hot.seq') FROM state
  ON CONFLICT (persistence_id) DO UPDATE SET tag = excluded.tag, ordering = excluded.ordering$$,
  1 + (n * 7919) % 200)
FROM generate_series(1, 2000) n \gexec
SELECT pg_stat_force_next_flush();
SELECT relname AS "table", n_tup_upd AS updates, n_tup_hot_upd AS hot,
  pg_size_pretty(pg_table_size(relid)) AS heap, pg_size_pretty(pg_indexes_size(relid)) AS indexes
  FROM pg_stat_user_tables WHERE schemaname = 'memento_hot' ORDER BY relname;
DROP SCHEMA memento_hot CASCADE;

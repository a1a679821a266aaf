-- A copy of the newest dataset snapshot file (src/store/snapshot_file), byte for byte, so
-- that a server on a machine without the file (a new container, another server behind the
-- load balancer) reads this one copy and the change log since it instead of every row
-- (issue 16; src/store/pg/snapshot_copy.rs). A cache: deleting its rows is always safe,
-- and the next full load or start from a file stores it again.
--
-- Logged, not UNLOGGED: a hot standby cannot read an unlogged table, and servers on read
-- replicas start from this copy too. Stored without compression (STORAGE EXTERNAL): the
-- file is compact already, and pglz would cost every write and read CPU for little.
-- Backups may leave the parts out (`pg_dump --exclude-table-data=dataset_snapshot_copy_parts`,
-- docs/OPERATIONS.md): a restored database is another database, whose servers would not
-- use the copy anyway.

CREATE TABLE dataset_snapshot_copy (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- The file's format (snapshot_file::FORMAT) and the vetmap version that wrote it
    -- (whose search index it holds).
    format integer NOT NULL,
    vetmap_version text NOT NULL,
    -- The change log's sequence number the file includes, and the database it is of
    -- (store::pg::database_identity).
    change_seq bigint NOT NULL,
    database text NOT NULL,
    -- The file's CRC-32 (its bytes 12..16) and length: a server whose own file is this
    -- one does not fetch it again.
    checksum bigint NOT NULL,
    bytes bigint NOT NULL CHECK (bytes >= 0),
    parts integer NOT NULL CHECK (parts >= 0),
    stored_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dataset_snapshot_copy_parts (
    part integer PRIMARY KEY CHECK (part >= 0),
    bytes bytea NOT NULL
);
ALTER TABLE dataset_snapshot_copy_parts ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- The change log (issue 15): every committed change to a served table leaves a row with a
-- sequence number, written by triggers in the changing transaction whoever writes (the
-- write API, `vetmap import`, `vetmap synth`, a GIS user in QGIS, psql). Servers apply
-- the changes after the last sequence they hold to their snapshot, reading only the
-- changed rows, instead of reloading everything (src/store/pg/listen.rs).
--
-- Order: sequence numbers are taken while holding the lock on `dataset_version`'s one
-- row (each trigger updates it first, and a row lock is held to commit), so two
-- transactions that change served tables take their numbers one after the other and
-- commit in that order. A reader that sees sequence S committed therefore sees every
-- smaller one committed too (rolled-back transactions leave gaps, never late arrivals),
-- and "everything after my sequence" is never missing a row that commits later.
--
-- Size: one row per statement, not per changed row. A statement changing at most
-- `change_log_max_keys()` rows lists their keys; a bigger one (a bulk import, the 2M-row
-- COPY of `vetmap synth`, which also says so with `vetmap.bulk_load`) and TRUNCATE list
-- none (`keys IS NULL`): "this table changed wholesale", which a server answers with one
-- full reload.
--
-- Pruning: automatic, by the triggers. About every 1,000th sequence number, rows older
-- than seven days or more than 100,000 numbers behind the newest are deleted and
-- `dataset_version.pruned_through` remembers the highest deleted number; a server whose
-- sequence is below it cannot catch up from the log and reloads in full, once.

ALTER TABLE dataset_version
    -- The newest sequence number written to the log (0: none yet).
    ADD COLUMN change_seq bigint NOT NULL DEFAULT 0,
    -- Every log row up to this number has been deleted by pruning.
    ADD COLUMN pruned_through bigint NOT NULL DEFAULT 0;

CREATE SEQUENCE change_log_seq;

CREATE TABLE change_log (
    seq bigint PRIMARY KEY,
    table_name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('insert', 'update', 'delete', 'truncate')),
    -- The changed rows' keys as text (institutions: id; programmes: institution_id;
    -- admin_areas: scheme:code; commune_mapping: old>new; occupations: code;
    -- population_cells: id). NULL: the whole table (bulk change or TRUNCATE).
    keys text[],
    -- When the statement ran (the commit follows within the transaction).
    logged_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX change_log_logged_at_idx ON change_log (logged_at);

CREATE FUNCTION change_log_max_keys() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 10000';

CREATE FUNCTION prune_change_log() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    through bigint;
BEGIN
    SELECT max(seq) INTO through FROM change_log
    WHERE logged_at < now() - interval '7 days'
       OR seq <= (SELECT change_seq FROM dataset_version) - 100000;
    IF through IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM change_log WHERE seq <= through;
    UPDATE dataset_version SET pruned_through = greatest(pruned_through, through);
    RETURN through;
END
$$;

-- One function for every served table and event. TG_ARGV[0] is the expression naming a
-- row's key; the transition tables are `new_rows` and `old_rows`.
CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text[];
    n bigint := 0;
    s bigint;
    key_expr text := TG_ARGV[0];
BEGIN
    IF TG_OP <> 'TRUNCATE' AND current_setting('vetmap.bulk_load', true) IS DISTINCT FROM 'on' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT count(*) INTO n FROM new_rows;
        ELSE
            SELECT count(*) INTO n FROM old_rows;
        END IF;
        IF n = 0 THEN
            -- A statement that changed nothing (an UPDATE matching no row) moves nothing.
            RETURN NULL;
        END IF;
        IF n <= change_log_max_keys() THEN
            IF TG_OP = 'INSERT' THEN
                EXECUTE format('SELECT array_agg(DISTINCT (%s)::text) FROM new_rows', key_expr)
                    INTO changed;
            ELSIF TG_OP = 'DELETE' THEN
                EXECUTE format('SELECT array_agg(DISTINCT (%s)::text) FROM old_rows', key_expr)
                    INTO changed;
            ELSE
                -- A key may itself change: both the old and the new one changed.
                EXECUTE format('SELECT array_agg(DISTINCT k) FROM (SELECT (%1$s)::text AS k FROM old_rows
                                UNION ALL SELECT (%1$s)::text FROM new_rows) t', key_expr)
                    INTO changed;
            END IF;
        END IF;
    END IF;
    -- The lock first, then the number (see the top of this file).
    UPDATE dataset_version SET version = version + 1, changed_at = now();
    s := nextval('change_log_seq');
    UPDATE dataset_version SET change_seq = s;
    INSERT INTO change_log (seq, table_name, kind, keys)
    VALUES (s, TG_TABLE_NAME, lower(TG_OP), changed);
    PERFORM pg_notify('vetmap_data_changed', s::text);
    IF s % 1000 = 0 THEN
        PERFORM prune_change_log();
    END IF;
    RETURN NULL;
END
$$;

-- The statement triggers that only bumped the version are replaced by the log's, which
-- bump it too (and notify with the sequence number instead of the table's name).
DROP TRIGGER occupations_changed ON occupations;
DROP TRIGGER admin_areas_changed ON admin_areas;
DROP TRIGGER commune_mapping_changed ON commune_mapping;
DROP TRIGGER institutions_changed ON institutions;
DROP TRIGGER programmes_changed ON programmes;
DROP TRIGGER population_cells_changed ON population_cells;

-- Transition tables need one trigger per event.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('occupations', 'code'),
        ('admin_areas', 'scheme || '':'' || code'),
        ('commune_mapping', 'old_code || ''>'' || new_code'),
        ('institutions', 'id'),
        ('programmes', 'institution_id'),
        ('population_cells', 'id')) AS v(name, key_expr)
    LOOP
        EXECUTE format('CREATE TRIGGER %1$s_log_insert AFTER INSERT ON %1$I
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION log_change(%2$L)', t.name, t.key_expr);
        EXECUTE format('CREATE TRIGGER %1$s_log_update AFTER UPDATE ON %1$I
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION log_change(%2$L)', t.name, t.key_expr);
        EXECUTE format('CREATE TRIGGER %1$s_log_delete AFTER DELETE ON %1$I
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION log_change(%2$L)', t.name, t.key_expr);
        EXECUTE format('CREATE TRIGGER %1$s_log_truncate AFTER TRUNCATE ON %1$I
            FOR EACH STATEMENT EXECUTE FUNCTION log_change(%2$L)', t.name, t.key_expr);
    END LOOP;
END
$$;

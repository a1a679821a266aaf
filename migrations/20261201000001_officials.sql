-- Officials keep the map current (issue 14): accounts with roles and scopes, sessions,
-- personal API tokens, institution versions for optimistic concurrency, retirement,
-- the Plan's figures reported per period, and an audit log nobody can rewrite.

-- Who may sign in. Accounts are disabled, never deleted: the audit log names them.
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login text NOT NULL CHECK (login ~ '^[a-z0-9][a-z0-9._@-]{2,63}$'),
    display_name text NOT NULL CHECK (display_name <> '' AND length(display_name) <= 200),
    role text NOT NULL CHECK (role IN ('admin', 'province', 'district', 'institution')),
    -- Argon2id in the PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);
CREATE UNIQUE INDEX accounts_login_key ON accounts (login);

-- The areas a district account edits (a unit of either coding).
CREATE TABLE account_areas (
    account_id bigint NOT NULL REFERENCES accounts (id),
    scheme text NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (account_id, scheme, code),
    CONSTRAINT account_areas_area_fkey FOREIGN KEY (scheme, code) REFERENCES admin_areas (scheme, code)
);

-- The institutions an institution account edits.
CREATE TABLE account_institutions (
    account_id bigint NOT NULL REFERENCES accounts (id),
    institution_id text NOT NULL REFERENCES institutions (id),
    PRIMARY KEY (account_id, institution_id)
);

-- Signed-in browsers. The cookie carries a random token; only its SHA-256 is stored, so
-- a copy of this table signs nobody in.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id bigint NOT NULL REFERENCES accounts (id),
    csrf_token text NOT NULL CHECK (length(csrf_token) >= 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

-- Personal API tokens for scripts: shown once, stored as SHA-256 (they are 256 random
-- bits, so a fast hash is enough), with expiry and revocation.
CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    name text NOT NULL CHECK (name <> '' AND length(name) <= 100),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_account_idx ON api_tokens (account_id);

-- Every institution has a version: reads give it as an ETag, an update must name it
-- (If-Match). Any change to the row, whoever makes it (the API, an import, QGIS), moves
-- it on; a write that changes nothing leaves it.
ALTER TABLE institutions
    ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN retired_at timestamptz,
    ADD COLUMN retired_reason text,
    ADD CONSTRAINT institutions_retired_reason_check
        CHECK ((retired_at IS NULL) = (retired_reason IS NULL) AND retired_reason <> '');

CREATE FUNCTION institutions_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- An explicit move forward (the programmes trigger below) is kept; anything else
    -- is decided here, so no writer can set the version back or forget to move it.
    IF NEW.version > OLD.version THEN
        NEW.version := OLD.version + 1;
        RETURN NEW;
    END IF;
    NEW.version := OLD.version;
    IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER institutions_next_version BEFORE UPDATE ON institutions
    FOR EACH ROW EXECUTE FUNCTION institutions_next_version();

-- Programmes belong to their institution's version: a statement that changes them moves
-- the version of every institution it touched. `vetmap synth` copies millions of new
-- rows (all at version 1) and says so with `vetmap.bulk_load`, which skips this.
CREATE FUNCTION programmes_touch_institutions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('vetmap.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE institutions SET version = version + 1
        WHERE id IN (SELECT DISTINCT institution_id FROM changed_rows);
    ELSE
        UPDATE institutions SET version = version + 1
        WHERE id IN (SELECT DISTINCT institution_id FROM removed_rows);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER programmes_inserted_touch AFTER INSERT ON programmes
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION programmes_touch_institutions();
CREATE TRIGGER programmes_updated_touch AFTER UPDATE ON programmes
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION programmes_touch_institutions();
CREATE TRIGGER programmes_deleted_touch AFTER DELETE ON programmes
    REFERENCING OLD TABLE AS removed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION programmes_touch_institutions();

-- The Plan's figures as an institution reports them for a period (a year), and whether
-- the province has reviewed them. A new report for the same period replaces the old one
-- (the audit log keeps both) and clears the review.
CREATE TABLE institution_reports (
    institution_id text NOT NULL REFERENCES institutions (id),
    period integer NOT NULL CHECK (period BETWEEN 2000 AND 2100),
    digital_infrastructure boolean,
    connected_national_platform boolean,
    digitised_learning_records boolean,
    digitised_diplomas boolean,
    teachers_digital_trained_pct double precision
        CHECK (teachers_digital_trained_pct BETWEEN 0 AND 100),
    high_quality_school boolean,
    digital_school boolean,
    source text NOT NULL CHECK (source <> ''),
    reported_by bigint NOT NULL REFERENCES accounts (id),
    reported_at timestamptz NOT NULL,
    reviewed_by bigint REFERENCES accounts (id),
    reviewed_at timestamptz,
    PRIMARY KEY (institution_id, period),
    CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL))
);

-- Who changed what, when, through which request. Rows are only ever added: the
-- triggers below refuse UPDATE, DELETE and TRUNCATE from anyone, so the history cannot
-- be rewritten by the application or by a person at the SQL prompt.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- NULL for writes that came from outside the API (an import, plain SQL).
    account_id bigint REFERENCES accounts (id),
    -- The account's login when it acted, or what else acted ("import", the SQL role).
    actor text NOT NULL CHECK (actor <> ''),
    request_id text,
    action text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    -- No foreign key: history outlives what it describes.
    institution_id text,
    -- What else the change is about (an account's login, a report's period...).
    subject text,
    -- Per field: {"field": {"before": ..., "after": ...}}; never holder data.
    changes jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_institution_idx ON audit_log (institution_id, id) WHERE institution_id IS NOT NULL;
CREATE INDEX audit_log_account_idx ON audit_log (account_id, id) WHERE account_id IS NOT NULL;
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);

CREATE FUNCTION audit_log_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege', TABLE = 'audit_log';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_rewrite();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_rewrite();

-- Changes to institutions that do not come through the API (which records its own,
-- richer entries and says so with `vetmap.audited`) are recorded here: an import, or a
-- GIS user editing the table in QGIS. The diff is per column, before and after.
CREATE FUNCTION institutions_audit_outside_api() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
    after jsonb;
    diff jsonb := '{}'::jsonb;
    k text;
BEGIN
    IF current_setting('vetmap.audited', true) = 'on'
       OR current_setting('vetmap.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        before := '{}'::jsonb;
        after := to_jsonb(NEW) - 'geom' - 'pre2025_scheme' - 'y2025_scheme' - 'version';
        after := after || jsonb_build_object('lon', ST_X(NEW.geom), 'lat', ST_Y(NEW.geom));
    ELSE
        before := to_jsonb(OLD) - 'geom' - 'pre2025_scheme' - 'y2025_scheme' - 'version'
            || jsonb_build_object('lon', ST_X(OLD.geom), 'lat', ST_Y(OLD.geom));
        after := to_jsonb(NEW) - 'geom' - 'pre2025_scheme' - 'y2025_scheme' - 'version'
            || jsonb_build_object('lon', ST_X(NEW.geom), 'lat', ST_Y(NEW.geom));
    END IF;
    FOR k IN SELECT jsonb_object_keys(before || after) LOOP
        IF (before -> k) IS DISTINCT FROM (after -> k) THEN
            diff := diff || jsonb_build_object(k, jsonb_build_object(
                'before', COALESCE(before -> k, 'null'::jsonb),
                'after', COALESCE(after -> k, 'null'::jsonb)));
        END IF;
    END LOOP;
    IF diff = '{}'::jsonb THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (actor, action, institution_id, changes)
    VALUES (COALESCE(NULLIF(current_setting('vetmap.actor', true), ''),
                     'sql:' || current_user),
            CASE WHEN TG_OP = 'INSERT' THEN 'institution.create' ELSE 'institution.update' END,
            NEW.id, diff);
    RETURN NULL;
END
$$;
CREATE TRIGGER institutions_audit_outside_api AFTER INSERT OR UPDATE ON institutions
    FOR EACH ROW EXECUTE FUNCTION institutions_audit_outside_api();

-- Accounts, reports and the audit log change what officials see, not the map: they do
-- not bump the data version.

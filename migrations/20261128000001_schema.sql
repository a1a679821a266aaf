-- vetmap's system of record. Coordinates are WGS84 (SRID 4326), longitude first.
-- Constraints repeat the model's validation so that data written by other tools
-- (QGIS, psql) cannot be impossible either.

CREATE EXTENSION IF NOT EXISTS postgis;

-- One row: the data version. Every change to served tables bumps it and notifies
-- listening servers, which reload their serving index (see src/store/listen.rs).
CREATE TABLE dataset_version (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO dataset_version (version) VALUES (1);

CREATE FUNCTION bump_dataset_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dataset_version SET version = version + 1, changed_at = now();
    PERFORM pg_notify('vetmap_data_changed', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TABLE occupations (
    code text PRIMARY KEY CHECK (code ~ '^[0-9]{7}$'),
    name_vi text NOT NULL CHECK (name_vi <> ''),
    name_en text
);

CREATE TABLE admin_areas (
    scheme text NOT NULL CHECK (scheme IN ('pre2025', '2025')),
    code text NOT NULL,
    name text NOT NULL CHECK (name <> ''),
    level text NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    parent_code text,
    valid_from date,
    valid_to date,
    geometry_source text,
    geom geometry(MultiPolygon, 4326) CHECK (geom IS NULL OR ST_IsValid(geom)),
    PRIMARY KEY (scheme, code),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_from < valid_to),
    CHECK (NOT (scheme = '2025' AND level = 'district')),
    CHECK ((level = 'province' AND code ~ '^[0-9]{2}$')
        OR (level = 'district' AND code ~ '^[0-9]{3}$')
        OR (level = 'commune' AND code ~ '^[0-9]{5}$')),
    CHECK (level = 'province' OR parent_code IS NOT NULL)
);
CREATE INDEX admin_areas_geom_idx ON admin_areas USING gist (geom);

CREATE TABLE commune_mapping (
    old_code text NOT NULL,
    old_name text NOT NULL,
    new_code text NOT NULL,
    new_name text NOT NULL,
    old_scheme text NOT NULL DEFAULT 'pre2025' CHECK (old_scheme = 'pre2025'),
    new_scheme text NOT NULL DEFAULT '2025' CHECK (new_scheme = '2025'),
    PRIMARY KEY (old_code, new_code),
    CONSTRAINT commune_mapping_old_code_fkey FOREIGN KEY (old_scheme, old_code) REFERENCES admin_areas (scheme, code),
    CONSTRAINT commune_mapping_new_code_fkey FOREIGN KEY (new_scheme, new_code) REFERENCES admin_areas (scheme, code)
);

CREATE TABLE institutions (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) BETWEEN 2 AND 80),
    code text,
    name_vi text NOT NULL CHECK (name_vi <> ''),
    name_en text,
    kind text NOT NULL CHECK (kind IN ('university', 'college', 'intermediate_school',
        'gdnn_gdtx_centre', 'vocational_training_centre', 'enterprise_training_unit', 'other')),
    ownership text NOT NULL CHECK (ownership IN ('public', 'private', 'foreign_invested')),
    geom geometry(Point, 4326) NOT NULL
        CHECK (ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90),
    position_accuracy text NOT NULL
        CHECK (position_accuracy IN ('surveyed', 'address', 'town', 'approximate')),
    address text,
    province_pre2025 text,
    district_pre2025 text,
    commune_pre2025 text,
    province_2025 text,
    commune_2025 text,
    -- Constant columns so the codes can reference (scheme, code) keys.
    pre2025_scheme text NOT NULL DEFAULT 'pre2025' CHECK (pre2025_scheme = 'pre2025'),
    y2025_scheme text NOT NULL DEFAULT '2025' CHECK (y2025_scheme = '2025'),
    phone text,
    email text CHECK (email IS NULL OR email LIKE '%@%'),
    website text CHECK (website IS NULL OR website ~ '^https?://'),
    digital_infrastructure boolean,
    connected_national_platform boolean,
    digitised_learning_records boolean,
    digitised_diplomas boolean,
    teachers_digital_trained_pct double precision
        CHECK (teachers_digital_trained_pct BETWEEN 0 AND 100),
    high_quality_school boolean,
    digital_school boolean,
    readiness_source text,
    source text NOT NULL CHECK (source <> ''),
    updated_at timestamptz NOT NULL,
    CONSTRAINT institutions_province_pre2025_fkey FOREIGN KEY (pre2025_scheme, province_pre2025) REFERENCES admin_areas (scheme, code),
    CONSTRAINT institutions_district_pre2025_fkey FOREIGN KEY (pre2025_scheme, district_pre2025) REFERENCES admin_areas (scheme, code),
    CONSTRAINT institutions_commune_pre2025_fkey FOREIGN KEY (pre2025_scheme, commune_pre2025) REFERENCES admin_areas (scheme, code),
    CONSTRAINT institutions_province_2025_fkey FOREIGN KEY (y2025_scheme, province_2025) REFERENCES admin_areas (scheme, code),
    CONSTRAINT institutions_commune_2025_fkey FOREIGN KEY (y2025_scheme, commune_2025) REFERENCES admin_areas (scheme, code)
);
CREATE INDEX institutions_geom_idx ON institutions USING gist (geom);

CREATE TABLE programmes (
    institution_id text NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    -- Keeps the order the institution lists its programmes in, for lossless export.
    ordinal integer NOT NULL CHECK (ordinal >= 0),
    occupation_code text NOT NULL REFERENCES occupations (code),
    occupation_name text NOT NULL CHECK (occupation_name <> ''),
    level text NOT NULL CHECK (level IN ('college', 'intermediate', 'elementary', 'short_course')),
    annual_quota integer CHECK (annual_quota >= 0),
    PRIMARY KEY (institution_id, ordinal),
    CHECK ((level = 'college' AND occupation_code LIKE '6%')
        OR (level = 'intermediate' AND occupation_code LIKE '5%')
        OR level IN ('elementary', 'short_course'))
);
CREATE INDEX programmes_occupation_idx ON programmes (occupation_code);

-- Personal data: never part of the serving index, map layers or bulk exports.
CREATE TABLE credentials (
    institution_id text NOT NULL REFERENCES institutions (id),
    kind text NOT NULL
        CHECK (kind IN ('college_diploma', 'intermediate_diploma', 'elementary_certificate')),
    serial text NOT NULL CHECK (serial ~ '^[[:alnum:] /-]{3,32}$'),
    register_no text NOT NULL CHECK (register_no <> ''),
    holder_name text NOT NULL CHECK (holder_name <> ''),
    holder_birth_date date NOT NULL,
    occupation_code text NOT NULL REFERENCES occupations (code),
    occupation_name text NOT NULL,
    graduation_year integer NOT NULL CHECK (graduation_year BETWEEN 1950 AND 2100),
    issue_date date NOT NULL CHECK (issue_date > holder_birth_date),
    revoked_on date,
    revocation_reason text,
    PRIMARY KEY (institution_id, kind, serial),
    CHECK ((revoked_on IS NULL) = (revocation_reason IS NULL))
);
-- A verification is one indexed read by serial.
CREATE INDEX credentials_serial_idx ON credentials (serial);

CREATE TRIGGER occupations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON occupations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_dataset_version();
CREATE TRIGGER admin_areas_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON admin_areas
    FOR EACH STATEMENT EXECUTE FUNCTION bump_dataset_version();
CREATE TRIGGER commune_mapping_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON commune_mapping
    FOR EACH STATEMENT EXECUTE FUNCTION bump_dataset_version();
CREATE TRIGGER institutions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON institutions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_dataset_version();
CREATE TRIGGER programmes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON programmes
    FOR EACH STATEMENT EXECUTE FUNCTION bump_dataset_version();

-- The Plan's whole scorecard (issue 18): demonstration credentials marked, the figures
-- the province reports itself, and indicator snapshots per reporting period.

-- A demonstration record (the bundled fictitious diplomas) is one whose serial starts
-- with the reserved prefix "DEMO-" (src/credentials/demonstration.rs holds the same rule;
-- a test checks they agree). Stored, so SQL users see it and the indicators can skip
-- such records through the partial index below. Adding it rewrites the table once.
ALTER TABLE credentials
    ADD COLUMN demonstration boolean GENERATED ALWAYS AS (starts_with(serial, 'DEMO-')) STORED;
-- Few rows: which institutions hold demonstration records is one small index read.
CREATE INDEX credentials_demonstration_idx ON credentials (institution_id) WHERE demonstration;

-- One figure for the whole province per indicator and period, reported by the education
-- department where the data belongs to the province (public services, inspections,
-- reports to the Government, the national platform) or is not in institutions' reports.
-- The indicator ids are those of src/indicators/definitions/list.rs reported by the
-- province; a new one needs a migration, so a misspelt id cannot be stored.
CREATE TABLE province_indicator_reports (
    indicator text NOT NULL CHECK (indicator IN (
        'teachers_digital_materials', 'learning_outcomes_digital', 'ict_programmes_updated',
        'national_platform_formed', 'online_public_services_level4', 'inspections_digital',
        'reports_digital')),
    period integer NOT NULL CHECK (period BETWEEN 2000 AND 2100),
    value_pct double precision NOT NULL CHECK (value_pct BETWEEN 0 AND 100),
    -- The counts behind the share, when the department gives them (both or neither).
    numerator double precision CHECK (numerator >= 0),
    denominator double precision CHECK (denominator > 0),
    -- Evidence: a link to the document, its reference (số hiệu, date), or both.
    evidence_url text CHECK (evidence_url ~ '^https?://[^[:space:]]+$' AND length(evidence_url) <= 1000),
    evidence_ref text CHECK (evidence_ref <> '' AND length(evidence_ref) <= 300),
    note text CHECK (note <> '' AND length(note) <= 1000),
    reported_by bigint NOT NULL REFERENCES accounts (id),
    reported_at timestamptz NOT NULL,
    reviewed_by bigint REFERENCES accounts (id),
    reviewed_at timestamptz,
    PRIMARY KEY (indicator, period),
    CHECK ((numerator IS NULL) = (denominator IS NULL)),
    CHECK (numerator IS NULL OR numerator <= denominator),
    CHECK (numerator IS NULL OR abs(value_pct - 100 * numerator / denominator) < 0.05),
    CHECK (evidence_url IS NOT NULL OR evidence_ref IS NOT NULL),
    CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL)),
    -- Four eyes: whoever reported a figure does not also approve it.
    CHECK (reviewed_by IS DISTINCT FROM reported_by)
);

-- Snapshots of a reporting period (the indicators from that year's reports, one per
-- period: taking another replaces it) beside the dated snapshots of the current data
-- (one per day). Each row keeps the range its unknowns leave open.
ALTER TABLE indicator_snapshots
    ADD COLUMN period integer CHECK (period BETWEEN 2000 AND 2100),
    ADD COLUMN lower_bound_pct double precision,
    ADD COLUMN upper_bound_pct double precision,
    DROP CONSTRAINT indicator_snapshots_pkey;
CREATE UNIQUE INDEX indicator_snapshots_dated_key
    ON indicator_snapshots (taken_on, indicator) WHERE period IS NULL;
CREATE UNIQUE INDEX indicator_snapshots_period_key
    ON indicator_snapshots (period, indicator) WHERE period IS NOT NULL;

-- Coverage and indicators (issue 9): the optional population layer and dated snapshots
-- of the Plan's indicators.

-- People counted at points (or grid cells reduced to their centroid). Imported as a
-- whole layer: an import replaces every row, inside the import's transaction.
CREATE TABLE population_cells (
    id bigserial PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL
        CHECK (ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90),
    population double precision NOT NULL CHECK (population >= 0),
    source text NOT NULL CHECK (source <> '')
);
CREATE INDEX population_cells_geom_idx ON population_cells USING gist (geom);
-- A new layer changes coverage results: bump the data version like any served table.
CREATE TRIGGER population_cells_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON population_cells FOR EACH STATEMENT EXECUTE FUNCTION bump_dataset_version();

-- The province-wide value of each indicator on a date (one snapshot per day; taking
-- another the same day replaces it).
CREATE TABLE indicator_snapshots (
    taken_on date NOT NULL,
    indicator text NOT NULL CHECK (indicator <> ''),
    in_scope integer NOT NULL CHECK (in_scope >= 0),
    unknown integer NOT NULL CHECK (unknown >= 0),
    numerator double precision NOT NULL,
    denominator double precision NOT NULL,
    value_pct double precision,
    data_version text NOT NULL,
    taken_at timestamptz NOT NULL,
    PRIMARY KEY (taken_on, indicator)
);

-- One institutions tile at a point zoom, the way a PostGIS tile server (Martin's
-- function sources, pg_tileserv) makes it: ST_AsMVTGeom + ST_AsMVT, same properties as
-- ours. pgbench script: -D z=.. -D xmin=.. -D xmax=.. -D ymin=.. -D ymax=..
\set x random(:xmin, :xmax)
\set y random(:ymin, :ymax)
WITH b AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS env,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096), 4326) AS env4326
), t AS (
    SELECT ST_AsMVTGeom(ST_Transform(i.geom, 3857), b.env, 4096, 64, true) AS geom,
           false AS cluster, i.id, i.name_vi, i.name_en, i.kind, i.ownership, i.position_accuracy,
           (SELECT count(*) FROM programmes p WHERE p.institution_id = i.id) AS programme_count,
           (SELECT string_agg(DISTINCT p.level, ',') FROM programmes p WHERE p.institution_id = i.id) AS levels
    FROM institutions i, b
    WHERE i.geom && b.env4326
)
SELECT length(ST_AsMVT(t.*, 'institutions', 4096, 'geom')) FROM t;

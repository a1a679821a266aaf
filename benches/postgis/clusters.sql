-- One institutions tile at a cluster zoom, computed per request in SQL: the same grid
-- (16 x 16 cells per tile) and properties as ours (count, count by kind, mean
-- position). pgbench script: -D z=.. -D xmin=.. -D xmax=.. -D ymin=.. -D ymax=..
\set x random(:xmin, :xmax)
\set y random(:ymin, :ymax)
WITH b AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS env,
           ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS env4326,
           40075016.685578488 / (2 ^ (:z + 4)) AS cell
), p AS (
    SELECT ST_Transform(i.geom, 3857) AS g, i.kind FROM institutions i, b WHERE i.geom && b.env4326
), c AS (
    SELECT floor(ST_X(g) / b.cell) AS cx, floor(ST_Y(g) / b.cell) AS cy,
           count(*) AS point_count, avg(ST_X(g)) AS mx, avg(ST_Y(g)) AS my,
           count(*) FILTER (WHERE kind = 'university') AS count_university,
           count(*) FILTER (WHERE kind = 'college') AS count_college,
           count(*) FILTER (WHERE kind = 'intermediate_school') AS count_intermediate_school,
           count(*) FILTER (WHERE kind = 'gdnn_gdtx_centre') AS count_gdnn_gdtx_centre,
           count(*) FILTER (WHERE kind = 'vocational_training_centre') AS count_vocational_training_centre,
           count(*) FILTER (WHERE kind = 'enterprise_training_unit') AS count_enterprise_training_unit,
           count(*) FILTER (WHERE kind = 'other') AS count_other
    FROM p, b GROUP BY 1, 2
), t AS (
    SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(mx, my), 3857), b.env, 4096, 64, true) AS geom,
           true AS cluster, point_count, count_university, count_college, count_intermediate_school,
           count_gdnn_gdtx_centre, count_vocational_training_centre, count_enterprise_training_unit, count_other
    FROM c, b
)
SELECT length(ST_AsMVT(t.*, 'institutions', 4096, 'geom')) FROM t;

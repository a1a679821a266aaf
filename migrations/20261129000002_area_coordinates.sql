-- Area outlines, like institution points, must lie on the WGS84 globe: the model checks
-- this on import, and the database now refuses such shapes from any other writer too.
ALTER TABLE admin_areas ADD CONSTRAINT admin_areas_geometry_check CHECK (
    geom IS NULL OR (ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180
        AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90));

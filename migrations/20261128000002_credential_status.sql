-- Every credential owns one bit in the revocation status lists (W3C Bitstring Status
-- List): list = status_index / 131072, bit = status_index % 131072. The index is
-- assigned once and never reused, so a published statement keeps pointing at its bit.
ALTER TABLE credentials
    ADD COLUMN status_index bigint GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START WITH 0);
-- Statement tokens name a record by its status index.
CREATE UNIQUE INDEX credentials_status_index_idx ON credentials (status_index);
-- Building a status list reads only the revoked rows.
CREATE INDEX credentials_revoked_idx ON credentials (status_index) WHERE revoked_on IS NOT NULL;

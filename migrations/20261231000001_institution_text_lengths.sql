-- The serving index keeps an institution's own text (code, names, address, contacts) in one
-- block with 16-bit field ends, and the API refuses a field longer than 4,000 bytes
-- (model::MAX_TEXT_BYTES). A longer value written outside the API, at the SQL prompt, would
-- stop the next load from the rows, so the database refuses it as the API does.
ALTER TABLE institutions ADD CONSTRAINT institutions_text_at_most_4000_bytes CHECK (
    octet_length(name_vi) <= 4000
    AND coalesce(octet_length(code), 0) <= 4000
    AND coalesce(octet_length(name_en), 0) <= 4000
    AND coalesce(octet_length(address), 0) <= 4000
    AND coalesce(octet_length(phone), 0) <= 4000
    AND coalesce(octet_length(email), 0) <= 4000
    AND coalesce(octet_length(website), 0) <= 4000
);

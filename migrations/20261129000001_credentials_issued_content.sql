-- A credential, once issued, is a fact: re-importing its serial may revoke it (or undo a
-- mistaken revocation) but may not change whose it is or what it certifies. Without this
-- a batch could silently replace a holder's name and date of birth. The check lives in
-- the database so that every writer (import, upload, psql, QGIS) is held to it.
-- The error names the changed column (for the import's line-and-field report) and never
-- its values, which are personal data.
-- Imports store text NFC from now on; records stored before may be decomposed, and a
-- re-import of the same file must not count as a change. Normalise them first.
UPDATE credentials SET
    holder_name = normalize(holder_name, NFC),
    occupation_name = normalize(occupation_name, NFC),
    register_no = normalize(register_no, NFC)
WHERE holder_name IS NOT NFC NORMALIZED
   OR occupation_name IS NOT NFC NORMALIZED
   OR register_no IS NOT NFC NORMALIZED;

CREATE FUNCTION credentials_keep_issued_content() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text;
BEGIN
    changed := CASE
        WHEN NEW.institution_id IS DISTINCT FROM OLD.institution_id THEN 'institution_id'
        WHEN NEW.kind IS DISTINCT FROM OLD.kind THEN 'kind'
        WHEN NEW.serial IS DISTINCT FROM OLD.serial THEN 'serial'
        WHEN NEW.register_no IS DISTINCT FROM OLD.register_no THEN 'register_no'
        WHEN NEW.holder_name IS DISTINCT FROM OLD.holder_name THEN 'holder_name'
        WHEN NEW.holder_birth_date IS DISTINCT FROM OLD.holder_birth_date THEN 'holder_birth_date'
        WHEN NEW.occupation_code IS DISTINCT FROM OLD.occupation_code THEN 'occupation_code'
        WHEN NEW.occupation_name IS DISTINCT FROM OLD.occupation_name THEN 'occupation_name'
        WHEN NEW.graduation_year IS DISTINCT FROM OLD.graduation_year THEN 'graduation_year'
        WHEN NEW.issue_date IS DISTINCT FROM OLD.issue_date THEN 'issue_date'
    END;
    IF changed IS NOT NULL THEN
        RAISE EXCEPTION 'this serial was already issued by the institution with a different %; an issued credential can only be revoked, not changed', changed
            USING ERRCODE = 'integrity_constraint_violation', COLUMN = changed,
                  TABLE = 'credentials';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER credentials_keep_issued_content
    BEFORE UPDATE ON credentials
    FOR EACH ROW EXECUTE FUNCTION credentials_keep_issued_content();

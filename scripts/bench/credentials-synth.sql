-- 5,000,000 synthetic credentials (fictitious, labelled SYN-) spread over the imported
-- institutions, for the verification benchmark. Serial SYN-00000001..; the holder of
-- serial g was born on 2000-01-(1 + g % 28); one record in 1,000 is revoked.
INSERT INTO credentials (institution_id, kind, serial, register_no, holder_name,
    holder_birth_date, occupation_code, occupation_name, graduation_year, issue_date,
    revoked_on, revocation_reason)
SELECT ids[1 + g % array_length(ids, 1)],
       CASE WHEN g % 2 = 0 THEN 'college_diploma' ELSE 'intermediate_diploma' END,
       'SYN-' || lpad(g::text, 8, '0'),
       'SYN/' || g,
       'Người Tổng Hợp ' || g,
       DATE '2000-01-01' + (g % 28),
       CASE WHEN g % 2 = 0 THEN '6480201' ELSE '5520123' END,
       CASE WHEN g % 2 = 0 THEN 'Công nghệ thông tin' ELSE 'Hàn' END,
       2020 + g % 5,
       make_date(2020 + g % 5, 7, 15),
       CASE WHEN g % 1000 = 0 THEN DATE '2025-06-01' END,
       CASE WHEN g % 1000 = 0 THEN 'synthetic revocation' END
FROM generate_series(1, :count) AS g,
     (SELECT array_agg(id ORDER BY id) AS ids FROM institutions) AS i;
ANALYZE credentials;

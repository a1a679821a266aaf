//! Demonstration records: credentials that exist to show and test the service (the
//! bundled file's fictitious diplomas), never real ones. Every answer about one says so:
//! the check (`"demonstration": true`), the signed statement (a claim of its subject) and
//! the check page.
//!
//! A record is a demonstration when its serial starts with `DEMO-`; the prefix is
//! reserved for them (no Vietnamese credential serial takes that form). PostGIS stores the
//! same rule as the generated column `credentials.demonstration` (migration
//! 20261215000001), so that SQL users and the indicators see it too; a test on PostGIS
//! checks that the two agree.

use crate::model::Credential;

/// The serial prefix reserved for demonstration records (serials are stored upper-case).
pub const SERIAL_PREFIX: &str = "DEMO-";

pub fn is_demonstration(c: &Credential) -> bool {
    c.serial.starts_with(SERIAL_PREFIX)
}

/// What a reader is told about a demonstration record.
pub const NOTICE_VI: &str =
    "Bản ghi minh họa để giới thiệu và kiểm thử hệ thống, không phải văn bằng, chứng chỉ thật";
pub const NOTICE_EN: &str =
    "A demonstration record for showing and testing the service, not a real diploma or certificate";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::check::stored_for_tests;

    #[test]
    fn only_the_reserved_prefix_makes_a_demonstration() {
        let with = |serial: &str| {
            let mut c = stored_for_tests(0).credential;
            c.serial = serial.into();
            is_demonstration(&c)
        };
        assert!(with("DEMO-CD 000101"));
        assert!(!with("CD 000101"));
        assert!(!with("DEMO 1"), "the prefix includes its hyphen");
        assert!(!with("CD-DEMO-1"));
    }
}

//! The Plan's indicators that institution data can measure, each with the Plan's own
//! words (Decision 2104/QĐ-UBND of Trà Vinh, 2022, section II.2 "Mục tiêu cụ thể"),
//! quoted verbatim, and the targets it sets.

use serde::Serialize;

use crate::model::{Institution, InstitutionKind, Readiness};

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Target {
    /// `None` when the Plan states the target without a year.
    pub year: Option<u16>,
    pub pct: f64,
}

/// Which institutions an indicator is about (its denominator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Colleges and GDNN-GDTX centres.
    CollegesAndCentres,
    Colleges,
    AllInstitutions,
    /// Institutions recorded as high-quality schools.
    HighQualitySchools,
}

impl Scope {
    /// `Some(true)`: in scope; `Some(false)`: not; `None`: unknown (high-quality status
    /// not recorded). `figures` are the institution's readiness figures as counted (its
    /// own, or those it reported for a period; `None`: it has none).
    pub fn contains(self, i: &Institution, figures: Option<&Readiness>) -> Option<bool> {
        match self {
            Scope::CollegesAndCentres => Some(matches!(
                i.kind,
                InstitutionKind::College | InstitutionKind::GdnnGdtxCentre
            )),
            Scope::Colleges => Some(i.kind == InstitutionKind::College),
            Scope::AllInstitutions => Some(true),
            Scope::HighQualitySchools => figures?.high_quality_school,
        }
    }
}

/// How an institution counts towards the numerator.
#[derive(Debug, Clone, Copy)]
pub enum Measure {
    /// A yes/no/unknown per institution; the value is the share of "yes" among the known.
    Flag(fn(&Readiness) -> Option<bool>),
    /// A percentage per institution; the value is the mean of those reported.
    MeanPct(fn(&Readiness) -> Option<f64>),
}

pub struct Definition {
    pub id: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    /// Where in the Plan.
    pub plan_section: &'static str,
    /// The Plan's sentence, verbatim.
    pub plan_text: &'static str,
    /// How vetmap measures it from institution data.
    pub method_en: &'static str,
    pub method_vi: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
    pub scope: Scope,
    pub measure: Measure,
    pub targets: &'static [Target],
}

/// Both known and true; either known false makes it false; otherwise unknown.
fn all_of(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

pub const DEFINITIONS: &[Definition] = &[
    Definition {
        id: "digital_platform_connection",
        title_vi: "Trường cao đẳng, trung tâm GDNN-GDTX có hạ tầng số kết nối nền tảng số GDNN quốc gia",
        title_en: "Colleges and GDNN-GDTX centres with digital infrastructure connected to the national GDNN platform",
        plan_section: "II.2.c",
        plan_text: "Phấn đấu 50% vào năm 2025 và 100% vào năm 2030 trường cao đẳng, trung tâm giáo dục nghề nghiệp và giáo dục thường xuyên cấp huyện có hạ tầng số, nền tảng số để kết nối, khai thác với nền tảng số giáo dục nghề nghiệp quốc gia.",
        method_en: "Share of colleges and GDNN-GDTX centres recorded with digital infrastructure AND a connection to the national platform, among those whose two answers are known.",
        method_vi: "Tỷ lệ trường cao đẳng và trung tâm GDNN-GDTX có hạ tầng số VÀ đã kết nối nền tảng số quốc gia, trên số cơ sở đã có thông tin.",
        numerator: "colleges and centres with digital_infrastructure = true and connected_national_platform = true",
        denominator: "colleges and centres whose digital_infrastructure and connected_national_platform are known",
        scope: Scope::CollegesAndCentres,
        measure: Measure::Flag(|r| all_of(r.digital_infrastructure, r.connected_national_platform)),
        targets: &[
            Target {
                year: Some(2025),
                pct: 50.0,
            },
            Target {
                year: Some(2030),
                pct: 100.0,
            },
        ],
    },
    Definition {
        id: "digitised_records_colleges",
        title_vi: "Trường cao đẳng số hóa quá trình học tập, kết quả học tập, văn bằng",
        title_en: "Colleges that digitise learning records, results and diplomas",
        plan_section: "II.2.d",
        plan_text: "Phấn đấu 100% trường cao đẳng năm 2025, 100% cơ sở giáo dục nghề nghiệp đến năm 2030 số hóa quá trình học tập, kết quả học tập, văn bằng giáo dục nghề nghiệp của người học và kết nối, tích hợp dữ liệu lên môi trường số.",
        method_en: "Share of colleges recorded with digitised learning records AND digitised diplomas, among those whose two answers are known.",
        method_vi: "Tỷ lệ trường cao đẳng đã số hóa hồ sơ học tập VÀ văn bằng, trên số trường đã có thông tin.",
        numerator: "colleges with digitised_learning_records = true and digitised_diplomas = true",
        denominator: "colleges whose digitised_learning_records and digitised_diplomas are known",
        scope: Scope::Colleges,
        measure: Measure::Flag(|r| all_of(r.digitised_learning_records, r.digitised_diplomas)),
        targets: &[Target {
            year: Some(2025),
            pct: 100.0,
        }],
    },
    Definition {
        id: "digitised_records_all",
        title_vi: "Cơ sở GDNN số hóa quá trình học tập, kết quả học tập, văn bằng",
        title_en: "All GDNN institutions that digitise learning records, results and diplomas",
        plan_section: "II.2.d",
        plan_text: "Phấn đấu 100% trường cao đẳng năm 2025, 100% cơ sở giáo dục nghề nghiệp đến năm 2030 số hóa quá trình học tập, kết quả học tập, văn bằng giáo dục nghề nghiệp của người học và kết nối, tích hợp dữ liệu lên môi trường số.",
        method_en: "Share of all institutions recorded with digitised learning records AND digitised diplomas, among those whose two answers are known.",
        method_vi: "Tỷ lệ cơ sở GDNN đã số hóa hồ sơ học tập VÀ văn bằng, trên số cơ sở đã có thông tin.",
        numerator: "institutions with digitised_learning_records = true and digitised_diplomas = true",
        denominator: "institutions whose digitised_learning_records and digitised_diplomas are known",
        scope: Scope::AllInstitutions,
        measure: Measure::Flag(|r| all_of(r.digitised_learning_records, r.digitised_diplomas)),
        targets: &[Target {
            year: Some(2030),
            pct: 100.0,
        }],
    },
    Definition {
        id: "teachers_digital_competence",
        title_vi: "Nhà giáo và cán bộ quản lý được đào tạo nâng cao năng lực số",
        title_en: "Teachers and managers trained in digital competence",
        plan_section: "II.2.a",
        plan_text: "Phấn đấu 50% đến năm 2025 và 100% đến năm 2030 nhà giáo và cán bộ quản lý được đào tạo bổ sung nâng cao năng lực số, kỹ năng, phương pháp sư phạm phù hợp để triển khai đào tạo trên môi trường số.",
        method_en: "Unweighted mean of the shares of trained teachers and managers that institutions report (headcounts are not in the data, so large and small institutions weigh the same).",
        method_vi: "Trung bình (không trọng số) tỷ lệ nhà giáo, cán bộ quản lý được đào tạo do các cơ sở báo cáo (dữ liệu không có số lượng nhà giáo).",
        numerator: "sum of the reported teachers_digital_trained_pct",
        denominator: "institutions reporting teachers_digital_trained_pct",
        scope: Scope::AllInstitutions,
        measure: Measure::MeanPct(|r| r.teachers_digital_trained_pct),
        targets: &[
            Target {
                year: Some(2025),
                pct: 50.0,
            },
            Target {
                year: Some(2030),
                pct: 100.0,
            },
        ],
    },
    Definition {
        id: "high_quality_digital_schools",
        title_vi: "Trường chất lượng cao là trường học số",
        title_en: "High-quality schools that are digital schools",
        plan_section: "II.2.d",
        plan_text: "Phấn đấu 100% trường chất lượng cao là trường học số.",
        method_en: "Share of institutions recorded as high-quality schools that are recorded as digital schools, among those whose answer is known. The Plan gives no year for this target.",
        method_vi: "Tỷ lệ trường chất lượng cao là trường học số, trên số trường đã có thông tin. Kế hoạch không nêu năm đạt mục tiêu.",
        numerator: "high-quality schools with digital_school = true",
        denominator: "high-quality schools whose digital_school is known",
        scope: Scope::HighQualitySchools,
        measure: Measure::Flag(|r| r.digital_school),
        targets: &[Target {
            year: None,
            pct: 100.0,
        }],
    },
];

pub fn definition(id: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.id == id)
}

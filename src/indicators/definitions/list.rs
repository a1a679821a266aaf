//! Every indicator, in the Plan's order of targets. Five are counted from institutions'
//! figures, two from what this service holds (target d4, the map itself), seven are
//! reported for the province by the department: the data of those belongs to no
//! institution (public services, inspections, reports to the Government, the national
//! platform) or is not in institutions' reports (teachers trained for digital learning
//! materials, programmes' learning outcomes and IT programmes).

use super::{Basis, Definition, Measure, Scope, Target, Unit};
use crate::model::PositionAccuracy;

/// Both known and true; either known false makes it false; otherwise unknown.
fn all_of(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

const fn by(year: u16, pct: f64) -> Target {
    Target {
        year: Some(year),
        pct,
    }
}

const HALF_THEN_ALL: &[Target] = &[by(2025, 50.0), by(2030, 100.0)];

/// The opening every province-reported method shares: who reports, how often, with what.
macro_rules! reported {
    (en: $en:literal) => {
        concat!(
            "Reported for the whole province by the education department, per period, with a link or document reference as evidence: ",
            $en
        )
    };
    (vi: $vi:literal) => {
        concat!(
            "Sở báo cáo cho toàn tỉnh theo từng kỳ, kèm đường dẫn hoặc số hiệu văn bản làm minh chứng: ",
            $vi
        )
    };
}

const REPORTED_DENOMINATOR: &str =
    "the department's reported denominator (or 100 when it gives only the percentage)";

pub const DEFINITIONS: &[Definition] = &[
    Definition {
        id: "teachers_digital_competence",
        target: "a1",
        title_vi: "Nhà giáo và cán bộ quản lý được đào tạo nâng cao năng lực số",
        title_en: "Teachers and managers trained in digital competence",
        method_en: "Unweighted mean of the shares of trained teachers and managers that institutions report (headcounts are not in the data, so large and small institutions weigh the same).",
        method_vi: "Trung bình (không trọng số) tỷ lệ nhà giáo, cán bộ quản lý được đào tạo do các cơ sở báo cáo (dữ liệu không có số lượng nhà giáo).",
        numerator: "sum of the reported teachers_digital_trained_pct",
        denominator: "institutions reporting teachers_digital_trained_pct",
        basis: Basis::Institutions {
            scope: Scope::AllInstitutions,
            measure: Measure::MeanPct(|r| r.teachers_digital_trained_pct),
        },
        targets: HALF_THEN_ALL,
    },
    Definition {
        id: "teachers_digital_materials",
        target: "a2",
        title_vi: "Nhà giáo được đào tạo phát triển học liệu số",
        title_en: "Teachers trained in developing digital learning materials",
        method_en: reported!(en: "the share of the teachers of GDNN institutions trained in developing digital learning materials. Institutions' own reports do not carry this figure."),
        method_vi: reported!(vi: "tỷ lệ nhà giáo của các cơ sở GDNN được đào tạo phát triển học liệu số. Báo cáo của các cơ sở không có số liệu này."),
        numerator: "teachers trained in developing digital learning materials, as the department reports",
        denominator: REPORTED_DENOMINATOR,
        basis: Basis::Province(Unit::Percent),
        targets: HALF_THEN_ALL,
    },
    Definition {
        id: "learning_outcomes_digital",
        target: "b1",
        title_vi: "Chuẩn đầu ra chương trình đào tạo được tích hợp năng lực số",
        title_en: "Programme learning outcomes that integrate digital competence",
        method_en: reported!(en: "the share of the training programmes in force, at every level, whose learning outcomes integrate digital competence."),
        method_vi: reported!(vi: "tỷ lệ chương trình đào tạo đang thực hiện, ở các trình độ, có chuẩn đầu ra tích hợp năng lực số."),
        numerator: "programmes whose learning outcomes integrate digital competence, as the department reports",
        denominator: REPORTED_DENOMINATOR,
        basis: Basis::Province(Unit::Percent),
        targets: &[by(2025, 70.0), by(2030, 100.0)],
    },
    Definition {
        id: "ict_programmes_updated",
        target: "b2",
        title_vi: "Chương trình chuyên ngành CNTT, công nghệ số được cập nhật",
        title_en: "IT and digital-technology programmes updated",
        method_en: reported!(en: "the share of programmes specialised in information or digital technology updated for new applications of science and technology. The Plan gives no year for this target."),
        method_vi: reported!(vi: "tỷ lệ chương trình chuyên ngành công nghệ thông tin, công nghệ số được cập nhật. Kế hoạch không nêu năm đạt mục tiêu."),
        numerator: "IT and digital-technology programmes updated, as the department reports",
        denominator: REPORTED_DENOMINATOR,
        basis: Basis::Province(Unit::Percent),
        targets: &[Target {
            year: None,
            pct: 100.0,
        }],
    },
    Definition {
        id: "national_platform_formed",
        target: "c1",
        title_vi: "Nền tảng số GDNN quốc gia và kho học liệu số dùng chung được hình thành",
        title_en: "National GDNN digital platform and shared learning-materials repository formed",
        method_en: "A milestone the department reports per period, with evidence: 100 when the national platform and the shared repository are formed and open to the province's institutions, 0 while not yet. The platform is national; the province reports what it can use.",
        method_vi: "Mốc do Sở báo cáo theo từng kỳ, kèm minh chứng: 100 khi nền tảng số quốc gia và kho học liệu dùng chung đã hình thành và các cơ sở của tỉnh sử dụng được, 0 khi chưa. Nền tảng là của quốc gia; tỉnh báo cáo những gì tỉnh sử dụng được.",
        numerator: "100 when formed, 0 when not yet, as the department reports",
        denominator: "100",
        basis: Basis::Province(Unit::Milestone),
        targets: &[by(2025, 100.0)],
    },
    Definition {
        id: "digital_platform_connection",
        target: "c2",
        title_vi: "Trường cao đẳng, trung tâm GDNN-GDTX có hạ tầng số kết nối nền tảng số GDNN quốc gia",
        title_en: "Colleges and GDNN-GDTX centres with digital infrastructure connected to the national GDNN platform",
        method_en: "Share of colleges and GDNN-GDTX centres recorded with digital infrastructure AND a connection to the national platform, among those whose two answers are known.",
        method_vi: "Tỷ lệ trường cao đẳng và trung tâm GDNN-GDTX có hạ tầng số VÀ đã kết nối nền tảng số quốc gia, trên số cơ sở đã có thông tin.",
        numerator: "colleges and centres with digital_infrastructure = true and connected_national_platform = true",
        denominator: "colleges and centres whose digital_infrastructure and connected_national_platform are known",
        basis: Basis::Institutions {
            scope: Scope::CollegesAndCentres,
            measure: Measure::Flag(|r| {
                all_of(r.digital_infrastructure, r.connected_national_platform)
            }),
        },
        targets: HALF_THEN_ALL,
    },
    Definition {
        id: "online_public_services_level4",
        target: "d1",
        title_vi: "Dịch vụ công trực tuyến mức độ 4 được tích hợp lên Cổng Dịch vụ công",
        title_en: "Level-4 online public services integrated into the public service portals",
        method_en: reported!(en: "the share of the GDNN public services it handles that are offered online at level 4 and integrated into the provincial portal and the ministry's portal and information system."),
        method_vi: reported!(vi: "tỷ lệ dịch vụ công về GDNN do Sở giải quyết được cung cấp trực tuyến mức độ 4 và tích hợp lên Cổng Dịch vụ công tỉnh và cổng, hệ thống của Bộ."),
        numerator: "GDNN public services online at level 4 and integrated, as the department reports",
        denominator: REPORTED_DENOMINATOR,
        basis: Basis::Province(Unit::Percent),
        targets: &[by(2023, 100.0)],
    },
    Definition {
        id: "digitised_records_colleges",
        target: "d2",
        title_vi: "Trường cao đẳng số hóa quá trình học tập, kết quả học tập, văn bằng",
        title_en: "Colleges that digitise learning records, results and diplomas",
        method_en: "Share of colleges recorded with digitised learning records AND digitised diplomas, among those whose two answers are known.",
        method_vi: "Tỷ lệ trường cao đẳng đã số hóa hồ sơ học tập VÀ văn bằng, trên số trường đã có thông tin.",
        numerator: "colleges with digitised_learning_records = true and digitised_diplomas = true",
        denominator: "colleges whose digitised_learning_records and digitised_diplomas are known",
        basis: Basis::Institutions {
            scope: Scope::Colleges,
            measure: Measure::Flag(|r| all_of(r.digitised_learning_records, r.digitised_diplomas)),
        },
        targets: &[by(2025, 100.0)],
    },
    Definition {
        id: "digitised_records_all",
        target: "d2",
        title_vi: "Cơ sở GDNN số hóa quá trình học tập, kết quả học tập, văn bằng",
        title_en: "All GDNN institutions that digitise learning records, results and diplomas",
        method_en: "Share of all institutions recorded with digitised learning records AND digitised diplomas, among those whose two answers are known.",
        method_vi: "Tỷ lệ cơ sở GDNN đã số hóa hồ sơ học tập VÀ văn bằng, trên số cơ sở đã có thông tin.",
        numerator: "institutions with digitised_learning_records = true and digitised_diplomas = true",
        denominator: "institutions whose digitised_learning_records and digitised_diplomas are known",
        basis: Basis::Institutions {
            scope: Scope::AllInstitutions,
            measure: Measure::Flag(|r| all_of(r.digitised_learning_records, r.digitised_diplomas)),
        },
        targets: &[by(2030, 100.0)],
    },
    Definition {
        id: "inspections_digital",
        target: "d3",
        title_vi: "Hoạt động kiểm tra chuyên ngành GDNN thực hiện qua môi trường số",
        title_en: "Specialised GDNN inspections carried out through the digital environment",
        method_en: reported!(en: "the share of the period's specialised GDNN inspections carried out through the digital environment and the agency's information systems."),
        method_vi: reported!(vi: "tỷ lệ cuộc kiểm tra chuyên ngành GDNN trong kỳ được thực hiện qua môi trường số và hệ thống thông tin của cơ quan quản lý."),
        numerator: "inspections of the period carried out digitally, as the department reports",
        denominator: REPORTED_DENOMINATOR,
        basis: Basis::Province(Unit::Percent),
        targets: &[by(2025, 50.0), by(2030, 70.0)],
    },
    Definition {
        id: "digital_map_positions",
        target: "d4",
        title_vi: "Bản đồ số: cơ sở có vị trí đo đạc hoặc theo địa chỉ",
        title_en: "Digital map: institutions positioned by survey or street address",
        method_en: "Computed from this map: the share of institutions on it whose position is surveyed on site or geocoded from the street address (position_accuracy surveyed or address), among all institutions on the map; a town centre or an approximate position counts as no. The Plan sets a milestone (a digital map formed by 2025); vetmap reads it as every institution on the map at its address or better.",
        method_vi: "Tính từ chính bản đồ này: tỷ lệ cơ sở trên bản đồ có vị trí đo đạc tại chỗ hoặc theo địa chỉ (position_accuracy là surveyed hoặc address), trên tổng số cơ sở trên bản đồ; vị trí trung tâm thị trấn hoặc gần đúng tính là không. Kế hoạch đặt một mốc (hình thành bản đồ số năm 2025); vetmap hiểu là mọi cơ sở trên bản đồ có vị trí chính xác tới địa chỉ.",
        numerator: "institutions on the map with position_accuracy surveyed or address",
        denominator: "institutions on the map",
        basis: Basis::Service(|i, _| {
            matches!(
                i.position_accuracy,
                PositionAccuracy::Surveyed | PositionAccuracy::Address
            )
        }),
        targets: &[by(2025, 100.0)],
    },
    Definition {
        id: "digital_map_credentials",
        target: "d4",
        title_vi: "Bản đồ số liên kết chứng thực: cơ sở có văn bằng tra cứu được tại đây",
        title_en: "Map linked to certification: institutions whose credentials can be checked here",
        method_en: "Computed from this service: the share of institutions on the map with at least one credential (diploma or certificate) that anyone can check here (POST /api/v1/credentials/verify, linked to the institution's page): a record in the service's credential store (PostGIS, or the bundled file without a database) that is not a demonstration record (serial DEMO-…). Institutions with only demonstration records count as no. The Plan's 2030 milestone (the map linked with the systems that authenticate credentials) read as every institution's credentials checkable here.",
        method_vi: "Tính từ dữ liệu của hệ thống: tỷ lệ cơ sở trên bản đồ có ít nhất một văn bằng, chứng chỉ tra cứu được tại đây (POST /api/v1/credentials/verify, liên kết tới trang của cơ sở): bản ghi trong kho văn bằng của hệ thống (PostGIS, hoặc tệp đi kèm khi không có cơ sở dữ liệu) không phải bản ghi minh họa (số hiệu DEMO-…). Cơ sở chỉ có bản ghi minh họa tính là không. Mốc năm 2030 của Kế hoạch (liên kết bản đồ với các hệ thống chứng thực) được hiểu là văn bằng của mọi cơ sở tra cứu được tại đây.",
        numerator: "institutions on the map with at least one credential here that is not a demonstration record",
        denominator: "institutions on the map",
        basis: Basis::Service(|i, held| held.has_real_credentials(i.id.as_str())),
        targets: &[by(2030, 100.0)],
    },
    Definition {
        id: "reports_digital",
        target: "d5",
        title_vi: "Báo cáo định kỳ, thống kê GDNN thực hiện trên môi trường số, chia sẻ trên Hệ thống thông tin báo cáo Chính phủ",
        title_en: "Periodic and statistical GDNN reports made digitally and shared on the Government reporting system",
        method_en: reported!(en: "the share of the period's periodic and statistical GDNN reports made in the digital environment and shared on the Government reporting information system."),
        method_vi: reported!(vi: "tỷ lệ báo cáo định kỳ, báo cáo thống kê GDNN trong kỳ được thực hiện trên môi trường số và chia sẻ trên Hệ thống thông tin báo cáo Chính phủ."),
        numerator: "reports of the period made digitally and shared on the Government system, as the department reports",
        denominator: REPORTED_DENOMINATOR,
        basis: Basis::Province(Unit::Percent),
        targets: &[by(2025, 100.0)],
    },
    Definition {
        id: "high_quality_digital_schools",
        target: "d6",
        title_vi: "Trường chất lượng cao là trường học số",
        title_en: "High-quality schools that are digital schools",
        method_en: "Share of institutions recorded as high-quality schools that are recorded as digital schools, among those whose answer is known. The Plan gives no year for this target.",
        method_vi: "Tỷ lệ trường chất lượng cao là trường học số, trên số trường đã có thông tin. Kế hoạch không nêu năm đạt mục tiêu.",
        numerator: "high-quality schools with digital_school = true",
        denominator: "high-quality schools whose digital_school is known",
        basis: Basis::Institutions {
            scope: Scope::HighQualitySchools,
            measure: Measure::Flag(|r| r.digital_school),
        },
        targets: &[Target {
            year: None,
            pct: 100.0,
        }],
    },
];

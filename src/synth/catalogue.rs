//! The occupation families synthetic programmes are drawn from, and what each kind of
//! institution teaches at which level. Codes and names are as recalled from the national
//! catalogue (Circular 26/2020/TT-BLĐTBXH), like the bundled `data/occupations.csv`; they
//! are plausible, not authoritative, and only ever used for synthetic data.

use crate::model::{InstitutionKind, Level};

/// (six-digit family, Vietnamese name, English name). The full code is the level digit
/// (5 intermediate, 6 college) followed by the family.
pub const FAMILIES: &[(&str, &str, &str)] = &[
    ("340302", "Kế toán doanh nghiệp", "Enterprise accounting"),
    ("340101", "Quản trị kinh doanh", "Business administration"),
    ("340122", "Thương mại điện tử", "E-commerce"),
    ("480201", "Công nghệ thông tin", "Information technology"),
    (
        "480102",
        "Kỹ thuật sửa chữa, lắp ráp máy tính",
        "Computer repair and assembly",
    ),
    (
        "480209",
        "Quản trị mạng máy tính",
        "Computer network administration",
    ),
    ("510216", "Công nghệ ô tô", "Automotive technology"),
    ("520123", "Hàn", "Welding"),
    ("520121", "Cắt gọt kim loại", "Metal cutting"),
    (
        "520205",
        "Kỹ thuật máy lạnh và điều hòa không khí",
        "Refrigeration and air-conditioning engineering",
    ),
    ("520225", "Điện tử công nghiệp", "Industrial electronics"),
    (
        "520226",
        "Điện dân dụng",
        "Domestic electrical installation",
    ),
    (
        "520227",
        "Điện công nghiệp",
        "Industrial electrical engineering",
    ),
    (
        "520183",
        "Sửa chữa máy nông nghiệp",
        "Agricultural machinery repair",
    ),
    ("540205", "May thời trang", "Fashion garment making"),
    ("540103", "Chế biến thực phẩm", "Food processing"),
    ("580201", "Kỹ thuật xây dựng", "Construction engineering"),
    ("620116", "Bảo vệ thực vật", "Plant protection"),
    (
        "620120",
        "Chăn nuôi - Thú y",
        "Animal husbandry and veterinary care",
    ),
    ("620303", "Nuôi trồng thủy sản", "Aquaculture"),
    ("720201", "Dược", "Pharmacy"),
    ("720301", "Điều dưỡng", "Nursing"),
    ("760101", "Công tác xã hội", "Social work"),
    ("810101", "Hướng dẫn du lịch", "Tour guiding"),
    ("810201", "Quản trị khách sạn", "Hotel management"),
    ("810205", "Kỹ thuật chế biến món ăn", "Culinary arts"),
    ("810403", "Chăm sóc sắc đẹp", "Beauty care"),
    ("220206", "Tiếng Anh", "English language"),
    ("210402", "Thiết kế đồ họa", "Graphic design"),
    ("840101", "Logistics", "Logistics"),
];

/// Occupations few institutions teach, with the share of institutions that add each one
/// on top of their usual programmes. The common families are each taught by a few
/// percent of a network; these give filters that match about 1% and 0.01%, so benches
/// can show how nearby behaves when a filter rejects almost everything.
pub const RARE_FAMILIES: &[(&str, &str, &str, f64)] = &[
    ("210104", "Điêu khắc", "Sculpture", 0.01),
    (
        "210205",
        "Nghệ thuật biểu diễn dân ca",
        "Folk song performance",
        0.0001,
    ),
];

/// How many programmes an institution of this kind has (inclusive range) and at which
/// levels they are offered.
pub fn profile(kind: InstitutionKind) -> ((usize, usize), &'static [Level]) {
    use InstitutionKind as K;
    use Level as L;
    match kind {
        K::University => ((1, 5), &[L::College]),
        K::College => ((4, 12), &[L::College, L::Intermediate]),
        K::IntermediateSchool => ((3, 8), &[L::Intermediate, L::Elementary]),
        K::GdnnGdtxCentre => ((2, 6), &[L::Elementary, L::ShortCourse, L::Intermediate]),
        K::VocationalTrainingCentre => ((1, 5), &[L::Elementary, L::ShortCourse]),
        K::EnterpriseTrainingUnit => ((1, 3), &[L::Elementary, L::ShortCourse]),
        K::Other => ((1, 3), &[L::ShortCourse]),
    }
}

/// Approximate shares of the national network by kind, in per mille (colleges and
/// intermediate schools about a fifth each, centres about half). Illustrative.
pub const KIND_SHARES: &[(InstitutionKind, u32)] = &[
    (InstitutionKind::University, 30),
    (InstitutionKind::College, 200),
    (InstitutionKind::IntermediateSchool, 200),
    (InstitutionKind::GdnnGdtxCentre, 250),
    (InstitutionKind::VocationalTrainingCentre, 250),
    (InstitutionKind::EnterpriseTrainingUnit, 50),
    (InstitutionKind::Other, 20),
];

/// The leading digit of the code a programme at `level` uses: the catalogue fixes it
/// for college (6) and intermediate (5); elementary and short courses borrow the
/// intermediate code of their occupation.
pub fn code_digit(level: Level) -> char {
    level.catalogue_digit().unwrap_or('5')
}

/// Vietnamese and English name stems for a kind.
pub fn name_stem(kind: InstitutionKind) -> (&'static str, &'static str) {
    use InstitutionKind as K;
    match kind {
        K::University => ("Trường Đại học", "University"),
        K::College => ("Trường Cao đẳng", "College"),
        K::IntermediateSchool => ("Trường Trung cấp", "Intermediate School"),
        K::GdnnGdtxCentre => (
            "Trung tâm GDNN-GDTX",
            "Vocational and Continuing Education Centre",
        ),
        K::VocationalTrainingCentre => ("Trung tâm Dạy nghề", "Vocational Training Centre"),
        K::EnterpriseTrainingUnit => (
            "Cơ sở đào tạo nghề Doanh nghiệp",
            "Enterprise Training Unit",
        ),
        K::Other => ("Cơ sở GDNN", "Vocational Education Establishment"),
    }
}

/// Specialisms that follow the stem ("Trường Cao đẳng Kỹ thuật ...").
pub const SPECIALISMS: &[(&str, &str)] = &[
    ("Nghề", "Vocational"),
    ("Kỹ thuật", "Technical"),
    ("Công nghệ", "Technology"),
    ("Kỹ thuật Công nghệ", "Engineering and Technology"),
    ("Cơ điện", "Electromechanical"),
    ("Y tế", "Medical"),
    ("Du lịch", "Tourism"),
    ("Xây dựng", "Construction"),
    ("Nông nghiệp", "Agriculture"),
    ("Kinh tế", "Economics"),
    ("Giao thông Vận tải", "Transport"),
    ("Công thương", "Industry and Trade"),
];

//! The Plan's twelve measurable targets (Decision 2104/QĐ-UBND of Trà Vinh, 2022, part
//! II.2 "Mục tiêu cụ thể"), each quoted verbatim with an English rendering of ours (not
//! an official translation). Codes are the group's letter and the target's place in it.

use super::PlanTarget;

pub const TARGETS: &[PlanTarget] = &[
    PlanTarget {
        code: "a1",
        plan_section: "II.2.a",
        text_vi: "Phấn đấu 50% đến năm 2025 và 100% đến năm 2030 nhà giáo và cán bộ quản lý được đào tạo bổ sung nâng cao năng lực số, kỹ năng, phương pháp sư phạm phù hợp để triển khai đào tạo trên môi trường số.",
        text_en: "Strive for 50% by 2025 and 100% by 2030 of teachers and managers to receive further training that raises their digital competence, skills and teaching methods suited to training in the digital environment.",
    },
    PlanTarget {
        code: "a2",
        plan_section: "II.2.a",
        text_vi: "Phấn đấu 50% đến năm 2025 và 100% đến năm 2030 nhà giáo của các cơ sở giáo dục nghề nghiệp được đào tạo phát triển học liệu số.",
        text_en: "Strive for 50% by 2025 and 100% by 2030 of the teachers of vocational education institutions to be trained in developing digital learning materials.",
    },
    PlanTarget {
        code: "b1",
        plan_section: "II.2.b",
        text_vi: "Phấn đấu 70% vào năm 2025 và 100% vào năm 2030 chuẩn đầu ra chương trình đào tạo của các trình độ được tích hợp năng lực số, có nội dung đào tạo phù hợp với phương thức chuyển đổi số.",
        text_en: "Strive for 70% in 2025 and 100% in 2030 of the learning outcomes of training programmes at every level to integrate digital competence, with training content suited to digital transformation.",
    },
    PlanTarget {
        code: "b2",
        plan_section: "II.2.b",
        text_vi: "Phấn đấu 100% chương trình đào tạo chuyên ngành công nghệ thông tin, công nghệ số được cập nhật phù hợp với ứng dụng khoa học công nghệ mới.",
        text_en: "Strive for 100% of training programmes specialised in information technology and digital technology to be updated in line with new applications of science and technology.",
    },
    PlanTarget {
        code: "c1",
        plan_section: "II.2.c",
        text_vi: "Hình thành nền tảng số giáo dục nghề nghiệp quốc gia và kho học liệu, tài nguyên số dùng chung phục vụ cho hoạt động dạy và học vào năm 2025.",
        text_en: "Form the national vocational education digital platform and a shared repository of digital learning materials and resources for teaching and learning by 2025.",
    },
    PlanTarget {
        code: "c2",
        plan_section: "II.2.c",
        text_vi: "Phấn đấu 50% vào năm 2025 và 100% vào năm 2030 trường cao đẳng, trung tâm giáo dục nghề nghiệp và giáo dục thường xuyên cấp huyện có hạ tầng số, nền tảng số để kết nối, khai thác với nền tảng số giáo dục nghề nghiệp quốc gia.",
        text_en: "Strive for 50% in 2025 and 100% in 2030 of colleges and district-level vocational and continuing education centres to have the digital infrastructure and platforms to connect to and use the national vocational education digital platform.",
    },
    PlanTarget {
        code: "d1",
        plan_section: "II.2.d",
        text_vi: "Phấn đấu 100% dịch vụ công trực tuyến mức độ 4, được tích hợp lên Cổng Dịch vụ công tỉnh và tích hợp vào Cổng dịch vụ công và Hệ thống thông tin điện tử của Bộ Lao động - Thương binh và Xã hội năm 2023.",
        text_en: "Strive for 100% of online public services at level 4, integrated into the provincial public service portal and into the public service portal and electronic information system of the Ministry of Labour, Invalids and Social Affairs, in 2023.",
    },
    PlanTarget {
        code: "d2",
        plan_section: "II.2.d",
        text_vi: "Phấn đấu 100% trường cao đẳng năm 2025, 100% cơ sở giáo dục nghề nghiệp đến năm 2030 số hóa quá trình học tập, kết quả học tập, văn bằng giáo dục nghề nghiệp của người học và kết nối, tích hợp dữ liệu lên môi trường số.",
        text_en: "Strive for 100% of colleges in 2025 and 100% of vocational education institutions by 2030 to digitise their learners' learning process, results and vocational diplomas, and to connect and integrate the data into the digital environment.",
    },
    PlanTarget {
        code: "d3",
        plan_section: "II.2.d",
        text_vi: "Có 50% vào năm 2025 và 70% vào năm 2030 hoạt động kiểm tra chuyên ngành về giáo dục nghề nghiệp được thực hiện thông qua môi trường số và hệ thống thông tin của cơ quan quản lý.",
        text_en: "50% in 2025 and 70% in 2030 of specialised inspections of vocational education to be carried out through the digital environment and the information systems of the managing agency.",
    },
    PlanTarget {
        code: "d4",
        plan_section: "II.2.d",
        text_vi: "Hình thành bản đồ số mạng lưới cơ sở giáo dục nghề nghiệp vào năm 2025 và liên kết bản đồ số mạng lưới cơ sở giáo dục nghề nghiệp với các hệ thống chứng thực và tra cứu thông tin giáo dục nghề nghiệp vào năm 2030.",
        text_en: "Form a digital map of the network of vocational education institutions by 2025, and link it with the systems that authenticate and look up vocational education information by 2030.",
    },
    PlanTarget {
        code: "d5",
        plan_section: "II.2.d",
        text_vi: "Phấn đấu 100% báo cáo định kỳ và báo cáo thống kê về giáo dục nghề nghiệp được thực hiện trên môi trường số và kết nối, tích hợp, chia sẻ dữ liệu số trên Hệ thống thông tin báo cáo Chính phủ vào năm 2025.",
        text_en: "Strive for 100% of periodic and statistical reports on vocational education to be made in the digital environment, and to connect, integrate and share digital data on the Government's reporting information system, by 2025.",
    },
    PlanTarget {
        code: "d6",
        plan_section: "II.2.d",
        text_vi: "Phấn đấu 100% trường chất lượng cao là trường học số.",
        text_en: "Strive for 100% of high-quality schools to be digital schools.",
    },
];

//! The closed vocabularies of the domain. Their text forms are the values stored in the
//! database (checked there too) and exchanged in files and the API.

use serde::{Deserialize, Serialize};
use strum::{AsRefStr, Display, EnumIter, EnumString, IntoStaticStr};

/// A closed vocabulary: parsed from its text form, with the allowed values listed for
/// error messages and API documentation.
pub trait Vocabulary: std::str::FromStr {
    /// The allowed text forms, space-separated.
    const ALLOWED: &'static str;
}

/// A vocabulary's schema for the OpenAPI document: a string, one of its allowed text
/// forms (the same list that parsing and error messages use).
pub fn vocabulary_schema(allowed: &str) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(allowed.split_whitespace()))
        .into()
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
                 Display, EnumString, AsRefStr, IntoStaticStr, EnumIter)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] #[strum(serialize = $text)] $variant),+
        }

        impl Vocabulary for $name {
            const ALLOWED: &'static str = concat!($($text, " "),+);
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                vocabulary_schema(<Self as Vocabulary>::ALLOWED)
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            /// The allowed values, for error messages and API documentation.
            pub const ALLOWED: &'static str = <Self as Vocabulary>::ALLOWED;

            pub fn as_str(&self) -> &'static str {
                self.into()
            }
        }
    };
}

vocabulary!(
    /// What sort of GDNN institution this is.
    InstitutionKind {
        University = "university",
        College = "college",
        IntermediateSchool = "intermediate_school",
        /// Trung tâm GDNN-GDTX of a (former) district.
        GdnnGdtxCentre = "gdnn_gdtx_centre",
        VocationalTrainingCentre = "vocational_training_centre",
        EnterpriseTrainingUnit = "enterprise_training_unit",
        Other = "other",
    }
);

vocabulary!(
    Ownership {
        Public = "public",
        Private = "private",
        ForeignInvested = "foreign_invested",
    }
);

vocabulary!(
    /// How much to trust an institution's position: the map shows it.
    PositionAccuracy {
        /// Measured on site.
        Surveyed = "surveyed",
        /// Geocoded from the street address.
        Address = "address",
        /// The centre of the town or commune it is in.
        Town = "town",
        /// Placed by hand from general knowledge; may be off by kilometres.
        Approximate = "approximate",
    }
);

vocabulary!(
    /// Training level of a programme.
    Level {
        /// Cao đẳng; national catalogue codes start with 6.
        College = "college",
        /// Trung cấp; catalogue codes start with 5.
        Intermediate = "intermediate",
        /// Sơ cấp.
        Elementary = "elementary",
        /// Short training course (đào tạo thường xuyên / dưới 3 tháng).
        ShortCourse = "short_course",
    }
);

impl Level {
    /// The leading digit that a catalogue code has at this level, where the catalogue
    /// fixes one.
    pub fn catalogue_digit(self) -> Option<char> {
        match self {
            Level::College => Some('6'),
            Level::Intermediate => Some('5'),
            Level::Elementary | Level::ShortCourse => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn text_forms_round_trip() {
        for k in InstitutionKind::iter() {
            assert_eq!(k.as_str().parse::<InstitutionKind>().unwrap(), k);
            assert!(InstitutionKind::ALLOWED.contains(k.as_str()));
        }
        assert_eq!(
            serde_json::to_string(&Level::ShortCourse).unwrap(),
            "\"short_course\""
        );
        assert!("College".parse::<Level>().is_err());
    }

    /// The OpenAPI document's enums are the vocabularies' text forms, every one of them.
    #[test]
    fn documented_values_are_the_allowed_text_forms() {
        use utoipa::PartialSchema;
        fn values<T: PartialSchema + Vocabulary>() -> (Vec<String>, Vec<String>) {
            let schema = serde_json::to_value(T::schema()).unwrap();
            let documented = schema["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("no enum in {schema}"))
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            let allowed = T::ALLOWED.split_whitespace().map(str::to_owned).collect();
            (documented, allowed)
        }
        for (documented, allowed) in [
            values::<InstitutionKind>(),
            values::<Ownership>(),
            values::<PositionAccuracy>(),
            values::<Level>(),
            values::<crate::model::Scheme>(),
            values::<crate::model::AdminLevel>(),
            values::<crate::model::CredentialKind>(),
            values::<crate::model::report::ReportStatus>(),
            values::<crate::auth::Role>(),
        ] {
            assert_eq!(documented, allowed);
        }
    }
}

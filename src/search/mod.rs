//! Search helpers. [`fold`] turns Vietnamese text into its diacritic-free, lower-case
//! form so that "cao dang nghe" matches "Cao đẳng Nghề".

pub mod fold;

pub use fold::fold;

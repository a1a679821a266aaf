//! Text search helpers. [`fold`] makes Vietnamese text comparable without its
//! diacritics, so "cao dang nghe" finds "Cao đẳng Nghề".

pub mod fold;

pub use fold::fold;

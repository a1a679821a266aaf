//! Everything the serving index is built from, as one value, and the checks that span
//! records (references between institutions, areas and the catalogue).

use std::collections::{HashMap, HashSet};

use super::{AdminArea, CommuneMapping, Institution, Occupation, Scheme};

#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub occupations: Vec<Occupation>,
    pub areas: Vec<AdminArea>,
    pub mapping: Vec<CommuneMapping>,
    pub institutions: Vec<Institution>,
    /// Changes whenever the content changes; the HTTP layer's ETags come from it.
    pub version: String,
}

/// A reference that points nowhere: which record, which field, what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenReference {
    pub record: String,
    pub field: String,
    pub message: String,
}

impl Dataset {
    /// Makes equal occupation names, sources and administrative codes share one
    /// allocation (records parsed one by one each own a copy); see [`super::Interner`].
    pub fn share_repeated_text(&mut self) {
        let mut shared = super::Interner::default();
        for i in &mut self.institutions {
            i.source = shared.share(&i.source);
            i.readiness = shared.share_readiness(&i.readiness);
            for p in &mut i.programmes {
                p.set_occupation_name(shared.share(p.occupation_name()));
            }
            i.admin = shared.share_admin(&i.admin);
        }
    }

    /// Every reference that does not resolve within this dataset, and every duplicate key.
    pub fn broken_references(&self) -> Vec<BrokenReference> {
        let mut out = Vec::new();
        let mut broken = |record: String, field: &str, message: String| {
            out.push(BrokenReference {
                record,
                field: field.to_owned(),
                message,
            })
        };
        let areas: HashSet<(Scheme, &str)> = self.areas.iter().map(|a| a.key()).collect();
        if areas.len() != self.areas.len() {
            let mut seen = HashSet::new();
            for a in &self.areas {
                if !seen.insert(a.key()) {
                    broken(
                        format!("area {} {}", a.scheme, a.code),
                        "code",
                        "duplicate (scheme, code)".into(),
                    );
                }
            }
        }
        let occupations: HashMap<&str, &Occupation> = self
            .occupations
            .iter()
            .map(|o| (o.code.as_str(), o))
            .collect();
        for m in &self.mapping {
            let rec = format!("mapping {} -> {}", m.old_code, m.new_code);
            if !areas.contains(&(Scheme::Pre2025, m.old_code.as_str())) {
                broken(
                    rec.clone(),
                    "old_code",
                    format!("no pre2025 area {}", m.old_code),
                );
            }
            if !areas.contains(&(Scheme::Y2025, m.new_code.as_str())) {
                broken(rec, "new_code", format!("no 2025 area {}", m.new_code));
            }
        }
        let mut ids = HashSet::new();
        for i in &self.institutions {
            let rec = format!("institution {}", i.id);
            if !ids.insert(&i.id) {
                broken(rec.clone(), "id", "duplicate id".into());
            }
            for (field, scheme, code) in i.admin.with_schemes() {
                if let Some(c) = code
                    && !areas.contains(&(scheme, c))
                {
                    broken(
                        rec.clone(),
                        field,
                        format!("no {scheme} area with code {c}"),
                    );
                }
            }
            for (n, p) in i.programmes.iter().enumerate() {
                if !occupations.contains_key(p.occupation_code().as_str()) {
                    broken(
                        rec.clone(),
                        &format!("programmes[{n}].occupation_code"),
                        format!("{} is not in the occupation catalogue", p.occupation_code()),
                    );
                }
            }
        }
        out
    }
}

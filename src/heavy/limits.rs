//! The kinds of heavy work and how many of each may run at once.

/// A kind of heavy work, limited on its own so that one cannot starve the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::Display, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    /// Coverage analyses: a hexagonal grid and each cell's nearest institution.
    Coverage,
    /// The Plan's indicators over every institution.
    Indicators,
    /// Files: coverage and indicator CSV and GeoJSON, the coverage grid.
    Export,
    /// The printable periodic report (its map draws every cell).
    Report,
    /// Coverage vector tiles.
    Tiles,
    /// OGC API items that look at every record (a CQL2 filter, free text, no box): at
    /// national scale a tenth of a second or more each.
    Scan,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Coverage,
        Kind::Indicators,
        Kind::Export,
        Kind::Report,
        Kind::Tiles,
        Kind::Scan,
    ];

    /// With `cores` cores: CPU-bound work gets one at a time per core; the report,
    /// heaviest in memory, half that; tiles, many small requests from one map view
    /// (a browser opens six at once), four per core and at least eight.
    fn default_limit(self, cores: usize) -> usize {
        let cores = cores.max(1);
        match self {
            Kind::Coverage | Kind::Indicators | Kind::Export => cores,
            Kind::Report => (cores / 2).max(1),
            Kind::Tiles => (4 * cores).max(8),
            // Short and common (a filtered list in the web map): a few per core.
            Kind::Scan => (2 * cores).max(4),
        }
    }
}

/// Most computations of each kind at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    per_kind: [usize; Kind::ALL.len()],
}

impl Limits {
    /// Every kind at its default for this machine's cores.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::for_cores(cores)
    }

    pub fn for_cores(cores: usize) -> Self {
        Self {
            per_kind: Kind::ALL.map(|k| k.default_limit(cores)),
        }
    }

    /// The same limit for every kind.
    pub fn uniform(limit: usize) -> Self {
        Self {
            per_kind: [limit.max(1); Kind::ALL.len()],
        }
    }

    pub fn get(&self, kind: Kind) -> usize {
        self.per_kind[kind as usize]
    }

    pub fn set(&mut self, kind: Kind, limit: usize) {
        self.per_kind[kind as usize] = limit;
    }

    /// `kind=count` pairs separated by commas (`coverage=2,export=1`); kinds not named
    /// keep this machine's default; empty text is all defaults.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut limits = Self::for_this_machine();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kind, count) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?}: expected kind=count"))?;
            let kind: Kind = kind.trim().parse().map_err(|_| {
                format!(
                    "{kind:?} is not a kind of heavy work; kinds: {}",
                    Kind::ALL.map(|k| k.to_string()).join(" ")
                )
            })?;
            let count: usize = count
                .trim()
                .parse()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{pair:?}: the count must be a whole number above 0"))?;
            limits.set(kind, count);
        }
        Ok(limits)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::for_this_machine()
    }
}

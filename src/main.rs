//! The `vetmap` command line. Everything it does lives in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;

use clap::{Parser, Subcommand};
use vetmap::credentials::{KeyRing, Source};
use vetmap::export::pmtiles::{ArchiveOptions, load_land, write_archive};
use vetmap::export::site::write_site;
use vetmap::index::ServingIndex;
use vetmap::store::files::{self, ExportFormat, FileKind};
use vetmap::store::{bundled, pg};
use vetmap::tiles::TileService;
use vetmap::{Application, Config};

#[derive(Parser)]
#[command(
    name = "vetmap",
    version,
    about = "The digital map of a province's vocational education (GDNN) network"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start and matched once: the size of the `Serve` variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve the map, the API and the web page (the bundled dataset without DATABASE_URL).
    Serve(Config),
    /// Create or update the PostGIS schema (needs DATABASE_URL).
    Migrate {
        /// PostgreSQL/PostGIS connection URL of the database to migrate.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Import files or dataset directories into PostGIS, all or nothing.
    ///
    /// A directory is read like `data/`: occupations.csv, admin-areas.geojson|csv,
    /// commune-mapping.csv, institutions.geojson|csv, programmes.csv, credentials.csv.
    /// Every error is reported with its file, line or feature, and field.
    Import {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// What the files hold, when neither their names nor their columns tell.
        #[arg(long, value_enum)]
        kind: Option<FileKind>,
        /// Only validate (no database needed); nothing is written.
        #[arg(long)]
        check: bool,
        /// PostgreSQL/PostGIS connection URL to import into; not needed with --check.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
    },
    /// Export the served dataset (from PostGIS with DATABASE_URL, else from --data-dir):
    /// with --out, into a directory that `vetmap import` reads back without loss; with
    /// --pmtiles, as the public map's tiles in one PMTiles archive; with --site, as the
    /// web map in a folder of static files any web host serves. Credentials are
    /// personal data and are never exported in bulk.
    #[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["out", "pmtiles", "site"])))]
    Export {
        /// Directory to write the dataset's files into (created if missing).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Write one PMTiles v3 archive (FILE, replaced if it exists) of every tileset the
        /// public map draws: the base map (land, boundaries, places), the administrative
        /// areas and the institutions with their clusters, unfiltered, for zooms
        /// --min-zoom to --max-zoom (0 to 14). Each tile holds the three tilesets'
        /// layers, gzip-compressed. Tiles are those where something is drawn: the
        /// country's land up to zoom 10, the areas' boxes and the institutions' tiles at
        /// every zoom. An export of more than 1,000,000 tiles is refused.
        #[arg(long, value_name = "FILE")]
        pmtiles: Option<PathBuf>,
        /// Write the web map and its embed as static files into DIR (created if missing;
        /// a previous site there is replaced): pages, web files, the archive (as
        /// --pmtiles, same zooms), the search index, profiles and occupations.
        #[arg(long, value_name = "DIR")]
        site: Option<PathBuf>,
        /// The web map's files (its pages and the built dist/) for --site.
        #[arg(long, env = "VETMAP_WEB_DIR", default_value = "web")]
        web_dir: PathBuf,
        /// The archive's first zoom.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=14))]
        min_zoom: u8,
        /// The archive's last zoom; there every institution is a point.
        #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u8).range(0..=14))]
        max_zoom: u8,
        /// File formats to write with --out.
        #[arg(long, value_enum, default_value = "geojson")]
        format: ExportFormat,
        /// PostgreSQL/PostGIS connection URL to export from; without it, --data-dir is
        /// exported.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// Dataset directory to export when no database URL is given.
        #[arg(long, env = "VETMAP_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// The archive's base map: land polygons (GeoJSON), with the towns of
        /// `places.csv` beside them, as `vetmap serve --basemap` draws them. A `.pmtiles`
        /// base map is not exported: the bundled land of `<data-dir>/basemap/` is, as the
        /// server keeps it beside such an archive.
        #[arg(
            long,
            env = "VETMAP_BASEMAP",
            default_value = "data/basemap/vietnam-land-ne10m.geojson"
        )]
        basemap: PathBuf,
    },
    /// Generate a reproducible synthetic network for scale tests: into a dataset
    /// directory (--out) or straight into PostGIS (--database-url). Every record says
    /// "synthetic" in its source; never commit the output.
    Synth {
        /// Number of institutions.
        #[arg(long)]
        count: usize,
        /// The same seed gives the same network.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Directory to write (created if missing); without it, writes to the database.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// File formats to write with --out.
        #[arg(long, value_enum, default_value = "geojson")]
        format: ExportFormat,
        /// PostgreSQL/PostGIS connection URL to copy the network into when --out is not
        /// given (--out wins when both are).
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
    },
    /// Check a signed credential statement offline, with only the public key set.
    ///
    /// FILE holds the statement (compact JWS, `vc+jwt`) as served by
    /// `/api/v1/credentials/{token}/statement`. Exit status 0 only when the signature is
    /// genuine and (with --status-list) the credential is not revoked.
    Verify {
        /// The statement file ("-" reads standard input).
        file: PathBuf,
        /// The issuer's JWK Set (a copy of /.well-known/jwks.json).
        #[arg(long)]
        jwks: PathBuf,
        /// The status-list credential the statement names (a copy of
        /// /api/v1/credentials/status/N), to check revocation.
        #[arg(long)]
        status_list: Option<PathBuf>,
    },
    /// The signing key ring (statements, status lists, the JWKS).
    Keys {
        /// The key ring file the server uses.
        #[arg(
            long,
            global = true,
            env = "VETMAP_SIGNING_KEYS",
            default_value = "var/signing-keys.pem"
        )]
        signing_keys: PathBuf,
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The Plan's indicators (Decision 2104/QĐ-UBND).
    Indicators {
        #[command(subcommand)]
        command: IndicatorsCommand,
    },
    /// Officials' accounts (the first administrator is made here; administrators manage
    /// the rest on the web).
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Create an account. The password is read from standard input (one line), so it
    /// stays out of the shell history and the process list:
    /// `read -rs P && printf '%s\n' "$P" | vetmap accounts create --login admin --name "Quản trị" --role admin`
    Create {
        /// 3 to 64 characters: letters, digits, '.', '_', '@', '-' (an e-mail address fits).
        #[arg(long)]
        login: String,
        /// The name shown to other officials and in the history.
        #[arg(long)]
        name: String,
        /// admin, province, district or institution.
        #[arg(long)]
        role: String,
        /// For a district account: an area it edits, as SCHEME:CODE (pre2025:846,
        /// 2025:29254); repeat for several.
        #[arg(long = "area")]
        areas: Vec<String>,
        /// For an institution account: an institution it edits (its id); repeat for several.
        #[arg(long = "institution")]
        institutions: Vec<String>,
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// List the accounts with their roles and scopes.
    List {
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new key to the ring, which signs from the server's next start on.
    ///
    /// The earlier keys stay in the ring and in the JWKS, so what they signed still
    /// verifies, and statement tokens do not change.
    Rotate,
    /// List the ring's keys, oldest first: id (kid), creation date, which one signs.
    List,
}

#[derive(Subcommand)]
enum IndicatorsCommand {
    /// Compute the indicators from PostGIS and store them as the snapshot of a date
    /// (today by default; a second snapshot the same day replaces the first), or with
    /// `--period` as the snapshot of a reporting year (the indicators from that year's
    /// reports; taking it again replaces it).
    Snapshot {
        /// YYYY-MM-DD.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// A reporting year, such as 2025.
        #[arg(long, conflicts_with = "date")]
        period: Option<String>,
        /// PostgreSQL/PostGIS connection URL: the data the indicators are computed from
        /// and where the snapshot is stored.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse().command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(config) => {
            // Retired: it trusted the header's last entry whoever wrote it. Starting
            // without it would count every client behind the proxy as one, so say so.
            if std::env::var_os("VETMAP_TRUSTED_PROXY_HEADER").is_some() {
                anyhow::bail!(
                    "VETMAP_TRUSTED_PROXY_HEADER is no longer read: unset it and set \
                     VETMAP_TRUSTED_PROXY_HOPS to the number of reverse proxies in front of \
                     vetmap that append to X-Forwarded-For (1 for a single nginx)"
                );
            }
            // Retired: one shared token could change any institution's credentials and
            // left no trace of who did. Starting without it would silently break the
            // scripts that used it, so say what replaces it.
            if std::env::var_os("VETMAP_UPLOAD_TOKEN").is_some() {
                anyhow::bail!(
                    "VETMAP_UPLOAD_TOKEN is no longer read: credential uploads now sign in as \
                     an official's account. Unset it; give each uploading script a personal API \
                     token (create the account with `vetmap accounts create`, sign in, then \
                     POST /api/v1/tokens) and send it as `Authorization: Bearer vmt_…`"
                );
            }
            let app = Application::build(config).await?;
            tracing::info!("listening on http://{}", app.local_addr());
            app.run_until_stopped().await?;
        }
        Command::Migrate { database_url } => {
            let pool = pg::connect(&database_url, 2).await?;
            pg::migrate(&pool).await?;
            println!("database schema is up to date");
        }
        Command::Import {
            paths,
            kind,
            check,
            database_url,
        } => {
            let mut batches = Vec::new();
            let mut errors = Vec::new();
            for p in &paths {
                let read = if p.is_dir() {
                    files::read_dir(p)
                } else {
                    files::read_file(p, kind).map(|b| vec![b])
                };
                match read {
                    Ok(b) => batches.extend(b),
                    Err(vetmap::store::StoreError::Invalid(e)) => errors.extend(e),
                    Err(e) => return Err(e.into()),
                }
            }
            if !errors.is_empty() {
                return Err(vetmap::store::StoreError::Invalid(errors).into());
            }
            let records: usize = batches.iter().map(|b| b.len()).sum();
            if check {
                // With institutions, occupations and areas in hand (a whole data
                // directory), references are checked here as the database's foreign keys
                // would; a partial set refers to records only the database has.
                let whole = [
                    FileKind::Institutions,
                    FileKind::Occupations,
                    FileKind::Areas,
                ]
                .iter()
                .all(|k| batches.iter().any(|b| b.kind() == *k));
                if whole {
                    bundled::assemble_checked(batches)?;
                    println!(
                        "{records} records are valid and all they refer to is present; \
                         nothing was written (--check)"
                    );
                } else {
                    println!(
                        "{records} records are valid; what they refer to in the database is \
                         checked when they are imported; nothing was written (--check)"
                    );
                }
                return Ok(());
            }
            let Some(url) = database_url else {
                anyhow::bail!(
                    "import writes to PostGIS: set DATABASE_URL (or pass --check to only validate)"
                );
            };
            let pool = pg::connect(&url, 2).await?;
            let summary = pg::import_batches(&pool, batches).await?;
            println!("imported {}", serde_json::to_string(&summary)?);
        }
        Command::Export {
            out,
            pmtiles,
            site,
            web_dir,
            min_zoom,
            max_zoom,
            format,
            database_url,
            data_dir,
            basemap,
        } => {
            let (dataset, credentials) = match database_url {
                Some(url) => {
                    let pool = pg::connect(&url, 2).await?;
                    (pg::load_dataset(&pool).await?, Source::Db(pool))
                }
                None => {
                    let b = bundled::load_dir(&data_dir)?;
                    (b.dataset, Source::Bundled(Arc::new(b.credentials)))
                }
            };
            if let Some(out) = out {
                for f in files::write_dataset(&dataset, &out, format)? {
                    println!("wrote {f}");
                }
            }
            if pmtiles.is_none() && site.is_none() {
                return Ok(());
            }
            let options = ArchiveOptions { min_zoom, max_zoom };
            let index = Arc::new(ServingIndex::build(dataset));
            // The base map's land: --basemap's GeoJSON, or the bundled one beside a
            // `.pmtiles` base map (which is not exported).
            let land = if basemap.extension().is_some_and(|e| e == "pmtiles") {
                data_dir.join("basemap/vietnam-land-ne10m.geojson")
            } else {
                basemap
            };
            let tiles = TileService::new(load_land(&land)?);
            // CPU-bound on every core: off the async workers' hands.
            let archive = |file: &std::path::Path| {
                tokio::task::block_in_place(|| write_archive(&index, &tiles, file, &options))
            };
            if let Some(file) = pmtiles {
                let s = archive(&file)?;
                println!(
                    "wrote {}: {} tiles, {} bytes, {} institutions, zooms {min_zoom} to {max_zoom}",
                    file.display(),
                    s.tiles,
                    s.bytes,
                    s.institutions
                );
            }
            if let Some(site) = site {
                let summary = write_site(&index, Some(&credentials), &web_dir, &site, |file| {
                    archive(file)?;
                    Ok(())
                })
                .await?;
                println!(
                    "wrote the static site {}: {}",
                    site.display(),
                    serde_json::to_string(&summary)?
                );
            }
        }
        Command::Synth {
            count,
            seed,
            out,
            format,
            database_url,
        } => {
            let dataset = vetmap::synth::generate(count, seed);
            match (out, database_url) {
                (Some(out), _) => {
                    for f in files::write_dataset(&dataset, &out, format)? {
                        println!("wrote {f}");
                    }
                }
                (None, Some(url)) => {
                    let pool = pg::connect(&url, 2).await?;
                    pg::copy_dataset(&pool, &dataset).await?;
                    println!(
                        "copied {} synthetic institutions into the database",
                        dataset.institutions.len()
                    );
                }
                (None, None) => {
                    anyhow::bail!("synth writes to --out DIR or to PostGIS (set DATABASE_URL)")
                }
            }
        }
        Command::Verify {
            file,
            jwks,
            status_list,
        } => verify_statement(&file, &jwks, status_list.as_deref())?,
        Command::Accounts { command } => accounts(command).await?,
        Command::Keys {
            signing_keys,
            command: KeysCommand::Rotate,
        } => {
            let kid = KeyRing::rotate(&signing_keys)?;
            println!(
                "added key {kid} to {}; it signs once the server restarts",
                signing_keys.display()
            );
        }
        Command::Keys {
            signing_keys,
            command: KeysCommand::List,
        } => {
            let ring = KeyRing::read(&signing_keys)?;
            let last = ring.keys().len() - 1;
            for (i, k) in ring.keys().iter().enumerate() {
                let created = k.created.map_or("unknown".into(), |t| {
                    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
                });
                let role = if i == last { "  signs" } else { "" };
                println!("{}  {created}{role}", k.kid());
            }
        }
        Command::Indicators {
            command:
                IndicatorsCommand::Snapshot {
                    date,
                    period,
                    database_url,
                },
        } => {
            use vetmap::indicators::{self, Inputs, holdings};
            use vetmap::model::report::Period;
            use vetmap::model::{AdminLevel, Scheme};
            let pool = pg::connect(&database_url, 2).await?;
            let period = period
                .map(|p| Period::parse("--period", &p, chrono::Utc::now().date_naive()))
                .transpose()?;
            let index = vetmap::index::ServingIndex::build(pg::load_dataset(&pool).await?);
            let held = holdings::load(&vetmap::credentials::Source::Db(pool.clone())).await?;
            let province = pg::province_reports::reports(&pool, period).await?;
            let inputs = Inputs {
                holdings: &held,
                province: &province,
            };
            let (scheme, level) = (Scheme::Pre2025, AdminLevel::District);
            let report = match period {
                None => indicators::compute(&index, scheme, level, inputs),
                Some(p) => {
                    let reports = pg::reports::reports_of_period(&pool, p).await?;
                    indicators::compute_for_period(&index, scheme, level, p, &reports, inputs)
                }
            };
            let date = date.unwrap_or_else(|| report.computed_at.date_naive());
            let snapshot = indicators::Snapshot::of(&report, date);
            pg::save_snapshot(&pool, &snapshot).await?;
            let when = period.map_or(date.to_string(), |p| format!("period {p}"));
            for r in &snapshot.rows {
                let v = r.value_pct.map_or("unknown".into(), |v| format!("{v:.1}%"));
                println!(
                    "{when} {}: {v} ({} in scope, {} unknown)",
                    r.indicator, r.in_scope, r.unknown
                );
            }
        }
    }
    Ok(())
}

async fn accounts(command: AccountsCommand) -> anyhow::Result<()> {
    use vetmap::auth::{self, NewPassword, Role};
    use vetmap::store::pg::accounts::{self as store, NewAccount};
    use vetmap::store::pg::audit::Actor;
    match command {
        AccountsCommand::Create {
            login,
            name,
            role,
            areas,
            institutions,
            database_url,
        } => {
            let role: Role = role.parse().map_err(|_| {
                anyhow::anyhow!("--role must be one of: admin province district institution")
            })?;
            let areas = areas
                .iter()
                .enumerate()
                .map(|(n, a)| {
                    let (scheme, code) = a.split_once(':').ok_or_else(|| {
                        anyhow::anyhow!("--area {a:?}: write SCHEME:CODE, e.g. pre2025:846")
                    })?;
                    Ok(auth::parse_area(
                        &format!("--area #{}", n + 1),
                        scheme,
                        code,
                    )?)
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let institutions = institutions
                .iter()
                .map(|i| {
                    vetmap::model::InstitutionId::parse(i)
                        .map_err(|e| anyhow::anyhow!("--institution: {e}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            auth::check_scope(role, &areas, &institutions)?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = NewPassword::parse(password.trim_end_matches(['\r', '\n']))?;
            let new = NewAccount {
                login: auth::parse_login(&login)?,
                display_name: auth::parse_display_name(&name)?,
                role,
                password_hash: password.hash()?,
                areas,
                institutions,
            };
            let pool = pg::connect(&database_url, 2).await?;
            let id = store::create_account(&pool, &new, &Actor::command("vetmap accounts create"))
                .await?;
            println!("created account {id} ({}, {role})", new.login);
        }
        AccountsCommand::List { database_url } => {
            let pool = pg::connect(&database_url, 2).await?;
            for a in store::list_accounts(&pool).await? {
                let scope: Vec<String> = a
                    .account
                    .areas
                    .iter()
                    .map(|x| format!("{}:{}", x.scheme, x.code))
                    .chain(a.account.institutions.iter().map(|i| i.to_string()))
                    .collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}{}",
                    a.account.id,
                    a.account.login,
                    a.account.role,
                    a.account.display_name,
                    scope.join(","),
                    if a.disabled_at.is_some() {
                        "\t(disabled)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    Ok(())
}

fn verify_statement(
    file: &std::path::Path,
    jwks: &std::path::Path,
    status_list: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use vetmap::credentials::statement::{RevocationCheck, verify_offline};
    let read = |p: &std::path::Path| -> anyhow::Result<String> {
        if p.as_os_str() == "-" {
            Ok(std::io::read_to_string(std::io::stdin())?)
        } else {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
        }
    };
    let keys = serde_json::from_str(&read(jwks)?).context("the JWKS file is not a JWK Set")?;
    let list = status_list.map(read).transpose()?;
    let report = verify_offline(&read(file)?, &keys, list.as_deref())?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    if report.demonstration {
        eprintln!("a DEMONSTRATION record, not a real credential (serial DEMO-…)");
    }
    match report.revocation {
        RevocationCheck::Revoked => {
            anyhow::bail!("the signature is genuine but the credential is REVOKED")
        }
        RevocationCheck::NotRevoked => {
            eprintln!("genuine statement; the credential is not revoked")
        }
        RevocationCheck::NotChecked => {
            eprintln!("genuine statement; revocation not checked (pass --status-list)")
        }
    }
    Ok(())
}

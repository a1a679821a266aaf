//! PostgreSQL's own client programs (`pg_dump`, `pg_restore`), run against the test
//! server as an operator runs them. Tests that need them fail, never skip, without them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where `name` is: the newest `/usr/lib/postgresql/<major>/bin` that has it (a newer
/// `pg_dump` reads older servers, an older one refuses newer servers), else `PATH`.
pub fn pg_tool(name: &str) -> PathBuf {
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|dir| {
            let major = dir.file_name().to_str()?.parse::<u32>().ok()?;
            let tool = dir.path().join("bin").join(name);
            tool.is_file().then_some((major, tool))
        })
        .collect();
    versioned.sort();
    if let Some((_, tool)) = versioned.pop() {
        return tool;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|tool| tool.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} is missing: the backup tests run PostgreSQL's client programs \
                 (Debian: apt-get install postgresql-client-15, which postgresql-15 brings; \
                 `bash scripts/test.sh` installs it)"
            )
        })
}

/// Runs a PostgreSQL client program with `args` and returns its output, whatever its
/// exit status. `PG*` variables that could point it elsewhere are cleared: the
/// connection is the URL in `args`, the tests' own server.
pub fn run_pg_tool(name: &str, args: &[&str]) -> Output {
    let tool = pg_tool(name);
    let mut cmd = Command::new(&tool);
    for var in [
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGSERVICE",
        "PGOPTIONS",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} does not run: {e}", tool.display()))
}

/// As [`run_pg_tool`], failing the test with the program's messages unless it succeeds.
pub fn run_pg_tool_ok(name: &str, args: &[&str]) -> Output {
    let out = run_pg_tool(name, args);
    assert!(
        out.status.success(),
        "{name} {} failed ({}):\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `pg_dump --format=custom` of the database at `url` into `file`, as docs/OPERATIONS.md
/// tells operators to make backups.
pub fn dump(url: &str, file: &Path) {
    let file = file.to_str().expect("a UTF-8 path");
    run_pg_tool_ok(
        "pg_dump",
        &["--format=custom", "--file", file, "--dbname", url],
    );
}

impl super::TestDb {
    /// An empty database (no schema, no PostGIS) made by `createdb`, the way an operator
    /// makes the database a backup is restored into; dropped like every `TestDb`.
    pub fn create_by_createdb() -> super::TestDb {
        let admin_url = super::admin_url();
        let name = format!("vetmap_test_{}", super::uuid_like());
        run_pg_tool_ok(
            "createdb",
            &[&format!("--maintenance-db={admin_url}"), &name],
        );
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("VETMAP_TEST_ADMIN_URL must end in /database"),
        };
        super::TestDb {
            url,
            name,
            admin_url,
        }
    }
}

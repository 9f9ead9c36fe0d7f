//! `sshfolio migrate --to postgres://…`: copies the SQLite inbox in
//! `--data` into PostgreSQL — messages with their read state, visits, and
//! the deliveries still to make — for an owner moving from one VPS to
//! replicas. Safe to run twice: messages are matched by submission id,
//! visits by where they came from, so a second run copies nothing again.

use std::process::ExitCode;

use anyhow::{Result, bail};

use super::{block_on, print};
use crate::cli::MigrateArgs;
use crate::inbox::Database;
use crate::inbox::postgres::{PgStore, import};
use crate::text::counted;

pub fn run(args: &MigrateArgs) -> Result<ExitCode> {
    let Database::Postgres(pg) = Database::from_flags("--to", Some(&args.to), &args.data)? else {
        bail!("--to: give the PostgreSQL database to copy into (postgres://…)");
    };
    let copied = block_on(async {
        let store = PgStore::new(&pg)?;
        import::from_sqlite(&store, &args.data).await
    })?;
    print(&format!(
        "copied {}, {} and {} from {} into {}{}\n",
        counted(copied.messages as usize, "new message"),
        counted(copied.visits as usize, "visit"),
        match copied.deliveries {
            1 => "1 pending delivery".to_string(),
            n => format!("{n} pending deliveries"),
        },
        args.data.join(crate::inbox::sqlite::FILE).display(),
        pg.label,
        if copied.skipped > 0 {
            format!(
                " ({} already there)",
                counted(copied.skipped as usize, "message")
            )
        } else {
            String::new()
        }
    ))?;
    Ok(ExitCode::SUCCESS)
}

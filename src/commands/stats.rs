//! `sshfolio stats`: who came by over the last days: visits, distinct
//! visitors per day, median visit length, sections viewed, clients and
//! how they came, as text with bar charts. The database does the
//! counting, so the command's memory stays flat however many visits there
//! are; every label that came from a visitor is cleaned before printing.

use std::process::ExitCode;

use anyhow::Result;

use super::messages::open;
use super::{block_on, print};
use crate::cli::StatsArgs;
use crate::report::stats::stats;

pub fn run(args: &StatsArgs) -> Result<ExitCode> {
    let text = block_on(async {
        let (_, store) = open(&args.store).await?;
        stats(store.as_deref(), args.days).await
    })?;
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

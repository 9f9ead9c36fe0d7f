//! Everything in a SQLite inbox, read out for `sshfolio migrate`: the
//! messages with their read state, every delivery, and the visits a
//! chunk at a time (a large table is never held in memory at once). Run
//! by a command, off any runtime.

use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::{Connection, params};

use super::queries::{rows, stmt};
use super::schema::{self, FILE};
use crate::inbox::model::{Delivery, Message, Visit};
use crate::inbox::sql;

/// The SQLite inbox of a data directory, opened to be copied.
pub struct Export {
    conn: Connection,
}

impl Export {
    /// Opens `DIR/messages.db`; an error when there is none.
    pub fn open(dir: &Path) -> Result<Export> {
        let path = dir.join(FILE);
        if !path.exists() {
            anyhow::bail!("no inbox to copy: {} does not exist", path.display());
        }
        let conn = schema::open(&path).with_context(|| format!("opening {}", path.display()))?;
        Ok(Export { conn })
    }

    /// Every message, oldest id first.
    pub fn messages(&self) -> Result<Vec<Message>> {
        let query = format!("SELECT {} FROM messages ORDER BY id", sql::MESSAGE_COLUMNS);
        rows(&self.conn, &query, [], |row| Message::from_columns(row, 0))
    }

    /// Every delivery, in id order.
    pub fn deliveries(&self) -> Result<Vec<Delivery>> {
        let query = format!(
            "SELECT {} FROM deliveries ORDER BY id",
            sql::DELIVERY_COLUMNS
        );
        rows(&self.conn, &query, [], |row| Delivery::from_columns(row, 0))
    }

    /// Up to `limit` visits with ids above `after`, in id order, with
    /// their ids.
    pub fn visits_after(&self, after: i64, limit: u32) -> Result<Vec<(i64, Visit)>> {
        let query = format!(
            "SELECT id, {} FROM visits WHERE id > $1 ORDER BY id LIMIT $2",
            sql::VISIT_COLUMNS
        );
        let mut stmt = stmt(&self.conn, &query)?;
        let rows = stmt.query_map(params![after, limit], |row| {
            Ok((
                row.get(0)?,
                Visit {
                    started_at: row.get(1)?,
                    duration_ms: row.get(2)?,
                    peer: None,
                    visitor: row.get(3)?,
                    client: row.get(4)?,
                    term: row.get(5)?,
                    cols: row.get(6)?,
                    rows: row.get(7)?,
                    sections: row.get(8)?,
                    left_message: row.get(9)?,
                    kind: row.get(10)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

//! Where the tests find the portfolio: the shipped content directory, a
//! writable copy of it for tests that edit files, and the loaded content
//! the expected screens and exports are computed from.

use std::path::{Path, PathBuf};

use sshfolio::content::{self, Content};

/// The content the project ships (`content/`), read-only to tests.
pub fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

/// A writable copy of the shipped content.
pub fn content_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(content_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// The shipped content, loaded as the server loads it.
pub fn shipped_content() -> Content {
    content::load(&content_dir()).expect("shipped content is valid")
}

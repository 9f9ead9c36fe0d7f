//! The owner's reports as text: the inbox and the visit stats, printed
//! the same by the local commands, the exec commands over SSH and the
//! console.

pub mod messages;
pub mod stats;

//! What a visitor's message is, wherever it is handled (the form that
//! edits it, the inbox that stores it): its fields' limits in characters.

/// Name: required.
pub const MAX_NAME: usize = 100;
/// How to reach the visitor: optional.
pub const MAX_CONTACT: usize = 200;
/// The message: required, multi-line.
pub const MAX_MESSAGE: usize = 2000;

//! The visitor's terminal as the server sees it: the bytes it sends
//! ([`input`]), what it can display ([`caps`]), how big it is ([`size`]),
//! and how a frame reaches it ([`frame`], [`modes`]).

pub mod caps;
pub mod frame;
pub mod input;
pub mod modes;
pub mod painter;
pub mod render;
pub mod screen;
pub mod size;

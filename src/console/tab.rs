//! The console's tabs.

/// The console's tabs, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Inbox,
    Deliveries,
    Stats,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Inbox, Tab::Deliveries, Tab::Stats];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Inbox => "Inbox",
            Tab::Deliveries => "Deliveries",
            Tab::Stats => "Stats",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

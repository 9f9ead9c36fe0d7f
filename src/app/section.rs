//! The portfolio's sections and where the visitor is within each: the
//! selected item, the list's offset, an open detail, a text's scroll.

use crate::content::Content;

/// The portfolio's sections, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    About,
    Experience,
    Skills,
    Insights,
    Projects,
    Contact,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::About,
        Section::Experience,
        Section::Skills,
        Section::Insights,
        Section::Projects,
        Section::Contact,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The tab label.
    pub fn title(self) -> &'static str {
        match self {
            Section::About => "About",
            Section::Experience => "Experience",
            Section::Skills => "Skills",
            Section::Insights => "Insights",
            Section::Projects => "Projects",
            Section::Contact => "Contact",
        }
    }

    /// The name used in deep links (`ssh projects@host`) and exec commands.
    pub fn name(self) -> &'static str {
        match self {
            Section::About => "about",
            Section::Experience => "experience",
            Section::Skills => "skills",
            Section::Insights => "insights",
            Section::Projects => "projects",
            Section::Contact => "contact",
        }
    }

    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn next(self) -> Section {
        Section::ALL[(self.index() + 1) % Section::ALL.len()]
    }

    pub fn prev(self) -> Section {
        Section::ALL[(self.index() + Section::ALL.len() - 1) % Section::ALL.len()]
    }

    /// Sections that list items with a detail view.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Section::Experience | Section::Insights | Section::Projects
        )
    }

    /// How many selectable items the section lists (0 for text sections).
    pub fn item_count(self, content: &Content) -> usize {
        match self {
            Section::Experience => content.experience.jobs.len(),
            Section::Insights => content.insights.insights.len(),
            Section::Projects => content.projects.projects.len(),
            _ => 0,
        }
    }
}

/// Where the visitor is within one section. Kept per section, so coming
/// back to a section finds it as it was left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    /// Selected item (list sections).
    pub selected: usize,
    /// First visible row of the list.
    pub offset: usize,
    /// The selected item's detail is open.
    pub detail: bool,
    /// First visible row of a text section or of the open detail.
    pub scroll: usize,
}

impl View {
    /// Whether up/down scroll text rather than move a selection.
    pub fn scrolls_text(&self, section: Section) -> bool {
        !section.is_list() || self.detail
    }
}

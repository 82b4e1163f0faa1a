//! Degradation levels (operations seed §8.3) and which signals run at each.

use serde::{Deserialize, Serialize};

/// The fleet's degradation level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(try_from = "u8", into = "u8")]
pub enum DegradationLevel {
    /// 1: full service with all features.
    #[default]
    Full,
    /// 2: core detection only, reduced rule updates.
    Core,
    /// 3: cached rules only, no real-time updates (same signals as level 2).
    Cached,
    /// 4: minimal detection (URL signals only), emergency bulletins only.
    Minimal,
}

/// A number that is not a degradation level (1–4).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("degradation level must be 1, 2, 3 or 4, not {0}")]
pub struct BadLevel(pub u8);

impl TryFrom<u8> for DegradationLevel {
    type Error = BadLevel;
    fn try_from(n: u8) -> Result<Self, BadLevel> {
        match n {
            1 => Ok(Self::Full),
            2 => Ok(Self::Core),
            3 => Ok(Self::Cached),
            4 => Ok(Self::Minimal),
            other => Err(BadLevel(other)),
        }
    }
}

impl From<DegradationLevel> for u8 {
    fn from(l: DegradationLevel) -> u8 {
        match l {
            DegradationLevel::Full => 1,
            DegradationLevel::Core => 2,
            DegradationLevel::Cached => 3,
            DegradationLevel::Minimal => 4,
        }
    }
}

/// Groups of signals, gated by level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalGroup {
    /// Lookalike domains and reputation: from the URL alone. Run at every level.
    Url,
    /// Forms, brand names, redirects, fresh domain, YARA content rules. Levels 1–3.
    Core,
    /// Hotlinking, brand-asset pHash, data: URLs, script obfuscation, urgency keywords. Level 1.
    Auxiliary,
}

impl DegradationLevel {
    /// Whether signals of `group` run at this level.
    pub fn runs(self, group: SignalGroup) -> bool {
        match group {
            SignalGroup::Url => true,
            SignalGroup::Core => self != DegradationLevel::Minimal,
            SignalGroup::Auxiliary => self == DegradationLevel::Full,
        }
    }

    /// The level as a number 1–4.
    pub fn number(self) -> u8 {
        self.into()
    }
}

//! Who wrote a span of text, and whether a person has vouched for it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How AI text arrived in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AiKind {
    InlineCompletion,
    NextEdit,
    Chat,
    Agent,
    Paste,
    Manual,
    Heuristic,
}

impl AiKind {
    pub(crate) const ALL: [AiKind; 7] = [
        AiKind::InlineCompletion,
        AiKind::NextEdit,
        AiKind::Chat,
        AiKind::Agent,
        AiKind::Paste,
        AiKind::Manual,
        AiKind::Heuristic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AiKind::InlineCompletion => "inline-completion",
            AiKind::NextEdit => "next-edit",
            AiKind::Chat => "chat",
            AiKind::Agent => "agent",
            AiKind::Paste => "paste",
            AiKind::Manual => "manual",
            AiKind::Heuristic => "heuristic",
        }
    }
}

impl fmt::Display for AiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AiKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AiKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown AI kind `{s}`"))
    }
}

/// The AI tool that wrote a span. Never holds prompt text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AiSource {
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub kind: AiKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Unix time in milliseconds when the text was accepted.
    pub accepted_at: i64,
}

#[cfg(test)]
impl AiSource {
    /// A coding agent's source for tests: tool `t`, no model or session.
    pub(crate) fn test_agent() -> AiSource {
        AiSource {
            tool: "t".into(),
            model: None,
            kind: AiKind::Agent,
            session: None,
            accepted_at: 1,
        }
    }
}

/// A person's attestation that they read a span.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Review {
    /// `Name <email>` or any identity string.
    pub by: String,
    /// Unix time in milliseconds.
    pub at: i64,
}

/// The label of every character: human (the default) or AI, with the people
/// who reviewed it (every one of them, oldest first: reviews accumulate, so a
/// reviewer a policy requires is never replaced by a later one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "AttributionRepr", into = "AttributionRepr")]
pub enum Attribution {
    #[default]
    Human,
    Ai {
        source: AiSource,
        reviews: Vec<Review>,
    },
}

/// The serialised form. `reviews` lists every review; `review` (a single
/// review) is what stores written before reviews accumulated hold, and is
/// still read.
#[derive(Serialize, Deserialize)]
#[serde(tag = "origin", rename_all = "lowercase")]
enum AttributionRepr {
    Human,
    Ai {
        source: AiSource,
        #[serde(default, skip_serializing)]
        review: Option<Review>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reviews: Vec<Review>,
    },
}

impl From<AttributionRepr> for Attribution {
    fn from(r: AttributionRepr) -> Self {
        match r {
            AttributionRepr::Human => Attribution::Human,
            AttributionRepr::Ai {
                source,
                review,
                mut reviews,
            } => {
                if let Some(old) = review
                    && !reviews.iter().any(|r| r.by == old.by)
                {
                    reviews.insert(0, old);
                }
                Attribution::Ai { source, reviews }
            }
        }
    }
}

impl From<Attribution> for AttributionRepr {
    fn from(a: Attribution) -> Self {
        match a {
            Attribution::Human => AttributionRepr::Human,
            Attribution::Ai { source, reviews } => AttributionRepr::Ai {
                source,
                review: None,
                reviews,
            },
        }
    }
}

impl Attribution {
    pub fn ai(source: AiSource) -> Self {
        Attribution::Ai {
            source,
            reviews: Vec::new(),
        }
    }

    pub fn is_ai(&self) -> bool {
        matches!(self, Attribution::Ai { .. })
    }

    pub fn source(&self) -> Option<&AiSource> {
        match self {
            Attribution::Ai { source, .. } => Some(source),
            Attribution::Human => None,
        }
    }

    /// The latest review, if any.
    pub fn review(&self) -> Option<&Review> {
        self.reviews().last()
    }

    /// Every review, oldest first (empty for human or unreviewed text).
    pub fn reviews(&self) -> &[Review] {
        match self {
            Attribution::Ai { reviews, .. } => reviews,
            Attribution::Human => &[],
        }
    }

    pub fn is_unreviewed_ai(&self) -> bool {
        matches!(self, Attribution::Ai { reviews, .. } if reviews.is_empty())
    }

    /// The same attribution with `review` added, or `None` when that person
    /// already reviewed it (their first review stands) or the text is human.
    pub(crate) fn with_review_added(&self, review: &Review) -> Option<Self> {
        match self {
            Attribution::Ai { source, reviews } if !reviews.iter().any(|r| r.by == review.by) => {
                let mut reviews = reviews.clone();
                reviews.push(review.clone());
                Some(Attribution::Ai {
                    source: source.clone(),
                    reviews,
                })
            }
            _ => None,
        }
    }

    /// The same attribution with every review of `other` it lacks added.
    pub fn with_reviews_of(&self, other: &Attribution) -> Self {
        let mut out = self.clone();
        for r in other.reviews() {
            if let Some(more) = out.with_review_added(r) {
                out = more;
            }
        }
        out
    }
}

/// Current time in Unix milliseconds.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// RFC 3339 rendering of a Unix-millisecond time, in UTC.
pub fn format_millis(ms: i64) -> String {
    let t =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(t).to_string()
}

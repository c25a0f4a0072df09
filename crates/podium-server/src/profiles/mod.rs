//! Participant profiles: display name, country, metadata and avatar, global to the install.
//! What a ranking row shows of them (name and avatar) is held in memory by every process and
//! kept current through the change feed, so no read of a ranking touches PostgreSQL.

pub mod avatar;
pub mod service;
pub mod store;

use std::{collections::HashMap, sync::RwLock};

use crate::{
    model::ProfileBrief,
    sync::{read, write},
};

/// Where a participant's avatar is served; `v` (the start of its ETag) changes with the image,
/// so the URL can be cached for long.
pub fn avatar_url(participant: &str, etag: &str) -> String {
    format!(
        "/api/v1/participants/{participant}/avatar?v={}",
        &etag[..etag.len().min(16)]
    )
}

/// What a ranking row shows of a participant's profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

/// The briefs of every participant that has something to show.
#[derive(Debug, Default)]
pub struct Profiles {
    by_participant: RwLock<HashMap<Box<str>, ProfileBrief>>,
}

impl Profiles {
    /// What to show for `participant` (nothing without a profile).
    pub fn shown(&self, participant: &str) -> Shown {
        match read(&self.by_participant).get(participant) {
            Some(b) => Shown {
                display_name: b.display_name.clone(),
                avatar_url: b.avatar_etag.as_deref().map(|e| avatar_url(participant, e)),
            },
            None => Shown::default(),
        }
    }

    /// Installs a participant's brief (an empty one removes it).
    pub fn set(&self, participant: &str, brief: ProfileBrief) {
        let mut map = write(&self.by_participant);
        if brief.is_empty() {
            map.remove(participant);
        } else {
            map.insert(participant.into(), brief);
        }
    }

    /// Replaces every brief (start-up, or a process that fell behind the change log).
    pub fn replace_all(&self, briefs: Vec<(String, ProfileBrief)>) {
        let map = briefs
            .into_iter()
            .filter(|(_, b)| !b.is_empty())
            .map(|(p, b)| (p.into_boxed_str(), b))
            .collect();
        *write(&self.by_participant) = map;
    }

    pub fn len(&self) -> usize {
        read(&self.by_participant).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief(name: Option<&str>, etag: Option<&str>) -> ProfileBrief {
        ProfileBrief {
            display_name: name.map(str::to_owned),
            avatar_etag: etag.map(str::to_owned),
        }
    }

    #[test]
    fn an_empty_brief_removes_the_participant() {
        let p = Profiles::default();
        p.set("ada", brief(Some("Ada"), Some("0123456789abcdef0123")));
        assert_eq!(
            p.shown("ada"),
            Shown {
                display_name: Some("Ada".into()),
                avatar_url: Some("/api/v1/participants/ada/avatar?v=0123456789abcdef".into()),
            }
        );
        p.set("ada", brief(None, None));
        assert_eq!(p.shown("ada"), Shown::default());
        assert!(p.is_empty());
    }

    #[test]
    fn replace_all_keeps_only_what_shows() {
        let p = Profiles::default();
        p.set("old", brief(Some("Old"), None));
        p.replace_all(vec![
            ("ada".into(), brief(Some("Ada"), None)),
            ("bob".into(), brief(None, None)),
        ]);
        assert_eq!(p.len(), 1);
        assert_eq!(p.shown("old"), Shown::default());
        assert_eq!(p.shown("ada").display_name.as_deref(), Some("Ada"));
    }
}

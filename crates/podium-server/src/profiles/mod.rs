//! Participant profiles: display name, avatar and metadata, shown beside ranks and ratings.

pub mod avatar;

//! Podium's pure domain, free of IO: validated ids, score operators, the in-memory rank index
//! for a leaderboard period, and period bounds for reset schedules.

pub mod board;
pub mod ids;
pub mod period;
pub mod rating;
pub mod score;
mod tree;

pub use board::{Board, CursorKey, Entry};
pub use ids::{IdError, ParticipantId, Slug};
pub use period::{PeriodBounds, ResetSchedule, ScheduleError, parse_timezone};
pub use score::{ApplyOutcome, Operator, Order, ScoreError, apply};

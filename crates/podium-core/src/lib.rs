//! Podium's pure domain, free of IO: validated ids, score operators, the in-memory rank index
//! for a leaderboard period, period bounds for reset schedules, league ratings and the rules
//! of leagues (matches as submitted, replay in rating order).

pub mod board;
pub mod ids;
pub mod league;
pub mod period;
pub mod rating;
pub mod score;
mod tree;

pub use board::{Board, CursorKey, Entry};
pub use ids::{IdError, ParticipantId, Slug};
pub use period::{PeriodBounds, ResetSchedule, ScheduleError, parse_timezone};
pub use score::{ApplyOutcome, Operator, Order, ScoreError, apply};

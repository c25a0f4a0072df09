//! The rating layer against published references and as a black box: Glickman's Glicko-2
//! example, TrueSkill and OpenSkill reference vectors, and properties of the engine.

mod properties;
mod reference;

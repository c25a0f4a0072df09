//! Locks for the in-memory state that recover from poisoning.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A lock that recovers from poisoning: the index's invariants hold between statements, and a
/// panicking request must not take every later request down with it.
pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

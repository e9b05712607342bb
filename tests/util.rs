//! test utilities

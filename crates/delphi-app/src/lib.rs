//! Use cases: one function per operation, each owning its transaction and writing outbox rows in it.

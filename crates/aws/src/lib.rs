//! AWS adapters: each capability the product needs is a trait, an SDK-backed implementation and an in-memory fake.

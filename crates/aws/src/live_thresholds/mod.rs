//! Live thresholds, the I/O half: read the quotas now and the stored record, and write the record of a
//! change, over [`QuotaService`](crate::QuotaService) and [`ParameterStore`](crate::ParameterStore). The
//! pure half (the types, the change, the `last-change` JSON, which keys to write) is
//! `bedrock_ops_core::live_thresholds`.
//!
//! Used by the quota calculator, the alarm updater and `bedrock-ops-alert thresholds --live`, which all
//! depend on this crate, so the three read and store the same way.
//!
//! | file | what |
//! |---|---|
//! | [`read`] | both quotas, concurrently, into [`LiveThresholds`](bedrock_ops_core::live_thresholds::LiveThresholds), and [`LiveError`] |
//! | [`stored`] | the stored record, one GetParametersByPath walk |
//! | [`record`] | writing a change's record: started by [`write_record`], ended by [`finish_record`] |

pub mod read;
pub mod record;
pub mod stored;

pub use read::{LiveError, read_live};
pub use record::{finish_record, write_record};
pub use stored::read_stored;

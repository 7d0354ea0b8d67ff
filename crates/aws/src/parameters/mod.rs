//! Parameter Store: a stack's settings and thresholds, read in one walk and written one key at a time.

use std::collections::BTreeMap;
use std::future::Future;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod sdk;

/// One stored version of a parameter (Parameter Store keeps the last 100).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterVersion {
    pub version: i64,
    pub value: String,
    /// Epoch seconds.
    pub last_modified: Option<i64>,
}

/// Parameter Store, limited to plain `String` parameters.
pub trait ParameterStore: Send + Sync {
    /// Every parameter under `path`, recursively, in one walk over all pages. Keys are relative to the path
    /// (`/C/bedrock/quota-monitoring/M/` + `thresholds/rpm-quota` → key `thresholds/rpm-quota`); a missing path
    /// gives an empty map.
    fn get_by_path(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<BTreeMap<String, String>, AwsError>> + Send;

    /// The named keys under `path` (relative, as [`ParameterStore::get_by_path`] returns them) that exist, read with
    /// GetParameters: one call per 10 keys, whatever else the path holds. Cheaper than the walk when a caller needs a
    /// known few keys of a path that holds many (the walk pages by 10).
    fn get_keys(
        &self,
        path: &str,
        keys: &[&str],
    ) -> impl Future<Output = Result<BTreeMap<String, String>, AwsError>> + Send;

    /// Creates or overwrites a `String` parameter and returns its new version number.
    fn put(&self, name: &str, value: &str) -> impl Future<Output = Result<i64, AwsError>> + Send;

    /// Deletes the named parameters (full names); names that are already gone are not an error.
    /// Returns the names that were actually deleted.
    fn delete(
        &self,
        names: &[String],
    ) -> impl Future<Output = Result<Vec<String>, AwsError>> + Send;

    /// Every stored version of one parameter, oldest first.
    fn history(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Vec<ParameterVersion>, AwsError>> + Send;
}

/// GetParameters takes at most this many names per call.
pub(crate) const GET_BATCH: usize = 10;

/// `path` with exactly one trailing `/`, so keys can be cut off it.
pub(crate) fn normalise_path(path: &str) -> String {
    format!("{}/", path.trim_end_matches('/'))
}

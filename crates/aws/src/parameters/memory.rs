//! In-memory [`ParameterStore`] for unit tests: keeps every version like Parameter Store does.

use std::collections::BTreeMap;

use super::{GET_BATCH, ParameterStore, ParameterVersion, normalise_path};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

#[derive(Debug, Default)]
struct State {
    /// Full name → versions, oldest first.
    parameters: BTreeMap<String, Vec<ParameterVersion>>,
    /// Names in the order `put` wrote them.
    writes: Vec<(String, String)>,
    faults: Faults,
}

/// Cloning shares the store.
#[derive(Debug, Clone, Default)]
pub struct MemoryParameters {
    state: Shared<State>,
}

fault_knobs!(MemoryParameters);

impl MemoryParameters {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store already holding `key → value` under `path` (keys relative to the path, as `get_by_path` returns
    /// them). Seeding is not recorded as a write.
    pub fn with_values<'a>(
        path: &str,
        values: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let store = Self::new();
        let prefix = normalise_path(path);
        for (key, value) in values {
            store.seed(&format!("{prefix}{key}"), value);
        }
        store
    }

    /// Sets a parameter (full name) without recording it as a write.
    pub fn seed(&self, name: &str, value: &str) {
        let mut state = self.state.lock();
        store_version(&mut state, name, value);
    }

    /// The current value of a parameter (full name).
    pub fn value(&self, name: &str) -> Option<String> {
        let state = self.state.lock();
        state
            .parameters
            .get(name)
            .and_then(|versions| versions.last())
            .map(|v| v.value.clone())
    }

    /// Every `put` made through the trait, in order: (full name, value).
    pub fn writes(&self) -> Vec<(String, String)> {
        self.state.lock().writes.clone()
    }

    /// Current values of every parameter, by full name.
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        let state = self.state.lock();
        state
            .parameters
            .iter()
            .filter_map(|(name, versions)| versions.last().map(|v| (name.clone(), v.value.clone())))
            .collect()
    }
}

fn store_version(state: &mut State, name: &str, value: &str) -> i64 {
    let versions = state.parameters.entry(name.to_owned()).or_default();
    let version = versions.last().map_or(1, |v| v.version + 1);
    versions.push(ParameterVersion {
        version,
        value: value.to_owned(),
        last_modified: None,
    });
    version
}

impl ParameterStore for MemoryParameters {
    async fn get_by_path(&self, path: &str) -> Result<BTreeMap<String, String>, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("GetParametersByPath")?;
        let prefix = normalise_path(path);
        Ok(state
            .parameters
            .iter()
            .filter_map(|(name, versions)| {
                let key = name.strip_prefix(&prefix)?;
                versions.last().map(|v| (key.to_owned(), v.value.clone()))
            })
            .collect())
    }

    async fn get_keys(
        &self,
        path: &str,
        keys: &[&str],
    ) -> Result<BTreeMap<String, String>, AwsError> {
        let mut state = self.state.lock();
        for _ in keys.chunks(GET_BATCH) {
            state.faults.enter("GetParameters")?;
        }
        let prefix = normalise_path(path);
        Ok(keys
            .iter()
            .filter_map(|key| {
                let versions = state.parameters.get(&format!("{prefix}{key}"))?;
                versions
                    .last()
                    .map(|v| ((*key).to_owned(), v.value.clone()))
            })
            .collect())
    }

    async fn put(&self, name: &str, value: &str) -> Result<i64, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("PutParameter")?;
        state.writes.push((name.to_owned(), value.to_owned()));
        Ok(store_version(&mut state, name, value))
    }

    async fn delete(&self, names: &[String]) -> Result<Vec<String>, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("DeleteParameters")?;
        Ok(names
            .iter()
            .filter(|name| state.parameters.remove(name.as_str()).is_some())
            .cloned()
            .collect())
    }

    async fn history(&self, name: &str) -> Result<Vec<ParameterVersion>, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("GetParameterHistory")?;
        Ok(state.parameters.get(name).cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_relative_keys_writes_versions_and_deletes_idempotently() {
        let store = MemoryParameters::with_values(
            "/acme/bedrock/quota-monitoring/claude",
            [("mode", "live")],
        );
        store.seed("/acme/bedrock/quota-monitoring/claude-2/mode", "dry-run");
        let handle = store.clone();

        assert_eq!(
            store
                .put(
                    "/acme/bedrock/quota-monitoring/claude/thresholds/rpm-quota",
                    "10"
                )
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .put(
                    "/acme/bedrock/quota-monitoring/claude/thresholds/rpm-quota",
                    "20"
                )
                .await
                .unwrap(),
            2
        );

        let named = store
            .get_keys(
                "/acme/bedrock/quota-monitoring/claude",
                &["mode", "thresholds/rpm-quota", "absent"],
            )
            .await
            .unwrap();
        assert_eq!(named.len(), 2);
        assert_eq!(named["thresholds/rpm-quota"], "20");
        assert_eq!(store.calls("GetParameters"), 1);

        let values = store
            .get_by_path("/acme/bedrock/quota-monitoring/claude/")
            .await
            .unwrap();
        assert_eq!(
            values.keys().collect::<Vec<_>>(),
            ["mode", "thresholds/rpm-quota"]
        );
        assert_eq!(values["thresholds/rpm-quota"], "20");
        let history = store
            .history("/acme/bedrock/quota-monitoring/claude/thresholds/rpm-quota")
            .await
            .unwrap();
        assert_eq!(
            history.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(),
            ["10", "20"]
        );
        assert_eq!(handle.writes().len(), 2);

        let names = vec![
            "/acme/bedrock/quota-monitoring/claude/mode".to_owned(),
            "/gone".to_owned(),
        ];
        assert_eq!(store.delete(&names).await.unwrap(), vec![names[0].clone()]);
        assert_eq!(handle.value(&names[0]), None);
    }

    #[tokio::test]
    async fn injected_failures_fire_once_or_always() {
        let store = MemoryParameters::new();
        store.fail_next(
            "PutParameter",
            AwsError::invalid("ssm", "PutParameter", "bad"),
        );
        store.fail_always(
            "GetParametersByPath",
            AwsError::from_code(
                "ssm",
                "GetParametersByPath",
                "ThrottlingException",
                "",
                None,
            ),
        );

        assert!(matches!(
            store.put("/a", "1").await,
            Err(AwsError::IllegalArgument { .. })
        ));
        assert_eq!(store.put("/a", "1").await, Ok(1));
        assert!(store.get_by_path("/").await.unwrap_err().is_retryable());
        assert!(store.get_by_path("/").await.is_err());
        store.clear_failures();
        assert_eq!(store.get_by_path("/").await.unwrap().len(), 1);
        assert_eq!(store.calls("GetParametersByPath"), 3);
    }
}

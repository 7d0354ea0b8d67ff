//! In-memory [`AlarmAdmin`] for unit tests: behaves like CloudWatch for the parts we rely on (put replaces the
//! definition, tags only stick on create, delete ignores unknown names).

use std::collections::BTreeMap;

use super::{AlarmAdmin, MetricAlarmDef};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

#[derive(Debug, Default)]
struct State {
    alarms: BTreeMap<String, MetricAlarmDef>,
    puts: Vec<MetricAlarmDef>,
    deleted: Vec<String>,
    faults: Faults,
}

/// Cloning shares the alarms.
#[derive(Debug, Clone, Default)]
pub struct MemoryAlarms {
    state: Shared<State>,
}

fault_knobs!(MemoryAlarms);

impl MemoryAlarms {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores an alarm as if it existed already (not recorded as a put).
    pub fn seed(&self, alarm: MetricAlarmDef) {
        self.state.lock().alarms.insert(alarm.name.clone(), alarm);
    }

    /// The stored alarm, as `describe` would return it.
    pub fn alarm(&self, name: &str) -> Option<MetricAlarmDef> {
        self.state.lock().alarms.get(name).cloned()
    }

    /// Names of every stored alarm, sorted.
    pub fn names(&self) -> Vec<String> {
        self.state.lock().alarms.keys().cloned().collect()
    }

    /// Every definition `put` received, in order.
    pub fn puts(&self) -> Vec<MetricAlarmDef> {
        self.state.lock().puts.clone()
    }

    /// Names that `delete` removed, in order.
    pub fn deleted(&self) -> Vec<String> {
        self.state.lock().deleted.clone()
    }
}

impl AlarmAdmin for MemoryAlarms {
    async fn describe(&self, names: &[String]) -> Result<Vec<MetricAlarmDef>, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("DescribeAlarms")?;
        Ok(names
            .iter()
            .filter_map(|name| state.alarms.get(name).cloned())
            .collect())
    }

    async fn put(&self, alarm: &MetricAlarmDef) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("PutMetricAlarm")?;
        alarm
            .validate()
            .map_err(|message| AwsError::invalid("cloudwatch", "PutMetricAlarm", message))?;
        state.puts.push(alarm.clone());
        let mut stored = alarm.clone();
        match state.alarms.get(&alarm.name) {
            Some(existing) => {
                stored.tags = existing.tags.clone();
                stored.arn = existing.arn.clone();
                stored.state_value = existing.state_value.clone();
            }
            None => {
                stored.arn = Some(format!(
                    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:{}",
                    alarm.name
                ));
                stored.state_value = Some("INSUFFICIENT_DATA".to_owned());
            }
        }
        state.alarms.insert(alarm.name.clone(), stored);
        Ok(())
    }

    async fn delete(&self, names: &[String]) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("DeleteAlarms")?;
        for name in names {
            if state.alarms.remove(name).is_some() {
                state.deleted.push(name.clone());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarms::MetricQuery;

    fn def(name: &str, threshold: f64) -> MetricAlarmDef {
        let query = MetricQuery {
            id: "rate".into(),
            metric_stat: None,
            expression: Some("m1".into()),
            label: None,
            return_data: Some(true),
            period: Some(60),
            account_id: None,
        };
        MetricAlarmDef::metric_math(
            name,
            vec![query],
            threshold,
            "GreaterThanOrEqualToThreshold",
            1,
        )
    }

    #[tokio::test]
    async fn put_keeps_create_time_tags_and_delete_ignores_unknown_names() {
        let alarms = MemoryAlarms::new();
        let mut first = def("a", 10.0);
        first.tags = vec![("k".into(), "v".into())];
        alarms.put(&first).await.unwrap();
        alarms.put(&def("a", 20.0)).await.unwrap();

        let stored = alarms.describe(&["a".into(), "b".into()]).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].threshold, Some(20.0));
        assert_eq!(stored[0].tags, vec![("k".to_owned(), "v".to_owned())]);
        assert_eq!(alarms.puts().len(), 2);

        alarms.delete(&["a".into(), "b".into()]).await.unwrap();
        assert_eq!(alarms.deleted(), vec!["a".to_owned()]);
        assert!(alarms.names().is_empty());
    }

    #[tokio::test]
    async fn invalid_definitions_and_injected_failures_are_refused() {
        let alarms = MemoryAlarms::new();
        let mut broken = def("a", 1.0);
        broken.metrics.clear();
        assert!(matches!(
            alarms.put(&broken).await,
            Err(AwsError::IllegalArgument { .. })
        ));

        alarms.fail_next(
            "DescribeAlarms",
            AwsError::from_code("cloudwatch", "DescribeAlarms", "AccessDenied", "", None),
        );
        assert!(matches!(
            alarms.describe(&["a".into()]).await,
            Err(AwsError::AccessDenied { .. })
        ));
        assert!(alarms.puts().is_empty());
    }
}

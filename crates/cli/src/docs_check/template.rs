//! The two facts of template.yaml the docs check needs, read line by line (the template's layout is
//! fixed by cfn-lint: two-space indents): its parameter names, and which parameter each
//! `AWS::SSM::Parameter` resource writes to which Parameter Store key.

use std::collections::BTreeMap;

pub struct Template {
    /// Parameter names, in template order.
    pub parameters: Vec<String>,
    /// Parameter Store key (relative to the stack's path) → the template parameter its value is.
    pub settings: BTreeMap<String, String>,
}

const PATH_MARKER: &str = "/bedrock/quota-monitoring/${BedrockModelName}/";

impl Template {
    pub fn parse(text: &str) -> Template {
        let mut parameters = Vec::new();
        let mut settings = BTreeMap::new();
        let mut top = "";
        let mut resource_is_parameter = false;
        let mut name: Option<String> = None;
        for line in text.lines() {
            if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
                top = line.split(':').next().unwrap_or("");
                continue;
            }
            let resource_start = line.len() > 2
                && line.starts_with("  ")
                && !line[2..].starts_with(' ')
                && !line.trim_start().starts_with('#')
                && line.trim_end().ends_with(':');
            if resource_start {
                let entry = line.trim().trim_end_matches(':').to_owned();
                if top == "Parameters" {
                    parameters.push(entry);
                }
                resource_is_parameter = false;
                name = None;
                continue;
            }
            if top != "Resources" {
                continue;
            }
            let trimmed = line.trim();
            if trimmed == "Type: AWS::SSM::Parameter" {
                resource_is_parameter = true;
            } else if let Some(value) = trimmed.strip_prefix("Name: !Sub ") {
                name = value
                    .split_once(PATH_MARKER)
                    .map(|(_, key)| key.trim_matches('"').to_owned());
            } else if let Some(reference) = trimmed.strip_prefix("Value: !Ref ")
                && resource_is_parameter
                && let Some(key) = name.take()
            {
                settings.insert(key, reference.trim().to_owned());
            }
        }
        Template {
            parameters,
            settings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parameters_and_setting_sources_are_read() {
        let text = "Parameters:\n  Mode:\n    Type: String\n  Other:\n    Type: Number\nResources:\n  SettingMode:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: !Sub /${CustomerName}/bedrock/quota-monitoring/${BedrockModelName}/mode\n      Value: !Ref Mode\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:\n  X:\n    Value: 1\n";
        let template = Template::parse(text);
        assert_eq!(template.parameters, vec!["Mode", "Other"]);
        assert_eq!(
            template.settings.into_iter().collect::<Vec<_>>(),
            vec![("mode".to_owned(), "Mode".to_owned())]
        );
    }
}

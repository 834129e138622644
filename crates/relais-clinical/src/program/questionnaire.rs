//! A program's questionnaire as the FHIR R4 Questionnaire resource forms and answers refer to.

use serde_json::{Value, json};

use super::model::{ItemKind, Program, Questionnaire};

/// The canonical URL of a program's questionnaire, which QuestionnaireResponses name.
pub fn questionnaire_url(program: &Program, questionnaire: &Questionnaire) -> String {
    format!("urn:relais:program:{}:questionnaire:{}", program.id, questionnaire.id)
}

impl Questionnaire {
    /// The FHIR Questionnaire, texts in `lang` (`fr` or `en`), versioned with its program.
    pub fn to_fhir(&self, program: &Program, lang: &str) -> Value {
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|item| {
                let mut value = json!({
                    "linkId": item.link_id,
                    "text": item.text.get(lang),
                    "type": match item.kind { ItemKind::Boolean => "boolean", ItemKind::Choice => "choice" },
                    "required": true,
                });
                if item.kind == ItemKind::Choice {
                    let options: Vec<Value> = item
                        .options
                        .iter()
                        .map(|o| {
                            json!({"valueCoding": {
                                "system": format!("{}#{}", questionnaire_url(program, self), item.link_id),
                                "code": o.code,
                                "display": o.display.get(lang),
                            }})
                        })
                        .collect();
                    value["answerOption"] = Value::Array(options);
                }
                value
            })
            .collect();
        json!({
            "resourceType": "Questionnaire",
            "id": format!("{}-{}", program.id, self.id),
            "url": questionnaire_url(program, self),
            "version": program.version.to_string(),
            "name": self.id.replace('-', "_"),
            "title": self.title.get(lang),
            "status": "active",
            "language": if lang.starts_with("en") { "en" } else { "fr" },
            "subjectType": ["Patient"],
            "item": items,
        })
    }
}

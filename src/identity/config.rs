//! The identity configuration of a workspace: default country, match rules, hub limit.

use super::IdentityError;
use crate::columns::CanonicalField;
use serde::{Deserialize, Serialize};

/// The settings key the configuration is stored under.
pub const SETTING: &str = "identity.config";

/// A match rule: two records are the same person when every field of the rule has the same
/// normalised value in both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub fields: Vec<CanonicalField>,
}

impl Rule {
    /// Parses `phoneNumber`, `email`, `name + city`, … (also `phone`, `cpf`, `e-mail`).
    pub fn parse(text: &str) -> Result<Rule, IdentityError> {
        let mut fields = Vec::new();
        for part in text.split('+') {
            let key = crate::text::fold_compact(part);
            let field = match key.as_str() {
                "phonenumber" | "phone" | "telefone" => CanonicalField::PhoneNumber,
                "email" => CanonicalField::Email,
                "taxdocument" | "cpf" => CanonicalField::TaxDocument,
                "name" | "nome" => CanonicalField::Name,
                "city" | "cidade" => CanonicalField::City,
                "address" | "endereco" => CanonicalField::Address,
                _ => {
                    return Err(IdentityError::BadRule(format!(
                        "{:?} is not a field a rule can use; use phoneNumber, email, taxDocument, name, city or address",
                        part.trim()
                    )));
                }
            };
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        let weak = |f: &CanonicalField| {
            matches!(f, CanonicalField::Name | CanonicalField::City | CanonicalField::Address)
        };
        if fields.iter().all(weak) && !fields.contains(&CanonicalField::Name) {
            return Err(IdentityError::BadRule(format!(
                "{text:?} would link people by place alone; add name (e.g. name + city) or an identifier"
            )));
        }
        if fields == [CanonicalField::Name] {
            return Err(IdentityError::BadRule(
                "a name alone never links two records; combine it (e.g. name + city)".into(),
            ));
        }
        Ok(Rule { fields })
    }

    /// The rule as written: `phoneNumber`, `name + city`.
    pub fn label(&self) -> String {
        self.fields.iter().map(|f| f.name()).collect::<Vec<_>>().join(" + ")
    }
}

/// How records are resolved into profiles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityConfig {
    /// Country code for phones written without one (digits, e.g. "55").
    pub country: String,
    pub rules: Vec<Rule>,
    /// An identifier value shared by more records than this is not used for linking.
    pub hub_limit: usize,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            country: super::normalize::DEFAULT_COUNTRY.to_owned(),
            rules: vec![
                Rule { fields: vec![CanonicalField::PhoneNumber] },
                Rule { fields: vec![CanonicalField::TaxDocument] },
                Rule { fields: vec![CanonicalField::Email] },
            ],
            hub_limit: 50,
        }
    }
}

impl IdentityConfig {
    /// Checks the configuration can run.
    pub fn validate(&self) -> Result<(), IdentityError> {
        if super::normalize::CountryCode::parse(&self.country).is_none() {
            return Err(IdentityError::BadRule(format!(
                "{:?} is not a country calling code (e.g. 55)",
                self.country
            )));
        }
        if self.rules.is_empty() {
            return Err(IdentityError::BadRule("at least one rule is needed".into()));
        }
        if self.hub_limit < 2 {
            return Err(IdentityError::BadRule("the hub limit must be at least 2".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_refuses_names_alone() {
        assert_eq!(Rule::parse("phone").unwrap().label(), "phoneNumber");
        assert_eq!(Rule::parse(" Name + Cidade ").unwrap().label(), "name + city");
        assert!(Rule::parse("name").is_err());
        assert!(Rule::parse("city").is_err());
        assert!(Rule::parse("shoe size").is_err());
        assert!(IdentityConfig::default().validate().is_ok());
    }
}

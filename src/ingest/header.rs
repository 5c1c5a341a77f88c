//! Header rules: every column named, no two alike, a phone column present; canonical
//! fields recognised under their usual pt, es and en names.

use super::IngestError;
use crate::columns::CanonicalField;
use crate::text::{excerpt, fold_compact, fold_spaceless};
use std::path::Path;

/// Header spellings (folded: lower case, no accents, no spaces, `-`, `_` or `.`) that name
/// each canonical field.
const SYNONYMS: &[(CanonicalField, &[&str])] = &[
    (
        CanonicalField::PhoneNumber,
        &[
            "phonenumber",
            "phone",
            "telephone",
            "mobile",
            "mobilephone",
            "cellphone",
            "cell",
            "whatsapp",
            "telefone",
            "celular",
            "fone",
            "numerodetelefone",
            "numerodocelular",
            "telefonecelular",
            "numerodetelefono",
            "telefono",
            "movil",
            "numerodecelular",
        ],
    ),
    (
        CanonicalField::Email,
        &["email", "emailaddress", "mail", "correo", "correoelectronico", "enderecodeemail", "emailpessoal"],
    ),
    (
        CanonicalField::TaxDocument,
        &[
            "taxdocument",
            "documentofiscal",
            "cpf",
            "cpfcnpj",
            "taxid",
            "documento",
            "numerodedocumento",
            "nif",
            "dni",
        ],
    ),
    (CanonicalField::Name, &["name", "fullname", "nome", "nomecompleto", "nombre", "nombrecompleto"]),
    (CanonicalField::City, &["city", "cidade", "ciudad", "municipio", "town"]),
    (CanonicalField::Address, &["address", "endereco", "direccion", "logradouro", "streetaddress"]),
    (
        CanonicalField::OptIn,
        &["optin", "optaren", "aceite", "aceita", "consent", "consentimento", "consentimiento"],
    ),
];

/// The canonical field a header names, if any.
pub fn canonical_for(header: &str) -> Option<CanonicalField> {
    let key = fold_compact(header);
    SYNONYMS.iter().find(|(_, names)| names.contains(&key.as_str())).map(|(field, _)| *field)
}

/// Every header spelling (folded compact, see [`fold_compact`]) imported as `field`.
pub fn header_names(field: CanonicalField) -> &'static [&'static str] {
    SYNONYMS.iter().find(|(f, _)| *f == field).map_or(&[], |(_, names)| names)
}

/// One column of the header, after the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderColumn {
    /// The header as written (trimmed).
    pub header: String,
    /// The name it is stored under: the canonical name, or the header as written.
    pub name: String,
    pub canonical: Option<CanonicalField>,
}

/// The checked header.
#[derive(Clone, Debug)]
pub struct Header {
    pub columns: Vec<HeaderColumn>,
    pub phone: usize,
    pub opt_in: Option<usize>,
}

/// The most columns a file may have: as many as a spreadsheet holds (16,384, Excel's
/// limit), so any export a CRM or a spreadsheet writes fits. Wider files are refused, not
/// truncated.
pub const MAX_COLUMNS: usize = 16_384;

/// Applies the file rules to the header fields.
pub fn check(path: &Path, fields: &[String]) -> Result<Header, IngestError> {
    if fields.len() > MAX_COLUMNS {
        return Err(IngestError::TooManyColumns {
            path: path.to_owned(),
            found: fields.len(),
            max: MAX_COLUMNS,
        });
    }
    let mut columns: Vec<HeaderColumn> = Vec::with_capacity(fields.len());
    let mut seen: ahash::AHashMap<String, usize> = ahash::AHashMap::with_capacity(fields.len());
    let mut canonical_at: Vec<(CanonicalField, usize)> = Vec::new();
    for (i, raw) in fields.iter().enumerate() {
        let header = raw.trim();
        if header.is_empty() {
            return Err(IngestError::UnnamedColumn { path: path.to_owned(), column: i + 1 });
        }
        let key = fold_spaceless(header);
        if let Some(first) = seen.get(&key) {
            return Err(IngestError::DuplicateColumn {
                path: path.to_owned(),
                column: i + 1,
                name: excerpt(header, 60),
                first_column: first + 1,
                first_name: excerpt(&columns[*first].header, 60),
            });
        }
        seen.insert(key, i);
        let canonical = canonical_for(header);
        if let Some(field) = canonical
            && let Some(&(_, first)) = canonical_at.iter().find(|(f, _)| *f == field)
        {
            return Err(IngestError::CanonicalTwice {
                path: path.to_owned(),
                field: field.name(),
                first: first + 1,
                second: i + 1,
            });
        }
        canonical_at.extend(canonical.map(|f| (f, i)));
        let name = canonical.map_or_else(|| header.to_owned(), |f| f.name().to_owned());
        columns.push(HeaderColumn { header: header.to_owned(), name, canonical });
    }
    let find = |field| columns.iter().position(|c| c.canonical == Some(field));
    let Some(phone) = find(CanonicalField::PhoneNumber) else {
        let found = excerpt(&columns.iter().map(|c| c.header.as_str()).collect::<Vec<_>>().join(", "), 200);
        return Err(IngestError::NoPhoneColumn { path: path.to_owned(), found });
    };
    let opt_in = find(CanonicalField::OptIn);
    Ok(Header { columns, phone, opt_in })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_usual_headers_in_three_languages() {
        for (h, f) in [
            ("Número de teléfono", CanonicalField::PhoneNumber),
            ("Telefone", CanonicalField::PhoneNumber),
            ("celular", CanonicalField::PhoneNumber),
            ("phone_number", CanonicalField::PhoneNumber),
            ("Correo electrónico", CanonicalField::Email),
            ("E-mail", CanonicalField::Email),
            ("Cidade", CanonicalField::City),
            ("Ciudad", CanonicalField::City),
            ("Dirección", CanonicalField::Address),
            ("Endereço", CanonicalField::Address),
            ("Documento fiscal", CanonicalField::TaxDocument),
            ("CPF", CanonicalField::TaxDocument),
            ("Nome", CanonicalField::Name),
            ("nombre", CanonicalField::Name),
            ("Optar en", CanonicalField::OptIn),
            ("opt-in", CanonicalField::OptIn),
            ("Aceite", CanonicalField::OptIn),
        ] {
            assert_eq!(canonical_for(h), Some(f), "{h}");
        }
        assert_eq!(canonical_for("status_lead"), None);
    }

    #[test]
    fn keeps_attribute_headers_as_written() {
        let h = check(Path::new("x"), &strings(&["Telefone", " Último canal ", "aceite"])).unwrap();
        assert_eq!(h.columns[0].name, "phoneNumber");
        assert_eq!(h.columns[1].name, "Último canal");
        assert_eq!((h.phone, h.opt_in), (0, Some(2)));
    }

    #[test]
    fn rejects_unnamed_duplicate_and_phoneless_headers() {
        let p = Path::new("x");
        assert!(matches!(
            check(p, &strings(&["phone", " "])),
            Err(IngestError::UnnamedColumn { column: 2, .. })
        ));
        assert!(matches!(
            check(p, &strings(&["phone", "Cidade Natal", "cidade natal"])),
            Err(IngestError::DuplicateColumn { column: 3, first_column: 2, .. })
        ));
        assert!(matches!(
            check(p, &strings(&["phone", "Última compra", "ultima  COMPRA"])),
            Err(IngestError::DuplicateColumn { .. })
        ));
        assert!(matches!(check(p, &strings(&["email", "name"])), Err(IngestError::NoPhoneColumn { .. })));
        assert!(matches!(
            check(p, &strings(&["phone", "celular"])),
            Err(IngestError::CanonicalTwice { first: 1, second: 2, .. })
        ));
    }
}

//! Reading `#[dynamo(...)]` on the struct and its fields.

use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Error, Fields, Ident, LitStr, Result, Type, Visibility};

/// One field.
#[allow(
    clippy::struct_excessive_bools,
    reason = "one flag per `#[dynamo(...)]` role"
)]
pub(crate) struct Field {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    /// The attribute name in DynamoDB.
    pub(crate) name: String,
    pub(crate) hash: bool,
    pub(crate) range: bool,
    pub(crate) version: bool,
    pub(crate) ttl: bool,
    pub(crate) created_at: bool,
    pub(crate) updated_at: bool,
    /// Not stored; filled with `Default` when decoding.
    pub(crate) skip: bool,
    /// `Default` when the attribute is missing.
    pub(crate) default: bool,
}

/// A declared secondary index.
pub(crate) struct IndexDecl {
    pub(crate) global: bool,
    pub(crate) name: LitStr,
    /// Field names (Rust or attribute names).
    pub(crate) hash: Option<LitStr>,
    pub(crate) range: Option<LitStr>,
}

/// The struct.
pub(crate) struct Model {
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    pub(crate) table: Option<LitStr>,
    pub(crate) indexes: Vec<IndexDecl>,
    pub(crate) krate: Option<syn::Path>,
    pub(crate) fields: Vec<Field>,
}

impl Model {
    pub(crate) fn parse(input: &DeriveInput) -> Result<Self> {
        if !input.generics.params.is_empty() {
            return Err(Error::new(
                input.generics.span(),
                "#[derive(Model)] does not support generic structs",
            ));
        }
        let Data::Struct(data) = &input.data else {
            return Err(Error::new(
                input.ident.span(),
                "#[derive(Model)] works on structs with named fields",
            ));
        };
        let Fields::Named(named) = &data.fields else {
            return Err(Error::new(
                input.ident.span(),
                "#[derive(Model)] works on structs with named fields",
            ));
        };
        let mut model = Model {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            table: None,
            indexes: Vec::new(),
            krate: None,
            fields: Vec::new(),
        };
        for attr in dynamo_attrs(&input.attrs) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("table") {
                    model.table = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("crate") {
                    let path: LitStr = meta.value()?.parse()?;
                    model.krate = Some(path.parse()?);
                } else if meta.path.is_ident("gsi") || meta.path.is_ident("lsi") {
                    let global = meta.path.is_ident("gsi");
                    let (mut name, mut hash, mut range) = (None, None, None);
                    meta.parse_nested_meta(|inner| {
                        let value: LitStr = inner.value()?.parse()?;
                        if inner.path.is_ident("name") {
                            name = Some(value);
                        } else if inner.path.is_ident("hash") {
                            hash = Some(value);
                        } else if inner.path.is_ident("range") {
                            range = Some(value);
                        } else {
                            return Err(inner.error("expected `name`, `hash` or `range`"));
                        }
                        Ok(())
                    })?;
                    let name =
                        name.ok_or_else(|| meta.error("the index needs `name = \"...\"`"))?;
                    if global && hash.is_none() {
                        return Err(meta.error("a global index needs `hash = \"field\"`"));
                    }
                    if !global && (hash.is_some() || range.is_none()) {
                        return Err(meta.error(
                            "a local index has the table's hash key and needs `range = \"field\"`",
                        ));
                    }
                    model.indexes.push(IndexDecl {
                        global,
                        name,
                        hash,
                        range,
                    });
                } else {
                    return Err(meta.error("expected `table`, `gsi`, `lsi` or `crate`"));
                }
                Ok(())
            })?;
        }
        for field in &named.named {
            model.fields.push(parse_field(field)?);
        }
        model.check()?;
        Ok(model)
    }

    fn check(&self) -> Result<()> {
        let count = |pick: fn(&Field) -> bool| self.fields.iter().filter(|f| pick(f)).count();
        let span = self.ident.span();
        if self.table.is_some() && count(|f| f.hash) != 1 {
            return Err(Error::new(
                span,
                "a model with a table needs exactly one #[dynamo(hash)] field",
            ));
        }
        if self.table.is_none() {
            let keyed = self
                .fields
                .iter()
                .find(|f| f.hash || f.range || f.version || f.ttl || f.created_at || f.updated_at);
            if let Some(field) = keyed {
                return Err(Error::new(
                    field.ident.span(),
                    "keys, version, ttl and timestamps need #[dynamo(table = \"...\")] on the struct",
                ));
            }
            if !self.indexes.is_empty() {
                return Err(Error::new(span, "indexes need #[dynamo(table = \"...\")]"));
            }
        }
        for (what, pick) in [
            ("range", (|f: &Field| f.range) as fn(&Field) -> bool),
            ("version", |f| f.version),
            ("ttl", |f| f.ttl),
            ("created_at", |f| f.created_at),
            ("updated_at", |f| f.updated_at),
        ] {
            if count(pick) > 1 {
                return Err(Error::new(
                    span,
                    format!("more than one #[dynamo({what})] field"),
                ));
            }
        }
        for (i, field) in self.fields.iter().enumerate() {
            if self.fields[..i]
                .iter()
                .any(|f| f.name == field.name && !f.skip && !field.skip)
            {
                return Err(Error::new(
                    field.ident.span(),
                    format!("two fields are stored as `{}`", field.name),
                ));
            }
        }
        for index in &self.indexes {
            for key in index.hash.iter().chain(&index.range) {
                if self.field(&key.value()).is_none() {
                    return Err(Error::new(
                        key.span(),
                        format!("the index key `{}` is not a field", key.value()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The field with this Rust or attribute name.
    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| !f.skip && (f.ident == name || f.name == name))
    }

    /// The first field marked by `pick`.
    pub(crate) fn marked(&self, pick: impl Fn(&Field) -> bool) -> Option<&Field> {
        self.fields.iter().find(|f| pick(f))
    }
}

fn dynamo_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("dynamo"))
}

fn parse_field(field: &syn::Field) -> Result<Field> {
    let ident = field
        .ident
        .clone()
        .ok_or_else(|| Error::new(field.span(), "fields must be named"))?;
    let name = ident.to_string();
    let mut parsed = Field {
        name: name.strip_prefix("r#").unwrap_or(&name).to_owned(),
        ident,
        ty: field.ty.clone(),
        hash: false,
        range: false,
        version: false,
        ttl: false,
        created_at: false,
        updated_at: false,
        skip: false,
        default: false,
    };
    for attr in dynamo_attrs(&field.attrs) {
        attr.parse_nested_meta(|meta| {
            let flag = |flag: &mut bool| {
                *flag = true;
                Ok(())
            };
            let path = &meta.path;
            if path.is_ident("rename") {
                let name: LitStr = meta.value()?.parse()?;
                if name.value().is_empty() {
                    return Err(meta.error("an attribute name cannot be empty"));
                }
                parsed.name = name.value();
                Ok(())
            } else if path.is_ident("hash") {
                flag(&mut parsed.hash)
            } else if path.is_ident("range") {
                flag(&mut parsed.range)
            } else if path.is_ident("version") {
                flag(&mut parsed.version)
            } else if path.is_ident("ttl") {
                flag(&mut parsed.ttl)
            } else if path.is_ident("created_at") {
                flag(&mut parsed.created_at)
            } else if path.is_ident("updated_at") {
                flag(&mut parsed.updated_at)
            } else if path.is_ident("skip") {
                flag(&mut parsed.skip)
            } else if path.is_ident("default") {
                flag(&mut parsed.default)
            } else {
                Err(meta.error(
                    "expected `rename`, `hash`, `range`, `version`, `ttl`, `created_at`, `updated_at`, `skip` or `default`",
                ))
            }
        })?;
    }
    let roles = [
        parsed.hash,
        parsed.range,
        parsed.version,
        parsed.ttl,
        parsed.created_at,
        parsed.updated_at,
        parsed.skip,
    ];
    if roles.iter().filter(|r| **r).count() > 1 {
        return Err(Error::new(
            parsed.ident.span(),
            "a field has one role: hash, range, version, ttl, created_at, updated_at or skip",
        ));
    }
    Ok(parsed)
}

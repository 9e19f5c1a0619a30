//! The code `#[derive(Model)]` generates.

// Over 400 lines on purpose: each function writes one part of the derive's output from the
// same parsed model, and they are read together.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Ident, LitStr};

use crate::attrs::{Field, IndexDecl, Model};

pub(crate) fn expand(model: &Model, krate: &syn::Path) -> TokenStream {
    let fields = fields_type(model, krate);
    let codec = codec(model, krate);
    let item = model.table.as_ref().map(|table| item(model, table, krate));
    quote! {
        #fields
        #codec
        #item
    }
}

fn stored(model: &Model) -> impl Iterator<Item = &Field> {
    model.fields.iter().filter(|f| !f.skip)
}

/// `MovieFields`: one method per stored field, giving its typed path.
fn fields_type(model: &Model, krate: &syn::Path) -> TokenStream {
    let ident = &model.ident;
    let vis = &model.vis;
    let fields_ident = format_ident!("{}Fields", ident);
    let methods = stored(model).map(|field| {
        let (method, ty, name) = (&field.ident, &field.ty, &field.name);
        let doc = format!("The path of `{name}`.");
        quote! {
            #[doc = #doc]
            #[must_use]
            pub fn #method(&self) -> <#ty as #krate::Attr>::Path {
                self.path.field::<#ty>(#name)
            }
        }
    });
    let doc = format!(
        "The typed attribute paths of [`{ident}`], made by `#[derive(Model)]`: `{ident}::fields().<field>()`."
    );
    // A nested model's fields are also a path to the map itself; an item's are not.
    let deref = model.table.is_none().then(|| {
        quote! {
            #[automatically_derived]
            impl ::core::ops::Deref for #fields_ident {
                type Target = #krate::Path<#ident>;
                fn deref(&self) -> &#krate::Path<#ident> {
                    &self.path
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug)]
        #vis struct #fields_ident {
            path: #krate::Path<#ident>,
        }

        #[automatically_derived]
        impl #fields_ident {
            #(#methods)*
        }

        #[automatically_derived]
        impl #krate::FromPath for #fields_ident {
            fn from_path(raw: #krate::RawPath) -> Self {
                Self { path: #krate::Path::new(raw) }
            }
        }

        #[automatically_derived]
        impl #krate::AnyPath for #fields_ident {
            fn raw_path(&self) -> &#krate::RawPath {
                self.path.raw()
            }
        }

        #deref

        #[automatically_derived]
        impl #ident {
            /// The typed paths of the fields (`Self::fields().<field>()`).
            #[must_use]
            #vis fn fields() -> #fields_ident {
                <#fields_ident as #krate::FromPath>::from_path(#krate::RawPath::root())
            }
        }
    }
}

/// `Model`, `ToAttr`, `FromAttr` and `Attr`.
fn codec(model: &Model, krate: &syn::Path) -> TokenStream {
    let ident = &model.ident;
    let fields_ident = format_ident!("{}Fields", ident);
    let names: Vec<&String> = stored(model).map(|f| &f.name).collect();
    let count = names.len();
    let encode = stored(model).map(|field| {
        let (member, name) = (&field.ident, &field.name);
        quote! {
            if let ::core::option::Option::Some(value) = #krate::ToAttr::to_attr(&self.#member)
                .map_err(|e| e.within(#name))?
            {
                item.insert(::std::string::String::from(#name), value);
            }
        }
    });
    let slots: Vec<Ident> = model
        .fields
        .iter()
        .enumerate()
        .map(|(i, _)| format_ident!("slot_{}", i))
        .collect();
    let declare = model
        .fields
        .iter()
        .zip(&slots)
        .filter(|(f, _)| !f.skip)
        .map(|(field, slot)| {
            let ty = &field.ty;
            quote! { let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None; }
        });
    let arms = model
        .fields
        .iter()
        .zip(&slots)
        .filter(|(f, _)| !f.skip)
        .map(|(field, slot)| {
            let name = &field.name;
            quote! {
                #name => {
                    #slot = ::core::option::Option::Some(
                        #krate::FromAttr::from_attr(value).map_err(|e| e.within(#name))?,
                    );
                }
            }
        });
    let build = model.fields.iter().zip(&slots).map(|(field, slot)| {
        let (member, name) = (&field.ident, &field.name);
        if field.skip {
            quote! { #member: ::core::default::Default::default() }
        } else if field.default {
            quote! { #member: #slot.unwrap_or_default() }
        } else {
            quote! {
                #member: match #slot {
                    ::core::option::Option::Some(value) => value,
                    ::core::option::Option::None => #krate::FromAttr::missing()
                        .ok_or_else(|| #krate::ValueError::missing().within(#name))?,
                }
            }
        }
    });
    let attr_impls = attr_impls(model, krate);
    quote! {
        #[automatically_derived]
        impl #krate::Model for #ident {
            type Fields = #fields_ident;
            const ATTRIBUTES: &'static [&'static str] = &[#(#names),*];

            fn to_item(&self) -> ::core::result::Result<#krate::RawItem, #krate::ValueError> {
                let mut item = #krate::RawItem::with_capacity(#count);
                #(#encode)*
                ::core::result::Result::Ok(item)
            }

            fn from_item(item: #krate::RawItem) -> ::core::result::Result<Self, #krate::ValueError> {
                #(#declare)*
                for (name, value) in item {
                    match name.as_str() {
                        #(#arms)*
                        _ => {}
                    }
                }
                ::core::result::Result::Ok(Self { #(#build),* })
            }
        }

        #attr_impls
    }
}

/// `ToAttr`, `FromAttr` and `Attr`: the model as a map attribute of another.
fn attr_impls(model: &Model, krate: &syn::Path) -> TokenStream {
    let ident = &model.ident;
    let fields_ident = format_ident!("{}Fields", ident);
    quote! {
        #[automatically_derived]
        impl #krate::ToAttr for #ident {
            type Kind = #krate::kind::M;

            fn to_attr(&self) -> ::core::result::Result<::core::option::Option<#krate::AttributeValue>, #krate::ValueError> {
                ::core::result::Result::Ok(::core::option::Option::Some(
                    #krate::AttributeValue::M(#krate::Model::to_item(self)?),
                ))
            }
        }

        #[automatically_derived]
        impl #krate::FromAttr for #ident {
            fn from_attr(value: #krate::AttributeValue) -> ::core::result::Result<Self, #krate::ValueError> {
                match value {
                    #krate::AttributeValue::M(map) => #krate::Model::from_item(map),
                    other => ::core::result::Result::Err(#krate::ValueError::wrong_type("M", &other)),
                }
            }
        }

        #[automatically_derived]
        impl #krate::Attr for #ident {
            type Path = #fields_ident;
        }
    }
}

fn key_attribute(field: &Field, krate: &syn::Path) -> TokenStream {
    let (ty, name) = (&field.ty, &field.name);
    quote! {
        #krate::KeyAttribute {
            name: #name,
            scalar: <<#ty as #krate::ToAttr>::Kind as #krate::kind::Key>::scalar_type(),
        }
    }
}

fn option_tokens(value: Option<TokenStream>) -> TokenStream {
    value.map_or_else(
        || quote! { ::core::option::Option::None },
        |value| quote! { ::core::option::Option::Some(#value) },
    )
}

/// `Item`, index constructors and the compile-time checks of key, TTL and version types.
fn item(model: &Model, table: &LitStr, krate: &syn::Path) -> TokenStream {
    let ident = &model.ident;
    let Some(hash) = model.marked(|f| f.hash) else {
        return quote! {};
    };
    let range = model.marked(|f| f.range);
    let hash_ty = &hash.ty;
    let range_ty = range.map_or_else(
        || quote! { #krate::NoRange },
        |r| {
            let ty = &r.ty;
            quote! { #ty }
        },
    );
    let hash_key = key_attribute(hash, krate);
    let range_key = option_tokens(range.map(|r| key_attribute(r, krate)));
    let key_inserts = std::iter::once(hash).chain(range).map(|field| {
        let (member, name) = (&field.ident, &field.name);
        quote! {
            key.insert(
                ::std::string::String::from(#name),
                #krate::ToAttr::to_attr(&self.#member)
                    .map_err(|e| e.within(#name))?
                    .ok_or_else(|| #krate::ValueError::new("a key attribute must have a value").within(#name))?,
            );
        }
    });
    let (lifecycle_consts, lifecycle_methods) = lifecycle(model, krate);
    let (index_schemas, index_methods): (Vec<_>, Vec<_>) = model
        .indexes
        .iter()
        .map(|index| index_tokens(model, index, hash, krate))
        .unzip();
    let checks = checks(model, krate);
    quote! {
        #[automatically_derived]
        impl #krate::Item for #ident {
            const TABLE: &'static str = #table;
            type Hash = #hash_ty;
            type Range = #range_ty;
            #lifecycle_consts

            fn key_schema() -> #krate::KeySchema {
                #krate::KeySchema { hash: #hash_key, range: #range_key }
            }

            fn indexes() -> ::std::vec::Vec<#krate::IndexSchema> {
                ::std::vec![#(#index_schemas),*]
            }

            fn key(&self) -> ::core::result::Result<#krate::RawItem, #krate::ValueError> {
                let mut key = #krate::RawItem::with_capacity(2);
                #(#key_inserts)*
                ::core::result::Result::Ok(key)
            }

            #lifecycle_methods
        }

        #[automatically_derived]
        impl #ident {
            #(#index_methods)*
        }

        const _: () = { #checks };
    }
}

/// The version, TTL and timestamp constants and methods of `Item`.
fn lifecycle(model: &Model, krate: &syn::Path) -> (TokenStream, TokenStream) {
    let version = model.marked(|f| f.version);
    let version_name = option_tokens(version.map(|f| {
        let name = &f.name;
        quote! { #name }
    }));
    let version_methods = version.map(|f| {
        let member = &f.ident;
        quote! {
            fn version(&self) -> u64 {
                #krate::Version::get(&self.#member)
            }
            fn set_version(&mut self, version: u64) {
                #krate::Version::set(&mut self.#member, version);
            }
        }
    });
    let ttl = model.marked(|f| f.ttl);
    let ttl_name = option_tokens(ttl.map(|f| {
        let name = &f.name;
        quote! { #name }
    }));
    let stamp = |field: Option<&Field>| {
        option_tokens(field.map(|f| {
            let (ty, name) = (&f.ty, &f.name);
            quote! { #krate::Stamp { name: #name, encode: <#ty as #krate::Timestamp>::encode } }
        }))
    };
    let created = model.marked(|f| f.created_at);
    let updated = model.marked(|f| f.updated_at);
    let (created_stamp, updated_stamp) = (stamp(created), stamp(updated));
    let set_created = created.map(|f| {
        let member = &f.ident;
        quote! {
            if !#krate::Timestamp::is_set(&self.#member) {
                self.#member = #krate::Timestamp::at(now);
            }
        }
    });
    let set_updated = updated.map(|f| {
        let member = &f.ident;
        quote! { self.#member = #krate::Timestamp::at(now); }
    });
    let consts = quote! {
        const VERSION: ::core::option::Option<&'static str> = #version_name;
        const TTL: ::core::option::Option<&'static str> = #ttl_name;
        const CREATED_AT: ::core::option::Option<#krate::Stamp> = #created_stamp;
        const UPDATED_AT: ::core::option::Option<#krate::Stamp> = #updated_stamp;
    };
    let methods = quote! {
        #version_methods

        #[allow(unused_variables)]
        fn set_timestamps(&mut self, now: ::std::time::SystemTime) {
            #set_created
            #set_updated
        }
    };
    (consts, methods)
}

fn index_tokens(
    model: &Model,
    index: &IndexDecl,
    table_hash: &Field,
    krate: &syn::Path,
) -> (TokenStream, TokenStream) {
    let ident = &model.ident;
    let lookup = |name: &Option<LitStr>| name.as_ref().and_then(|n| model.field(&n.value()));
    let hash = if index.global {
        lookup(&index.hash).unwrap_or(table_hash)
    } else {
        table_hash
    };
    let range = lookup(&index.range);
    let name = &index.name;
    let kind = if index.global {
        quote! { #krate::IndexKind::Global }
    } else {
        quote! { #krate::IndexKind::Local }
    };
    let hash_key = key_attribute(hash, krate);
    let range_key = option_tokens(range.map(|r| key_attribute(r, krate)));
    let schema = quote! {
        #krate::IndexSchema { name: #name, kind: #kind, key: #krate::KeySchema { hash: #hash_key, range: #range_key } }
    };
    let method = Ident::new(&snake_case(&name.value()), Span::call_site());
    let hash_ty = &hash.ty;
    let range_ty = range.map_or_else(
        || quote! { #krate::NoRange },
        |r| {
            let ty = &r.ty;
            quote! { #ty }
        },
    );
    let doc = format!(
        "The index `{}`, to query with `Table::query_index`.",
        name.value()
    );
    let vis = &model.vis;
    let constructor = quote! {
        #[doc = #doc]
        #[must_use]
        #vis const fn #method() -> #krate::Index<#ident, #hash_ty, #range_ty> {
            #krate::Index::new(#name)
        }
    };
    (schema, constructor)
}

/// Compile-time checks: keys are strings, numbers or binary; TTL is a number; the version a
/// version type; timestamps timestamp types.
fn checks(model: &Model, krate: &syn::Path) -> TokenStream {
    let mut checks = Vec::new();
    let key_fields = model.fields.iter().filter(|f| f.hash || f.range).chain(
        model
            .indexes
            .iter()
            .flat_map(|i| i.hash.iter().chain(&i.range))
            .filter_map(|name| model.field(&name.value())),
    );
    for field in key_fields {
        let ty = &field.ty;
        checks.push(quote! { key::<#ty>(); });
    }
    if let Some(field) = model.marked(|f| f.ttl) {
        let ty = &field.ty;
        checks.push(quote! { ttl::<#ty>(); });
    }
    if let Some(field) = model.marked(|f| f.version) {
        let ty = &field.ty;
        checks.push(quote! { version::<#ty>(); });
    }
    quote! {
        #[allow(dead_code)]
        fn key<T: #krate::ToAttr>() where T::Kind: #krate::kind::Key {}
        #[allow(dead_code)]
        fn ttl<T: #krate::ToAttr<Kind = #krate::kind::N>>() {}
        #[allow(dead_code)]
        fn version<T: #krate::Version + #krate::ToAttr<Kind = #krate::kind::N>>() {}
        #[allow(dead_code)]
        fn all() { #(#checks)* }
    }
}

/// `ByGenre`, `by-genre`, `by genre` → `by_genre`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
            previous_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("index_{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn index_names_become_method_names() {
        assert_eq!(snake_case("ByGenre"), "by_genre");
        assert_eq!(snake_case("by-genre"), "by_genre");
        assert_eq!(snake_case("genre_year_index"), "genre_year_index");
        assert_eq!(snake_case("2024"), "index_2024");
    }
}

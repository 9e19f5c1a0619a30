//! `#[derive(Model)]` for `updraft-dynamo`. Use it through `updraft_dynamo::Model` (or
//! `updraft::dynamo::Model`); the attributes are documented there.

mod attrs;
mod expand;

use proc_macro::TokenStream;
use proc_macro_crate::{FoundCrate, crate_name};
use quote::format_ident;
use syn::{DeriveInput, parse_macro_input};

/// Derives `Model` (and `Item` when the struct names a table). See `updraft_dynamo::Model`.
#[proc_macro_derive(Model, attributes(dynamo))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match attrs::Model::parse(&input) {
        Ok(model) => {
            let krate = model.krate.clone().unwrap_or_else(crate_path);
            expand::expand(&model, &krate).into()
        }
        Err(error) => error.to_compile_error().into(),
    }
}

/// Where the runtime crate is: `::updraft_dynamo` when it is a dependency (or the crate
/// itself, which declares `extern crate self as updraft_dynamo`), else `::updraft::dynamo`
/// through the facade.
fn crate_path() -> syn::Path {
    match crate_name("updraft-dynamo") {
        Ok(FoundCrate::Name(name)) => {
            let name = format_ident!("{}", name);
            syn::parse_quote!(::#name)
        }
        Ok(FoundCrate::Itself) => syn::parse_quote!(::updraft_dynamo),
        Err(_) => match crate_name("updraft") {
            Ok(FoundCrate::Name(name)) => {
                let name = format_ident!("{}", name);
                syn::parse_quote!(::#name::dynamo)
            }
            _ => syn::parse_quote!(::updraft_dynamo),
        },
    }
}

//! Steps from a typed path to the typed path of a part of it: a nested model's field, a list's
//! element, a map's value. They need the value types ([`Attr::Path`]), and the value types need
//! paths; keeping the steps here lets `value` import `path` while `path` imports neither.

use std::collections::{BTreeMap, HashMap};

use crate::path::{FromPath, Path};
use crate::value::{Attr, AttributeValue};

impl<T: ?Sized> Path<T> {
    /// The path of a field of this (nested model) path; used by the generated code.
    #[doc(hidden)]
    #[must_use]
    pub fn field<F: Attr>(&self, name: &str) -> F::Path {
        F::Path::from_path(self.raw().child(name))
    }
}

impl<T: Attr> Path<Vec<T>> {
    /// The path of element `index` (`actors[0]`).
    #[must_use]
    pub fn at(&self, index: usize) -> T::Path {
        T::Path::from_path(self.raw().index(index))
    }
}

impl<T: Attr, H> Path<HashMap<String, T, H>> {
    /// The path of the value under `key` (`ratings.imdb`).
    #[must_use]
    pub fn key(&self, key: &str) -> T::Path {
        T::Path::from_path(self.raw().child(key))
    }
}

impl<T: Attr> Path<BTreeMap<String, T>> {
    /// The path of the value under `key` (`ratings.imdb`).
    #[must_use]
    pub fn key(&self, key: &str) -> T::Path {
        T::Path::from_path(self.raw().child(key))
    }
}

/// Untyped values (`serde_json::Value`, `AttributeValue`) take any index or key.
macro_rules! untyped_paths {
    ($($t:ty),*) => {$(
        impl Path<$t> {
            /// The path of element `index`.
            #[must_use]
            pub fn at(&self, index: usize) -> Self {
                Self::new(self.raw().index(index))
            }

            /// The path of the value under `key`.
            #[must_use]
            pub fn key(&self, key: &str) -> Self {
                Self::new(self.raw().child(key))
            }
        }
    )*};
}
untyped_paths!(serde_json::Value, AttributeValue);

//! The builder-style setter, written once for every crate of the workspace.

/// Writes builder-style setters that consume and return `self`, one declaration each:
/// `fn name(arg: Type) = value;` sets the field of the same name to the argument,
/// `= some;` to `Some(arg)`, and `= some_into;` to `Some(arg.into())`; `-> field` (or
/// `-> inner.field`) before the `=` names a field of another name. Attributes and docs go
/// before each `fn`; every setter is `#[must_use]` (a setter whose result is dropped changed
/// nothing).
///
/// Not part of the API: the workspace's crates use it so every setter reads and behaves the
/// same.
///
/// ```
/// #[derive(Default)]
/// pub struct Query { size: Option<u32>, search: Option<String>, exact: bool }
/// impl Query {
///     contacts_core::setters! {
///         /// The page size.
///         pub fn size(size: u32) = some;
///         /// A text to search for.
///         pub fn search(text: impl Into<String>) = some_into;
///         /// Exact matches only.
///         pub fn exact_only(exact: bool) -> exact = value;
///     }
/// }
/// let q = Query::default().size(5).search("anna").exact_only(true);
/// assert_eq!((q.size, q.search.as_deref(), q.exact), (Some(5), Some("anna"), true));
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! setters {
    () => {};
    ($(#[$meta:meta])* $vis:vis fn $name:ident($arg:ident: $ty:ty) = $how:ident; $($rest:tt)*) => {
        $crate::setters!(@one [$(#[$meta])*] $vis $name [$name] $arg [$ty] $how);
        $crate::setters!($($rest)*);
    };
    ($(#[$meta:meta])* $vis:vis fn $name:ident($arg:ident: $ty:ty) -> $($field:ident).+ = $how:ident; $($rest:tt)*) => {
        $crate::setters!(@one [$(#[$meta])*] $vis $name [$($field).+] $arg [$ty] $how);
        $crate::setters!($($rest)*);
    };
    (@one [$($meta:tt)*] $vis:vis $name:ident [$($field:ident).+] $arg:ident [$ty:ty] $how:ident) => {
        $($meta)*
        #[must_use]
        $vis fn $name(mut self, $arg: $ty) -> Self {
            self.$($field).+ = $crate::setters!(@value $how $arg);
            self
        }
    };
    (@value value $arg:ident) => { $arg };
    (@value some $arg:ident) => { Some($arg) };
    (@value some_into $arg:ident) => { Some($arg.into()) };
}

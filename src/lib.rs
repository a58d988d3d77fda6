pub use relruntime::*;

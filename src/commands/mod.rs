//! The commands of the `landcons` binary, as library functions over typed options:
//! the binary only parses flags and prints what these return.

pub mod compare;
pub mod diff;
pub mod maps;
pub mod run;
pub mod shards;
pub mod slope;
pub mod slurm;
pub mod submit;
pub mod synth;
pub mod validate;

//! The pages of Relais: the askama templates (compiled into the binary and checked at compile
//! time, autoescaped), the French and English texts they show (Fluent, [`i18n`]), the values
//! each page is filled with ([`pages`]), the trend charts drawn as SVG ([`chart`]), and the
//! stylesheet and scripts they load ([`assets`]).
//!
//! This crate knows nothing of HTTP, the store or access: `relais-web` decides who may see a
//! page, asks the use cases for its content and hands it here to be rendered. Templates live in
//! their own crate so that editing markup or a text does not rebuild the server's logic.

pub mod admin;
pub mod assets;
pub mod chart;
pub mod chart_pages;
pub mod homecare;
pub mod i18n;
pub mod organisations;
pub mod pages;
pub mod program_edit;
pub mod queues;
pub mod review;
pub mod triage;
pub mod video;
pub mod visits;

pub use askama::Template;
pub use i18n::{Locale, Tr};

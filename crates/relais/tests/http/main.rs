//! HTTP integration tests: a real `relais serve` process on a free port, on SQLite and on
//! PostgreSQL (`TEST_DATABASE_URL`, default the local server). One test binary for all of them.

// Test code: a failed unwrap is a failed test, with its line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod auth;
mod break_glass;
mod browser;
mod bundle;
mod chart;
mod cohort;
mod concurrency;
mod crash;
mod crud;
mod demo;
mod devices;
mod devices_admin;
mod errors;
mod examples;
mod homecare;
mod invitations;
mod me;
mod measurements;
mod ops;
mod organisations;
mod pages;
mod portal;
mod queues;
mod readings_api;
mod review;
mod search;
mod search_api;
mod sign_in;
mod support;
mod video;
mod video_rejoin;
mod visits;

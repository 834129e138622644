//! Storage conformance: every case runs against both implementations of the store, SQLite and
//! PostgreSQL, each on a fresh, migrated database (PostgreSQL from `TEST_DATABASE_URL`, default
//! the local server). A case is written once, as `async fn(Arc<dyn ResourceStore>)`, and
//! [`conformance!`] turns it into one test per engine: `<case>::sqlite` and `<case>::postgres`.

// A test fails loudly: a panic with a message is the right answer (clippy.toml's test allowances
// cover #[test] functions only, not the cases and helpers they call).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod account_changes;
mod accounts;
mod audit;
mod audit_batch;
mod audit_lookups;
mod audit_move;
mod break_glass;
mod concurrency;
mod creates;
mod device_tokens;
mod history;
mod index;
mod invitations;
mod lifecycle;
mod search;
mod sessions;
mod support;
mod tokens;
mod versions;
mod visibility;

/// `conformance!(module::case)` adds the tests `case::sqlite` and `case::postgres`, each
/// running `module::case(store)` on a fresh migrated store; `conformance!(module::case, url)`
/// passes the database URL too, for cases that reopen the store.
macro_rules! conformance {
    ($module:ident :: $case:ident) => {
        conformance!(@tests $case, |store, _url| $module::$case(store));
    };
    ($module:ident :: $case:ident, url) => {
        conformance!(@tests $case, |store, url| $module::$case(store, url));
    };
    (@tests $case:ident, |$store:ident, $url:ident| $call:expr) => {
        mod $case {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = support::fresh(relais_testkit::Engine::Sqlite).await;
                let ($store, $url) = (db.store.clone(), db.db.url());
                $call.await;
                db.store.close().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = support::fresh(relais_testkit::Engine::Postgres).await;
                let ($store, $url) = (db.store.clone(), db.db.url());
                $call.await;
                db.store.close().await;
            }
        }
    };
}

// Opening, migrating, closing.
conformance!(lifecycle::migrate_is_idempotent_and_ping_answers);
conformance!(lifecycle::engine_and_pool_stats);
conformance!(lifecycle::committed_data_survives_reopen, url);

// Versions: write, read back, roll back, update, delete, conflicts.
conformance!(versions::created_version_reads_back_exactly);
conformance!(versions::unknown_resources_and_versions_read_as_none);
conformance!(versions::dropped_transaction_stores_nothing);
conformance!(versions::update_chain_keeps_every_version);
conformance!(versions::delete_writes_a_tombstone_and_update_revives);
conformance!(versions::stale_previous_version_conflicts);
conformance!(versions::creating_an_existing_resource_conflicts);
conformance!(versions::transaction_writes_several_resources_atomically);

// Token index.
conformance!(tokens::tokens_are_found_by_code_and_system);
conformance!(tokens::tokens_follow_updates_and_deletes);
conformance!(tokens::tokens_written_in_a_transaction_are_seen_by_it_and_roll_back);

// History.
conformance!(history::history_scopes_and_order);
conformance!(history::history_since_is_inclusive);
conformance!(history::history_pages_are_disjoint_and_complete);

// Concurrent writers.
conformance!(concurrency::concurrent_updates_lose_nothing);
conformance!(concurrency::concurrent_creates_keep_one_chain);
conformance!(concurrency::same_lock_key_serialises_transactions);
conformance!(creates::concurrent_creates_are_each_stored_once);
conformance!(creates::batches_of_creates_are_all_or_nothing);
conformance!(creates::creates_unless_a_token_is_found);

// Search index.
conformance!(index::index_entries_follow_the_current_version);

// Search.
conformance!(search::search_answers_aliases_composites_chains_and_has);
conformance!(search::search_sorts_missing_values_last_and_pages_both_ways);
conformance!(search::search_includes_and_revincludes_once);
conformance!(visibility::search_shows_only_the_records_the_person_may_see);
conformance!(visibility::includes_chains_and_has_stay_inside_what_may_be_seen);

// Audit trail.
conformance!(audit::audit_appends_form_one_chain);
conformance!(audit::audit_concurrent_appends_never_fork);
conformance!(audit::audit_database_refuses_changes_to_the_trail, url);
conformance!(audit::audit_pages_return_every_record_once_in_order);
conformance!(audit::audit_edited_outcome_is_reported_by_seq, url);
conformance!(audit::audit_of_a_patient_lists_their_records_newest_first);
conformance!(audit_batch::audit_batch_takes_consecutive_places_in_the_chain);
conformance!(audit_batch::audit_batch_is_stored_whole_or_not_at_all, url);
conformance!(audit_batch::audit_concurrent_batches_never_fork);
conformance!(audit_batch::audit_two_stores_on_one_database_never_fork, url);
conformance!(audit_batch::audit_search_filters_by_patient_agent_action_outcome_and_date);
conformance!(audit_lookups::audit_lookups_are_the_same_before_and_after_indexing);

// Accounts.
conformance!(accounts::account_created_reads_back_by_email_in_any_case_and_by_id);
conformance!(accounts::account_duplicate_email_is_refused_and_writes_nothing, url);
conformance!(accounts::account_list_is_ordered_by_email);
conformance!(accounts::account_concurrent_creations_with_one_email_store_exactly_one);
conformance!(accounts::account_unknown_id_or_email_reads_as_none);
conformance!(account_changes::account_related_person_and_locale_read_back);
conformance!(account_changes::account_disabling_revokes_its_sessions_and_only_its);
conformance!(account_changes::account_clearing_the_second_factor_drops_secret_enrolment_and_sessions);
conformance!(account_changes::account_roles_are_replaced_whole);

// Signing in: sessions, lock-out, TOTP steps, reset tokens, the email outbox.
conformance!(sessions::sessions_read_back_touch_and_revoke);
conformance!(sessions::failures_lock_at_the_threshold_and_clear);
conformance!(sessions::concurrent_failures_are_all_counted);
conformance!(sessions::a_totp_step_is_accepted_once);
conformance!(sessions::a_reset_token_works_once_and_ends_every_session);
conformance!(sessions::the_outbox_hands_each_message_to_one_sender_and_retries);
conformance!(sessions::concurrent_senders_never_share_a_message);

// Break-the-glass grants.
conformance!(break_glass::break_glass_grants_are_active_until_they_lapse);
conformance!(break_glass::break_glass_review_lists_unreviewed_first_newest_first_and_marks_once);
// Invitation links.
conformance!(invitations::invitation_reads_back_and_is_used_while_open);
conformance!(invitations::invitation_duplicate_token_is_refused);
conformance!(invitations::invitation_single_use_raced_succeeds_once);

// Device tokens (migration 0015).
conformance!(device_tokens::device_tokens_read_back_list_and_revoke);

//! What kad does with each keyword it reads, beyond reading it: the
//! status column of `docs/configuration.md` for every keyword the tables
//! mark `Support::Yes`.
//!
//! - **acts**: the daemon or an engine uses it, and the named test shows
//!   the effect (`path::test_name`, optionally with the file holding the
//!   test's configuration). `tests/keyword_status.rs` fails when the named
//!   test does not exist or does not mention the keyword.
//! - **untested**: the daemon uses it, but no test shows the effect yet.
//! - **inert** (every keyword not listed here): read into the model, no
//!   effect yet. Each one met in a configuration gives a note, in `kad -t`
//!   and at start-up, and is kept in `Config::inert`.
//!
//! To make a keyword act: add the test that shows its effect and put one
//! row here (or turn its `untested()` into `acts(...)`).

use std::collections::HashMap;
use std::sync::LazyLock;

/// The evidence for a keyword that is not inert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Acts {
        /// `path/from/the/workspace.rs::test_name`.
        test: &'static str,
        /// The file holding that test's configuration, when it is not in
        /// the test's own code (a VM scenario).
        config: Option<&'static str>,
    },
    Untested,
}

const fn acts(test: &'static str) -> Status {
    Status::Acts { test, config: None }
}

const fn acts_with(test: &'static str, config: &'static str) -> Status {
    Status::Acts {
        test,
        config: Some(config),
    }
}

const fn untested() -> Status {
    Status::Untested
}

/// (keyword reference context, keyword, status).
pub static STATUS: &[(&str, &str, Status)] = &[
    // top level
    ("top level", "global_defs", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("top level", "vrrp_script", acts("integration/tests/vrrp_netns.rs::track_script_moves_the_master")),
    ("top level", "track_file", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("top level", "vrrp_sync_group", acts("integration/tests/vrrp_netns.rs::sync_group_members_move_together")),
    ("top level", "vrrp_instance", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("top level", "virtual_server_group", acts("integration/tests/vm_ipvs.rs::kad_programs_every_sample_as_ipvsadm_reads_it")),
    ("top level", "virtual_server", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("top level", "SSL", acts("crates/ipvs/tests/probes.rs::ssl_get_presents_the_ssl_block_certificate")),
    ("top level", "static_ipaddress", acts("integration/tests/statics_keepalived.rs::static_entries_and_virtual_rules_match_keepalived")),
    ("top level", "static_routes", acts("integration/tests/statics_keepalived.rs::static_entries_and_virtual_rules_match_keepalived")),
    ("top level", "static_rules", acts("integration/tests/statics_keepalived.rs::static_entries_and_virtual_rules_match_keepalived")),
    // global_defs
    ("global_defs", "notify_fifo", untested()),
    // e-mail alerts
    ("global_defs", "router_id", acts("integration/tests/smtp_alerts.rs::vrrp_and_checker_transitions_mail_keepalived_texts")),
    ("global_defs", "notification_email", acts("integration/tests/smtp_alerts.rs::vrrp_and_checker_transitions_mail_keepalived_texts")),
    ("global_defs", "notification_email_from", acts("integration/tests/smtp_alerts.rs::vrrp_and_checker_transitions_mail_keepalived_texts")),
    ("global_defs", "smtp_server", acts("integration/tests/smtp_alerts.rs::vrrp_and_checker_transitions_mail_keepalived_texts")),
    ("global_defs", "smtp_helo_name", acts("integration/tests/smtp_alerts.rs::vrrp_and_checker_transitions_mail_keepalived_texts")),
    ("global_defs", "smtp_connect_timeout", acts("integration/tests/smtp_alerts.rs::vrrp_and_checker_transitions_mail_keepalived_texts")),
    ("global_defs", "smtp_alert", acts("integration/tests/smtp_alerts.rs::vrrp_and_checker_transitions_mail_keepalived_texts")),
    ("global_defs", "smtp_alert_vrrp", acts("integration/tests/smtp_alerts.rs::switches_choose_what_is_mailed")),
    ("global_defs", "no_email_faults", acts("integration/tests/smtp_alerts.rs::no_email_faults_leaves_out_fault")),
    ("global_defs", "smtp_alert_checker", untested()),
    ("global_defs", "no_checker_emails", untested()),
    ("vrrp_instance", "smtp_alert", acts("integration/tests/smtp_alerts.rs::vrrp_and_checker_transitions_mail_keepalived_texts")),
    ("vrrp_sync_group", "smtp_alert", acts("integration/tests/smtp_alerts.rs::keepalived_sends_the_same_mails")),
    ("real_server", "smtp_alert", acts("integration/tests/smtp_alerts.rs::switches_choose_what_is_mailed")),
    ("virtual_server", "smtp_alert", untested()),
    ("global_defs", "notify_fifo_script", untested()),
    ("global_defs", "vrrp_notify_fifo", acts("integration/tests/vrrp_netns.rs::notify_scripts_and_fifo_get_keepalived_s_lines")),
    ("global_defs", "vrrp_notify_fifo_script", acts("integration/tests/vrrp_netns.rs::notify_scripts_and_fifo_get_keepalived_s_lines")),
    // script security (crates/script/src/security.rs, applied at start and reload)
    ("global_defs", "enable_script_security", acts("integration/tests/script_security.rs::insecure_scripts_are_not_run_and_the_reasons_logged_as_keepalived")),
    ("global_defs", "script_user", acts("integration/tests/script_security.rs::script_user_is_who_the_scripts_run_as")),
    ("global_defs", "lvs_notify_fifo", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("global_defs", "lvs_notify_fifo_script", untested()),
    ("global_defs", "default_interface", untested()),
    ("global_defs", "vrrp_mcast_group4", untested()),
    ("global_defs", "vrrp_mcast_group6", untested()),
    ("global_defs", "vrrp_version", acts("integration/tests/interop_keepalived.rs::v2_pass_kad_high_keepalived_low")),
    ("global_defs", "v3_checksum_as_v2", untested()),
    ("global_defs", "vrrp_garp_master_delay", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("global_defs", "vrrp_garp_master_repeat", untested()),
    ("global_defs", "vrrp_garp_lower_prio_delay", untested()),
    ("global_defs", "vrrp_garp_lower_prio_repeat", untested()),
    ("global_defs", "vrrp_garp_master_refresh", untested()),
    ("global_defs", "vrrp_garp_master_refresh_repeat", untested()),
    ("global_defs", "vrrp_min_garp", untested()),
    ("global_defs", "vrrp_down_timer_adverts", untested()),
    ("global_defs", "vrrp_lower_prio_no_advert", untested()),
    ("global_defs", "vrrp_higher_prio_send_advert", untested()),
    ("global_defs", "vrrp_owner_ignore_adverts", untested()),
    ("global_defs", "vrrp_check_unicast_src", untested()),
    ("global_defs", "lvs_sync_daemon", acts_with("integration/tests/vm_ipvs.rs::lvs_sync_daemon_runs_as_keepalived_runs_it", "integration/vm/scenarios/sync_daemon.sh")),
    ("global_defs", "lvs_timeouts", acts_with("integration/tests/vm_ipvs.rs::lvs_sync_daemon_runs_as_keepalived_runs_it", "integration/vm/scenarios/sync_daemon.sh")),
    ("global_defs", "lvs_flush", untested()),
    ("global_defs", "lvs_flush_on_stop", untested()),
    ("global_defs", "lvs_audit_interval", acts_with("integration/tests/vm_audit.rs::the_audit_repairs_what_kad_owns_and_leaves_the_rest", "integration/vm/scenarios/audit.sh")),
    // track_file
    ("track_file", "file", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("track_file", "weight", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("track_file", "init_file", acts("integration/tests/vrrp_netns.rs::track_file_weights_and_faults")),
    // SSL
    ("SSL", "password", acts("crates/ipvs/tests/probes.rs::ssl_get_presents_the_ssl_block_certificate")),
    ("SSL", "ca", acts("crates/ipvs/tests/probes.rs::ssl_get_presents_the_ssl_block_certificate")),
    ("SSL", "certificate", acts("crates/ipvs/tests/probes.rs::ssl_get_presents_the_ssl_block_certificate")),
    ("SSL", "key", acts("crates/ipvs/tests/probes.rs::ssl_get_presents_the_ssl_block_certificate")),
    // vrrp_script
    ("vrrp_script", "script", acts("integration/tests/vrrp_netns.rs::track_script_moves_the_master")),
    ("vrrp_script", "interval", acts("integration/tests/vrrp_netns.rs::track_script_moves_the_master")),
    ("vrrp_script", "timeout", untested()),
    ("vrrp_script", "weight", acts("integration/tests/vrrp_netns.rs::track_script_moves_the_master")),
    ("vrrp_script", "rise", acts("crates/vrrp/src/track.rs::rise_and_fall")),
    ("vrrp_script", "fall", acts("crates/vrrp/src/track.rs::rise_and_fall")),
    ("vrrp_script", "user", untested()),
    ("vrrp_script", "init_fail", acts("crates/vrrp/src/track.rs::rise_and_fall")),
    // start-up and stop (daemon/lifecycle.rs; vrrp_startup_delay in fsm.rs)
    ("global_defs", "startup_script", acts("integration/tests/lifecycle_netns.rs::startup_script_then_vrrp_startup_delay_then_shutdown_script_as_keepalived")),
    ("global_defs", "startup_script_timeout", acts("integration/tests/lifecycle_netns.rs::startup_script_timeout_ends_a_script_that_hangs_and_start_goes_on")),
    ("global_defs", "shutdown_script", acts("integration/tests/lifecycle_netns.rs::startup_script_then_vrrp_startup_delay_then_shutdown_script_as_keepalived")),
    ("global_defs", "shutdown_script_timeout", acts("integration/tests/lifecycle_netns.rs::startup_script_timeout_ends_a_script_that_hangs_and_start_goes_on")),
    ("global_defs", "vrrp_startup_delay", acts("integration/tests/lifecycle_netns.rs::startup_script_then_vrrp_startup_delay_then_shutdown_script_as_keepalived")),
    // priority-change FIFO lines (node/trackers.rs)
    ("global_defs", "vrrp_notify_priority_changes", acts("integration/tests/priority_notify_netns.rs::vrrp_notify_priority_changes_covers_every_instance")),
    ("vrrp_instance", "notify_priority_changes", acts("integration/tests/priority_notify_netns.rs::notify_priority_changes_writes_keepalived_s_fifo_lines")),
    ("vrrp_sync_group", "notify_priority_changes", untested()),
    // GARP / NA pacing (node garp_gaps, engine/garp_pace.rs)
    ("global_defs", "vrrp_garp_interval", acts("integration/tests/garp_interval_netns.rs::vrrp_garp_interval_and_vrrp_gna_interval_pace_each_interface_as_keepalived")),
    ("global_defs", "vrrp_gna_interval", acts("integration/tests/garp_interval_netns.rs::vrrp_garp_interval_and_vrrp_gna_interval_pace_each_interface_as_keepalived")),
    ("top level", "garp_group", acts("integration/tests/garp_interval_netns.rs::a_garp_group_sets_its_interfaces_gaps")),
    ("garp_group", "garp_interval", acts("integration/tests/garp_interval_netns.rs::a_garp_group_sets_its_interfaces_gaps")),
    ("garp_group", "gna_interval", acts("integration/tests/garp_interval_netns.rs::a_garp_group_sets_its_interfaces_gaps")),
    ("garp_group", "interface", acts("integration/tests/garp_interval_netns.rs::a_garp_group_sets_its_interfaces_gaps")),
    ("garp_group", "interfaces", untested()),
    // instance options (node/trackers.rs, engine/promote.rs)
    ("vrrp_instance", "unicast_fault_no_peer", acts("integration/tests/instance_options_netns.rs::unicast_fault_no_peer_holds_the_instance_in_fault_as_keepalived")),
    ("vrrp_instance", "promote_secondaries", acts("integration/tests/instance_options_netns.rs::promote_secondaries_keeps_the_vip_when_the_primary_goes_as_keepalived")),
    ("vrrp_instance", "track_src_ip", acts("integration/tests/instance_options_netns.rs::track_src_ip_faults_on_the_configured_source_as_documented")),
    ("global_defs", "fifo_write_vrrp_states_on_reload", acts("integration/tests/priority_notify_netns.rs::fifo_write_vrrp_states_on_reload_repeats_the_states_as_keepalived")),
    // vrrp_track_process and sync groups' own trackers (node/trackers.rs,
    // daemon/proc_scan.rs)
    ("top level", "vrrp_track_process", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_track_process", "process", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_track_process", "param_match", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_track_process", "full_command", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_track_process", "weight", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_track_process", "quorum", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_track_process", "quorum_max", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_track_process", "terminate_delay", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_track_process", "fork_delay", acts("crates/vrrp/tests/lan_trackers.rs::track_process_quorum_with_its_delays_faults_the_instance")),
    ("vrrp_track_process", "delay", acts("crates/vrrp/tests/lan_trackers.rs::delay_sets_both_the_fork_and_the_terminate_delay")),
    ("vrrp_instance", "track_process", acts("integration/tests/track_process_netns.rs::track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes")),
    ("vrrp_sync_group", "track_interface", acts("integration/tests/sync_group_trackers_netns.rs::a_sync_group_s_own_trackers_fault_the_group_as_keepalived")),
    ("vrrp_sync_group", "track_script", acts("integration/tests/sync_group_trackers_netns.rs::a_sync_group_s_own_trackers_fault_the_group_as_keepalived")),
    ("vrrp_sync_group", "track_file", acts("integration/tests/sync_group_trackers_netns.rs::a_sync_group_s_own_trackers_fault_the_group_as_keepalived")),
    ("vrrp_sync_group", "track_process", acts("crates/vrrp/tests/lan_trackers.rs::a_sync_group_s_own_trackers_fault_the_group_as_one")),
    ("vrrp_sync_group", "sync_group_tracking_weight", acts("crates/vrrp/tests/lan_trackers.rs::sync_group_tracking_weight_lets_members_weights_act")),
    // vrrp_sync_group
    ("vrrp_sync_group", "group", acts("integration/tests/vrrp_netns.rs::sync_group_members_move_together")),
    ("vrrp_sync_group", "notify_master", untested()),
    ("vrrp_sync_group", "notify_backup", untested()),
    ("vrrp_sync_group", "notify_fault", untested()),
    ("vrrp_sync_group", "notify_stop", untested()),
    ("vrrp_sync_group", "notify", acts("integration/tests/vrrp_netns.rs::notify_scripts_and_fifo_get_keepalived_s_lines")),
    ("vrrp_sync_group", "notify_master_rx_lower_pri", untested()),
    // vrrp_instance
    ("vrrp_instance", "state", acts("integration/tests/vrrp_reload.rs::reload_changes_addresses_and_priority_in_place")),
    ("vrrp_instance", "interface", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("vrrp_instance", "virtual_router_id", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("vrrp_instance", "priority", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("vrrp_instance", "advert_int", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("vrrp_instance", "version", acts_with("integration/tests/vm_ipvs.rs::lvs_sync_daemon_runs_as_keepalived_runs_it", "integration/vm/scenarios/sync_daemon.sh")),
    ("vrrp_instance", "authentication", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("vrrp_instance", "virtual_ipaddress", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("vrrp_instance", "virtual_ipaddress_excluded", untested()),
    ("vrrp_instance", "virtual_routes", acts("integration/tests/vrrp_netns.rs::virtual_routes_follow_the_master")),
    ("vrrp_instance", "virtual_rules", acts("integration/tests/statics_keepalived.rs::static_entries_and_virtual_rules_match_keepalived")),
    ("vrrp_instance", "track_interface", acts("integration/tests/vrrp_netns.rs::sync_group_members_move_together")),
    ("vrrp_instance", "track_script", acts("integration/tests/vrrp_netns.rs::track_script_moves_the_master")),
    ("vrrp_instance", "track_file", acts("integration/tests/vrrp_netns.rs::track_file_weights_and_faults")),
    ("vrrp_instance", "dont_track_primary", untested()),
    ("vrrp_instance", "mcast_src_ip", untested()),
    ("vrrp_instance", "unicast_src_ip", acts("integration/tests/vrrp_netns.rs::unicast_peers_elect")),
    ("vrrp_instance", "mcast_dst_ip", untested()),
    ("vrrp_instance", "unicast_peer", acts("integration/tests/vrrp_netns.rs::unicast_peers_elect")),
    ("vrrp_instance", "unicast_ttl", untested()),
    ("vrrp_instance", "check_unicast_src", untested()),
    ("vrrp_instance", "v3_checksum_as_v2", untested()),
    ("vrrp_instance", "accept", untested()),
    ("vrrp_instance", "no_accept", untested()),
    ("vrrp_instance", "nopreempt", acts("integration/tests/vrrp_netns.rs::nopreempt_keeps_the_running_master")),
    ("vrrp_instance", "preempt", acts("crates/vrrp/tests/fsm.rs::backup_takes_over_after_skew_time_when_the_master_leaves")),
    ("vrrp_instance", "preempt_delay", acts("crates/vrrp/tests/lan_scenarios.rs::preempt_delay_tolerates_a_lower_master_that_long")),
    ("vrrp_instance", "garp_master_delay", acts("integration/tests/vrrp_netns.rs::gratuitous_arps_are_on_the_wire")),
    ("vrrp_instance", "garp_master_repeat", untested()),
    ("vrrp_instance", "garp_lower_prio_delay", untested()),
    ("vrrp_instance", "garp_lower_prio_repeat", untested()),
    ("vrrp_instance", "garp_master_refresh", untested()),
    ("vrrp_instance", "garp_master_refresh_repeat", untested()),
    ("vrrp_instance", "down_timer_adverts", acts("crates/vrrp/tests/fsm.rs::backup_takes_over_after_skew_time_when_the_master_leaves")),
    ("vrrp_instance", "lower_prio_no_advert", acts("crates/vrrp/tests/fsm.rs::backup_takes_over_after_skew_time_when_the_master_leaves")),
    ("vrrp_instance", "higher_prio_send_advert", acts("crates/vrrp/tests/fsm.rs::backup_takes_over_after_skew_time_when_the_master_leaves")),
    ("vrrp_instance", "owner_ignore_adverts", acts("crates/vrrp/tests/fsm.rs::backup_takes_over_after_skew_time_when_the_master_leaves")),
    ("vrrp_instance", "notify_master", untested()),
    ("vrrp_instance", "notify_backup", untested()),
    ("vrrp_instance", "notify_fault", untested()),
    ("vrrp_instance", "notify_stop", untested()),
    ("vrrp_instance", "notify_deleted", acts("crates/vrrp/tests/lan_scenarios.rs::a_reload_adds_and_removes_instances_and_leaves_the_others_alone")),
    ("vrrp_instance", "notify", acts("integration/tests/vrrp_netns.rs::notify_scripts_and_fifo_get_keepalived_s_lines")),
    ("vrrp_instance", "notify_master_rx_lower_pri", untested()),
    // virtual_server
    ("virtual_server", "lb_algo", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("virtual_server", "lvs_sched", untested()),
    ("virtual_server", "lb_kind", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("virtual_server", "lvs_method", untested()),
    ("virtual_server", "flag-1", untested()),
    ("virtual_server", "flag-2", untested()),
    ("virtual_server", "flag-3", untested()),
    ("virtual_server", "sh-port", acts("crates/ipvs/tests/reconcile.rs::fwmark_dr_tunnel_and_flags")),
    ("virtual_server", "sh-fallback", untested()),
    ("virtual_server", "mh-port", untested()),
    ("virtual_server", "mh-fallback", untested()),
    ("virtual_server", "ops", acts("crates/ipvs/tests/reconcile.rs::fwmark_dr_tunnel_and_flags")),
    ("virtual_server", "persistence_timeout", acts_with("integration/tests/vm_sync.rs::idle_connections_replayed_to_a_kernel_backup_survive_failover", "integration/vm/scenarios/sync_bulk.sh")),
    ("virtual_server", "persistence_granularity", acts("crates/ipvs/tests/reconcile.rs::fwmark_dr_tunnel_and_flags")),
    ("virtual_server", "persistence_engine", untested()),
    ("virtual_server", "protocol", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "ip_family", untested()),
    ("virtual_server", "ha_suspend", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "omega", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "quorum", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("virtual_server", "hysteresis", acts("crates/ipvs/tests/health_sim.rs::quorum_with_hysteresis_as_the_sample_describes")),
    ("virtual_server", "quorum_up", acts("crates/ipvs/tests/health_sim.rs::quorum_with_hysteresis_as_the_sample_describes")),
    ("virtual_server", "quorum_down", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "sorry_server", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("virtual_server", "sorry_server_inhibit", acts("crates/ipvs/tests/health_sim.rs::sorry_server_replaces_the_pool_while_quorum_is_lost")),
    ("virtual_server", "sorry_server_lvs_method", untested()),
    ("virtual_server", "weight", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "real_server", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "connect_timeout", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "retry", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "delay_before_retry", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("virtual_server", "warmup", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("virtual_server", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    ("virtual_server", "inhibit_on_failure", acts("crates/ipvs/tests/health_sim.rs::inhibit_on_failure_sets_weight_zero")),
    ("virtual_server", "virtualhost", acts("crates/ipvs/tests/probes.rs::http_get_every_way")),
    // real_server
    ("real_server", "weight", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "lb_kind", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("real_server", "lvs_method", untested()),
    ("real_server", "notify_up", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "notify_down", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "uthreshold", acts("crates/ipvs/tests/reconcile.rs::fwmark_dr_tunnel_and_flags")),
    ("real_server", "lthreshold", acts("crates/ipvs/tests/reconcile.rs::fwmark_dr_tunnel_and_flags")),
    ("real_server", "track_file", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "connect_timeout", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "retry", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "delay_before_retry", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("real_server", "warmup", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    ("real_server", "inhibit_on_failure", acts("crates/ipvs/tests/health_sim.rs::inhibit_on_failure_sets_weight_zero")),
    ("real_server", "virtualhost", acts("crates/ipvs/tests/probes.rs::http_get_every_way")),
    ("real_server", "TCP_CHECK", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "HTTP_GET", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "SSL_GET", acts("crates/ipvs/tests/probes.rs::ssl_get_presents_the_ssl_block_certificate")),
    ("real_server", "MISC_CHECK", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "SMTP_CHECK", untested()),
    ("real_server", "DNS_CHECK", untested()),
    ("real_server", "UDP_CHECK", untested()),
    ("real_server", "PING_CHECK", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("real_server", "FILE_CHECK", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    // TCP_CHECK / PING_CHECK
    ("TCP_CHECK / PING_CHECK", "connect_ip", untested()),
    ("TCP_CHECK / PING_CHECK", "connect_port", untested()),
    ("TCP_CHECK / PING_CHECK", "bindto", untested()),
    ("TCP_CHECK / PING_CHECK", "bind_if", acts("crates/ipvs/tests/probes.rs::dns_check")),
    ("TCP_CHECK / PING_CHECK", "bind_port", untested()),
    ("TCP_CHECK / PING_CHECK", "fwmark", untested()),
    ("TCP_CHECK / PING_CHECK", "connect_timeout", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("TCP_CHECK / PING_CHECK", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("TCP_CHECK / PING_CHECK", "retry", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("TCP_CHECK / PING_CHECK", "delay_before_retry", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("TCP_CHECK / PING_CHECK", "warmup", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("TCP_CHECK / PING_CHECK", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    // HTTP_GET / SSL_GET
    ("HTTP_GET / SSL_GET", "connect_ip", untested()),
    ("HTTP_GET / SSL_GET", "connect_port", untested()),
    ("HTTP_GET / SSL_GET", "bindto", untested()),
    ("HTTP_GET / SSL_GET", "bind_if", acts("crates/ipvs/tests/probes.rs::dns_check")),
    ("HTTP_GET / SSL_GET", "bind_port", untested()),
    ("HTTP_GET / SSL_GET", "fwmark", untested()),
    ("HTTP_GET / SSL_GET", "connect_timeout", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("HTTP_GET / SSL_GET", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("HTTP_GET / SSL_GET", "retry", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("HTTP_GET / SSL_GET", "delay_before_retry", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("HTTP_GET / SSL_GET", "warmup", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("HTTP_GET / SSL_GET", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    ("HTTP_GET / SSL_GET", "url", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("HTTP_GET / SSL_GET", "http_protocol", untested()),
    ("HTTP_GET / SSL_GET", "virtualhost", acts("crates/ipvs/tests/probes.rs::http_get_every_way")),
    ("HTTP_GET / SSL_GET", "enable_sni", acts("crates/ipvs/tests/probes.rs::http_get_every_way")),
    ("HTTP_GET / SSL_GET", "sni_name", acts("crates/ipvs/tests/probes.rs::http_get_every_way")),
    // url
    ("url", "path", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("url", "digest", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("url", "status_code", untested()),
    ("url", "virtualhost", acts("crates/ipvs/tests/probes.rs::http_get_every_way")),
    ("url", "regex", acts("crates/ipvs/tests/probes.rs::http_get_every_way")),
    ("url", "regex_no_match", acts("crates/ipvs/tests/probes.rs::http_get_every_way")),
    // MISC_CHECK
    ("MISC_CHECK", "connect_ip", untested()),
    ("MISC_CHECK", "connect_port", untested()),
    ("MISC_CHECK", "bindto", untested()),
    ("MISC_CHECK", "bind_if", acts("crates/ipvs/tests/probes.rs::dns_check")),
    ("MISC_CHECK", "bind_port", untested()),
    ("MISC_CHECK", "fwmark", untested()),
    ("MISC_CHECK", "connect_timeout", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("MISC_CHECK", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("MISC_CHECK", "retry", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("MISC_CHECK", "delay_before_retry", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("MISC_CHECK", "warmup", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("MISC_CHECK", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    ("MISC_CHECK", "misc_path", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("MISC_CHECK", "misc_timeout", untested()),
    ("MISC_CHECK", "misc_dynamic", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("MISC_CHECK", "user", acts("crates/ipvs/tests/probes.rs::misc_check_exit_codes_and_timeout")),
    // SMTP_CHECK
    ("SMTP_CHECK", "connect_ip", untested()),
    ("SMTP_CHECK", "connect_port", untested()),
    ("SMTP_CHECK", "bindto", untested()),
    ("SMTP_CHECK", "bind_if", acts("crates/ipvs/tests/probes.rs::dns_check")),
    ("SMTP_CHECK", "bind_port", untested()),
    ("SMTP_CHECK", "fwmark", untested()),
    ("SMTP_CHECK", "connect_timeout", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("SMTP_CHECK", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("SMTP_CHECK", "retry", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("SMTP_CHECK", "delay_before_retry", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("SMTP_CHECK", "warmup", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("SMTP_CHECK", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    ("SMTP_CHECK", "helo_name", acts("crates/ipvs/tests/probes.rs::smtp_check")),
    // DNS_CHECK
    ("DNS_CHECK", "connect_ip", untested()),
    ("DNS_CHECK", "connect_port", untested()),
    ("DNS_CHECK", "bindto", untested()),
    ("DNS_CHECK", "bind_if", acts("crates/ipvs/tests/probes.rs::dns_check")),
    ("DNS_CHECK", "bind_port", untested()),
    ("DNS_CHECK", "fwmark", untested()),
    ("DNS_CHECK", "connect_timeout", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("DNS_CHECK", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("DNS_CHECK", "retry", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("DNS_CHECK", "delay_before_retry", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("DNS_CHECK", "warmup", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("DNS_CHECK", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    ("DNS_CHECK", "type", untested()),
    ("DNS_CHECK", "name", untested()),
    // UDP_CHECK
    ("UDP_CHECK", "connect_ip", untested()),
    ("UDP_CHECK", "connect_port", untested()),
    ("UDP_CHECK", "bindto", untested()),
    ("UDP_CHECK", "bind_if", acts("crates/ipvs/tests/probes.rs::dns_check")),
    ("UDP_CHECK", "bind_port", untested()),
    ("UDP_CHECK", "fwmark", untested()),
    ("UDP_CHECK", "connect_timeout", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("UDP_CHECK", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("UDP_CHECK", "retry", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("UDP_CHECK", "delay_before_retry", acts_with("integration/tests/vm_checks.rs::checkers_remove_restore_inhibit_and_install_the_sorry_server", "integration/vm/scenarios/checks.sh")),
    ("UDP_CHECK", "warmup", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("UDP_CHECK", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    ("UDP_CHECK", "payload", acts("crates/ipvs/tests/probes.rs::udp_check")),
    ("UDP_CHECK", "require_reply", acts("crates/ipvs/tests/probes.rs::udp_check")),
    ("UDP_CHECK", "min_reply_length", acts("crates/ipvs/tests/probes.rs::udp_check")),
    ("UDP_CHECK", "max_reply_length", acts("crates/ipvs/tests/probes.rs::udp_check")),
    // FILE_CHECK
    ("FILE_CHECK", "track_file", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("FILE_CHECK", "weight", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
    ("FILE_CHECK", "dynamic", acts("crates/ipvs/tests/probes.rs::misc_check_exit_codes_and_timeout")),
    ("FILE_CHECK", "alpha", acts("crates/ipvs/tests/health_sim.rs::alpha_starts_down_until_first_success")),
    ("FILE_CHECK", "delay_loop", acts("integration/tests/checks_host.rs::each_checker_type_goes_down_and_up_through_the_daemon")),
];

static INDEX: LazyLock<HashMap<(&'static str, &'static str), Status>> =
    LazyLock::new(|| STATUS.iter().map(|&(c, k, s)| ((c, k), s)).collect());

/// The reference's context for a block kind as the parser names it.
pub fn docs_context(block: &str) -> &str {
    match block {
        "the top level" => "top level",
        "TCP_CHECK" | "PING_CHECK" => "TCP_CHECK / PING_CHECK",
        "HTTP_GET" | "SSL_GET" => "HTTP_GET / SSL_GET",
        "SMTP_CHECK host" => "SMTP_CHECK",
        other => other,
    }
}

/// The status of a keyword the tables mark as read (`None`: inert).
pub fn status(context: &str, keyword: &str) -> Option<Status> {
    INDEX.get(&(docs_context(context), keyword)).copied()
}

import type { SqlClass } from './sql-class.js';

/**
 * Functions whose call is more than a read, with the class it raises the query to. Matched on the last
 * part of the name whatever the schema, so a look-alike in another schema is treated the same.
 */
export const SIDE_EFFECT_FUNCTIONS: Readonly<Record<string, SqlClass>> = {
  pg_sleep: 'read',
  pg_sleep_for: 'read',
  pg_sleep_until: 'read',
  nextval: 'write',
  setval: 'write',
  pg_notify: 'write',
  pg_advisory_lock: 'write',
  pg_advisory_lock_shared: 'write',
  pg_advisory_xact_lock: 'write',
  pg_advisory_xact_lock_shared: 'write',
  pg_try_advisory_lock: 'write',
  pg_try_advisory_lock_shared: 'write',
  pg_try_advisory_xact_lock: 'write',
  pg_try_advisory_xact_lock_shared: 'write',
  pg_advisory_unlock: 'write',
  pg_advisory_unlock_all: 'write',
  pg_advisory_unlock_shared: 'write',
  brin_summarize_new_values: 'write',
  brin_summarize_range: 'write',
  brin_desummarize_range: 'write',
  gin_clean_pending_list: 'write',
  pg_terminate_backend: 'admin',
  pg_cancel_backend: 'admin',
  pg_reload_conf: 'admin',
  pg_rotate_logfile: 'admin',
  pg_log_backend_memory_contexts: 'admin',
  pg_switch_wal: 'admin',
  pg_create_restore_point: 'admin',
  pg_backup_start: 'admin',
  pg_backup_stop: 'admin',
  pg_start_backup: 'admin',
  pg_stop_backup: 'admin',
  pg_promote: 'admin',
  pg_wal_replay_pause: 'admin',
  pg_wal_replay_resume: 'admin',
  pg_create_physical_replication_slot: 'admin',
  pg_create_logical_replication_slot: 'admin',
  pg_copy_physical_replication_slot: 'admin',
  pg_copy_logical_replication_slot: 'admin',
  pg_drop_replication_slot: 'admin',
  pg_replication_slot_advance: 'admin',
  pg_logical_emit_message: 'admin',
  pg_logical_slot_get_changes: 'admin',
  pg_logical_slot_peek_changes: 'admin',
  pg_read_file: 'admin',
  pg_read_binary_file: 'admin',
  pg_ls_dir: 'admin',
  pg_ls_logdir: 'admin',
  pg_ls_waldir: 'admin',
  pg_ls_tmpdir: 'admin',
  pg_ls_archive_statusdir: 'admin',
  pg_stat_file: 'admin',
  pg_file_write: 'admin',
  pg_file_sync: 'admin',
  pg_file_rename: 'admin',
  pg_file_unlink: 'admin',
  pg_logdir_ls: 'admin',
  set_config: 'admin',
  pg_stat_reset: 'admin',
  pg_stat_reset_shared: 'admin',
  pg_stat_reset_single_table_counters: 'admin',
  pg_stat_reset_single_function_counters: 'admin',
  pg_stat_reset_slru: 'admin',
  pg_stat_reset_replication_slot: 'admin',
  pg_stat_reset_subscription_stats: 'admin',
  pg_stat_statements_reset: 'admin',
  pg_import_system_collations: 'admin',
  // These run a query given as a string, which the parser cannot see into.
  query_to_xml: 'admin',
  query_to_xmlschema: 'admin',
  query_to_xml_and_xmlschema: 'admin',
  cursor_to_xml: 'admin',
  cursor_to_xmlschema: 'admin',
  ts_stat: 'admin',
  ts_rewrite: 'admin',
  // These read whole tables named in a string: the columns they serialize are invisible to column masks.
  table_to_xml: 'admin',
  table_to_xmlschema: 'admin',
  table_to_xml_and_xmlschema: 'admin',
  schema_to_xml: 'admin',
  schema_to_xmlschema: 'admin',
  schema_to_xml_and_xmlschema: 'admin',
  database_to_xml: 'admin',
  database_to_xmlschema: 'admin',
  database_to_xml_and_xmlschema: 'admin',
  setseed: 'admin',
  pg_nextoid: 'admin',
  pg_stop_making_pinned_objects: 'admin',
  pg_prewarm: 'admin',
  pg_write_file: 'admin',
  lo_from_bytea: 'admin',
  lo_put: 'admin',
  pg_current_xact_id: 'write',
  txid_current: 'write',
  pg_export_snapshot: 'read',
};

export function sideEffectClass(baseName: string): SqlClass | undefined {
  if (Object.hasOwn(SIDE_EFFECT_FUNCTIONS, baseName)) return SIDE_EFFECT_FUNCTIONS[baseName];
  if (baseName.startsWith('dblink')) return 'admin';
  if (baseName.startsWith('lo_') || baseName === 'lowrite' || baseName === 'loread') return 'admin';
  if (baseName.startsWith('pg_replication_origin')) return 'admin';
  if (baseName.startsWith('binary_upgrade_')) return 'admin';
  if (
    /^pg_(?:ls_|read_|stat_reset|stat_statements_reset|create_|drop_|copy_|logical_|wal_replay_)/.test(
      baseName,
    )
  )
    return 'admin';
  return undefined;
}

/**
 * Volatile built-in functions (PostgreSQL's own, OID below 16384) that only read: every other volatile
 * built-in is `admin` until it is reviewed and listed here or in {@link SIDE_EFFECT_FUNCTIONS}.
 */
export const BUILTIN_VOLATILE_READS: ReadonlySet<string> = new Set([
  'random',
  'random_normal',
  'clock_timestamp',
  'timeofday',
  'gen_random_uuid',
  'currval',
  'lastval',
  'current_query',
  'pg_blocking_pids',
  'pg_safe_snapshot_blocking_pids',
  'pg_isolation_test_session_is_blocked',
  'pg_database_size',
  'pg_relation_size',
  'pg_table_size',
  'pg_indexes_size',
  'pg_total_relation_size',
  'pg_tablespace_size',
  'pg_current_wal_lsn',
  'pg_current_wal_flush_lsn',
  'pg_current_wal_insert_lsn',
  'pg_last_wal_receive_lsn',
  'pg_last_wal_replay_lsn',
  'pg_last_xact_replay_timestamp',
  'pg_last_committed_xact',
  'pg_is_in_recovery',
  'pg_is_wal_replay_paused',
  'pg_get_wal_replay_pause_state',
  'pg_lock_status',
  'pg_notification_queue_usage',
  'pg_partition_tree',
  'pg_partition_ancestors',
  'pg_sequence_last_value',
  'pg_xact_commit_timestamp',
  'pg_xact_commit_timestamp_origin',
  'txid_status',
  'pg_xact_status',
  'pg_jit_available',
  'pg_control_checkpoint',
  'pg_control_init',
  'pg_control_recovery',
  'pg_control_system',
  'pg_current_logfile',
  'pg_get_backend_memory_contexts',
  'pg_get_shmem_allocations',
  'pg_get_multixact_members',
  'pg_get_wal_resource_managers',
  'pg_prepared_xact',
  'pg_stat_have_stats',
  'pg_stat_clear_snapshot',
  'pg_stat_force_next_flush',
  'pg_stat_get_recovery_prefetch',
  'pg_collation_actual_version',
  'pg_database_collation_actual_version',
  'pg_hba_file_rules',
  'pg_ident_file_mappings',
  'pg_show_all_file_settings',
  'amvalidate',
  'currtid2',
  // Table-sampling methods (`TABLESAMPLE system (10)`).
  'bernoulli',
  'system',
]);

/** Built-in trigger functions: they run as part of the write that fires them. */
export function isBuiltinTriggerFunction(name: string): boolean {
  return (
    name.startsWith('RI_FKey_') ||
    name.startsWith('tsvector_update_trigger') ||
    name === 'suppress_redundant_updates_trigger' ||
    name === 'unique_key_recheck'
  );
}

/** True for built-in volatile functions that only read (transaction-local statistics included). */
export function isBuiltinVolatileRead(name: string): boolean {
  return BUILTIN_VOLATILE_READS.has(name) || name.startsWith('pg_stat_get_xact_');
}

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
};

export function sideEffectClass(baseName: string): SqlClass | undefined {
  if (Object.hasOwn(SIDE_EFFECT_FUNCTIONS, baseName)) return SIDE_EFFECT_FUNCTIONS[baseName];
  if (baseName.startsWith('dblink')) return 'admin';
  if (baseName.startsWith('lo_') || baseName === 'lowrite' || baseName === 'loread') return 'admin';
  if (baseName.startsWith('pg_replication_origin')) return 'admin';
  if (baseName.startsWith('binary_upgrade_')) return 'admin';
  return undefined;
}

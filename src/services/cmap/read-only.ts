/**
 * Keys and prefixes (ending in '.') that clients may not set, delete or adjust: Corosync 3.1.7's
 * list (exec/main.c `icmap_set_ro_access` calls, exec/votequorum.c for the quorum options). The
 * daemon itself writes them (the configuration, its runtime figures). A refusal is CS_ERR_ACCESS.
 */
export const CMAP_READ_ONLY: readonly string[] = [
  'internal_configuration.', 'runtime.services.', 'runtime.config.', 'runtime.totem.', 'uidgid.config.', 'system.', 'nodelist.',
  'totem.crypto_cipher', 'totem.crypto_hash', 'totem.crypto_model', 'totem.keyfile', 'totem.key', 'totem.secauth',
  'totem.ip_version', 'totem.ip_dscp', 'totem.transport', 'totem.cluster_name', 'totem.netmtu', 'totem.threads',
  'totem.version', 'totem.nodeid', 'totem.clear_node_high_bit',
  'config.reload_in_progress', 'config.totemconfig_reload_in_progress',
  'quorum.allow_downscale', 'quorum.wait_for_all', 'quorum.last_man_standing', 'quorum.last_man_standing_window',
  'quorum.expected_votes_tracking', 'quorum.auto_tie_breaker', 'quorum.auto_tie_breaker_node',
];

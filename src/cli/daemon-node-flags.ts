/**
 * Node.js flags ringcastd runs with. They must be given at start (V8 sizes its heap before any of
 * our code runs), so they live in three places that must agree: the `#!` line of ringcastd.ts
 * (what `ringcastd` from package.json `bin` runs), the local cluster launcher and the bench, which
 * both spawn `node ringcastd.js` with these. A test checks the `#!` line against this list.
 *
 * `--max-semi-space-size=1`: V8 grows its young generation up to 16 MiB per semi-space under
 * allocation pressure, and a loaded daemon allocates a buffer per datagram, so it kept 10-15 MB
 * more resident at full load for no gain: its objects are short-lived or retained, and scavenges
 * of a 1 MiB space cost well under a millisecond. See docs/config.md, Memory.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * The ring id as operators read it: Corosync prints `%x.%llx` (representative node id and ring
 * sequence, both hexadecimal: node 10, sequence 28 is `a.1c`) in its log ("A new membership
 * (1.1c) was formed") and its tools, so ringcast's log, `ringcast status` / `members` / `quorum`
 * and status.json print the same text. History files keep their own decimal `<rep>.<seq>`
 * (src/history/ids.ts formatRingId): a stable file format the checker parses.
 */

/** A ring id as Corosync's log and tools print it: "%x.%llx". */
export function corosyncRingId(ringId: { readonly rep: number; readonly seq: number }): string {
  return `${ringId.rep.toString(16)}.${ringId.seq.toString(16)}`;
}

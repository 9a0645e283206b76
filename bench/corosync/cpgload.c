/*
 * cpgload: a CPG load and latency client for Corosync, the counterpart of bench/cpg.ts for
 * ringcast. Joins one group through libcpg, multicasts fixed-size messages in agreed order
 * (flat out, or paced), receives them, and prints one JSON object with what it measured.
 *
 *   cpgload --mode send|recv|both --size BYTES --duration S [--rate MSGS_PER_S] [--senders N]
 *           [--wait-members N] [--run-id ID] [--timeout S] [--group NAME]
 *
 * Every message starts with a 32-byte header: magic, run id, sender node id, sender pid, a
 * sequence number and the send time (CLOCK_REALTIME, so processes in different network
 * namespaces of one host share it). When a sender's time is up it multicasts an end marker;
 * a receiver stops once it saw the markers of --senders senders, or at --timeout.
 * Latency is send to delivery, in microseconds, over every message received (up to a bound).
 * Build: gcc -O2 -o cpgload cpgload.c -lcpg   (Debian: libcpg-dev)
 */
#define _GNU_SOURCE
#include <corosync/cpg.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x52434c44u /* "RCLD" */
#define HEADER_BYTES 32
#define END_SEQ UINT64_MAX
#define LATENCY_SAMPLES_MAX (8u * 1024u * 1024u)
#define SENDERS_MAX 64

struct header {
  uint32_t magic, run_id, nodeid, pid;
  uint64_t seq, sent_ns;
};

static struct {
  const char *mode;
  size_t size;
  double duration_s, rate, timeout_s;
  unsigned senders, wait_members;
  uint32_t run_id;
  const char *group;
} opt = { "both", 64, 10, 0, 60, 1, 0, 0, "cpgload" };

static uint64_t rx_msgs, rx_bytes, tx_msgs, try_again, gaps;
static uint64_t first_rx_ns, last_rx_ns;
static uint32_t *latency_us;
static size_t latency_count;
static unsigned members_now, ends_seen;
static struct { uint32_t nodeid, pid; uint64_t next_seq; } seen[SENDERS_MAX];
static unsigned seen_count;

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, cs_error_t err) {
  fprintf(stderr, "cpgload: %s failed: cs_error %d\n", what, (int)err);
  exit(1);
}

/* Per sender: the next sequence expected, so a skipped one counts as a gap. */
static void note_sequence(uint32_t nodeid, uint32_t pid, uint64_t seq) {
  for (unsigned i = 0; i < seen_count; i++) {
    if (seen[i].nodeid == nodeid && seen[i].pid == pid) {
      if (seq != seen[i].next_seq) gaps++;
      seen[i].next_seq = seq + 1;
      return;
    }
  }
  if (seen_count < SENDERS_MAX) {
    seen[seen_count].nodeid = nodeid;
    seen[seen_count].pid = pid;
    seen[seen_count].next_seq = seq + 1;
    if (seq != 1) gaps++;
    seen_count++;
  }
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid, void *msg, size_t len) {
  (void)h; (void)g;
  struct header hd;
  if (len < HEADER_BYTES) return;
  memcpy(&hd, msg, sizeof hd);
  if (hd.magic != MAGIC || hd.run_id != opt.run_id) return;
  if (hd.seq == END_SEQ) {
    ends_seen++;
    return;
  }
  uint64_t now = now_ns(CLOCK_REALTIME);
  if (rx_msgs == 0) first_rx_ns = now_ns(CLOCK_MONOTONIC);
  last_rx_ns = now_ns(CLOCK_MONOTONIC);
  rx_msgs++;
  rx_bytes += len;
  note_sequence(nodeid, pid, hd.seq);
  if (latency_count < LATENCY_SAMPLES_MAX && now >= hd.sent_ns) latency_us[latency_count++] = (uint32_t)((now - hd.sent_ns) / 1000u);
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *g, const struct cpg_address *members, size_t n,
                       const struct cpg_address *left, size_t nl, const struct cpg_address *joined, size_t nj) {
  (void)h; (void)g; (void)members; (void)left; (void)nl; (void)joined; (void)nj;
  members_now = (unsigned)n;
}

static void dispatch(cpg_handle_t h, int fd, int timeout_ms) {
  struct pollfd p = { .fd = fd, .events = POLLIN };
  if (poll(&p, 1, timeout_ms) > 0) {
    cs_error_t err = cpg_dispatch(h, CS_DISPATCH_ALL);
    if (err != CS_OK && err != CS_ERR_TRY_AGAIN) die("cpg_dispatch", err);
  }
}

/* One multicast, retried while Corosync applies flow control (dispatching meanwhile). */
static void send_one(cpg_handle_t h, int fd, char *buf, uint64_t seq, uint32_t nodeid) {
  struct header hd = { MAGIC, opt.run_id, nodeid, (uint32_t)getpid(), seq, now_ns(CLOCK_REALTIME) };
  memcpy(buf, &hd, sizeof hd);
  struct iovec iov = { .iov_base = buf, .iov_len = opt.size };
  for (;;) {
    cs_error_t err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
    if (err == CS_OK) break;
    if (err != CS_ERR_TRY_AGAIN) die("cpg_mcast_joined", err);
    try_again++;
    dispatch(h, fd, 1);
  }
  if (seq != END_SEQ) tx_msgs++;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double p) {
  if (latency_count == 0) return 0;
  size_t i = (size_t)(p * (double)(latency_count - 1));
  return latency_us[i];
}

static void usage(void) {
  fprintf(stderr, "usage: cpgload --mode send|recv|both --size BYTES --duration S [--rate R] [--senders N] "
                  "[--wait-members N] [--run-id ID] [--timeout S] [--group NAME]\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) usage();
    if (!strcmp(a, "--mode")) opt.mode = v;
    else if (!strcmp(a, "--size")) opt.size = strtoul(v, NULL, 10);
    else if (!strcmp(a, "--duration")) opt.duration_s = atof(v);
    else if (!strcmp(a, "--rate")) opt.rate = atof(v);
    else if (!strcmp(a, "--senders")) opt.senders = (unsigned)atoi(v);
    else if (!strcmp(a, "--wait-members")) opt.wait_members = (unsigned)atoi(v);
    else if (!strcmp(a, "--run-id")) opt.run_id = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(a, "--timeout")) opt.timeout_s = atof(v);
    else if (!strcmp(a, "--group")) opt.group = v;
    else usage();
    i++;
  }
  int sends = !strcmp(opt.mode, "send") || !strcmp(opt.mode, "both");
  int receives = !strcmp(opt.mode, "recv") || !strcmp(opt.mode, "both");
  if ((!sends && !receives) || opt.size < HEADER_BYTES || opt.size > 1024 * 1024 || strlen(opt.group) >= CPG_MAX_NAME_LENGTH) usage();
  latency_us = malloc(sizeof(uint32_t) * LATENCY_SAMPLES_MAX);
  char *buf = calloc(1, opt.size);
  if (!latency_us || !buf) return 1;

  cpg_handle_t h;
  cpg_callbacks_t cb = { .cpg_deliver_fn = on_deliver, .cpg_confchg_fn = on_confchg };
  cs_error_t err = cpg_initialize(&h, &cb);
  if (err != CS_OK) die("cpg_initialize", err);
  int fd;
  if ((err = cpg_fd_get(h, &fd)) != CS_OK) die("cpg_fd_get", err);
  unsigned int nodeid = 0;
  if ((err = cpg_local_get(h, &nodeid)) != CS_OK) die("cpg_local_get", err);
  struct cpg_name name;
  name.length = (uint32_t)strlen(opt.group);
  memcpy(name.value, opt.group, name.length);
  while ((err = cpg_join(h, &name)) == CS_ERR_TRY_AGAIN) usleep(10000);
  if (err != CS_OK) die("cpg_join", err);

  uint64_t start = now_ns(CLOCK_MONOTONIC), deadline = start + (uint64_t)(opt.timeout_s * 1e9);
  int timed_out = 0;
  while (members_now < opt.wait_members) {
    if (now_ns(CLOCK_MONOTONIC) > deadline) { timed_out = 1; break; }
    dispatch(h, fd, 10);
  }
  if (sends && !timed_out) {
    uint64_t t0 = now_ns(CLOCK_MONOTONIC), end = t0 + (uint64_t)(opt.duration_s * 1e9);
    for (uint64_t seq = 1;; seq++) {
      uint64_t now = now_ns(CLOCK_MONOTONIC);
      if (now >= end) break;
      if (opt.rate > 0) {
        uint64_t due = t0 + (uint64_t)((double)(seq - 1) * 1e9 / opt.rate);
        while (now < due) {
          dispatch(h, fd, (int)((due - now) / 1000000u));
          now = now_ns(CLOCK_MONOTONIC);
        }
      }
      send_one(h, fd, buf, seq, nodeid);
      dispatch(h, fd, 0);
    }
    send_one(h, fd, buf, END_SEQ, nodeid);
  }
  if (receives) {
    while (ends_seen < opt.senders) {
      if (now_ns(CLOCK_MONOTONIC) > deadline) { timed_out = 1; break; }
      dispatch(h, fd, 50);
    }
  }
  cpg_leave(h, &name);
  cpg_finalize(h);

  qsort(latency_us, latency_count, sizeof(uint32_t), cmp_u32);
  double span_s = rx_msgs > 1 ? (double)(last_rx_ns - first_rx_ns) / 1e9 : 0;
  printf("{\"mode\":\"%s\",\"nodeid\":%u,\"size\":%zu,\"tx_msgs\":%" PRIu64 ",\"try_again\":%" PRIu64 ",\"rx_msgs\":%" PRIu64
         ",\"rx_msgs_per_s\":%.1f,\"rx_MB_per_s\":%.3f,\"lat_us_p50\":%.0f,\"lat_us_p99\":%.0f,\"gaps\":%" PRIu64 ",\"timed_out\":%s}\n",
         opt.mode, nodeid, opt.size, tx_msgs, try_again, rx_msgs, span_s > 0 ? (double)rx_msgs / span_s : 0,
         span_s > 0 ? (double)rx_bytes / span_s / 1e6 : 0, percentile(0.5), percentile(0.99), gaps, timed_out ? "true" : "false");
  return timed_out ? 3 : 0;
}

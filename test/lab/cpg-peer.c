/*
 * cpg-peer: a Corosync CPG application for the mixed-ring tests (test/mixed-ring-netns.test.ts),
 * built against the distribution's libcpg. It joins GROUP (CPG model v1, with the ring's totem
 * configurations from the first one on), prints every configuration change and delivery as one
 * JSON line on stdout, and multicasts (agreed order) each line it reads on stdin, given in hex.
 * Payloads are printed in hex too, so any bytes survive. EOF on stdin: leave and exit 0.
 *
 *   cpg-peer GROUP
 *   {"ev":"ready","node":N,"pid":P}
 *   {"ev":"totem","rep":N,"seq":S,"nodes":[...]}
 *   {"ev":"confchg","members":[[node,pid],...],"joined":[[node,pid,reason],...],"left":[...]}
 *   {"ev":"deliver","node":N,"pid":P,"hex":"..."}
 */
#include <corosync/cpg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fail(const char *what, cs_error_t err) {
  fprintf(stderr, "cpg-peer: %s: error %d\n", what, (int)err);
  exit(1);
}

static void list(const char *name, const struct cpg_address *a, size_t n, int with_reason) {
  printf("\"%s\":[", name);
  for (size_t i = 0; i < n; i++) {
    if (with_reason) printf("%s[%u,%u,%u]", i ? "," : "", a[i].nodeid, a[i].pid, a[i].reason);
    else printf("%s[%u,%u]", i ? "," : "", a[i].nodeid, a[i].pid);
  }
  printf("]");
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *g, const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left, const struct cpg_address *joined, size_t n_joined) {
  (void)h; (void)g;
  printf("{\"ev\":\"confchg\",");
  list("members", members, n_members, 0);
  printf(",");
  list("joined", joined, n_joined, 1);
  printf(",");
  list("left", left, n_left, 1);
  printf("}\n");
  fflush(stdout);
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid, void *msg, size_t len) {
  (void)h; (void)g;
  printf("{\"ev\":\"deliver\",\"node\":%u,\"pid\":%u,\"hex\":\"", nodeid, pid);
  for (size_t i = 0; i < len; i++) printf("%02x", ((unsigned char *)msg)[i]);
  printf("\"}\n");
  fflush(stdout);
}

static void on_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n, const uint32_t *nodes) {
  (void)h;
  printf("{\"ev\":\"totem\",\"rep\":%u,\"seq\":%llu,\"nodes\":[", ring.nodeid, (unsigned long long)ring.seq);
  for (uint32_t i = 0; i < n; i++) printf("%s%u", i ? "," : "", nodes[i]);
  printf("]}\n");
  fflush(stdout);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 2 || strlen(argv[1]) >= CPG_MAX_NAME_LENGTH) {
    fprintf(stderr, "usage: cpg-peer GROUP\n");
    return 2;
  }
  cpg_handle_t h;
  cpg_model_v1_data_t model = {
    .model = CPG_MODEL_V1, .cpg_deliver_fn = on_deliver, .cpg_confchg_fn = on_confchg,
    .cpg_totem_confchg_fn = on_totem, .flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
  };
  cs_error_t err;
  while ((err = cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&model, NULL)) == CS_ERR_TRY_AGAIN) usleep(10000);
  if (err != CS_OK) fail("cpg_model_initialize", err);
  struct cpg_name name;
  name.length = strlen(argv[1]);
  memcpy(name.value, argv[1], name.length);
  while ((err = cpg_join(h, &name)) == CS_ERR_TRY_AGAIN) usleep(10000);
  if (err != CS_OK) fail("cpg_join", err);
  unsigned int local = 0;
  if ((err = cpg_local_get(h, &local)) != CS_OK) fail("cpg_local_get", err);
  printf("{\"ev\":\"ready\",\"node\":%u,\"pid\":%u}\n", local, (unsigned)getpid());
  fflush(stdout);
  int fd;
  if ((err = cpg_fd_get(h, &fd)) != CS_OK) fail("cpg_fd_get", err);
  char line[65536];
  unsigned char bytes[sizeof line / 2];
  size_t used = 0;
  for (;;) {
    struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
    if (poll(p, 2, -1) < 0) continue;
    if (p[0].revents) {
      err = cpg_dispatch(h, CS_DISPATCH_ALL);
      if (err != CS_OK && err != CS_ERR_TRY_AGAIN) fail("cpg_dispatch", err);
    }
    if (p[1].revents) {
      ssize_t got = read(0, line + used, sizeof line - used);
      if (got <= 0) break;
      used += (size_t)got;
      char *nl;
      while ((nl = memchr(line, '\n', used)) != NULL) {
        size_t n = (size_t)(nl - line) / 2;
        for (size_t i = 0; i < n; i++) {
          int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);
          if (hi < 0 || lo < 0) { fprintf(stderr, "cpg-peer: input is not hex\n"); return 2; }
          bytes[i] = (unsigned char)(hi * 16 + lo);
        }
        struct iovec iov = { .iov_base = bytes, .iov_len = n };
        while ((err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN) {
          cpg_dispatch(h, CS_DISPATCH_ALL);
          usleep(1000);
        }
        if (err != CS_OK) fail("cpg_mcast_joined", err);
        used -= (size_t)(nl - line) + 1;
        memmove(line, nl + 1, used);
      }
    }
  }
  cpg_leave(h, &name);
  cpg_finalize(h);
  return 0;
}

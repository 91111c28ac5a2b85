/* openloop: the benchmark suite's open-loop HTTP/1.1 load client (see bench/README.md).
 *
 * Why it exists: latency must be timed from the moment each request was *meant* to be sent, at a
 * fixed rate, whatever the server does (an answer that is late delays nobody's schedule). The Python
 * client does that but tops out near 900 req/s and its own jitter dominates p99; wrk2 is not packaged.
 *
 *   openloop -p PORT -r RATE (-d SECONDS | -n COUNT) [-c CONNECTIONS] -f TARGETS [-o SAMPLES]
 *
 * Request i is intended at start + i / RATE. Each of CONNECTIONS keep-alive connections (one thread
 * each, to 127.0.0.1:PORT) takes the next i from a shared counter once it is free, sleeps until i's
 * moment and sends. When every connection is busy, request i waits for the first free one and that
 * wait is part of its latency (no coordinated omission); it is also counted as late (written more
 * than 1 ms after its moment), as is any lateness of the client itself.
 *
 * TARGETS: one request per line, used in turn: "METHOD HOST PATH", then optionally tab-separated
 * extras, each either a header ("If-None-Match: \"x\"") or "@FILE", a body sent with its
 * Content-Length. Blank lines and lines starting with # are skipped.
 *
 * Output: one JSON line on stdout (count, ok, errors, late, p50, p90, p99, p999, max in ms, the
 * first error); with -o, each successful request's latency in ms, one a line, in request order, so
 * the caller can pool samples across rounds. Statuses >= 400 and failed connections are errors; a
 * request failing on a kept connection is retried once on a fresh one (the server may have closed
 * it while idle). Build: gcc -O2 -pthread -o openloop openloop.c (bench/load.py does it).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LATE_NS 1000000LL /* written more than 1 ms after its intended moment: late */
#define BUF 65536         /* per-connection read buffer; a header line must fit in it */
#define TIMEOUT_S 30      /* a server silent this long fails the request (and the run's check) */

typedef struct {
    char *data;
    size_t len;
    int head; /* a HEAD request: the answer has no body whatever its headers say */
} Request;

typedef struct {
    int fd;
    size_t pos, len; /* unread bytes are buf[pos:len] */
    char buf[BUF];
} Conn;

static Request *requests;
static long nrequests, count;
static int port;
static double rate;
static long long start_ns;
static double *samples; /* latency in ms by request index; < 0 for a failed request */
static atomic_long next_index, errors, late;
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[200];

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void fail(long i, const char *what, int status) {
    atomic_fetch_add(&errors, 1);
    pthread_mutex_lock(&error_lock);
    if (!first_error[0])
        snprintf(first_error, sizeof first_error, "request %ld: %s %d", i, what, status);
    pthread_mutex_unlock(&error_lock);
}

static void hang_up(Conn *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

static int dial(Conn *c) {
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct timeval timeout = {TIMEOUT_S, 0};
    int one = 1;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->pos = c->len = 0;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* requests are one write each */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(c->fd, (struct sockaddr *)&to, sizeof to) == 0) return 0;
    hang_up(c);
    return -1;
}

static int send_all(Conn *c, const char *data, size_t len) {
    while (len) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL); /* a closed peer is an error, not SIGPIPE */
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n, len -= n;
    }
    return 0;
}

/* Read more bytes after the unread ones (moved to the front first). Bytes read; 0 at EOF; -1. */
static ssize_t fill(Conn *c) {
    ssize_t n;
    if (c->pos) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos, c->pos = 0;
    }
    if (c->len == BUF) return -1; /* a line longer than the buffer */
    do n = read(c->fd, c->buf + c->len, BUF - c->len);
    while (n < 0 && errno == EINTR);
    if (n > 0) c->len += n;
    return n;
}

/* The next CRLF-ended line, NUL-terminated in place; valid until the next read. NULL on failure. */
static char *line(Conn *c) {
    for (;;) {
        char *s = c->buf + c->pos, *end = memmem(s, c->len - c->pos, "\r\n", 2);
        if (end) {
            *end = 0;
            c->pos = end + 2 - c->buf;
            return s;
        }
        if (fill(c) <= 0) return NULL;
    }
}

/* Discard n body bytes: nothing but their end matters. */
static int skip(Conn *c, size_t n) {
    for (;;) {
        size_t have = c->len - c->pos, take = have < n ? have : n;
        c->pos += take, n -= take;
        if (!n) return 0;
        c->pos = c->len = 0;
        if (fill(c) <= 0) return -1;
    }
}

/* Read one whole response (RFC 9112 section 6.3's body length rules, minus 1xx); returns its
 * status, or -1 if the connection failed. *keep says whether the connection may carry another. */
static int response(Conn *c, int head, int *keep) {
    long long length = -1;
    int minor, status, chunked = 0;
    char *s = line(c);
    if (!s || sscanf(s, "HTTP/1.%d %d", &minor, &status) != 2) return -1;
    *keep = minor >= 1; /* HTTP/1.0 closes unless it says keep-alive */
    while ((s = line(c)) && *s) {
        char *value = strchr(s, ':');
        if (!value) continue;
        for (*value++ = 0; *value == ' ' || *value == '\t'; value++);
        if (!strcasecmp(s, "content-length")) length = atoll(value);
        else if (!strcasecmp(s, "transfer-encoding")) chunked = strcasestr(value, "chunked") != NULL;
        else if (!strcasecmp(s, "connection")) {
            if (strcasestr(value, "close")) *keep = 0;
            else if (strcasestr(value, "keep-alive")) *keep = 1;
        }
    }
    if (!s) return -1;
    if (head || status == 204 || status == 304) return status;
    if (chunked) {
        for (;;) { /* size line, data, CRLF ... a zero size, then trailers up to an empty line */
            size_t size;
            if (!(s = line(c))) return -1;
            if (!(size = strtoul(s, NULL, 16))) break;
            if (skip(c, size + 2)) return -1;
        }
        while ((s = line(c)) && *s);
        return s ? status : -1;
    }
    if (length >= 0) return skip(c, length) ? -1 : status;
    *keep = 0; /* no length: the body ends when the server closes */
    c->pos = c->len = 0;
    for (ssize_t n; (n = fill(c)) != 0; c->pos = c->len = 0)
        if (n < 0) return -1;
    return status;
}

static void *connection(void *unused) {
    Conn *c = calloc(1, sizeof *c);
    (void)unused;
    dial(c); /* before the start, so connecting is not in the first request's time */
    for (;;) {
        long i = atomic_fetch_add(&next_index, 1);
        if (i >= count) break;
        long long intended = start_ns + (long long)(i * 1e9 / rate);
        struct timespec t = {intended / 1000000000LL, intended % 1000000000LL};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR);
        Request *r = &requests[i % nrequests];
        int status = -1, keep = 0;
        if (now_ns() - intended > LATE_NS) atomic_fetch_add(&late, 1);
        for (int attempt = 0; attempt < 2 && status < 0; attempt++) {
            if (c->fd < 0 && dial(c)) break;
            if (send_all(c, r->data, r->len) == 0) status = response(c, r->head, &keep);
            if (status < 0) hang_up(c);
        }
        samples[i] = -1;
        if (status < 0) fail(i, "connection failed", 0);
        else if (status >= 400) fail(i, "status", status);
        else samples[i] = (now_ns() - intended) / 1e6;
        if (status >= 0 && !keep) hang_up(c);
        if (c->fd < 0) dial(c); /* now, rather than when the next request is already due */
    }
    hang_up(c);
    free(c);
    return NULL;
}

/* "METHOD HOST PATH[\tHeader: value|\t@BODYFILE]..." into the bytes of one request. */
static int parse_target(char *text, Request *r) {
    char *fields = strchr(text, '\t'), method[16], host[256], path[4096], *body = NULL, *data;
    size_t body_len = 0, len;
    if (fields) *fields++ = 0;
    if (sscanf(text, "%15s %255s %4095s", method, host, path) != 3) return -1;
    FILE *out = open_memstream(&data, &len);
    fprintf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host);
    for (char *f = fields; f; f = fields) {
        if ((fields = strchr(f, '\t'))) *fields++ = 0;
        if (*f == '@') {
            FILE *in = fopen(f + 1, "rb");
            if (!in) return -1;
            free(body);
            body = NULL, body_len = 0;
            FILE *copy = open_memstream(&body, &body_len);
            for (int ch; (ch = getc(in)) != EOF;) putc(ch, copy);
            fclose(copy);
            fclose(in);
        } else if (*f) fprintf(out, "%s\r\n", f);
    }
    if (body) fprintf(out, "Content-Length: %zu\r\n", body_len);
    fputs("\r\n", out);
    if (body) fwrite(body, 1, body_len, out);
    fclose(out);
    free(body);
    r->data = data, r->len = len, r->head = !strcmp(method, "HEAD");
    return 0;
}

static int read_targets(const char *name) {
    FILE *in = fopen(name, "r");
    char *text = NULL;
    size_t size = 0;
    ssize_t n;
    if (!in) return -1;
    while ((n = getline(&text, &size, in)) >= 0) {
        while (n && (text[n - 1] == '\n' || text[n - 1] == '\r')) text[--n] = 0;
        if (!n || text[0] == '#') continue;
        requests = realloc(requests, (nrequests + 1) * sizeof *requests);
        if (parse_target(text, &requests[nrequests++])) return -1;
    }
    free(text);
    fclose(in);
    return nrequests ? 0 : -1;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The sample at rank floor(n * q), as bench/load.py's percentile() picks it. */
static double quantile(const double *sorted, long n, double q) {
    long k = (long)(n * q);
    return n ? sorted[k < n ? k : n - 1] : 0;
}

int main(int argc, char **argv) {
    int connections = 32, opt;
    double seconds = 0;
    const char *targets = NULL, *samples_file = NULL;
    while ((opt = getopt(argc, argv, "p:r:d:n:c:f:o:")) != -1) {
        if (opt == 'p') port = atoi(optarg);
        else if (opt == 'r') rate = atof(optarg);
        else if (opt == 'd') seconds = atof(optarg);
        else if (opt == 'n') count = atol(optarg);
        else if (opt == 'c') connections = atoi(optarg);
        else if (opt == 'f') targets = optarg;
        else if (opt == 'o') samples_file = optarg;
        else return 2;
    }
    if (!count) count = (long)(rate * seconds);
    if (port <= 0 || rate <= 0 || count <= 0 || connections <= 0 || !targets) {
        fprintf(stderr, "usage: %s -p PORT -r RATE (-d SECONDS | -n COUNT) [-c CONNS] -f TARGETS "
                        "[-o SAMPLES]\n", argv[0]);
        return 2;
    }
    if (read_targets(targets)) {
        fprintf(stderr, "openloop: cannot read the targets in %s\n", targets);
        return 2;
    }
    samples = calloc(count, sizeof *samples);
    prctl(PR_SET_TIMERSLACK, 1UL); /* wake at the intended ns, not up to 50 us after (threads inherit it) */
    pthread_t *threads = calloc(connections, sizeof *threads);
    start_ns = now_ns() + 100000000LL; /* 100 ms for the threads to start and connect */
    for (int t = 0; t < connections; t++) pthread_create(&threads[t], NULL, connection, NULL);
    for (int t = 0; t < connections; t++) pthread_join(threads[t], NULL);
    double elapsed = (now_ns() - start_ns) / 1e9, *ok = malloc(count * sizeof *ok);
    long n = 0;
    FILE *out = samples_file ? fopen(samples_file, "w") : NULL;
    for (long i = 0; i < count; i++) {
        if (samples[i] < 0) continue;
        ok[n++] = samples[i];
        if (out) fprintf(out, "%.4f\n", samples[i]);
    }
    if (out) fclose(out);
    qsort(ok, n, sizeof *ok, by_value);
    printf("{\"count\": %ld, \"ok\": %ld, \"errors\": %ld, \"late\": %ld, \"seconds\": %.3f, "
           "\"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, \"p999\": %.4f, \"max\": %.4f, "
           "\"first_error\": \"%s\"}\n",
           count, n, atomic_load(&errors), atomic_load(&late), elapsed, quantile(ok, n, 0.5),
           quantile(ok, n, 0.9), quantile(ok, n, 0.99), quantile(ok, n, 0.999), n ? ok[n - 1] : 0,
           first_error);
    return 0;
}

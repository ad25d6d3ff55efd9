/* Reporting to fabricd over its HTTP API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inv_json.h"
#include "inventory.h"
#include "log.h"
#include "net.h"
#include "probe.h"
#include "report.h"

/* fabricd answers small documents; a longer answer is cut (only its
 * status and error message matter here). */
#define ANSWER_MAX 4096

int fprobe_fabricd_args(struct fprobe_fabricd *f, int *argc, char **argv)
{
    const char *env = getenv("FABRICD_TOKEN");
    const char *name = NULL;
    *f = (struct fprobe_fabricd){.token = env};
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char **slot = !strcmp(argv[i], "--fabricd") ? &f->url
                            : !strcmp(argv[i], "--token") ? &f->token
                            : !strcmp(argv[i], "--name")  ? &name
                                                          : NULL;
        if (!slot) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc) {
            fprintf(stderr, "fabprobe: %s needs a value\n", argv[i]);
            return -1;
        }
        *slot = argv[++i];
    }
    if (name != NULL)
        snprintf(f->name, sizeof(f->name), "%s", name);
    else if (gethostname(f->name, sizeof(f->name) - 1) != 0)
        snprintf(f->name, sizeof(f->name), "localhost");
    argv[out] = NULL;
    *argc = out;
    return 0;
}

/* "http://HOST[:PORT][/...]" -> "HOST:PORT" (port 80 when none). */
static int url_hostport(const char *url, char *out, size_t size)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7;
    size_t len = strcspn(h, "/");
    if (len == 0 || len + 4 >= size)
        return -1;
    memcpy(out, h, len);
    out[len] = '\0';
    const char *colon = strrchr(out, ':');
    if (colon == NULL || (out[0] == '[' && strchr(colon, ']') != NULL))
        strcat(out, ":80");
    return 0;
}

/* The answer's status code, and its body's error message into msg. */
static int read_answer(int fd, char *msg, size_t size)
{
    char buf[ANSWER_MAX + 1];
    size_t n = 0;
    ssize_t got;
    while (n < ANSWER_MAX && (got = read(fd, buf + n, ANSWER_MAX - n)) > 0)
        n += (size_t)got;
    buf[n] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    const char *body = strstr(buf, "\r\n\r\n");
    snprintf(msg, size, "%s", body != NULL ? body + 4 : "");
    msg[strcspn(msg, "\r\n")] = '\0';
    return status;
}

int fprobe_fabricd_post(const struct fprobe_fabricd *f, const char *path, json_object *body)
{
    char hostport[256], err[256], msg[512];
    if (url_hostport(f->url, hostport, sizeof(hostport)) != 0) {
        fprobe_log("--fabricd %s: expected http://HOST[:PORT]", f->url);
        return -1;
    }
    int fd = fprobe_connect(hostport, FPROBE_CONNECT_MS, FPROBE_IO_MS, err, sizeof(err));
    if (fd < 0) {
        fprobe_log("fabricd %s: %s", f->url, err);
        return -1;
    }
    const char *doc = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    char head[1024];
    int hl = snprintf(
        head, sizeof(head),
        "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
        "Content-Length: %zu\r\nConnection: close\r\n%s%s%s\r\n",
        path, hostport, strlen(doc), f->token && f->token[0] ? "Authorization: Bearer " : "",
        f->token && f->token[0] ? f->token : "", f->token && f->token[0] ? "\r\n" : "");
    int status = -1;
    if (hl > 0 && (size_t)hl < sizeof(head) && fprobe_send_all(fd, head, (size_t)hl) == 0 &&
        fprobe_send_all(fd, doc, strlen(doc)) == 0)
        status = read_answer(fd, msg, sizeof(msg));
    close(fd);
    if (status < 200 || status > 299) {
        if (status < 0)
            fprobe_log("fabricd %s%s: no answer", f->url, path);
        else
            fprobe_log("fabricd %s%s: HTTP %d %s", f->url, path, status, msg);
        return -1;
    }
    return 0;
}

int fprobe_fabricd_register(const struct fprobe_fabricd *f, const char *agent)
{
    struct fprobe_inventory inv;
    if (fprobe_inventory_read(&inv) != 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "hostname", json_object_new_string(f->name));
    json_object_object_add(o, "agent", json_object_new_string(agent));
    json_object_object_add(o, "inventory", fprobe_inventory_json(&inv));
    fprobe_inventory_free(&inv);
    int rc = fprobe_fabricd_post(f, "/api/v1/hosts", o);
    json_object_put(o);
    return rc;
}

json_object *fprobe_fabricd_result(const char *a, const char *b, const struct fprobe_req *req,
                                   const struct fprobe_result *res)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "a", json_object_new_string(a));
    json_object_object_add(o, "b", json_object_new_string(b));
    json_object_object_add(o, "kind", json_object_new_string(fprobe_kind_name(req->kind)));
    json_object_object_add(o, "size", json_object_new_int64(req->size));
    json_object_object_add(o, "duration_ms", json_object_new_int64(req->duration_ms));
    json_object_object_add(o, "ok", json_object_new_boolean(res->status == 0));
    if (res->status != 0)
        json_object_object_add(o, "error", json_object_new_string(res->error));
    else if (req->kind == FPROBE_TCP_BW || req->kind == FPROBE_IB_BW)
        json_object_object_add(o, "mb_per_s", json_object_new_double(fprobe_res_mbps(res)));
    else {
        json_object_object_add(o, "lat_p50_us", json_object_new_double(res->lat_p50_ns / 1e3));
        json_object_object_add(o, "lat_p99_us", json_object_new_double(res->lat_p99_ns / 1e3));
    }
    return o;
}

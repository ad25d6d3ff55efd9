/* Reply helpers shared by every API handler. */
#include "http.h"

#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

const char *fabd_req_arg(const fabd_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static void reply_reset(fabd_reply *rep)
{
    if (rep->stream) {
        fclose(rep->stream);
        rep->stream = NULL;
    }
    free(rep->buf);
    rep->buf = NULL;
    rep->len = 0;
}

FILE *fabd_reply_stream(fabd_reply *rep, unsigned status, const char *content_type)
{
    reply_reset(rep);
    rep->stream = open_memstream(&rep->buf, &rep->len);
    if (!rep->stream) {
        rep->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        rep->content_type = "application/json";
        return NULL;
    }
    rep->status = status;
    rep->content_type = content_type;
    return rep->stream;
}

void fabd_reply_bytes(fabd_reply *rep, unsigned status, const char *content_type, const char *data,
                      size_t len)
{
    reply_reset(rep);
    rep->buf = malloc(len ? len : 1);
    if (!rep->buf) {
        fabd_reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    memcpy(rep->buf, data, len);
    rep->len = len;
    rep->status = status;
    rep->content_type = content_type;
}

void fabd_reply_finish(fabd_reply *rep)
{
    if (rep->stream) {
        fclose(rep->stream);
        rep->stream = NULL;
    }
}

void fabd_reply_json(fabd_reply *rep, unsigned status, json_object *obj)
{
    FILE *f = fabd_reply_stream(rep, status, "application/json");
    if (f && obj)
        fprintf(f, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
    json_object_put(obj);
}

void fabd_reply_error(fabd_reply *rep, unsigned status, const char *fmt, ...)
{
    char msg[FTOPO_DIAG_MESSAGE_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object *err = json_object_new_object();
    json_object_object_add(err, "status", json_object_new_int((int)status));
    json_object_object_add(err, "message", json_object_new_string(msg));
    json_object *top = json_object_new_object();
    json_object_object_add(top, "error", err);
    fabd_reply_json(rep, status, top);
}

unsigned fabd_http_status(ftopo_status st)
{
    switch (st) {
    case FTOPO_OK:
        return MHD_HTTP_OK;
    case FTOPO_ERR_ARG:
    case FTOPO_ERR_PARSE:
    case FTOPO_ERR_DUPLICATE:
    case FTOPO_ERR_CONFLICT:
        return MHD_HTTP_BAD_REQUEST;
    case FTOPO_ERR_NOT_FOUND:
        return MHD_HTTP_NOT_FOUND;
    case FTOPO_ERR_STATE:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    case FTOPO_ERR_TIMEOUT:
        return MHD_HTTP_GATEWAY_TIMEOUT;
    case FTOPO_ERR_UNSUPPORTED:
        return MHD_HTTP_NOT_IMPLEMENTED;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* Status strings, type and operator names, version: the static tables of the
 * public API. */
#include "fcoll.h"

int fcoll_version(void)
{
    return FCOLL_VERSION_CODE;
}

const char *fcoll_strerror(fcoll_status_t st)
{
    switch (st) {
    case FCOLL_OK:
        return "success";
    case FCOLL_ERR_INVALID_ARG:
        return "invalid argument";
    case FCOLL_ERR_NULL_POINTER:
        return "required pointer is NULL";
    case FCOLL_ERR_INVALID_DTYPE:
        return "unknown data type";
    case FCOLL_ERR_INVALID_OP:
        return "unknown or unsupported reduction operator";
    case FCOLL_ERR_INVALID_RANK:
        return "rank, root or peer out of range";
    case FCOLL_ERR_COUNT_OVERFLOW:
        return "element count overflows the byte size";
    case FCOLL_ERR_INVALID_USAGE:
        return "call not allowed in the current state";
    case FCOLL_ERR_SYSTEM:
        return "system call failed";
    case FCOLL_ERR_NO_MEMORY:
        return "out of memory";
    case FCOLL_ERR_REMOTE:
        return "remote peer failed";
    case FCOLL_ERR_PEER_CLOSED:
        return "peer closed its connection or died";
    case FCOLL_ERR_PROTOCOL:
        return "protocol error from a peer";
    case FCOLL_ERR_ABORTED:
        return "communicator aborted";
    case FCOLL_ERR_COMM_FAILED:
        return "communicator unusable after an earlier error";
    case FCOLL_ERR_TIMEOUT:
        return "operation timed out";
    case FCOLL_ERR_UNSUPPORTED:
        return "operation not supported";
    }
    return "unknown status";
}

static const struct {
    const char *name;
    size_t size;
} dtypes[FCOLL_NUM_DTYPES] = {
    [FCOLL_INT8] = {"int8", 1},       [FCOLL_UINT8] = {"uint8", 1},
    [FCOLL_INT32] = {"int32", 4},     [FCOLL_UINT32] = {"uint32", 4},
    [FCOLL_INT64] = {"int64", 8},     [FCOLL_UINT64] = {"uint64", 8},
    [FCOLL_FLOAT16] = {"float16", 2}, [FCOLL_BFLOAT16] = {"bfloat16", 2},
    [FCOLL_FLOAT32] = {"float32", 4}, [FCOLL_FLOAT64] = {"float64", 8},
};

static const char *const op_names[FCOLL_NUM_OPS] = {
    [FCOLL_SUM] = "sum", [FCOLL_PROD] = "prod", [FCOLL_MIN] = "min",
    [FCOLL_MAX] = "max", [FCOLL_AVG] = "avg",
};

size_t fcoll_dtype_size(fcoll_dtype_t dtype)
{
    if ((unsigned)dtype >= FCOLL_NUM_DTYPES)
        return 0;
    return dtypes[dtype].size;
}

const char *fcoll_dtype_name(fcoll_dtype_t dtype)
{
    if ((unsigned)dtype >= FCOLL_NUM_DTYPES)
        return NULL;
    return dtypes[dtype].name;
}

const char *fcoll_op_name(fcoll_op_t op)
{
    if ((unsigned)op >= FCOLL_NUM_OPS)
        return NULL;
    return op_names[op];
}

/* The fabric as an igraph graph: vertex i is node i, edge j is link j, so
 * ids pass between the model and igraph's algorithms unchanged. */
#include "model.h"

/* igraph aborts the process on error by default. This handler only frees
 * igraph's temporaries and lets the error code come back to the caller,
 * which reports it through ftopo_diag like any other failure. */
static void keep_going(const char *reason, const char *file, int line, igraph_error_t code)
{
    (void)reason;
    (void)file;
    (void)line;
    (void)code;
    IGRAPH_FINALLY_FREE();
}

void ftopo__igraph_setup(void)
{
    /* Both are per-thread settings in igraph, hence set on every entry
     * rather than once per process. */
    igraph_set_error_handler(keep_going);
    igraph_set_attribute_table(&igraph_cattribute_table);
}

ftopo_status ftopo__igraph_fail(ftopo_diag *diag, igraph_error_t code, const char *what)
{
    if (code == IGRAPH_ENOMEM)
        return ftopo__fail(diag, FTOPO_ERR_NOMEM, "%s: out of memory", what);
    return ftopo__fail(diag, FTOPO_ERR_GRAPH, "%s: %s", what, igraph_strerror(code));
}

ftopo_status ftopo__build_graph(ftopo_fabric *f, ftopo_diag *diag)
{
    ftopo__igraph_setup();
    igraph_vector_int_t edges;
    igraph_error_t rc = igraph_vector_int_init(&edges, (igraph_integer_t)(2 * f->num_links));
    if (rc != IGRAPH_SUCCESS)
        return ftopo__igraph_fail(diag, rc, "building the fabric graph");
    for (size_t i = 0; i < f->num_links; i++) {
        VECTOR(edges)[2 * i] = f->links[i].a;
        VECTOR(edges)[2 * i + 1] = f->links[i].b;
    }
    rc = igraph_create(&f->graph, &edges, (igraph_integer_t)f->num_nodes, IGRAPH_UNDIRECTED);
    igraph_vector_int_destroy(&edges);
    if (rc != IGRAPH_SUCCESS)
        return ftopo__igraph_fail(diag, rc, "building the fabric graph");
    f->has_graph = true;
    return FTOPO_OK;
}

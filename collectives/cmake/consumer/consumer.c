/* Built against an installed fcoll by test-install.sh: checks that the
 * header and the library found at run time agree and that the entry points
 * resolve. */
#include <fcoll.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    if (fcoll_version() != FCOLL_VERSION_CODE) {
        fprintf(stderr, "header version %d, library version %d\n", FCOLL_VERSION_CODE,
                fcoll_version());
        return 1;
    }
    if (fcoll_dtype_size(FCOLL_BFLOAT16) != 2 || strcmp(fcoll_op_name(FCOLL_SUM), "sum") != 0) {
        fprintf(stderr, "unexpected type or op table\n");
        return 1;
    }
    printf("fcoll %d: %s\n", fcoll_version(), fcoll_strerror(FCOLL_ERR_TIMEOUT));
    return 0;
}

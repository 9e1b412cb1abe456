/* The errno <-> enum ust_err table (errors.c), inside the library. */
#ifndef UST_CORE_ERRORS_H
#define UST_CORE_ERRORS_H

/* The enum ust_err for a system call's errno (the first in the table with
 * that errno), UST_ERR_IO when there is none. */
int err_from_errno(int eno);

#endif

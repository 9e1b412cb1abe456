/* The table of subcommands. */
#include <stddef.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
    {NULL, NULL},
};

/* The table of subcommands: one file per command (cmd_*.c). */
#include <stddef.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
    {"demo", cmd_demo},
    {"serve", cmd_serve},
    {"ping", cmd_ping},
    {"get", cmd_get},
    {"send", cmd_send},
    {"recv", cmd_recv},
    {"netstat", cmd_netstat},
    {"resolve", cmd_resolve},
    {"run", cmd_run},
    {NULL, NULL},
};

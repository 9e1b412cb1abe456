/* Shared declarations of the `ustack` subcommands. */
#ifndef UST_CLI_H
#define UST_CLI_H

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};
extern const struct cli_command cli_commands[];

#endif

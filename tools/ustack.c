/* The `ustack` command: subcommand dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ustack/ustack.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ustack COMMAND [OPTIONS]\n"
            "commands:\n"
            "  demo        run the simulated network story (no root needed)\n"
            "  serve       answer ARP/ping, serve UDP/TCP echo, discard and HTTP on a TAP (or TUN)\n"
            "  ping DEST   send ICMP echo requests\n"
            "  get URL     download a file over HTTP/1.1\n"
            "  send HOST PORT  send bytes over TCP and report throughput\n"
            "  recv        accept one TCP connection, count its bytes, report\n"
            "  netstat     list the sockets (or counters) of every running ustack\n"
            "  resolve NAME  print a host name's addresses, as getent ahosts\n"
            "  run -- PROGRAM  run an unmodified program with its IPv4 sockets in ustack\n"
            "  version     print the version\n"
            "Run 'ustack COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "ustack: missing command (try 'ustack --help')\n");
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("ustack %s\n", USTACK_VERSION);
        return 0;
    }
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(cmd, c->name))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "ustack: unknown command '%s' (try 'ustack --help')\n", cmd);
    return 2;
}

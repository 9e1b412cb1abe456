/* `ustack run [link options] -- PROGRAM ARGS...`: runs an unmodified
 * program with its AF_INET sockets in ustack. Puts libustack-preload.so
 * (preload/) in LD_PRELOAD and the link options in USTACK_RUN_OPTS, then
 * execs the program: the exit status is the program's. The stack starts in
 * the program on its first AF_INET socket. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define PRELOAD_NAME "libustack-preload.so"
#define RUN_EXIT_EXEC 127 /* the program cannot be run, as a shell says */

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: ustack run --tap NAME|--tun NAME --addr A.B.C.D/N|dhcp [link options]\n"
            "                  -- PROGRAM [ARGS...]\n"
            "Runs PROGRAM with its IP sockets in ustack: libustack-preload.so goes into\n"
            "LD_PRELOAD and takes over socket(AF_INET), socket(AF_INET6) and the calls on\n"
            "those sockets; files, pipes, AF_UNIX and the terminal stay with the kernel.\n"
            "The stack starts on the program's first AF_INET or AF_INET6 socket (or name\n"
            "lookup), on the device the options name; with --addr dhcp it waits for a\n"
            "lease then, keeps it (renewing) while the program runs and releases it when\n"
            "the program exits. Exit status: the program's; 2 for a usage error or a\n"
            "statically linked PROGRAM (LD_PRELOAD cannot reach it); 127 when PROGRAM\n"
            "cannot be run. 'ustack netstat' lists\n"
            "the program's sockets with its PID and name (its control socket: --ctl PATH,\n"
            "else " CTL_DIR "/PID.sock, removed when it exits).\n"
            "  -h, --help           this text\n" LINK_OPTS_HELP);
}

/* The link options joined by 0x1f for the shim (preload/shim.c). */
static int append_opt(char *buf, size_t cap, size_t *len, const char *arg)
{
    size_t n = strlen(arg);
    if (strchr(arg, '\x1f'))
        return cli_usage_error("run: option '%s' contains a 0x1f byte", arg);
    if (*len + n + 2 > cap)
        return cli_usage_error("run: link options too long");
    if (*len)
        buf[(*len)++] = '\x1f';
    memcpy(buf + *len, arg, n + 1);
    *len += n;
    return 0;
}

/* Parses up to "--"; *prog is the index of PROGRAM. -1 to go on, else an
 * exit code. */
static int run_parse(int argc, char **argv, char *opts, size_t cap, int *prog)
{
    struct link_opts o;
    link_opts_init(&o);
    size_t len = 0;
    opts[0] = '\0';
    int i;
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            run_usage(stdout);
            return CLI_EXIT_OK;
        }
        int first = i, r = link_opts_parse(&o, argc, argv, &i);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r == 0)
            return cli_usage_error("run: unknown option '%s' (try 'ustack run --help'; "
                                   "PROGRAM goes after --)", argv[i]);
        for (int k = first; k <= i; k++)
            if (append_opt(opts, cap, &len, argv[k]) != 0)
                return CLI_EXIT_USAGE;
    }
    if (i + 1 >= argc)
        return cli_usage_error("run: PROGRAM missing (ustack run [link options] -- PROGRAM)");
    *prog = i + 1;
    return link_opts_check(&o) ? CLI_EXIT_USAGE : -1;
}

/* PROGRAM as execvp finds it: a name with a slash as is, else along PATH. */
static int find_program(const char *name, char *path, size_t cap)
{
    if (strchr(name, '/')) {
        int len = snprintf(path, cap, "%s", name);
        if (len < 0 || (size_t)len >= cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        return access(path, X_OK);
    }
    const char *dirs = getenv("PATH");
    for (const char *d = dirs ? dirs : "/usr/bin:/bin"; d; ) {
        const char *end = strchr(d, ':');
        int n = end ? (int)(end - d) : (int)strlen(d);
        int len = snprintf(path, cap, "%.*s/%s", n ? n : 1, n ? d : ".", name);
        if (len > 0 && (size_t)len < cap && access(path, X_OK) == 0)
            return 0;
        d = end ? end + 1 : NULL;
    }
    errno = ENOENT;
    return -1;
}

/* 1 when path is an ELF executable without a program interpreter (linked
 * statically: no dynamic loader, so no LD_PRELOAD); 0 otherwise (dynamic,
 * or a script whose interpreter decides). */
static int is_static_elf(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    Elf64_Ehdr eh;
    int is_static = 0;
    if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
        !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
        eh.e_phentsize == sizeof(Elf64_Phdr)) {
        is_static = 1;
        for (unsigned k = 0; k < eh.e_phnum; k++) {
            Elf64_Phdr ph;
            off_t at = (off_t)(eh.e_phoff + (Elf64_Off)k * sizeof(ph));
            if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph) || ph.p_type == PT_INTERP) {
                is_static = 0;
                break;
            }
        }
    }
    close(fd);
    return is_static;
}

/* dir/name, if it fits and is readable. */
static int try_path(char *path, size_t cap, const char *dir, const char *sub)
{
    int len = snprintf(path, cap, "%s%s/%s", dir, sub, PRELOAD_NAME);
    return len > 0 && (size_t)len < cap && access(path, R_OK) == 0 ? 0 : -1;
}

/* The shim next to this binary (a build tree), else in the lib directory
 * relative to it (an install moved elsewhere, DESTDIR), else in the lib
 * directory the install was configured for. */
static int find_preload(char *path, size_t cap)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash = n > 0 ? (self[n] = '\0', strrchr(self, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        if (try_path(path, cap, self, "") == 0)
            return 0;
#ifdef USTACK_PRELOAD_RELDIR
        if (try_path(path, cap, self, "/../" USTACK_PRELOAD_RELDIR) == 0)
            return 0;
#endif
    }
#ifdef USTACK_PRELOAD_DIR
    if (try_path(path, cap, USTACK_PRELOAD_DIR, "") == 0)
        return 0;
#endif
    return -1;
}

static int set_preload(const char *lib)
{
    const char *old = getenv("LD_PRELOAD");
    size_t n = strlen(lib) + (old ? strlen(old) : 0) + 2;
    char *v = malloc(n);
    if (!v)
        return -1;
    snprintf(v, n, "%s%s%s", lib, old && *old ? ":" : "", old ? old : "");
    int rc = setenv("LD_PRELOAD", v, 1);
    free(v);
    return rc;
}

/* Finds PROGRAM and the shim, sets the environment and execs: returns
 * only on failure, with the exit code. */
static int run_program(char **prog_argv, const char *opts)
{
    char prog[PATH_MAX], lib[PATH_MAX];
    if (find_program(prog_argv[0], prog, sizeof(prog)) != 0) {
        fprintf(stderr, "ustack: run: %s: %s\n", prog_argv[0], strerror(errno));
        return RUN_EXIT_EXEC;
    }
    if (is_static_elf(prog))
        return cli_usage_error("run: %s is statically linked: LD_PRELOAD cannot intercept its "
                               "socket calls", prog);
    if (find_preload(lib, sizeof(lib)) != 0) {
        fprintf(stderr, "ustack: run: %s not found next to ustack nor in the lib directory\n",
                PRELOAD_NAME);
        return CLI_EXIT_FAIL;
    }
    if (set_preload(lib) != 0 || setenv("USTACK_RUN_OPTS", opts, 1) != 0) {
        fprintf(stderr, "ustack: run: %s\n", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    execv(prog, prog_argv);
    fprintf(stderr, "ustack: run: %s: %s\n", prog, strerror(errno));
    return RUN_EXIT_EXEC;
}

int cmd_run(int argc, char **argv)
{
    enum { OPTS_MAX = 16384 };
    char *opts = malloc(OPTS_MAX);
    if (!opts)
        return cli_usage_error("out of memory");
    int first = 0, rc = run_parse(argc, argv, opts, OPTS_MAX, &first);
    if (rc < 0)
        rc = run_program(argv + first, opts);
    free(opts);
    return rc;
}

/*
 * The entry point of the statically linked `git-avow` on Linux (build.rs):
 * what runs before the C library starts, to end at once the one hook run
 * that has nothing to do.
 *
 * Why: git runs prepare-commit-msg on every commit. For `git commit -m …`
 * (source `message`) without `--no-verify`, avow's prepare-commit-msg
 * decides nothing: git opens no editor (so no guidance), and commit-msg
 * runs next and does the attesting (src/cmd/hook/prepare.rs). Yet
 * starting the C library costs more than a whole `/usr/bin/true` on a
 * virtual machine: glibc's start-up asks the processor about its features
 * and caches 43 times with `cpuid`, and each one traps to the hypervisor
 * (3.6 us each here), then Rust's runtime reads /proc/self/maps and sets up
 * signal stacks (docs/performance.md, "2026-12-07, late night: the hook").
 * This code answers that one case with six system calls and leaves every
 * other to the program, unchanged.
 *
 * It decides "nothing to do" only when all of these hold, else it jumps
 * to the C library's `_start` with the stack and registers as the kernel
 * gave them, and the program runs as if this code did not exist:
 *
 *   - the command line is exactly `git-avow hook-direct DIR/prepare-commit-msg
 *     FILE message` (the kernel's form for a `#!git-avow hook-direct` hook
 *     of a `-m`/`-F` commit);
 *   - no `DIR/prepare-commit-msg.avow-chained` exists (a chained hook is
 *     run by the program);
 *   - the parent process is `git … commit …` (git runs the hook itself), so
 *     it is neither `git revert` nor a cherry-pick (the two commands whose
 *     prepare-commit-msg does work), and its command line has nothing that
 *     could mean `--no-verify`: no short-option word with an `n` in it and
 *     no long option named like `--no-v…` or a prefix of `--no-verify`,
 *     anywhere after `commit`, after a `--` too (a value that merely looks
 *     so sends the hook to the program, which parses git's options
 *     exactly: src/cmd/hook/invocation.rs).
 *
 * In that case the program would read the same files and exit 0 with no
 * output; tests/it/hook_start.rs holds the two to the same answers.
 *
 * Rules for this file, because it runs before the C library and before a
 * position-independent static binary has relocated itself: no calls into
 * the C library (system calls are made directly), no global variables and
 * no tables of pointers (they need relocation), no stack protector (it
 * reads thread-local storage, not set up yet), and no large stack buffers.
 * build.rs compiles it freestanding and links it alone to prove it needs
 * no other symbol.
 */

typedef unsigned long u64;

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_getppid 110
#define SYS_exit_group 231
#define SYS_openat 257
#define SYS_newfstatat 262
#define AT_FDCWD (-100)
#define O_RDONLY_CLOEXEC 02000000
#define ENOENT 2

static long sys3(long n, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static long sys4(long n, long a, long b, long c, long d) {
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}

static int eq(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* Whether `s` starts with `prefix`. */
static int starts(const char *s, const char *prefix) {
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

/* The part of `path` after its last slash. */
static const char *base(const char *path) {
    const char *b = path;
    for (const char *p = path; *p; p++) {
        if (*p == '/') {
            b = p + 1;
        }
    }
    return b;
}

/* Whether a `git commit` argument could ask for --no-verify. */
static int may_skip_verify(const char *a) {
    if (a[0] != '-' || a[1] == 0) {
        return 0;
    }
    if (a[1] != '-') {
        /* Short options, possibly bundled (`-qn`), possibly with a stuck value. */
        for (const char *p = a + 1; *p; p++) {
            if (*p == 'n') {
                return 1;
            }
        }
        return 0;
    }
    /* A long option: its name up to `=`. */
    char name[16];
    int i = 0;
    for (const char *p = a + 2; *p && *p != '='; p++) {
        if (i == (int)sizeof name - 1) {
            return starts(a + 2, "no-v");
        }
        name[i++] = *p;
    }
    name[i] = 0;
    return starts(name, "no-v") || starts("no-verify", name);
}

/* 1 when the process `ppid` is `git … commit …` and its command line
 * cannot mean --no-verify; 0 for anything else or anything unreadable. */
static int parent_is_plain_commit(long ppid) {
    char path[40];
    char digits[20];
    int n = 0;
    if (ppid <= 0) {
        return 0;
    }
    while (ppid > 0 && n < (int)sizeof digits) {
        digits[n++] = (char)('0' + ppid % 10);
        ppid /= 10;
    }
    int at = 0;
    for (const char *head = "/proc/"; *head; head++) {
        path[at++] = *head;
    }
    while (n > 0) {
        path[at++] = digits[--n];
    }
    const char *tail = "/cmdline";
    while (*tail) {
        path[at++] = *tail++;
    }
    path[at] = 0;

    char buf[4096];
    long fd = sys4(SYS_openat, AT_FDCWD, (long)path, O_RDONLY_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    long len = 0;
    for (;;) {
        long got = sys3(SYS_read, fd, (long)(buf + len), (long)sizeof buf - len);
        if (got < 0) {
            sys3(SYS_close, fd, 0, 0);
            return 0;
        }
        if (got == 0) {
            break;
        }
        len += got;
        if (len == (long)sizeof buf) {
            /* Longer than the buffer: leave it to the program. */
            sys3(SYS_close, fd, 0, 0);
            return 0;
        }
    }
    sys3(SYS_close, fd, 0, 0);
    if (len == 0 || buf[len - 1] != 0) {
        return 0;
    }

    /* The arguments, each NUL-terminated, empty ones skipped (as the
     * program's reading of /proc does). */
    long i = 0;
    int index = 0;
    int seen_command = 0;
    int skip_value = 0;
    while (i < len) {
        const char *arg = buf + i;
        while (i < len && buf[i] != 0) {
            i++;
        }
        i++;
        if (arg[0] == 0) {
            continue;
        }
        if (index++ == 0) {
            if (!eq(base(arg), "git")) {
                return 0;
            }
            continue;
        }
        if (!seen_command) {
            /* git's own options before the subcommand; some take a value. */
            if (skip_value) {
                skip_value = 0;
                continue;
            }
            if (eq(arg, "-C") || eq(arg, "-c") || eq(arg, "--git-dir") || eq(arg, "--work-tree")
                || eq(arg, "--namespace") || eq(arg, "--exec-path") || eq(arg, "--config-env")
                || eq(arg, "--attr-source")) {
                skip_value = 1;
                continue;
            }
            if (arg[0] == '-') {
                continue;
            }
            if (!eq(arg, "commit")) {
                return 0;
            }
            seen_command = 1;
            continue;
        }
        /* No stop at `--`: it ends git's options only where it is not an
         * option's value (`git commit -m -- -n` is --no-verify with the
         * message `--`; threat-model entry 131). Pathspecs after a real
         * `--` that look like options only send the hook to the program. */
        if (may_skip_verify(arg)) {
            return 0;
        }
    }
    return seen_command;
}

static int nothing_to_do(const char *hook);

/* 1 when the hook has nothing to do (the process may exit 0), else 0.
 * With AVOW_TRACE_START in the environment it says so on standard error
 * (tests/it/hook_start.rs tells the two paths apart by it). */
__attribute__((used, visibility("hidden"))) int avow_hook_nothing_to_do(long *sp) {
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    if (argc != 5 || !eq(argv[1], "hook-direct") || !eq(base(argv[2]), "prepare-commit-msg")
        || !eq(argv[4], "message")) {
        return 0;
    }
    if (!nothing_to_do(argv[2])) {
        return 0;
    }
    for (char **env = argv + argc + 1; *env; env++) {
        if (starts(*env, "AVOW_TRACE_START=")) {
            const char *line = "avow: prepare-commit-msg: nothing to do (before start-up)\n";
            long len = 0;
            while (line[len]) {
                len++;
            }
            sys3(SYS_write, 2, (long)line, len);
            break;
        }
    }
    return 1;
}

/* For the hook file `hook`: no chained hook, and the parent is a plain `git commit`. */
static int nothing_to_do(const char *hook) {
    /* DIR/prepare-commit-msg.avow-chained: any answer but "no such file"
     * leaves the hook to the program. */
    char chained[512];
    const char *suffix = ".avow-chained";
    int at = 0;
    for (const char *p = hook; *p; p++) {
        if (at >= (int)sizeof chained - 16) {
            return 0;
        }
        chained[at++] = *p;
    }
    while (*suffix) {
        chained[at++] = *suffix++;
    }
    chained[at] = 0;
    char st[256]; /* struct stat: 144 bytes on x86-64 */
    if (sys4(SYS_newfstatat, AT_FDCWD, (long)chained, (long)st, 0) != -ENOENT) {
        return 0;
    }
    return parent_is_plain_commit(sys3(SYS_getppid, 0, 0, 0));
}

/* The ELF entry point (build.rs: `-e avow_start`). The kernel leaves argc
 * at the stack pointer and, in %rdx, a function for atexit (0 here); both
 * are handed to the C library's `_start` unchanged. */
__asm__(".text\n"
        ".globl avow_start\n"
        ".hidden avow_start\n"
        ".type avow_start,@function\n"
        "avow_start:\n"
        "    mov %rsp, %r12\n"
        "    mov %rdx, %r13\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call avow_hook_nothing_to_do\n"
        "    test %eax, %eax\n"
        "    jz 1f\n"
        "    mov $231, %eax\n"
        "    xor %edi, %edi\n"
        "    syscall\n"
        "1:  mov %r12, %rsp\n"
        "    mov %r13, %rdx\n"
        "    xor %ebp, %ebp\n"
        "    jmp _start\n"
        ".size avow_start, .-avow_start\n");

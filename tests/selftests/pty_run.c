// SPDX-License-Identifier: GPL-2.0
/*
 * pty_run CMD [ARGS...]: run CMD with its stderr on a pseudo-terminal and
 * copy what it writes there to stdout; exit with CMD's status. For testing
 * what a program does when stderr is a terminal (lmctl's progress bar) in
 * a guest without one.
 */
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int master, slave, status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: pty_run CMD [ARGS...]\n");
		return 2;
	}
	if (openpty(&master, &slave, NULL, NULL, NULL)) {
		perror("pty_run: openpty");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("pty_run: fork");
		return 2;
	}
	if (!pid) {
		close(master);
		if (dup2(slave, STDERR_FILENO) < 0)
			_exit(127);
		close(slave);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	close(slave);
	/* EIO once the last holder of the slave side is gone. */
	while ((n = read(master, buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0 && write(STDOUT_FILENO, buf, (size_t)n) != n)
			break;
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// SPDX-License-Identifier: MIT
/*
 * gpiod-standin-drive: pulls a stand-in line from outside, as fast as the
 * stand-in can, for tests and benchmarks that need a burst of edges
 * (GpiodStandin.setLevel uses it for a line with an event request, and
 * GpiodStandin.burst for a burst). Built with the library's own source, so
 * the state file layout has one definition.
 *
 *   GPIOD_STANDIN_STATE=<state> gpiod-standin-drive <chip> <offset> <level> [<count> [<interval-us>]]
 *
 * Sets the line to <level>, then to the other level, and so on: <count>
 * changes (default 1), <interval-us> apart (default 0: as fast as possible).
 * Prints one JSON line: {"edges":N,"queued":N,"dropped":N,"firstNs":"..","lastNs":".."}.
 */
#include "libgpiod.c"

#include <stdlib.h>

int main(int argc, char **argv)
{
	struct drive_result res;
	unsigned long long count = 1;
	unsigned long interval = 0;
	char *end;
	long offset, level;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: %s <chip> <offset> <level 0|1> [<count> [<interval-us>]]\n", argv[0]);
		return 2;
	}
	offset = strtol(argv[2], &end, 10);
	if (*end || offset < 0)
		return fprintf(stderr, "bad offset %s\n", argv[2]), 2;
	level = strtol(argv[3], &end, 10);
	if (*end || (level != 0 && level != 1))
		return fprintf(stderr, "bad level %s\n", argv[3]), 2;
	if (argc > 4) {
		count = strtoull(argv[4], &end, 10);
		if (*end)
			return fprintf(stderr, "bad count %s\n", argv[4]), 2;
	}
	if (argc > 5) {
		interval = strtoul(argv[5], &end, 10);
		if (*end)
			return fprintf(stderr, "bad interval %s\n", argv[5]), 2;
	}
	/* A reader that goes away mid-burst is EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	if (standin_drive(argv[1], (unsigned int)offset, (int)level, count, (unsigned int)interval, &res) < 0) {
		fprintf(stderr, "gpiod-standin-drive: %s line %ld: %s\n", argv[1], offset, strerror(errno));
		return 1;
	}
	printf("{\"edges\":%llu,\"queued\":%llu,\"dropped\":%llu,\"firstNs\":\"%llu\",\"lastNs\":\"%llu\"}\n",
	       (unsigned long long)res.edges, (unsigned long long)res.queued, (unsigned long long)res.dropped,
	       (unsigned long long)res.first_ns, (unsigned long long)res.last_ns);
	return 0;
}

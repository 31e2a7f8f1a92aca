// SPDX-License-Identifier: MIT
/*
 * A stand-in for libgpiod 1.6 (libgpiod.so.2) for machines without a GPIO
 * chip. node-libgpiod loads it instead of Debian's library through
 * LD_LIBRARY_PATH. The "kernel" is a state file (env GPIOD_STANDIN_STATE)
 * that tests read and change; see README.md next to this file for its layout
 * and for the semantics emulated here.
 *
 * The system <gpiod.h> is included so that the structures the caller fills
 * in (struct gpiod_line_bulk, struct gpiod_line_request_config) and every
 * constant are exactly libgpiod 1.6's.
 *
 * Structure mirrors libgpiod 1.6's core.c: a library layer (per-process
 * line objects, their local "requested" state and request handles) on top of
 * a kernel layer (the uAPI v1 line-handle rules, applied to the state file).
 */
#define _GNU_SOURCE
#include <gpiod.h>
#include <linux/gpio.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* State file layout (keep in sync with spec/support/gpiod-standin.ts).    */
/* ---------------------------------------------------------------------- */

#define ST_MAGIC	"GPIOSTD1"
#define ST_VERSION	2
#define ST_MAX_LINES	64	/* = GPIOD_LINE_BULK_MAX_LINES = GPIOHANDLES_MAX */
#define ST_NAME_LEN	32	/* the kernel's name/label/consumer buffers */

struct st_header {
	char magic[8];
	uint32_t version;
	uint32_t num_chips;
	uint32_t chip_size;		/* sizeof(struct st_chip), checked */
	uint32_t line_size;		/* sizeof(struct st_line), checked */
	uint64_t bulk_read_calls;	/* gpiod_line_get_value_bulk() calls */
	uint64_t bulk_read_lines;	/* values those calls returned */
	uint64_t single_read_calls;	/* gpiod_line_get_value() calls */
	uint32_t next_handle;		/* last request handle id given out */
	uint8_t reserved[12];
};

struct st_line {
	uint8_t level;		/* physical level, 0 or 1 */
	uint8_t requested;	/* 1 from a request until its release */
	uint8_t req_type;	/* GPIOD_LINE_REQUEST_{DIRECTION,EVENT}_* of the last request, 0 = none */
	uint8_t is_out;		/* the kernel's direction: 1 = output */
	uint8_t default_value;	/* logical default of the last output request */
	uint8_t pull;		/* the level when nothing drives the line: set from
				 * outside (setLevel) or by a request's bias, as gpio-sim's pull */
	uint8_t reserved0[2];
	uint32_t flags;		/* GPIOD_LINE_REQUEST_FLAG_* of the last request */
	int32_t owner_pid;	/* process of the last request (kept after release) */
	uint32_t handle;	/* request handle id of the last request */
	uint32_t requests;
	uint32_t releases;
	uint32_t fault;		/* errno a test injects: value ioctls on this line's handle fail with it */
	uint64_t reads;		/* times the kernel sampled this line for a reader */
	uint64_t writes;	/* times the kernel set this line's value */
	char name[ST_NAME_LEN];
	char consumer[ST_NAME_LEN];	/* cleared on a clean release */
	uint32_t ev_queued;	/* events put in the event request's queue (reset by a request) */
	uint32_t ev_dropped;	/* events dropped because that queue was full (reset by a request) */
	uint8_t reserved2[8];
};

struct st_chip {
	char name[ST_NAME_LEN];
	char label[ST_NAME_LEN];
	uint32_t num_lines;
	uint8_t access_denied;	/* open() fails with EACCES */
	uint8_t bias_supported;	/* 0: a pre-5.5 kernel, which rejects bias flags */
	uint8_t reserved[58];
	struct st_line lines[ST_MAX_LINES];
};

_Static_assert(sizeof(struct st_header) == 64, "header layout");
_Static_assert(sizeof(struct st_line) == 128, "line record layout");
_Static_assert(offsetof(struct st_line, reads) == 32, "line record layout");
_Static_assert(offsetof(struct st_line, name) == 48, "line record layout");
_Static_assert(offsetof(struct st_line, ev_queued) == 112, "line record layout");
_Static_assert(offsetof(struct st_chip, lines) == 128, "chip record layout");

/* libgpiod request flags the kernel understands; libgpiod drops other bits. */
#define FLAG_MASK	0x3f
#define BIAS_FLAGS	(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE | \
			 GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN | \
			 GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
#define DRIVE_FLAGS	(GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN | \
			 GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE)

/* ---------------------------------------------------------------------- */
/* Helpers: strings, the event log, owner liveness, the mapping.           */
/* ---------------------------------------------------------------------- */

/* Copies a fixed-size, maybe unterminated field into a C string. */
static void copy_name(char *dst, const char *src)
{
	memcpy(dst, src, ST_NAME_LEN - 1);
	dst[ST_NAME_LEN - 1] = '\0';
}

/*
 * Appends one line to <state>.log. One write() on an O_APPEND file, so lines
 * from concurrent processes never interleave. Keeps errno: callers log on
 * their way out of a failing call.
 */
__attribute__((format(printf, 2, 3)))
static void log_event(const char *state_path, const char *fmt, ...)
{
	char path[4096], buf[512];
	int saved = errno, fd, len;
	va_list ap;

	if (!state_path || snprintf(path, sizeof(path), "%s.log", state_path) >= (int)sizeof(path))
		goto out;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto out;
	if (len > (int)sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, len) < 0) {
			/* Nothing to do: the log is a test aid. */
		}
		close(fd);
	}
out:
	errno = saved;
}

/*
 * Whether a line's owner still holds it. The kernel frees a process's lines
 * when its file descriptors close, i.e. when it dies (even as a zombie), so
 * a line requested by a dead process is free.
 */
static bool pid_alive(int32_t pid)
{
	char path[64], buf[512], *paren;
	bool alive = true;
	int saved = errno, fd;
	ssize_t n;

	if (pid <= 0)
		return false;
	if (pid == getpid())
		return true;

	if (kill(pid, 0) < 0 && errno != EPERM) {
		alive = false;
		goto out;
	}

	/* State after the command name in /proc/<pid>/stat: Z or X = gone. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			paren = strrchr(buf, ')');
			if (paren && (paren[2] == 'Z' || paren[2] == 'X'))
				alive = false;
		}
	}
out:
	errno = saved;
	return alive;
}

/* A line is held when requested by a live process (the kernel's view). */
static bool line_held(const struct st_line *rec)
{
	return __atomic_load_n(&rec->requested, __ATOMIC_ACQUIRE) &&
	       pid_alive(rec->owner_pid);
}

struct state {
	int fd;			/* kept open: flock() serialises requests */
	struct st_header *hdr;	/* MAP_SHARED: level reads cost no syscall */
	size_t size;
	char *path;
};

static struct st_chip *state_chip(struct state *st, unsigned int i)
{
	return (struct st_chip *)(st->hdr + 1) + i;
}

/* Maps the state file. Unset variable or missing file: ENOENT (no chips). */
static int state_map(struct state *st)
{
	const char *path = getenv("GPIOD_STANDIN_STATE");
	struct stat sb;
	void *base;
	int saved;

	if (!path || !*path) {
		errno = ENOENT;
		return -1;
	}

	st->fd = open(path, O_RDWR | O_CLOEXEC);
	if (st->fd < 0)
		return -1;
	if (fstat(st->fd, &sb) < 0)
		goto err;
	if ((size_t)sb.st_size < sizeof(struct st_header))
		goto bad;

	base = mmap(NULL, sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, st->fd, 0);
	if (base == MAP_FAILED)
		goto err;
	st->hdr = base;
	st->size = sb.st_size;

	if (memcmp(st->hdr->magic, ST_MAGIC, 8) != 0 ||
	    st->hdr->version != ST_VERSION ||
	    st->hdr->chip_size != sizeof(struct st_chip) ||
	    st->hdr->line_size != sizeof(struct st_line) ||
	    st->size < sizeof(struct st_header) +
		       (size_t)st->hdr->num_chips * sizeof(struct st_chip)) {
		munmap(base, st->size);
		goto bad;
	}

	st->path = strdup(path);
	if (!st->path) {
		saved = errno;
		munmap(base, st->size);
		errno = saved;
		goto err;
	}
	return 0;

bad:
	fprintf(stderr, "gpiod-standin: %s is not a version %d state file\n", path, ST_VERSION);
	errno = EIO;
err:
	saved = errno;
	close(st->fd);
	errno = saved;
	return -1;
}

static void state_unmap(struct state *st)
{
	munmap(st->hdr, st->size);
	close(st->fd);
	free(st->path);
}

/* ---------------------------------------------------------------------- */
/* Library objects.                                                        */
/* ---------------------------------------------------------------------- */

enum { LINE_FREE = 0, LINE_REQUESTED_VALUES, LINE_REQUESTED_EVENTS };

#define LINE_ALIVE	0x454e494cu	/* "LINE" */
#define LINE_DEAD	0x44414544u	/* "DEAD" */

/*
 * One uAPI v1 line handle (the fd GPIO_GET_LINEHANDLE_IOCTL returns): the
 * lines of one request, in request order, with one set of flags. Like
 * libgpiod's line_fd_handle it is shared by its lines and closed (the kernel
 * frees all its lines) when the last of them is released.
 */
struct handle {
	uint32_t id;
	unsigned int refcount;
	struct gpiod_chip *chip;
	int type;		/* GPIOD_LINE_REQUEST_* */
	int flags;
	unsigned int num_lines;
	unsigned int offsets[ST_MAX_LINES];
	int event_fd;		/* an event request (one line): its FIFO, read end; else -1 */
};

static bool request_is_events(int type)
{
	return type == GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE ||
	       type == GPIOD_LINE_REQUEST_EVENT_RISING_EDGE ||
	       type == GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES;
}

/* The FIFO that carries one line's events: <state>.events.<chip>.<offset>. */
static int event_fifo_path(char *buf, size_t size, const char *state_path,
			   const char *chip_name, unsigned int offset)
{
	if (snprintf(buf, size, "%s.events.%s.%u", state_path, chip_name, offset) >= (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

struct gpiod_line {
	uint32_t magic;		/* LINE_DEAD once its chip is closed */
	unsigned int offset;
	int state;		/* this process's view, as libgpiod's line->state */
	struct gpiod_chip *chip;
	struct handle *handle;
	char chip_name[ST_NAME_LEN];	/* for reports after the chip is gone */
	char name[ST_NAME_LEN];		/* buffers for the strings we return */
	char consumer[ST_NAME_LEN];
	struct gpiod_line *next_dead;
};

struct gpiod_chip {
	struct state st;
	struct st_chip *rec;
	struct gpiod_line **lines;	/* created on first use, owned by the chip */
	unsigned int num_lines;
	char name[ST_NAME_LEN];
	char label[ST_NAME_LEN];
};

struct gpiod_chip_iter {
	struct gpiod_chip **chips;
	unsigned int num_chips;
	unsigned int offset;
};

/*
 * Real libgpiod frees a chip's lines in gpiod_chip_close(), and node-libgpiod
 * may still call gpiod_line_release() on them from a Line finalizer that runs
 * after the Chip's: a use after free. Here closed lines are kept, marked dead,
 * until the library unloads, and every use is reported instead of reading
 * freed memory.
 */
static struct gpiod_line *graveyard;

__attribute__((destructor))
static void free_graveyard(void)
{
	struct gpiod_line *line;

	while ((line = graveyard)) {
		graveyard = line->next_dead;
		free(line);
	}
}

static bool line_alive(struct gpiod_line *line, const char *fn)
{
	if (line->magic == LINE_ALIVE)
		return true;

	log_event(getenv("GPIOD_STANDIN_STATE"),
		  "use-after-close fn=%s chip=%s offset=%u pid=%d",
		  fn, line->chip_name, line->offset, (int)getpid());
	/* Finalizers release lines in any order; other calls are real bugs. */
	if (strcmp(fn, "gpiod_line_release") != 0)
		fprintf(stderr, "gpiod-standin: %s() on line %u of %s after its chip was closed "
			"(a use after free with the real libgpiod)\n",
			fn, line->offset, line->chip_name);
	errno = EBADF;
	return false;
}

static struct st_line *line_rec(struct gpiod_line *line)
{
	return &line->chip->rec->lines[line->offset];
}

static struct st_line *handle_rec(struct handle *h, unsigned int i)
{
	return &h->chip->rec->lines[h->offsets[i]];
}

/* ---------------------------------------------------------------------- */
/* Chips.                                                                  */
/* ---------------------------------------------------------------------- */

/* Opens /dev/<name>: the chip of that name in the state file. */
static struct gpiod_chip *chip_open_name(const char *name)
{
	struct gpiod_chip *chip;
	struct st_chip *rec = NULL;
	char buf[ST_NAME_LEN];
	unsigned int i;

	chip = calloc(1, sizeof(*chip));
	if (!chip)
		return NULL;
	if (state_map(&chip->st) < 0)
		goto err_free;

	for (i = 0; i < chip->st.hdr->num_chips && !rec; i++) {
		copy_name(buf, state_chip(&chip->st, i)->name);
		if (strcmp(buf, name) == 0)
			rec = state_chip(&chip->st, i);
	}
	if (!rec) {
		errno = ENOENT;
		goto err_unmap;
	}
	if (rec->access_denied) {
		errno = EACCES;
		goto err_unmap;
	}

	chip->rec = rec;
	chip->num_lines = rec->num_lines < ST_MAX_LINES ? rec->num_lines : ST_MAX_LINES;
	copy_name(chip->name, rec->name);
	copy_name(chip->label, rec->label);
	/* As 1.6: the kernel says "unknown" for a chip without a label. */
	if (!chip->label[0])
		strcpy(chip->label, "unknown");
	return chip;

err_unmap:
	state_unmap(&chip->st);
err_free:
	free(chip);
	return NULL;
}

struct gpiod_chip *gpiod_chip_open(const char *path)
{
	/* Only /dev/<name> paths exist here; real open() gives ENOENT too. */
	if (strncmp(path, "/dev/", 5) != 0 || strchr(path + 5, '/')) {
		errno = ENOENT;
		return NULL;
	}
	return chip_open_name(path + 5);
}

struct gpiod_chip *gpiod_chip_open_by_name(const char *name)
{
	char path[64];

	if (snprintf(path, sizeof(path), "/dev/%s", name) >= (int)sizeof(path)) {
		errno = ENOENT;
		return NULL;
	}
	return gpiod_chip_open(path);
}

struct gpiod_chip *gpiod_chip_open_by_number(unsigned int num)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/gpiochip%u", num);
	return gpiod_chip_open(path);
}

/* As 1.6: iterates over all chips, so one unreadable chip fails it (EACCES). */
struct gpiod_chip *gpiod_chip_open_by_label(const char *label)
{
	struct gpiod_chip_iter *iter;
	struct gpiod_chip *chip;

	iter = gpiod_chip_iter_new();
	if (!iter)
		return NULL;

	gpiod_foreach_chip(iter, chip) {
		if (strcmp(label, gpiod_chip_label(chip)) == 0) {
			gpiod_chip_iter_free_noclose(iter);
			return chip;
		}
	}

	errno = ENOENT;
	gpiod_chip_iter_free(iter);
	return NULL;
}

static bool isuint(const char *str)
{
	for (; *str && isdigit((unsigned char)*str); str++)
		;
	return *str == '\0';
}

/* As 1.6: a number, else a label, else a name or a /dev path. */
struct gpiod_chip *gpiod_chip_open_lookup(const char *descr)
{
	struct gpiod_chip *chip;

	if (isuint(descr)) {
		chip = gpiod_chip_open_by_number(strtoul(descr, NULL, 10));
	} else {
		chip = gpiod_chip_open_by_label(descr);
		if (!chip) {
			if (strncmp(descr, "/dev/", 5))
				chip = gpiod_chip_open_by_name(descr);
			else
				chip = gpiod_chip_open(descr);
		}
	}
	return chip;
}

static void line_release(struct gpiod_line *line);

/* As 1.6: releases the chip's lines (closing their handles), frees them. */
void gpiod_chip_close(struct gpiod_chip *chip)
{
	struct gpiod_line *line;
	unsigned int i;

	if (chip->lines) {
		for (i = 0; i < chip->num_lines; i++)
			if (chip->lines[i])
				line_release(chip->lines[i]);
		for (i = 0; i < chip->num_lines; i++) {
			line = chip->lines[i];
			if (!line)
				continue;
			line->magic = LINE_DEAD;
			line->chip = NULL;
			line->next_dead = graveyard;
			graveyard = line;
		}
		free(chip->lines);
	}
	state_unmap(&chip->st);
	free(chip);
}

const char *gpiod_chip_name(struct gpiod_chip *chip)
{
	return chip->name;
}

const char *gpiod_chip_label(struct gpiod_chip *chip)
{
	return chip->label;
}

unsigned int gpiod_chip_num_lines(struct gpiod_chip *chip)
{
	return chip->num_lines;
}

/* As 1.6: one cached object per offset while the chip is open. */
struct gpiod_line *gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset)
{
	struct gpiod_line *line;

	if (offset >= chip->num_lines) {
		errno = EINVAL;
		return NULL;
	}

	if (!chip->lines) {
		chip->lines = calloc(chip->num_lines, sizeof(*chip->lines));
		if (!chip->lines)
			return NULL;
	}

	line = chip->lines[offset];
	if (!line) {
		line = calloc(1, sizeof(*line));
		if (!line)
			return NULL;
		line->magic = LINE_ALIVE;
		line->offset = offset;
		line->chip = chip;
		memcpy(line->chip_name, chip->name, ST_NAME_LEN);
		chip->lines[offset] = line;
	}
	return line;
}

/* 1.6 has no bound here and overflows the bulk past 64 lines: EINVAL. */
int gpiod_chip_get_lines(struct gpiod_chip *chip, unsigned int *offsets,
			 unsigned int num_offsets, struct gpiod_line_bulk *bulk)
{
	struct gpiod_line *line;
	unsigned int i;

	gpiod_line_bulk_init(bulk);
	if (num_offsets > GPIOD_LINE_BULK_MAX_LINES) {
		errno = EINVAL;
		return -1;
	}

	for (i = 0; i < num_offsets; i++) {
		line = gpiod_chip_get_line(chip, offsets[i]);
		if (!line)
			return -1;
		gpiod_line_bulk_add(bulk, line);
	}
	return 0;
}

int gpiod_chip_get_all_lines(struct gpiod_chip *chip, struct gpiod_line_bulk *bulk)
{
	struct gpiod_line *line;
	unsigned int i;

	gpiod_line_bulk_init(bulk);
	for (i = 0; i < chip->num_lines; i++) {
		line = gpiod_chip_get_line(chip, i);
		if (!line)
			return -1;
		gpiod_line_bulk_add(bulk, line);
	}
	return 0;
}

struct gpiod_line *gpiod_chip_find_line(struct gpiod_chip *chip, const char *name)
{
	char buf[ST_NAME_LEN];
	unsigned int i;

	for (i = 0; i < chip->num_lines; i++) {
		copy_name(buf, chip->rec->lines[i].name);
		if (buf[0] && strcmp(buf, name) == 0)
			return gpiod_chip_get_line(chip, i);
	}
	errno = ENOENT;
	return NULL;
}

int gpiod_chip_find_lines(struct gpiod_chip *chip, const char **names,
			  struct gpiod_line_bulk *bulk)
{
	struct gpiod_line *line;
	unsigned int i;

	gpiod_line_bulk_init(bulk);
	for (i = 0; names[i]; i++) {
		if (i == GPIOD_LINE_BULK_MAX_LINES) {
			errno = EINVAL;
			return -1;
		}
		line = gpiod_chip_find_line(chip, names[i]);
		if (!line)
			return -1;
		gpiod_line_bulk_add(bulk, line);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Chip iterator: /dev/gpiochip* in alphasort order, all opened up front.  */
/* ---------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcoll(a, b);	/* alphasort() compares with strcoll() */
}

struct gpiod_chip_iter *gpiod_chip_iter_new(void)
{
	char (*names)[ST_NAME_LEN] = NULL;
	struct gpiod_chip_iter *iter;
	unsigned int i, num = 0;
	struct state st;
	int saved;

	/* The directory listing: chip names in the state file, like scandir(). */
	if (state_map(&st) == 0) {
		names = calloc(st.hdr->num_chips + 1, ST_NAME_LEN);
		if (!names) {
			state_unmap(&st);
			return NULL;
		}
		for (i = 0; i < st.hdr->num_chips; i++) {
			copy_name(names[num], state_chip(&st, i)->name);
			if (strncmp(names[num], "gpiochip", 8) == 0)
				num++;
		}
		state_unmap(&st);
		qsort(names, num, ST_NAME_LEN, cmp_names);
	} else if (errno != ENOENT) {
		return NULL;
	}

	iter = calloc(1, sizeof(*iter));
	if (!iter)
		goto err_names;
	if (num) {
		iter->chips = calloc(num, sizeof(*iter->chips));
		if (!iter->chips)
			goto err_iter;
	}
	iter->num_chips = num;

	/* As 1.6: any chip that cannot be opened fails the whole iterator. */
	for (i = 0; i < num; i++) {
		iter->chips[i] = gpiod_chip_open_by_name(names[i]);
		if (!iter->chips[i])
			goto err_chips;
	}
	free(names);
	return iter;

err_chips:
	saved = errno;
	for (i = 0; i < num; i++)
		if (iter->chips[i])
			gpiod_chip_close(iter->chips[i]);
	free(iter->chips);
	errno = saved;
err_iter:
	free(iter);
err_names:
	free(names);
	return NULL;
}

/* As 1.6: closes the chip handed out last only if iteration did not end. */
void gpiod_chip_iter_free(struct gpiod_chip_iter *iter)
{
	if (iter->offset > 0 && iter->offset < iter->num_chips)
		gpiod_chip_close(iter->chips[iter->offset - 1]);
	gpiod_chip_iter_free_noclose(iter);
}

/* Closes the chips not handed out; the caller owns the others. */
void gpiod_chip_iter_free_noclose(struct gpiod_chip_iter *iter)
{
	unsigned int i;

	for (i = iter->offset; i < iter->num_chips; i++)
		if (iter->chips[i])
			gpiod_chip_close(iter->chips[i]);
	free(iter->chips);
	free(iter);
}

struct gpiod_chip *gpiod_chip_iter_next(struct gpiod_chip_iter *iter)
{
	if (iter->offset > 0) {
		gpiod_chip_close(iter->chips[iter->offset - 1]);
		iter->chips[iter->offset - 1] = NULL;
	}
	return gpiod_chip_iter_next_noclose(iter);
}

struct gpiod_chip *gpiod_chip_iter_next_noclose(struct gpiod_chip_iter *iter)
{
	return iter->offset < iter->num_chips ? iter->chips[iter->offset++] : NULL;
}

/* ---------------------------------------------------------------------- */
/* Line info: read fresh from the state, as after gpiod_line_update().     */
/* ---------------------------------------------------------------------- */

struct gpiod_chip *gpiod_line_get_chip(struct gpiod_line *line)
{
	return line_alive(line, __func__) ? line->chip : NULL;
}

unsigned int gpiod_line_offset(struct gpiod_line *line)
{
	line_alive(line, __func__);
	return line->offset;
}

const char *gpiod_line_name(struct gpiod_line *line)
{
	if (!line_alive(line, __func__))
		return NULL;
	copy_name(line->name, line_rec(line)->name);
	return line->name[0] ? line->name : NULL;
}

/* The kernel shows a consumer only while the line is held. */
const char *gpiod_line_consumer(struct gpiod_line *line)
{
	struct st_line *rec;

	if (!line_alive(line, __func__))
		return NULL;
	rec = line_rec(line);
	if (!line_held(rec))
		return NULL;
	copy_name(line->consumer, rec->consumer);
	return line->consumer[0] ? line->consumer : NULL;
}

/* A freed line keeps its direction in the kernel (FLAG_IS_OUT survives). */
int gpiod_line_direction(struct gpiod_line *line)
{
	if (!line_alive(line, __func__))
		return GPIOD_LINE_DIRECTION_INPUT;
	return line_rec(line)->is_out ? GPIOD_LINE_DIRECTION_OUTPUT
				       : GPIOD_LINE_DIRECTION_INPUT;
}

/* Flags of the holder's request; the kernel clears them when it frees a line. */
static uint32_t held_flags(struct gpiod_line *line, const char *fn)
{
	struct st_line *rec;

	if (!line_alive(line, fn))
		return 0;
	rec = line_rec(line);
	return line_held(rec) ? rec->flags : 0;
}

int gpiod_line_active_state(struct gpiod_line *line)
{
	return held_flags(line, __func__) & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW
		? GPIOD_LINE_ACTIVE_STATE_LOW : GPIOD_LINE_ACTIVE_STATE_HIGH;
}

int gpiod_line_bias(struct gpiod_line *line)
{
	uint32_t flags = held_flags(line, __func__);

	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
		return GPIOD_LINE_BIAS_DISABLE;
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
		return GPIOD_LINE_BIAS_PULL_UP;
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
		return GPIOD_LINE_BIAS_PULL_DOWN;
	return GPIOD_LINE_BIAS_AS_IS;
}

bool gpiod_line_is_used(struct gpiod_line *line)
{
	return line_alive(line, __func__) && line_held(line_rec(line));
}

bool gpiod_line_is_open_drain(struct gpiod_line *line)
{
	return held_flags(line, __func__) & GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN;
}

bool gpiod_line_is_open_source(struct gpiod_line *line)
{
	return held_flags(line, __func__) & GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE;
}

int gpiod_line_update(struct gpiod_line *line)
{
	return line_alive(line, __func__) ? 0 : -1;
}

bool gpiod_line_needs_update(struct gpiod_line *line GPIOD_UNUSED)
{
	return false;
}

/* This process's view, as 1.6: not the kernel's (see gpiod_line_is_used). */
bool gpiod_line_is_requested(struct gpiod_line *line)
{
	return line_alive(line, __func__) &&
	       (line->state == LINE_REQUESTED_VALUES || line->state == LINE_REQUESTED_EVENTS);
}

bool gpiod_line_is_free(struct gpiod_line *line)
{
	return line_alive(line, __func__) && line->state == LINE_FREE;
}

/* ---------------------------------------------------------------------- */
/* Bulk checks, as 1.6's line_bulk_*.                                      */
/* ---------------------------------------------------------------------- */

/* Not in 1.6, which misbehaves on an empty bulk: EINVAL; and no dead lines. */
static bool bulk_usable(struct gpiod_line_bulk *bulk, const char *fn)
{
	unsigned int i;

	if (bulk->num_lines == 0 || bulk->num_lines > GPIOD_LINE_BULK_MAX_LINES) {
		errno = EINVAL;
		return false;
	}
	for (i = 0; i < bulk->num_lines; i++)
		if (!line_alive(bulk->lines[i], fn))
			return false;
	return true;
}

static bool bulk_same_chip(struct gpiod_line_bulk *bulk)
{
	unsigned int i;

	for (i = 1; i < bulk->num_lines; i++) {
		if (bulk->lines[i]->chip != bulk->lines[0]->chip) {
			errno = EINVAL;
			return false;
		}
	}
	return true;
}

/* Every line of the bulk in `state`, or errno `err` (libgpiod 1.6: EPERM unrequested, EBUSY not free). */
static bool bulk_all_in(struct gpiod_line_bulk *bulk, int state, int err)
{
	unsigned int i;

	for (i = 0; i < bulk->num_lines; i++) {
		if ((int)bulk->lines[i]->state != state) {
			errno = err;
			return false;
		}
	}
	return true;
}

/* As 1.6: requested for values or for events, else EPERM. */
static bool bulk_all_requested(struct gpiod_line_bulk *bulk)
{
	unsigned int i;

	for (i = 0; i < bulk->num_lines; i++) {
		if (bulk->lines[i]->state == LINE_FREE) {
			errno = EPERM;
			return false;
		}
	}
	return true;
}

static bool bulk_all_free(struct gpiod_line_bulk *bulk)
{
	return bulk_all_in(bulk, LINE_FREE, EBUSY);
}

/* ---------------------------------------------------------------------- */
/* The kernel: GPIO_GET_LINEHANDLE_IOCTL and closing a handle.             */
/* ---------------------------------------------------------------------- */

static const char *type_name(int type)
{
	switch (type) {
	case GPIOD_LINE_REQUEST_DIRECTION_AS_IS:
		return "as-is";
	case GPIOD_LINE_REQUEST_DIRECTION_INPUT:
		return "input";
	case GPIOD_LINE_REQUEST_EVENT_RISING_EDGE:
		return "rising-edge";
	case GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE:
		return "falling-edge";
	case GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES:
		return "both-edges";
	default:
		return "output";
	}
}

/*
 * linehandle_validate_flags() of Linux 5.5+, or of older kernels. An event
 * request (lineevent_create) is an input, and drive flags make it EINVAL.
 */
static bool kernel_flags_valid(const struct gpiod_chip *chip, int type, int flags)
{
	bool in = type == GPIOD_LINE_REQUEST_DIRECTION_INPUT || request_is_events(type);
	bool out = type == GPIOD_LINE_REQUEST_DIRECTION_OUTPUT;
	int bias = flags & BIAS_FLAGS;

	if (bias && !chip->rec->bias_supported)
		return false;	/* before 5.5 these bits are unknown flags */
	if ((flags & DRIVE_FLAGS) == DRIVE_FLAGS)
		return false;
	if ((flags & DRIVE_FLAGS) && !out)
		return false;
	if (bias && !in && !out)
		return false;	/* bias needs a direction */
	if (bias & (bias - 1))
		return false;	/* only one bias flag */
	return true;
}

/*
 * Requests the bulk's lines as one handle, all or nothing, under an exclusive
 * lock on the state file so that concurrent processes cannot both win a line.
 */
static struct handle *kernel_request(struct gpiod_line_bulk *bulk,
				     const struct gpiod_line_request_config *config,
				     const int *default_vals)
{
	struct gpiod_chip *chip = bulk->lines[0]->chip;
	int type = config->request_type, flags = config->flags & FLAG_MASK;
	int active_low = !!(flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	char consumer[ST_NAME_LEN] = "";
	struct st_line *rec;
	struct handle *h;
	unsigned int i, j;
	pid_t pid = getpid();

	if (!kernel_flags_valid(chip, type, flags)) {
		errno = EINVAL;
		return NULL;
	}

	/* The kernel truncates the label and shows "?" for an empty one. */
	if (config->consumer)
		strncpy(consumer, config->consumer, ST_NAME_LEN - 1);
	if (!consumer[0])
		strcpy(consumer, "?");

	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->chip = chip;
	h->type = type;
	h->flags = flags;
	h->event_fd = -1;
	h->num_lines = bulk->num_lines;
	for (i = 0; i < bulk->num_lines; i++)
		h->offsets[i] = bulk->lines[i]->offset;

	flock(chip->st.fd, LOCK_EX);

	for (i = 0; i < h->num_lines; i++) {
		/* Held by anyone alive (this process included), or twice here. */
		bool busy = line_held(handle_rec(h, i));

		for (j = 0; j < i; j++)
			busy = busy || h->offsets[j] == h->offsets[i];
		if (busy) {
			flock(chip->st.fd, LOCK_UN);
			free(h);
			errno = EBUSY;
			return NULL;
		}
	}

	/*
	 * An event request (always one line) gets the read end of a fresh FIFO:
	 * whoever changes the line's level writes its events there (see
	 * standin_drive), so the fd is readable, pollable and read as the
	 * kernel's lineevent fd is. O_RDWR: opening does not wait for a writer,
	 * and reads block (or EAGAIN) rather than see an end of file.
	 */
	if (request_is_events(type)) {
		char path[4096];

		if (event_fifo_path(path, sizeof(path), chip->st.path, chip->name, h->offsets[0]) < 0 ||
		    (unlink(path) < 0 && errno != ENOENT) || mkfifo(path, 0600) < 0 ||
		    (h->event_fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
			int saved = errno;

			flock(chip->st.fd, LOCK_UN);
			free(h);
			errno = saved;
			return NULL;
		}
	}

	h->id = __atomic_add_fetch(&chip->st.hdr->next_handle, 1, __ATOMIC_RELAXED);
	for (i = 0; i < h->num_lines; i++) {
		rec = handle_rec(h, i);
		rec->owner_pid = pid;
		rec->handle = h->id;
		rec->req_type = type;
		rec->flags = flags;
		memset(rec->consumer, 0, ST_NAME_LEN);
		strcpy(rec->consumer, consumer);
		/* A bias is the line's pull from now on (gpio-sim: the pull
		 * attribute); it moves the level of a line nobody drives. */
		if (flags & (GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP | GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)) {
			rec->pull = !!(flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP);
			if (type != GPIOD_LINE_REQUEST_DIRECTION_OUTPUT)
				__atomic_store_n(&rec->level, rec->pull, __ATOMIC_RELAXED);
		}
		if (type == GPIOD_LINE_REQUEST_DIRECTION_OUTPUT) {
			/* Drives the line at once: logical default, physical level. */
			rec->default_value = default_vals ? !!default_vals[i] : 0;
			rec->is_out = 1;
			__atomic_store_n(&rec->level, rec->default_value ^ active_low,
					 __ATOMIC_RELAXED);
		} else if (type != GPIOD_LINE_REQUEST_DIRECTION_AS_IS) {
			rec->is_out = 0;	/* input, or events */
		}
		if (request_is_events(type)) {
			rec->ev_queued = 0;
			rec->ev_dropped = 0;
		}
		rec->requests++;
		/* Last, so a reader that sees "requested" sees the rest too. */
		__atomic_store_n(&rec->requested, 1, __ATOMIC_RELEASE);
	}

	flock(chip->st.fd, LOCK_UN);

	for (i = 0; i < h->num_lines; i++) {
		rec = handle_rec(h, i);
		if (type == GPIOD_LINE_REQUEST_DIRECTION_OUTPUT)
			log_event(chip->st.path,
				  "request chip=%s offset=%u type=output flags=0x%x default=%d level=%d handle=%u pid=%d consumer=%s",
				  chip->name, h->offsets[i], flags, rec->default_value,
				  rec->level, h->id, (int)pid, consumer);
		else
			log_event(chip->st.path,
				  "request chip=%s offset=%u type=%s flags=0x%x level=%d handle=%u pid=%d consumer=%s",
				  chip->name, h->offsets[i], type_name(type), flags,
				  rec->level, h->id, (int)pid, consumer);
	}
	return h;
}

/* Closing a handle's fd: the kernel frees every line of the handle. */
static void kernel_release(struct handle *h)
{
	struct gpiod_chip *chip = h->chip;
	struct st_line *rec;
	unsigned int i;
	pid_t pid = getpid();

	flock(chip->st.fd, LOCK_EX);
	/* Closing the only read end frees the FIFO's pipe: its queue is gone. */
	if (h->event_fd >= 0) {
		char path[4096];

		close(h->event_fd);
		h->event_fd = -1;
		rec = handle_rec(h, 0);
		if (rec->handle == h->id && rec->owner_pid == pid &&
		    event_fifo_path(path, sizeof(path), chip->st.path, chip->name, h->offsets[0]) == 0)
			unlink(path);
	}
	for (i = 0; i < h->num_lines; i++) {
		rec = handle_rec(h, i);
		/* Skip a line a test took over with hold() meanwhile. */
		if (!rec->requested || rec->handle != h->id || rec->owner_pid != pid)
			continue;
		__atomic_store_n(&rec->requested, 0, __ATOMIC_RELEASE);
		memset(rec->consumer, 0, ST_NAME_LEN);
		/* Nothing drives a free line: it falls back to its pull (gpio-sim's
		 * gpio_sim_free()), so an output left at 1 reads 0 on a pull-down. */
		__atomic_store_n(&rec->level, rec->pull, __ATOMIC_RELAXED);
		rec->releases++;
		log_event(chip->st.path, "release chip=%s offset=%u handle=%u pid=%d",
			  chip->name, h->offsets[i], h->id, (int)pid);
	}
	flock(chip->st.fd, LOCK_UN);
}

/* ---------------------------------------------------------------------- */
/* Requests and releases.                                                  */
/* ---------------------------------------------------------------------- */

static bool request_is_direction(int type)
{
	return type == GPIOD_LINE_REQUEST_DIRECTION_AS_IS ||
	       type == GPIOD_LINE_REQUEST_DIRECTION_INPUT ||
	       type == GPIOD_LINE_REQUEST_DIRECTION_OUTPUT;
}

int gpiod_line_request_bulk(struct gpiod_line_bulk *bulk,
			    const struct gpiod_line_request_config *config,
			    const int *default_vals)
{
	struct handle *h;
	unsigned int i;

	if (!bulk_usable(bulk, __func__) || !bulk_same_chip(bulk) || !bulk_all_free(bulk))
		return -1;

	/*
	 * As 1.6's line_request_events(): one kernel event request per line,
	 * each with its own fd; a failure releases the lines requested before.
	 */
	if (request_is_events(config->request_type)) {
		struct gpiod_line_bulk one;
		int saved;

		for (i = 0; i < bulk->num_lines; i++) {
			gpiod_line_bulk_init(&one);
			gpiod_line_bulk_add(&one, bulk->lines[i]);
			h = kernel_request(&one, config, NULL);
			if (!h) {
				saved = errno;
				while (i-- > 0)
					line_release(bulk->lines[i]);
				errno = saved;
				return -1;
			}
			bulk->lines[i]->state = LINE_REQUESTED_EVENTS;
			bulk->lines[i]->handle = h;
			h->refcount = 1;
		}
		return 0;
	}
	if (!request_is_direction(config->request_type)) {
		errno = EINVAL;
		return -1;
	}

	/* libgpiod's own checks, before the kernel's. */
	if ((config->request_type != GPIOD_LINE_REQUEST_DIRECTION_OUTPUT &&
	     (config->flags & DRIVE_FLAGS)) ||
	    (config->flags & DRIVE_FLAGS) == DRIVE_FLAGS) {
		errno = EINVAL;
		return -1;
	}

	h = kernel_request(bulk, config, default_vals);
	if (!h)
		return -1;

	for (i = 0; i < bulk->num_lines; i++) {
		bulk->lines[i]->state = LINE_REQUESTED_VALUES;
		bulk->lines[i]->handle = h;
		h->refcount++;
	}
	return 0;
}

int gpiod_line_request(struct gpiod_line *line,
		       const struct gpiod_line_request_config *config, int default_val)
{
	struct gpiod_line_bulk bulk;

	gpiod_line_bulk_init(&bulk);
	gpiod_line_bulk_add(&bulk, line);
	return gpiod_line_request_bulk(&bulk, config, &default_val);
}

/* The convenience wrappers of 1.6's helpers.c. */
static int request_one(struct gpiod_line *line, const char *consumer, int type,
		       int flags, int default_val)
{
	struct gpiod_line_request_config config = {
		.consumer = consumer, .request_type = type, .flags = flags,
	};

	return gpiod_line_request(line, &config, default_val);
}

static int request_bulk(struct gpiod_line_bulk *bulk, const char *consumer, int type,
			int flags, const int *default_vals)
{
	struct gpiod_line_request_config config = {
		.consumer = consumer, .request_type = type, .flags = flags,
	};

	return gpiod_line_request_bulk(bulk, &config, default_vals);
}

int gpiod_line_request_input(struct gpiod_line *line, const char *consumer)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_INPUT, 0, 0);
}

int gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int default_val)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, 0, default_val);
}

int gpiod_line_request_input_flags(struct gpiod_line *line, const char *consumer, int flags)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_INPUT, flags, 0);
}

int gpiod_line_request_output_flags(struct gpiod_line *line, const char *consumer,
				    int flags, int default_val)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, flags, default_val);
}

int gpiod_line_request_rising_edge_events(struct gpiod_line *line, const char *consumer)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_EVENT_RISING_EDGE, 0, 0);
}

int gpiod_line_request_falling_edge_events(struct gpiod_line *line, const char *consumer)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE, 0, 0);
}

int gpiod_line_request_both_edges_events(struct gpiod_line *line, const char *consumer)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, 0, 0);
}

int gpiod_line_request_rising_edge_events_flags(struct gpiod_line *line,
						const char *consumer, int flags)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_EVENT_RISING_EDGE, flags, 0);
}

int gpiod_line_request_falling_edge_events_flags(struct gpiod_line *line,
						 const char *consumer, int flags)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE, flags, 0);
}

int gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
					       const char *consumer, int flags)
{
	return request_one(line, consumer, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, flags, 0);
}

int gpiod_line_request_bulk_input(struct gpiod_line_bulk *bulk, const char *consumer)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_DIRECTION_INPUT, 0, NULL);
}

int gpiod_line_request_bulk_output(struct gpiod_line_bulk *bulk, const char *consumer,
				   const int *default_vals)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, 0, default_vals);
}

int gpiod_line_request_bulk_input_flags(struct gpiod_line_bulk *bulk,
					const char *consumer, int flags)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_DIRECTION_INPUT, flags, NULL);
}

int gpiod_line_request_bulk_output_flags(struct gpiod_line_bulk *bulk, const char *consumer,
					 int flags, const int *default_vals)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, flags,
			    default_vals);
}

int gpiod_line_request_bulk_rising_edge_events(struct gpiod_line_bulk *bulk,
					       const char *consumer)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_EVENT_RISING_EDGE, 0, NULL);
}

int gpiod_line_request_bulk_falling_edge_events(struct gpiod_line_bulk *bulk,
						const char *consumer)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE, 0, NULL);
}

int gpiod_line_request_bulk_both_edges_events(struct gpiod_line_bulk *bulk,
					      const char *consumer)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, 0, NULL);
}

int gpiod_line_request_bulk_rising_edge_events_flags(struct gpiod_line_bulk *bulk,
						     const char *consumer, int flags)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_EVENT_RISING_EDGE, flags, NULL);
}

int gpiod_line_request_bulk_falling_edge_events_flags(struct gpiod_line_bulk *bulk,
						      const char *consumer, int flags)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE, flags, NULL);
}

int gpiod_line_request_bulk_both_edges_events_flags(struct gpiod_line_bulk *bulk,
						    const char *consumer, int flags)
{
	return request_bulk(bulk, consumer, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, flags, NULL);
}

/*
 * As 1.6: drops this line's reference to its handle. The kernel frees the
 * handle's lines only when the last one is released, so releasing some lines
 * of a bulk request leaves all of them held.
 */
static void line_release(struct gpiod_line *line)
{
	struct handle *h = line->handle;

	if (line->state == LINE_FREE)
		return;
	line->state = LINE_FREE;
	line->handle = NULL;
	if (--h->refcount == 0) {
		kernel_release(h);
		free(h);
	}
}

void gpiod_line_release(struct gpiod_line *line)
{
	if (line_alive(line, __func__))
		line_release(line);
}

void gpiod_line_release_bulk(struct gpiod_line_bulk *bulk)
{
	unsigned int i;

	for (i = 0; i < bulk->num_lines; i++)
		gpiod_line_release(bulk->lines[i]);
}

/* ---------------------------------------------------------------------- */
/* Values: uAPI v1 GPIOHANDLE_{GET,SET}_LINE_VALUES_IOCTL on the handle of */
/* the bulk's FIRST line, in that handle's line order.                     */
/* ---------------------------------------------------------------------- */

/* A fault a test injected on any line of the handle: the ioctl fails as a real device would. */
static bool handle_faulted(struct handle *h)
{
	unsigned int i;
	uint32_t fault;

	for (i = 0; i < h->num_lines; i++) {
		fault = __atomic_load_n(&handle_rec(h, i)->fault, __ATOMIC_RELAXED);
		if (fault) {
			errno = (int)fault;
			return true;
		}
	}
	return false;
}

static int read_values(struct gpiod_line_bulk *bulk, int *values, const char *fn)
{
	int data[ST_MAX_LINES] = { 0 };
	struct st_line *rec;
	struct handle *h;
	unsigned int i;

	if (!bulk_usable(bulk, fn) || !bulk_same_chip(bulk) || !bulk_all_requested(bulk))
		return -1;

	/*
	 * As 1.6: lines requested for events are read one by one, each through
	 * its own fd (a line handle's fd among them gives its first line).
	 */
	if (bulk->lines[0]->state == LINE_REQUESTED_EVENTS) {
		for (i = 0; i < bulk->num_lines; i++) {
			h = bulk->lines[i]->handle;
			if (handle_faulted(h))
				return -1;
			rec = handle_rec(h, 0);
			values[i] = (__atomic_load_n(&rec->level, __ATOMIC_RELAXED) & 1) ^
				    !!(h->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
			__atomic_fetch_add(&rec->reads, 1, __ATOMIC_RELAXED);
		}
		return 0;
	}

	/* The kernel reads every line of the handle, in handle order. */
	h = bulk->lines[0]->handle;
	if (handle_faulted(h))
		return -1;
	for (i = 0; i < h->num_lines; i++) {
		rec = handle_rec(h, i);
		data[i] = (__atomic_load_n(&rec->level, __ATOMIC_RELAXED) & 1) ^
			  !!(h->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
		__atomic_fetch_add(&rec->reads, 1, __ATOMIC_RELAXED);
	}
	/* ... and libgpiod hands out the first num_lines of them. */
	for (i = 0; i < bulk->num_lines; i++)
		values[i] = data[i];
	return 0;
}

int gpiod_line_get_value_bulk(struct gpiod_line_bulk *bulk, int *values)
{
	struct st_header *hdr;

	if (read_values(bulk, values, __func__) < 0)
		return -1;
	hdr = bulk->lines[0]->chip->st.hdr;
	__atomic_fetch_add(&hdr->bulk_read_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&hdr->bulk_read_lines, bulk->num_lines, __ATOMIC_RELAXED);
	return 0;
}

/* As 1.6, a one-line bulk: on a line of a bigger handle, its first line's value. */
int gpiod_line_get_value(struct gpiod_line *line)
{
	struct gpiod_line_bulk bulk;
	int value;

	gpiod_line_bulk_init(&bulk);
	gpiod_line_bulk_add(&bulk, line);
	if (read_values(&bulk, &value, __func__) < 0)
		return -1;
	__atomic_fetch_add(&line->chip->st.hdr->single_read_calls, 1, __ATOMIC_RELAXED);
	return value;
}

static int write_values(struct gpiod_line_bulk *bulk, const int *values, const char *fn)
{
	int active_low, value, level;
	struct gpiod_chip *chip;
	struct st_line *rec;
	struct handle *h;
	unsigned int i;

	if (!bulk_usable(bulk, fn) || !bulk_same_chip(bulk) || !bulk_all_requested(bulk))
		return -1;

	h = bulk->lines[0]->handle;
	chip = h->chip;
	/* A lineevent fd answers only GPIOHANDLE_GET_LINE_VALUES_IOCTL. */
	if (h->event_fd >= 0) {
		errno = EINVAL;
		return -1;
	}
	if (handle_faulted(h))
		return -1;
	/* The kernel checks only the handle's first line for output. */
	if (!handle_rec(h, 0)->is_out) {
		errno = EPERM;
		return -1;
	}

	/* Every line of the handle is set; those beyond the bulk get 0. */
	active_low = !!(h->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	for (i = 0; i < h->num_lines; i++) {
		rec = handle_rec(h, i);
		value = values && i < bulk->num_lines ? !!values[i] : 0;
		level = value ^ active_low;
		__atomic_store_n(&rec->level, level, __ATOMIC_RELAXED);
		__atomic_fetch_add(&rec->writes, 1, __ATOMIC_RELAXED);
		log_event(chip->st.path, "set chip=%s offset=%u value=%d level=%d handle=%u pid=%d",
			  chip->name, h->offsets[i], value, level, h->id, (int)getpid());
	}
	return 0;
}

int gpiod_line_set_value_bulk(struct gpiod_line_bulk *bulk, const int *values)
{
	return write_values(bulk, values, __func__);
}

int gpiod_line_set_value(struct gpiod_line *line, int value)
{
	struct gpiod_line_bulk bulk;

	gpiod_line_bulk_init(&bulk);
	gpiod_line_bulk_add(&bulk, line);
	return write_values(&bulk, &value, __func__);
}


/* ---------------------------------------------------------------------- */
/* Line events: as 1.6, over the FIFO each event request holds.            */
/* ---------------------------------------------------------------------- */

/* A line handle has no events: its fd is never readable here (-1 for ppoll). */
static int line_poll_fd(struct gpiod_line *line)
{
	return line->handle ? line->handle->event_fd : -1;
}

int gpiod_line_event_wait_bulk(struct gpiod_line_bulk *bulk, const struct timespec *timeout,
			       struct gpiod_line_bulk *event_bulk)
{
	struct pollfd fds[GPIOD_LINE_BULK_MAX_LINES];
	unsigned int off, num_lines;
	int rv;

	if (!bulk_usable(bulk, __func__) || !bulk_same_chip(bulk) || !bulk_all_requested(bulk))
		return -1;

	memset(fds, 0, sizeof(fds));
	num_lines = bulk->num_lines;
	for (off = 0; off < num_lines; off++) {
		fds[off].fd = line_poll_fd(bulk->lines[off]);
		fds[off].events = POLLIN | POLLPRI;
	}

	rv = ppoll(fds, num_lines, timeout, NULL);
	if (rv <= 0)
		return rv < 0 ? -1 : 0;

	if (event_bulk)
		gpiod_line_bulk_init(event_bulk);
	for (off = 0; off < num_lines; off++) {
		if (fds[off].revents) {
			if (fds[off].revents & POLLNVAL) {
				errno = EINVAL;
				return -1;
			}
			if (event_bulk)
				gpiod_line_bulk_add(event_bulk, bulk->lines[off]);
			if (!--rv)
				break;
		}
	}
	return 1;
}

int gpiod_line_event_wait(struct gpiod_line *line, const struct timespec *timeout)
{
	struct gpiod_line_bulk bulk;

	gpiod_line_bulk_init(&bulk);
	gpiod_line_bulk_add(&bulk, line);
	return gpiod_line_event_wait_bulk(&bulk, timeout, NULL);
}

int gpiod_line_event_get_fd(struct gpiod_line *line)
{
	if (!line_alive(line, __func__))
		return -1;
	if (line->state != LINE_REQUESTED_EVENTS) {
		errno = EPERM;
		return -1;
	}
	return line->handle->event_fd;
}

/* As 1.6: one read() of whole struct gpioevent_data records, at most 16. */
int gpiod_line_event_read_fd_multiple(int fd, struct gpiod_line_event *events,
				      unsigned int num_events)
{
	struct gpioevent_data evdata[16];
	unsigned int events_read, i;
	ssize_t rd;

	memset(evdata, 0, sizeof(evdata));
	if (num_events > 16)
		num_events = 16;

	rd = read(fd, evdata, num_events * sizeof(*evdata));
	if (rd < 0)
		return -1;
	if ((size_t)rd < sizeof(*evdata)) {
		errno = EIO;
		return -1;
	}

	events_read = rd / sizeof(*evdata);
	if (events_read < num_events)
		num_events = events_read;
	for (i = 0; i < num_events; i++) {
		events[i].event_type = evdata[i].id == GPIOEVENT_EVENT_RISING_EDGE
				       ? GPIOD_LINE_EVENT_RISING_EDGE
				       : GPIOD_LINE_EVENT_FALLING_EDGE;
		events[i].ts.tv_sec = evdata[i].timestamp / 1000000000ULL;
		events[i].ts.tv_nsec = evdata[i].timestamp % 1000000000ULL;
	}
	return i;
}

int gpiod_line_event_read_fd(int fd, struct gpiod_line_event *event)
{
	return gpiod_line_event_read_fd_multiple(fd, event, 1) < 0 ? -1 : 0;
}

int gpiod_line_event_read_multiple(struct gpiod_line *line, struct gpiod_line_event *events,
				   unsigned int num_events)
{
	int fd = gpiod_line_event_get_fd(line);

	return fd < 0 ? -1 : gpiod_line_event_read_fd_multiple(fd, events, num_events);
}

int gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event)
{
	return gpiod_line_event_read_multiple(line, event, 1) < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------------- */
/* The outside world: a level change, and the event it raises.             */
/* ---------------------------------------------------------------------- */

/* uAPI v1's kfifo of events per lineevent request (GPIO_V1's 16). */
#define EVENT_QUEUE	16

struct drive_result {
	uint64_t edges;		/* level changes made */
	uint64_t queued;	/* events queued for an event request */
	uint64_t dropped;	/* events dropped: the queue was full */
	uint64_t first_ns, last_ns;	/* CLOCK_MONOTONIC of the first and last change */
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The write end of the line's event FIFO if a live process holds an event request on it, else -1. */
static int event_writer(struct gpiod_chip *chip, unsigned int offset)
{
	struct st_line *rec = &chip->rec->lines[offset];
	char path[4096];

	if (!request_is_events(rec->req_type) || !line_held(rec) ||
	    event_fifo_path(path, sizeof(path), chip->st.path, chip->name, offset) < 0)
		return -1;
	/* ENXIO: nobody has the read end open any more. */
	return open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

/*
 * What lineevent_irq_thread() does for one edge: stamp it, keep it if the
 * request wants its (logical) direction, and put it in the 16-event queue
 * unless the queue is full, in which case the NEW event is dropped.
 */
static void raise_event(int fd, struct st_line *rec, int level, uint64_t ns, struct drive_result *res)
{
	struct gpioevent_data ev;
	int rising = level ^ !!(rec->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	int queued = 0;

	if ((rec->req_type == GPIOD_LINE_REQUEST_EVENT_RISING_EDGE && !rising) ||
	    (rec->req_type == GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE && rising))
		return;
	if (ioctl(fd, FIONREAD, &queued) < 0 || queued / (int)sizeof(ev) >= EVENT_QUEUE) {
		__atomic_fetch_add(&rec->ev_dropped, 1, __ATOMIC_RELAXED);
		res->dropped++;
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.timestamp = ns;
	ev.id = rising ? GPIOEVENT_EVENT_RISING_EDGE : GPIOEVENT_EVENT_FALLING_EDGE;
	/* 16 bytes: one atomic pipe write, so records never split. */
	if (write(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
		__atomic_fetch_add(&rec->ev_queued, 1, __ATOMIC_RELAXED);
		res->queued++;
	}
}

/*
 * Pulls a line from outside (gpio-sim's pull; GpiodStandin.setLevel) `count`
 * times: to `level`, then to the other level, and so on, `interval_us` apart
 * (0: as fast as possible). Each change of the level of an undriven line
 * raises an edge for the line's event request, if any. The state file is
 * locked throughout when as fast as possible (nothing is requested or
 * released meanwhile), else for each change.
 */
__attribute__((unused))
static int standin_drive(const char *chip_name, unsigned int offset, int level,
			 uint64_t count, unsigned int interval_us, struct drive_result *res)
{
	struct gpiod_chip *chip;
	struct st_line *rec;
	struct timespec next;
	uint64_t i, ns;
	int fd = -1, locked = 0;

	memset(res, 0, sizeof(*res));
	chip = gpiod_chip_open_by_name(chip_name);
	if (!chip)
		return -1;
	if (offset >= chip->num_lines) {
		gpiod_chip_close(chip);
		errno = EINVAL;
		return -1;
	}
	rec = &chip->rec->lines[offset];
	clock_gettime(CLOCK_MONOTONIC, &next);

	for (i = 0; i < count; i++, level = !level) {
		if (!locked) {
			flock(chip->st.fd, LOCK_EX);
			locked = 1;
			fd = event_writer(chip, offset);
		}
		rec->pull = level;
		/* A line its holder drives as an output keeps its level. */
		if (!(__atomic_load_n(&rec->requested, __ATOMIC_ACQUIRE) && rec->is_out) &&
		    __atomic_exchange_n(&rec->level, (uint8_t)level, __ATOMIC_RELAXED) != level) {
			ns = monotonic_ns();
			if (!res->edges)
				res->first_ns = ns;
			res->last_ns = ns;
			res->edges++;
			if (fd >= 0)
				raise_event(fd, rec, level, ns, res);
		}
		if (interval_us && i + 1 < count) {
			if (fd >= 0)
				close(fd);
			fd = -1;
			flock(chip->st.fd, LOCK_UN);
			locked = 0;
			next.tv_nsec += (long)interval_us * 1000;
			next.tv_sec += next.tv_nsec / 1000000000L;
			next.tv_nsec %= 1000000000L;
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
				;
		}
	}
	if (fd >= 0)
		close(fd);
	if (locked)
		flock(chip->st.fd, LOCK_UN);
	log_event(chip->st.path, "drive chip=%s offset=%u edges=%llu queued=%llu dropped=%llu pid=%d",
		  chip->name, offset, (unsigned long long)res->edges, (unsigned long long)res->queued,
		  (unsigned long long)res->dropped, (int)getpid());
	gpiod_chip_close(chip);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Not emulated: reconfiguring a request, ctxless helpers. ENOTSUP.        */
/* ---------------------------------------------------------------------- */

int gpiod_line_set_config_bulk(struct gpiod_line_bulk *bulk GPIOD_UNUSED,
			       int direction GPIOD_UNUSED, int flags GPIOD_UNUSED,
			       const int *values GPIOD_UNUSED)
{
	errno = ENOTSUP;
	return -1;
}

int gpiod_line_set_flags_bulk(struct gpiod_line_bulk *bulk GPIOD_UNUSED,
			      int flags GPIOD_UNUSED)
{
	errno = ENOTSUP;
	return -1;
}

int gpiod_line_set_direction_input_bulk(struct gpiod_line_bulk *bulk GPIOD_UNUSED)
{
	errno = ENOTSUP;
	return -1;
}

int gpiod_line_set_direction_output_bulk(struct gpiod_line_bulk *bulk GPIOD_UNUSED,
					 const int *values GPIOD_UNUSED)
{
	errno = ENOTSUP;
	return -1;
}

int gpiod_ctxless_get_value(const char *device GPIOD_UNUSED, unsigned int offset GPIOD_UNUSED,
			    bool active_low GPIOD_UNUSED, const char *consumer GPIOD_UNUSED)
{
	errno = ENOTSUP;
	return -1;
}

int gpiod_ctxless_set_value(const char *device GPIOD_UNUSED, unsigned int offset GPIOD_UNUSED,
			    int value GPIOD_UNUSED, bool active_low GPIOD_UNUSED,
			    const char *consumer GPIOD_UNUSED,
			    gpiod_ctxless_set_value_cb cb GPIOD_UNUSED, void *data GPIOD_UNUSED)
{
	errno = ENOTSUP;
	return -1;
}

const char *gpiod_version_string(void)
{
	return "1.6.3-standin";
}

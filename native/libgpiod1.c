/*
 * libgpiod 1.x's edge events, for the libgpiod driver (node-libgpiod binds
 * no way to wait for or read them). libgpiod.so.2 is not linked: it is
 * dlopen()ed at the first call, preferably the very copy node-libgpiod
 * loaded (RTLD_NOLOAD), so the addon still loads where only libgpiod.so.3
 * exists. uAPI v1 gives each line its own event fd and a 16-event queue.
 *
 *   lgRequestEdges(chipName, offsets, flags, consumer[, edges]) -> handle
 *       flags: GPIOD_LINE_REQUEST_FLAG_* per line; edges: 'both' (default),
 *       'rising' or 'falling'. A failure throws with `offset` set to the
 *       line that failed and `syscall` the libgpiod call that did; the lines
 *       requested before it are released.
 *   lgFds(handle)                         -> [fd, ...] (O_NONBLOCK), in offsets' order
 *   lgReadEvents(handle, index)           -> [{ timestampNs, rising, offset }]
 *       every event queued for that line, without blocking
 *   lgGetValue(handle, index)             -> 0|1
 *   lgRelease(handle)                     (idempotent; also on collection)
 */
#include "gpio.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libgpiod 1.x's ABI (gpiod.h of 1.6): not included, it may be absent or 2.x. */
struct lg_line_event {
	struct timespec ts;
	int event_type;
};
#define LG_EVENT_RISING_EDGE 1

typedef int (*lg_request_fn)(void *line, const char *consumer, int flags);

static struct {
	int loaded;
	void *(*chip_open_by_name)(const char *name);
	void (*chip_close)(void *chip);
	void *(*chip_get_line)(void *chip, unsigned int offset);
	lg_request_fn request_rising;
	lg_request_fn request_falling;
	lg_request_fn request_both;
	int (*event_get_fd)(void *line);
	int (*event_read_fd_multiple)(int fd, struct lg_line_event *events, unsigned int num);
	int (*get_value)(void *line);
	void (*release)(void *line);
} lg;

/* Loads libgpiod 1.x's functions once; NULL, or why not (and nothing kept: a later call tries afresh). */
static const char *lg_load(void)
{
	static char why[512];
	void *so;

	if (lg.loaded)
		return NULL;
	/* The copy node-libgpiod loaded (in tests: the stand-in), else the loader's choice. */
	so = dlopen("libgpiod.so.2", RTLD_NOW | RTLD_NOLOAD);
	if (!so)
		so = dlopen("libgpiod.so.2", RTLD_NOW);
	if (!so) {
		snprintf(why, sizeof(why), "libgpiod.so.2 (libgpiod 1.x) cannot be loaded: %s", dlerror());
		return why;
	}
#define LG_SYM(field, name)                                                                      \
	do {                                                                                     \
		*(void **)&lg.field = dlsym(so, name);                                           \
		if (!lg.field) {                                                                 \
			snprintf(why, sizeof(why), "libgpiod.so.2 has no %s: not libgpiod 1.x", name); \
			memset(&lg, 0, sizeof(lg));                                              \
			dlclose(so);                                                             \
			return why;                                                              \
		}                                                                                \
	} while (0)
	LG_SYM(chip_open_by_name, "gpiod_chip_open_by_name");
	LG_SYM(chip_close, "gpiod_chip_close");
	LG_SYM(chip_get_line, "gpiod_chip_get_line");
	LG_SYM(request_rising, "gpiod_line_request_rising_edge_events_flags");
	LG_SYM(request_falling, "gpiod_line_request_falling_edge_events_flags");
	LG_SYM(request_both, "gpiod_line_request_both_edges_events_flags");
	LG_SYM(event_get_fd, "gpiod_line_event_get_fd");
	LG_SYM(event_read_fd_multiple, "gpiod_line_event_read_fd_multiple");
	LG_SYM(get_value, "gpiod_line_get_value");
	LG_SYM(release, "gpiod_line_release");
#undef LG_SYM
	/* Kept for the process's life: the one reference this addon holds. */
	lg.loaded = 1;
	return NULL;
}

/* Which request function an `edges` argument names, by libgpiod's own name. */
static const struct lg_edges {
	const char *edges;
	const char *call;
} EDGES[] = {
	{ "both", "gpiod_line_request_both_edges_events_flags" },
	{ "rising", "gpiod_line_request_rising_edge_events_flags" },
	{ "falling", "gpiod_line_request_falling_edge_events_flags" },
};

static lg_request_fn lg_request_of(const struct lg_edges *e)
{
	return e == &EDGES[0] ? lg.request_both : e == &EDGES[1] ? lg.request_rising : lg.request_falling;
}

/* One chip object of ours and the lines requested for events through it. */
struct lg_lines {
	void *chip;
	unsigned int num;
	void *lines[GPIO_V2_LINES_MAX];
	unsigned int offsets[GPIO_V2_LINES_MAX];
	int fds[GPIO_V2_LINES_MAX];
};

static void lg_release_all(struct lg_lines *l)
{
	unsigned int i;

	if (!l->chip)
		return;
	for (i = 0; i < l->num; i++)
		lg.release(l->lines[i]);
	lg.chip_close(l->chip);
	l->chip = NULL;
}

static void lg_finalize(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	lg_release_all(data);
	free(data);
}

/* Throws `e` from libgpiod's `call`, with the offset of the line it failed on. */
static napi_value throw_at(napi_env env, int e, const char *call, uint32_t offset)
{
	napi_value err = errno_error(env, e, call, NULL), v;

	if (!err)
		return NULL;
	if ((v = new_u32(env, offset)) == NULL)
		return NULL;
	NAPI_CALL(env, napi_set_named_property(env, err, "offset", v));
	napi_throw(env, err);
	return NULL;
}

/* Requests the line at `offset` on l->chip as l's next line; 0, or -1 thrown. */
static int lg_request_line(napi_env env, struct lg_lines *l, const struct lg_edges *edges, uint32_t offset, uint32_t flags, const char *consumer)
{
	void *line = lg.chip_get_line(l->chip, offset);
	int fd;

	if (!line) {
		throw_at(env, errno, "gpiod_chip_get_line", offset);
		return -1;
	}
	if (lg_request_of(edges)(line, consumer, (int)flags) < 0) {
		throw_at(env, errno, edges->call, offset);
		return -1;
	}
	fd = lg.event_get_fd(line);
	if (fd < 0 || set_nonblocking(fd) < 0) {
		int e = errno;

		lg.release(line);
		throw_at(env, e, fd < 0 ? "gpiod_line_event_get_fd" : "fcntl", offset);
		return -1;
	}
	/* Read until EAGAIN: every queued event drained, never a wait. */
	l->lines[l->num] = line;
	l->offsets[l->num] = offset;
	l->fds[l->num] = fd;
	l->num++;
	return 0;
}

napi_value lg_request_edges(napi_env env, napi_callback_info info)
{
	napi_value argv[5], handle, code, msg, err;
	size_t argc = 5;
	char name[256], consumer[GPIO_MAX_NAME_SIZE], edges[16] = "both";
	uint32_t n, m, i, off, flags;
	const struct lg_edges *which = NULL;
	struct lg_lines *l;
	const char *why;

	NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (argc < 4)
		return throw_type(env, "gpio_native: lgRequestEdges(chipName, offsets, flags, consumer[, edges])");
	if (get_string(env, argv[0], name, sizeof(name)) || get_string(env, argv[3], consumer, sizeof(consumer)))
		return NULL;
	if (argc > 4 && get_string(env, argv[4], edges, sizeof(edges)))
		return NULL;
	for (i = 0; i < sizeof(EDGES) / sizeof(EDGES[0]); i++)
		if (!strcmp(edges, EDGES[i].edges))
			which = &EDGES[i];
	if (!which)
		return throw_type(env, "gpio_native: edges must be both, rising or falling");
	if (get_length(env, argv[1], &n, "offsets") || get_length(env, argv[2], &m, "flags"))
		return NULL;
	if (n != m)
		return throw_type(env, "gpio_native: offsets and flags must be arrays of one length");
	if (n == 0 || n > GPIO_V2_LINES_MAX)
		return throw_type(env, "gpio_native: 1 to 64 lines");
	why = lg_load();
	if (why) {
		NAPI_CALL(env, napi_create_string_utf8(env, "ELIBGPIOD", NAPI_AUTO_LENGTH, &code));
		NAPI_CALL(env, napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &msg));
		NAPI_CALL(env, napi_create_error(env, code, msg, &err));
		napi_throw(env, err);
		return NULL;
	}

	l = calloc(1, sizeof(*l));
	if (!l)
		return throw_errno(env, ENOMEM, "calloc", NULL);
	l->chip = lg.chip_open_by_name(name);
	if (!l->chip) {
		int e = errno;
		char path[300];

		free(l);
		snprintf(path, sizeof(path), "/dev/%s", name);
		return throw_errno(env, e, "gpiod_chip_open_by_name", path);
	}
	for (i = 0; i < n; i++) {
		if (get_u32_at(env, argv[1], i, &off) || get_u32_at(env, argv[2], i, &flags) ||
		    lg_request_line(env, l, which, off, flags, consumer)) {
			lg_release_all(l);
			free(l);
			return NULL;
		}
	}
	if (napi_create_external(env, l, lg_finalize, NULL, &handle) != napi_ok) {
		lg_release_all(l);
		free(l);
		napi_failed(env, "napi_create_external");
		return NULL;
	}
	return handle;
}

/* The handle and, with `want_index`, a line index of it; NULL (thrown) once released. */
static struct lg_lines *lg_handle(napi_env env, napi_callback_info info, int want_index, uint32_t *index)
{
	napi_value argv[2];
	struct lg_lines *l;

	if (get_args(env, info, want_index ? 2 : 1, argv))
		return NULL;
	if (napi_get_value_external(env, argv[0], (void **)&l) != napi_ok || !l) {
		throw_type(env, "gpio_native: not a libgpiod edge handle");
		return NULL;
	}
	if (!l->chip) {
		throw_errno(env, EBADF, "libgpiod", NULL);
		return NULL;
	}
	if (want_index) {
		if (get_u32(env, argv[1], index))
			return NULL;
		if (*index >= l->num) {
			throw_range(env, "gpio_native: no such line in the handle");
			return NULL;
		}
	}
	return l;
}

napi_value lg_fds(napi_env env, napi_callback_info info)
{
	struct lg_lines *l = lg_handle(env, info, 0, NULL);
	napi_value arr, v;
	unsigned int i;

	if (!l)
		return NULL;
	NAPI_CALL(env, napi_create_array_with_length(env, l->num, &arr));
	for (i = 0; i < l->num; i++) {
		if (!(v = new_u32(env, (uint32_t)l->fds[i])))
			return NULL;
		NAPI_CALL(env, napi_set_element(env, arr, i, v));
	}
	return arr;
}

napi_value lg_read_events(napi_env env, napi_callback_info info)
{
	struct lg_line_event ev[16];
	napi_value arr, obj;
	uint32_t index = 0, count = 0;
	struct lg_lines *l = lg_handle(env, info, 1, &index);

	if (!l)
		return NULL;
	NAPI_CALL(env, napi_create_array(env, &arr));
	for (;;) {
		int got = lg.event_read_fd_multiple(l->fds[index], ev, 16), i;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return throw_errno(env, errno, "gpiod_line_event_read_fd_multiple", NULL);
		}
		for (i = 0; i < got; i++) {
			NAPI_CALL(env, napi_create_object(env, &obj));
			if (set_ns(env, obj, "timestampNs", (uint64_t)ev[i].ts.tv_sec * 1000000000ULL + (uint64_t)ev[i].ts.tv_nsec) ||
			    set_bool(env, obj, "rising", ev[i].event_type == LG_EVENT_RISING_EDGE) ||
			    set_u32(env, obj, "offset", l->offsets[index]))
				return NULL;
			NAPI_CALL(env, napi_set_element(env, arr, count++, obj));
		}
	}
	return arr;
}

napi_value lg_get_value(napi_env env, napi_callback_info info)
{
	uint32_t index = 0;
	struct lg_lines *l = lg_handle(env, info, 1, &index);
	int value;

	if (!l)
		return NULL;
	value = lg.get_value(l->lines[index]);
	if (value < 0)
		return throw_errno(env, errno, "gpiod_line_get_value", NULL);
	return new_u32(env, (uint32_t)value);
}

napi_value lg_release(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct lg_lines *l;

	if (get_args(env, info, 1, argv))
		return NULL;
	if (napi_get_value_external(env, argv[0], (void **)&l) != napi_ok || !l)
		return throw_type(env, "gpio_native: not a libgpiod edge handle");
	lg_release_all(l);
	return NULL;
}

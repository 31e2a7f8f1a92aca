/*
 * gpio_cdev: the Linux GPIO character device, uAPI v2 (Linux 5.10 and later),
 * for Node.js. No libgpiod: the kernel's ABI is the same on every
 * distribution, libgpiod 1.6 (Bookworm) or 2.x (Trixie) alike.
 *
 * Thin on purpose: each function is one or two system calls, and the driver
 * in src/adapters/gpio/cdev/ decides what to ask. Failures throw an Error
 * whose `code` is the errno name (EBUSY, EACCES, ...), with `errno` and
 * `syscall`, as Node's own fs errors do.
 *
 *   chipInfo(path)                        -> { name, label, lines }
 *   lineInfo(path, offset)                -> { name, consumer, flags, debounceUs }
 *   request(path, offsets, consumer, flags, attrs, eventBufferSize) -> fd
 *       attrs: [{ indices, flags } | { indices, values } | { indices, debounceUs }]
 *       (indices into offsets; at most 10 attributes, the kernel's limit)
 *   getValues(fd, count)                  -> [0|1, ...] for indices 0..count-1
 *   setValues(fd, indices, values)
 *   readEvents(fd)                        -> [{ timestampNs, rising, offset, seqno, lineSeqno }]
 *       every event the kernel has queued, without blocking
 *   watch(fd, onReadable)                 -> handle: libuv polls the fd on the
 *       event loop (no thread); onReadable() runs when events are queued
 *   unwatch(handle)
 *   close(fd)
 *
 * And libgpiod 1.x's edge events, for the libgpiod driver (node-libgpiod
 * binds no way to wait for or read them). libgpiod.so.2 is not linked: it is
 * dlopen()ed at the first call, preferably the very copy node-libgpiod
 * loaded (RTLD_NOLOAD), so this addon still loads where only libgpiod.so.3
 * exists. uAPI v1 gives each line its own event fd and a 16-event queue.
 *
 *   lgRequestEdges(chipName, offsets, flags, consumer[, edges]) -> handle
 *       flags: GPIOD_LINE_REQUEST_FLAG_* per line; edges: 'both' (default),
 *       'rising' or 'falling'. A failure throws with `offset` set to the
 *       line that failed; the lines requested before it are released.
 *   lgFds(handle)                         -> [fd, ...] (O_NONBLOCK), in offsets' order
 *   lgReadEvents(handle, index)           -> [{ timestampNs, rising, offset }]
 *       every event queued for that line, without blocking
 *   lgGetValue(handle, index)             -> 0|1
 *   lgRelease(handle)                     (idempotent; also on collection)
 *
 * And a reader thread, for either kind of event fd: one thread for every fd
 * of a driver (never one per line) that reads the kernel's queues as soon as
 * they are readable, whatever the JS thread is doing (a GC, a burst of
 * publishing), into a buffer that grows, and wakes JS through a uv_async_t.
 * The kernel's queue (16 events a line in uAPI v1) then only has to cover
 * the thread's own wake-up, not the event loop's.
 *
 *   readerStart(fds, offsets, format, onReady) -> handle
 *       format 1: uAPI v1 records (struct gpioevent_data, a libgpiod 1.x
 *       event fd from lgFds), offset offsets[i] for fds[i]; format 2: uAPI v2
 *       struct gpio_v2_line_event (a request fd). Every fd is made O_NONBLOCK.
 *       onReady() runs on the event loop when records (or a failure) wait.
 *   readerTake(handle) -> [{ timestampNs, rising, offset, seqno, full }]
 *       every record read since the last take; `full` marks a v1 read that
 *       found the line's 16-event queue full (later edges may be lost). Once
 *       everything is taken, throws the error that stopped the thread.
 *   readerStop(handle)                    (idempotent; before the fds are
 *       closed; also on collection and at the environment's teardown)
 */
#define NAPI_VERSION 8
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define CHECK(env, call)                                                    \
	do {                                                                \
		if ((call) != napi_ok) {                                    \
			napi_throw_error((env), NULL, "gpio_cdev: " #call); \
			return NULL;                                        \
		}                                                           \
	} while (0)

static const char *errno_name(int e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case ENODEV: return "ENODEV";
	case ENXIO: return "ENXIO";
	case ENOTTY: return "ENOTTY";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case ENOTSUP: return "ENOTSUP";
	default: return "EUNKNOWN";
	}
}

static napi_value errno_error(napi_env env, int e, const char *syscall, const char *path);

/* Throws an Error like Node's fs errors: code, errno, syscall, path. */
static napi_value throw_errno(napi_env env, int e, const char *syscall, const char *path)
{
	napi_throw(env, errno_error(env, e, syscall, path));
	return NULL;
}

static napi_value errno_error(napi_env env, int e, const char *syscall, const char *path)
{
	char msg[512];
	napi_value code, message, error, num, sc;

	snprintf(msg, sizeof(msg), "%s: %s%s%s", errno_name(e), strerror(e), path ? ", " : "", path ? path : "");
	napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
	napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
	napi_create_error(env, code, message, &error);
	napi_create_int32(env, -e, &num);
	napi_set_named_property(env, error, "errno", num);
	napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
	napi_set_named_property(env, error, "syscall", sc);
	if (path) {
		napi_value p;
		napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &p);
		napi_set_named_property(env, error, "path", p);
	}
	return error;
}

static napi_value throw_type(napi_env env, const char *msg)
{
	napi_throw_type_error(env, NULL, msg);
	return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv)
{
	size_t argc = want;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
		napi_throw_type_error(env, NULL, "gpio_cdev: missing arguments");
		return -1;
	}
	return 0;
}

static int get_string(napi_env env, napi_value v, char *buf, size_t size)
{
	size_t len;

	if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) {
		napi_throw_type_error(env, NULL, "gpio_cdev: expected a string");
		return -1;
	}
	return 0;
}

static int get_u32(napi_env env, napi_value v, uint32_t *out)
{
	if (napi_get_value_uint32(env, v, out) != napi_ok) {
		napi_throw_type_error(env, NULL, "gpio_cdev: expected a number");
		return -1;
	}
	return 0;
}

static napi_value str(napi_env env, const char *s)
{
	napi_value v;

	napi_create_string_utf8(env, s, strnlen(s, GPIO_MAX_NAME_SIZE), &v);
	return v;
}

static napi_value u32(napi_env env, uint32_t n)
{
	napi_value v;

	napi_create_uint32(env, n, &v);
	return v;
}

static int open_chip(const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

static napi_value chip_info(napi_env env, napi_callback_info info)
{
	napi_value argv[1], obj;
	char path[4096];
	struct gpiochip_info ci;
	int fd;

	if (get_args(env, info, 1, argv) || get_string(env, argv[0], path, sizeof(path)))
		return NULL;
	fd = open_chip(path);
	if (fd < 0)
		return throw_errno(env, errno, "open", path);
	memset(&ci, 0, sizeof(ci));
	if (ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &ci) < 0) {
		int e = errno;
		close(fd);
		return throw_errno(env, e, "ioctl GPIO_GET_CHIPINFO", path);
	}
	close(fd);
	CHECK(env, napi_create_object(env, &obj));
	napi_set_named_property(env, obj, "name", str(env, ci.name));
	napi_set_named_property(env, obj, "label", str(env, ci.label));
	napi_set_named_property(env, obj, "lines", u32(env, ci.lines));
	return obj;
}

static napi_value line_info(napi_env env, napi_callback_info info)
{
	napi_value argv[2], obj;
	char path[4096];
	struct gpio_v2_line_info li;
	uint32_t offset, debounce = 0, i;
	int fd;

	if (get_args(env, info, 2, argv) || get_string(env, argv[0], path, sizeof(path)) || get_u32(env, argv[1], &offset))
		return NULL;
	fd = open_chip(path);
	if (fd < 0)
		return throw_errno(env, errno, "open", path);
	memset(&li, 0, sizeof(li));
	li.offset = offset;
	if (ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0) {
		int e = errno;
		close(fd);
		return throw_errno(env, e, "ioctl GPIO_V2_GET_LINEINFO", path);
	}
	close(fd);
	for (i = 0; i < li.num_attrs && i < GPIO_V2_LINE_NUM_ATTRS_MAX; i++)
		if (li.attrs[i].id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE)
			debounce = li.attrs[i].debounce_period_us;
	CHECK(env, napi_create_object(env, &obj));
	napi_set_named_property(env, obj, "name", str(env, li.name));
	napi_set_named_property(env, obj, "consumer", str(env, li.consumer));
	napi_set_named_property(env, obj, "flags", u32(env, (uint32_t)li.flags));
	napi_set_named_property(env, obj, "debounceUs", u32(env, debounce));
	return obj;
}

/* Bitmap over the request's indices from a JS array of indices. */
static int mask_of(napi_env env, napi_value indices, uint32_t num_lines, uint64_t *mask)
{
	uint32_t n, i, idx;
	napi_value v;

	*mask = 0;
	if (napi_get_array_length(env, indices, &n) != napi_ok) {
		napi_throw_type_error(env, NULL, "gpio_cdev: indices must be an array");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (napi_get_element(env, indices, i, &v) != napi_ok || get_u32(env, v, &idx))
			return -1;
		if (idx >= num_lines) {
			napi_throw_range_error(env, NULL, "gpio_cdev: index beyond the request's lines");
			return -1;
		}
		*mask |= (uint64_t)1 << idx;
	}
	return 0;
}

static int has(napi_env env, napi_value obj, const char *key, napi_value *out)
{
	bool present = false;
	napi_valuetype t;

	if (napi_has_named_property(env, obj, key, &present) != napi_ok || !present)
		return 0;
	napi_get_named_property(env, obj, key, out);
	napi_typeof(env, *out, &t);
	return t != napi_undefined;
}

static napi_value request_lines(napi_env env, napi_callback_info info)
{
	napi_value argv[6], v, attr, indices;
	char path[4096];
	struct gpio_v2_line_request req;
	uint32_t n, i, flags, nattrs, bufsize;
	int fd;

	if (get_args(env, info, 6, argv) || get_string(env, argv[0], path, sizeof(path)))
		return NULL;
	memset(&req, 0, sizeof(req));
	if (napi_get_array_length(env, argv[1], &n) != napi_ok)
		return throw_type(env, "gpio_cdev: offsets must be an array");
	if (n == 0 || n > GPIO_V2_LINES_MAX)
		return throw_type(env, "gpio_cdev: a request holds 1 to 64 lines");
	for (i = 0; i < n; i++)
		if (napi_get_element(env, argv[1], i, &v) != napi_ok || get_u32(env, v, &req.offsets[i]))
			return NULL;
	req.num_lines = n;
	if (get_string(env, argv[2], req.consumer, sizeof(req.consumer)) || get_u32(env, argv[3], &flags))
		return NULL;
	req.config.flags = flags;
	if (napi_get_array_length(env, argv[4], &nattrs) != napi_ok)
		return throw_type(env, "gpio_cdev: attrs must be an array");
	if (nattrs > GPIO_V2_LINE_NUM_ATTRS_MAX)
		return throw_type(env, "gpio_cdev: at most 10 attributes");
	for (i = 0; i < nattrs; i++) {
		struct gpio_v2_line_config_attribute *ca = &req.config.attrs[i];
		uint32_t x;

		if (napi_get_element(env, argv[4], i, &attr) != napi_ok || !has(env, attr, "indices", &indices))
			return throw_type(env, "gpio_cdev: an attribute needs indices");
		uint64_t mask;

		if (mask_of(env, indices, n, &mask))
			return NULL;
		ca->mask = mask;
		if (has(env, attr, "flags", &v)) {
			if (get_u32(env, v, &x))
				return NULL;
			ca->attr.id = GPIO_V2_LINE_ATTR_ID_FLAGS;
			ca->attr.flags = x;
		} else if (has(env, attr, "values", &v)) {
			/* values: the indices (a subset of `indices`) to start active */
			uint64_t on;

			if (mask_of(env, v, n, &on))
				return NULL;
			ca->attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
			ca->attr.values = on;
		} else if (has(env, attr, "debounceUs", &v)) {
			if (get_u32(env, v, &x))
				return NULL;
			ca->attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
			ca->attr.debounce_period_us = x;
		} else {
			return throw_type(env, "gpio_cdev: an attribute needs flags, values or debounceUs");
		}
	}
	req.config.num_attrs = nattrs;
	if (get_u32(env, argv[5], &bufsize))
		return NULL;
	req.event_buffer_size = bufsize;

	fd = open_chip(path);
	if (fd < 0)
		return throw_errno(env, errno, "open", path);
	if (ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
		int e = errno;
		close(fd);
		return throw_errno(env, e, "ioctl GPIO_V2_GET_LINE", path);
	}
	/* The request has its own fd; the chip's is not needed to keep it. */
	close(fd);
	return u32(env, (uint32_t)req.fd);
}

static napi_value get_values(napi_env env, napi_callback_info info)
{
	napi_value argv[2], arr;
	struct gpio_v2_line_values vals;
	uint32_t fd, n, i;

	if (get_args(env, info, 2, argv) || get_u32(env, argv[0], &fd) || get_u32(env, argv[1], &n))
		return NULL;
	if (n == 0 || n > GPIO_V2_LINES_MAX)
		return throw_type(env, "gpio_cdev: count must be 1 to 64");
	vals.bits = 0;
	vals.mask = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
	if (ioctl((int)fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &vals) < 0)
		return throw_errno(env, errno, "ioctl GPIO_V2_LINE_GET_VALUES", NULL);
	CHECK(env, napi_create_array_with_length(env, n, &arr));
	for (i = 0; i < n; i++)
		napi_set_element(env, arr, i, u32(env, (uint32_t)((vals.bits >> i) & 1)));
	return arr;
}

static napi_value set_values(napi_env env, napi_callback_info info)
{
	napi_value argv[3], v;
	struct gpio_v2_line_values vals;
	uint32_t fd, n, m, i, idx, x;

	if (get_args(env, info, 3, argv) || get_u32(env, argv[0], &fd))
		return NULL;
	if (napi_get_array_length(env, argv[1], &n) != napi_ok || napi_get_array_length(env, argv[2], &m) != napi_ok || n != m)
		return throw_type(env, "gpio_cdev: indices and values must be arrays of one length");
	vals.bits = 0;
	vals.mask = 0;
	for (i = 0; i < n; i++) {
		if (napi_get_element(env, argv[1], i, &v) != napi_ok || get_u32(env, v, &idx))
			return NULL;
		if (napi_get_element(env, argv[2], i, &v) != napi_ok || get_u32(env, v, &x))
			return NULL;
		if (idx >= GPIO_V2_LINES_MAX)
			return throw_type(env, "gpio_cdev: index beyond 64");
		vals.mask |= (uint64_t)1 << idx;
		if (x)
			vals.bits |= (uint64_t)1 << idx;
	}
	if (ioctl((int)fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &vals) < 0)
		return throw_errno(env, errno, "ioctl GPIO_V2_LINE_SET_VALUES", NULL);
	return NULL;
}

static napi_value read_events(napi_env env, napi_callback_info info)
{
	napi_value argv[1], arr, obj, v;
	struct gpio_v2_line_event ev[16];
	uint32_t fd, count = 0;
	int flags;

	if (get_args(env, info, 1, argv) || get_u32(env, argv[0], &fd))
		return NULL;
	flags = fcntl((int)fd, F_GETFL);
	if (flags >= 0 && !(flags & O_NONBLOCK))
		fcntl((int)fd, F_SETFL, flags | O_NONBLOCK);
	CHECK(env, napi_create_array(env, &arr));
	for (;;) {
		ssize_t got = read((int)fd, ev, sizeof(ev));
		size_t i;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return throw_errno(env, errno, "read", NULL);
		}
		if (got == 0)
			break;
		for (i = 0; i < (size_t)got / sizeof(ev[0]); i++) {
			CHECK(env, napi_create_object(env, &obj));
			napi_create_bigint_uint64(env, ev[i].timestamp_ns, &v);
			napi_set_named_property(env, obj, "timestampNs", v);
			napi_get_boolean(env, ev[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE, &v);
			napi_set_named_property(env, obj, "rising", v);
			napi_set_named_property(env, obj, "offset", u32(env, ev[i].offset));
			napi_set_named_property(env, obj, "seqno", u32(env, ev[i].seqno));
			napi_set_named_property(env, obj, "lineSeqno", u32(env, ev[i].line_seqno));
			napi_set_element(env, arr, count++, obj);
		}
		if ((size_t)got < sizeof(ev))
			break;
	}
	return arr;
}

struct watch {
	uv_poll_t poll;
	napi_env env;
	napi_ref callback;
	int active;	/* polling, until unwatch or the handle is collected */
	int closed;	/* libuv is done with the poll handle */
	int finalized;	/* the JS handle is gone */
};

/* Freed once both libuv and JS are done with it. */
static void on_closed(uv_handle_t *handle)
{
	struct watch *w = handle->data;

	w->closed = 1;
	if (w->finalized)
		free(w);
}

static void stop_watch(napi_env env, struct watch *w)
{
	if (!w->active)
		return;
	w->active = 0;
	uv_poll_stop(&w->poll);
	napi_delete_reference(env, w->callback);
	uv_close((uv_handle_t *)&w->poll, on_closed);
}

static void finalize_watch(napi_env env, void *data, void *hint)
{
	struct watch *w = data;

	(void)hint;
	stop_watch(env, w);
	w->finalized = 1;
	if (w->closed)
		free(w);
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct watch *w = poll->data;
	napi_handle_scope scope;
	napi_value cb, global, arg, result;

	(void)events;
	if (!w->active)
		return;
	napi_open_handle_scope(w->env, &scope);
	napi_get_reference_value(w->env, w->callback, &cb);
	napi_get_global(w->env, &global);
	napi_create_int32(w->env, status, &arg);
	/* Runs on the loop thread; an exception goes to process 'uncaughtException'. */
	if (napi_make_callback(w->env, NULL, global, cb, 1, &arg, &result) == napi_pending_exception) {
		napi_value ex;

		napi_get_and_clear_last_exception(w->env, &ex);
		napi_fatal_exception(w->env, ex);
	}
	napi_close_handle_scope(w->env, scope);
}

static napi_value watch_fd(napi_env env, napi_callback_info info)
{
	napi_value argv[2], handle;
	uint32_t fd;
	struct watch *w;
	uv_loop_t *loop;
	int flags, r;

	if (get_args(env, info, 2, argv) || get_u32(env, argv[0], &fd))
		return NULL;
	flags = fcntl((int)fd, F_GETFL);
	if (flags < 0)
		return throw_errno(env, errno, "fcntl", NULL);
	fcntl((int)fd, F_SETFL, flags | O_NONBLOCK);
	CHECK(env, napi_get_uv_event_loop(env, &loop));
	w = calloc(1, sizeof(*w));
	if (!w)
		return throw_errno(env, ENOMEM, "calloc", NULL);
	w->env = env;
	w->active = 1;
	w->poll.data = w;
	r = uv_poll_init(loop, &w->poll, (int)fd);
	if (r < 0) {
		free(w);
		return throw_errno(env, -r, "uv_poll_init", NULL);
	}
	napi_create_reference(env, argv[1], 1, &w->callback);
	r = uv_poll_start(&w->poll, UV_READABLE, on_readable);
	if (r < 0) {
		w->finalized = 1;
		stop_watch(env, w);
		return throw_errno(env, -r, "uv_poll_start", NULL);
	}
	CHECK(env, napi_create_external(env, w, finalize_watch, NULL, &handle));
	return handle;
}

static napi_value unwatch_fd(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct watch *w;

	if (get_args(env, info, 1, argv))
		return NULL;
	if (napi_get_value_external(env, argv[0], (void **)&w) != napi_ok || !w)
		return throw_type(env, "gpio_cdev: not a watch handle");
	stop_watch(env, w);
	return NULL;
}

static napi_value close_fd(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	uint32_t fd;

	if (get_args(env, info, 1, argv) || get_u32(env, argv[0], &fd))
		return NULL;
	if (close((int)fd) < 0 && errno != EINTR)
		return throw_errno(env, errno, "close", NULL);
	return NULL;
}


/* ---------------------------------------------------------------------- */
/* libgpiod 1.x edge events, through the libgpiod.so.2 already loaded.    */
/* ---------------------------------------------------------------------- */

/* libgpiod 1.x's ABI (gpiod.h of 1.6): not included, it may be absent or 2.x. */
struct lg_line_event {
	struct timespec ts;
	int event_type;
};
#define LG_EVENT_RISING_EDGE 1

static struct {
	int loaded;
	void *(*chip_open_by_name)(const char *name);
	void (*chip_close)(void *chip);
	void *(*chip_get_line)(void *chip, unsigned int offset);
	int (*request_rising)(void *line, const char *consumer, int flags);
	int (*request_falling)(void *line, const char *consumer, int flags);
	int (*request_both)(void *line, const char *consumer, int flags);
	int (*event_get_fd)(void *line);
	int (*event_read_fd_multiple)(int fd, struct lg_line_event *events, unsigned int num);
	int (*get_value)(void *line);
	void (*release)(void *line);
} lg;

/* Loads libgpiod 1.x's functions once; NULL, or why not. */
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
#define LG_SYM(field, name)                                                              \
	do {                                                                             \
		*(void **)&lg.field = dlsym(so, name);                                   \
		if (!lg.field) {                                                         \
			snprintf(why, sizeof(why), "libgpiod.so.2 has no %s: not libgpiod 1.x", name); \
			return why;                                                      \
		}                                                                        \
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
	lg.loaded = 1;
	return NULL;
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

static napi_value lg_request_edges(napi_env env, napi_callback_info info)
{
	napi_value argv[5], v, handle;
	size_t argc = 5;
	char name[256], consumer[GPIO_MAX_NAME_SIZE], edges[16] = "both";
	uint32_t n, m, i, off, flags;
	int (*request)(void *, const char *, int);
	struct lg_lines *l;
	const char *why;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4)
		return throw_type(env, "gpio_cdev: lgRequestEdges(chipName, offsets, flags, consumer[, edges])");
	if (get_string(env, argv[0], name, sizeof(name)) || get_string(env, argv[3], consumer, sizeof(consumer)))
		return NULL;
	if (argc > 4 && get_string(env, argv[4], edges, sizeof(edges)))
		return NULL;
	request = !strcmp(edges, "both") ? lg.request_both : !strcmp(edges, "rising") ? lg.request_rising
		: !strcmp(edges, "falling") ? lg.request_falling : NULL;
	if (napi_get_array_length(env, argv[1], &n) != napi_ok || napi_get_array_length(env, argv[2], &m) != napi_ok || n != m)
		return throw_type(env, "gpio_cdev: offsets and flags must be arrays of one length");
	if (n == 0 || n > GPIO_V2_LINES_MAX)
		return throw_type(env, "gpio_cdev: 1 to 64 lines");
	why = lg_load();
	if (why) {
		napi_value code, msg, err;

		napi_create_string_utf8(env, "ELIBGPIOD", NAPI_AUTO_LENGTH, &code);
		napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &msg);
		napi_create_error(env, code, msg, &err);
		napi_throw(env, err);
		return NULL;
	}
	/* Looked up again now that lg is loaded. */
	request = !strcmp(edges, "both") ? lg.request_both : !strcmp(edges, "rising") ? lg.request_rising
		: !strcmp(edges, "falling") ? lg.request_falling : NULL;
	if (!request)
		return throw_type(env, "gpio_cdev: edges must be both, rising or falling");

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
		void *line;
		int fl;

		if (napi_get_element(env, argv[1], i, &v) != napi_ok || get_u32(env, v, &off) ||
		    napi_get_element(env, argv[2], i, &v) != napi_ok || get_u32(env, v, &flags)) {
			lg_release_all(l);
			free(l);
			return NULL;
		}
		line = lg.chip_get_line(l->chip, off);
		if (!line || request(line, consumer, (int)flags) < 0 || (l->fds[l->num] = lg.event_get_fd(line)) < 0) {
			int e = errno;
			napi_value err;

			if (line && l->fds[l->num] < 0)
				lg.release(line);
			lg_release_all(l);
			free(l);
			err = errno_error(env, e, "gpiod_line_request_both_edges_events_flags", NULL);
			napi_set_named_property(env, err, "offset", u32(env, off));
			napi_throw(env, err);
			return NULL;
		}
		/* Read until EAGAIN: every queued event drained, never a wait. */
		fl = fcntl(l->fds[l->num], F_GETFL);
		if (fl >= 0)
			fcntl(l->fds[l->num], F_SETFL, fl | O_NONBLOCK);
		l->lines[l->num] = line;
		l->offsets[l->num] = off;
		l->num++;
	}
	if (napi_create_external(env, l, lg_finalize, NULL, &handle) != napi_ok) {
		lg_release_all(l);
		free(l);
		return throw_errno(env, ENOMEM, "napi_create_external", NULL);
	}
	return handle;
}

/* The handle and, with `want_index`, a line index of it; NULL once released. */
static struct lg_lines *lg_handle(napi_env env, napi_callback_info info, int want_index, uint32_t *index)
{
	napi_value argv[2];
	struct lg_lines *l;

	if (get_args(env, info, want_index ? 2 : 1, argv))
		return NULL;
	if (napi_get_value_external(env, argv[0], (void **)&l) != napi_ok || !l) {
		throw_type(env, "gpio_cdev: not a libgpiod edge handle");
		return NULL;
	}
	if (!l->chip) {
		throw_errno(env, EBADF, "libgpiod", NULL);
		return NULL;
	}
	if (want_index && (get_u32(env, argv[1], index) || *index >= l->num)) {
		if (*index >= l->num)
			napi_throw_range_error(env, NULL, "gpio_cdev: no such line in the handle");
		return NULL;
	}
	return l;
}

static napi_value lg_fds(napi_env env, napi_callback_info info)
{
	struct lg_lines *l = lg_handle(env, info, 0, NULL);
	napi_value arr;
	unsigned int i;

	if (!l)
		return NULL;
	CHECK(env, napi_create_array_with_length(env, l->num, &arr));
	for (i = 0; i < l->num; i++)
		napi_set_element(env, arr, i, u32(env, (uint32_t)l->fds[i]));
	return arr;
}

static napi_value lg_read_events(napi_env env, napi_callback_info info)
{
	struct lg_line_event ev[16];
	napi_value arr, obj, v;
	uint32_t index = 0, count = 0;
	struct lg_lines *l = lg_handle(env, info, 1, &index);

	if (!l)
		return NULL;
	CHECK(env, napi_create_array(env, &arr));
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
			CHECK(env, napi_create_object(env, &obj));
			napi_create_bigint_uint64(env, (uint64_t)ev[i].ts.tv_sec * 1000000000ULL + (uint64_t)ev[i].ts.tv_nsec, &v);
			napi_set_named_property(env, obj, "timestampNs", v);
			napi_get_boolean(env, ev[i].event_type == LG_EVENT_RISING_EDGE, &v);
			napi_set_named_property(env, obj, "rising", v);
			napi_set_named_property(env, obj, "offset", u32(env, l->offsets[index]));
			napi_set_element(env, arr, count++, obj);
		}
	}
	return arr;
}

static napi_value lg_get_value(napi_env env, napi_callback_info info)
{
	uint32_t index = 0;
	struct lg_lines *l = lg_handle(env, info, 1, &index);
	int value;

	if (!l)
		return NULL;
	value = lg.get_value(l->lines[index]);
	if (value < 0)
		return throw_errno(env, errno, "gpiod_line_get_value", NULL);
	return u32(env, (uint32_t)value);
}

static napi_value lg_release(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct lg_lines *l;

	if (get_args(env, info, 1, argv))
		return NULL;
	if (napi_get_value_external(env, argv[0], (void **)&l) != napi_ok || !l)
		return throw_type(env, "gpio_cdev: not a libgpiod edge handle");
	lg_release_all(l);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* The reader thread: every event fd of a driver, read off the JS thread.  */
/* ---------------------------------------------------------------------- */

#define READER_V1 1
#define READER_V2 2
/* uAPI v1's queue per line (the kernel's kfifo): a read() that returns this many found it full. */
#define V1_QUEUE 16
#define V2_BATCH 64
/* At this many records not yet taken the thread waits for JS, and the kernel's queues fill as they would without it. */
#define READER_MAX ((size_t)1 << 18)
#define STOP_TAG UINT32_MAX

struct record {
	uint64_t timestamp_ns;
	uint32_t offset;
	uint32_t seqno;
	uint8_t rising;
	uint8_t full;
};

struct reader {
	napi_env env;
	napi_ref callback;
	uv_async_t async;
	pthread_t thread;
	int epfd, stopfd;
	int format;
	unsigned int num;
	int fds[GPIO_V2_LINES_MAX];
	uint32_t offsets[GPIO_V2_LINES_MAX];

	pthread_mutex_t lock;	/* guards the fields up to the next comment */
	pthread_cond_t room;	/* the buffer has room again, or the thread is to stop */
	struct record *buf;
	size_t len, cap;
	int stopping;
	int error;		/* the errno that ended the thread; 0 while it runs */
	const char *syscall;

	/* The loop thread's own. */
	int started;		/* the thread runs (until joined) */
	int stopped;		/* readerStop, the finalizer or the cleanup hook ran */
	int closed;		/* libuv is done with the async handle */
	int finalized;		/* the JS handle is gone */
	int hooked;		/* the environment's cleanup hook is set */
};

static void reader_free(struct reader *r)
{
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->room);
	free(r->buf);
	free(r);
}

/* With the lock held. */
static int reader_append(struct reader *r, const struct record *recs, size_t n)
{
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		struct record *b;

		while (cap < r->len + n)
			cap *= 2;
		b = realloc(r->buf, cap * sizeof(*b));
		if (!b)
			return ENOMEM;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, recs, n * sizeof(*recs));
	r->len += n;
	return 0;
}

/* Reads the i-th fd until EAGAIN, adding to *got what it appends; 0, or the errno that ends the thread. */
static int reader_drain(struct reader *r, unsigned int i, size_t *got)
{
	union {
		struct gpioevent_data v1[V1_QUEUE];
		struct gpio_v2_line_event v2[V2_BATCH];
	} ev;
	struct record recs[V2_BATCH];
	size_t size = r->format == READER_V1 ? sizeof(ev.v1) : sizeof(ev.v2);
	size_t one = r->format == READER_V1 ? sizeof(ev.v1[0]) : sizeof(ev.v2[0]);
	int full = 0, e;

	for (;;) {
		ssize_t n;
		size_t k, count;

		pthread_mutex_lock(&r->lock);
		while (r->len >= READER_MAX && !r->stopping)
			pthread_cond_wait(&r->room, &r->lock);
		e = r->stopping;
		pthread_mutex_unlock(&r->lock);
		if (e)
			return 0;
		n = read(r->fds[i], &ev, size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return errno;
		}
		/* Neither a kernel event fd nor the stand-in's FIFO (opened O_RDWR) ends; a part of a record is libgpiod's EIO. */
		if (n == 0 || (size_t)n % one != 0)
			return EIO;
		count = (size_t)n / one;
		memset(recs, 0, count * sizeof(recs[0]));
		for (k = 0; k < count; k++) {
			if (r->format == READER_V1) {
				recs[k].timestamp_ns = ev.v1[k].timestamp;
				recs[k].rising = ev.v1[k].id == GPIOEVENT_EVENT_RISING_EDGE;
				recs[k].offset = r->offsets[i];
			} else {
				recs[k].timestamp_ns = ev.v2[k].timestamp_ns;
				recs[k].rising = ev.v2[k].id == GPIO_V2_LINE_EVENT_RISING_EDGE;
				recs[k].offset = ev.v2[k].offset;
				recs[k].seqno = ev.v2[k].seqno;
			}
		}
		/* One read of 16 v1 records: the queue was full, and the kernel dropped what came next. */
		if (r->format == READER_V1 && count >= V1_QUEUE)
			full = 1;
		pthread_mutex_lock(&r->lock);
		e = reader_append(r, recs, count);
		pthread_mutex_unlock(&r->lock);
		if (e)
			return e;
		*got += count;
	}
	if (full) {
		struct record mark;

		memset(&mark, 0, sizeof(mark));
		mark.offset = r->offsets[i];
		mark.full = 1;
		pthread_mutex_lock(&r->lock);
		e = reader_append(r, &mark, 1);
		pthread_mutex_unlock(&r->lock);
		if (e)
			return e;
		*got += 1;
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct epoll_event evs[GPIO_V2_LINES_MAX + 1];
	const char *syscall = "read";
	int e = 0;

	for (;;) {
		size_t got = 0;
		int n = epoll_wait(r->epfd, evs, (int)r->num + 1, -1), k, stopping;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			syscall = "epoll_wait";
			break;
		}
		for (k = 0; k < n && !e; k++) {
			if (evs[k].data.u32 == STOP_TAG)
				return NULL;
			e = reader_drain(r, evs[k].data.u32, &got);
		}
		pthread_mutex_lock(&r->lock);
		stopping = r->stopping;
		pthread_mutex_unlock(&r->lock);
		if (stopping)
			return NULL;
		if (e)
			break;
		if (got > 0)
			uv_async_send(&r->async);
	}
	/* What was read stays to be taken; the failure comes after it. */
	pthread_mutex_lock(&r->lock);
	r->error = e;
	r->syscall = syscall;
	pthread_mutex_unlock(&r->lock);
	uv_async_send(&r->async);
	return NULL;
}

/* Freed once both libuv and JS are done with it. */
static void on_reader_closed(uv_handle_t *handle)
{
	struct reader *r = handle->data;

	r->closed = 1;
	if (r->finalized)
		reader_free(r);
}

static void reader_cleanup(void *arg);

/* Ends the thread (joined: it touches nothing after this) before the fds may be closed. */
static void stop_reader(struct reader *r)
{
	uint64_t one = 1;

	if (r->stopped)
		return;
	r->stopped = 1;
	if (r->hooked) {
		napi_remove_env_cleanup_hook(r->env, reader_cleanup, r);
		r->hooked = 0;
	}
	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	pthread_cond_broadcast(&r->room);
	pthread_mutex_unlock(&r->lock);
	if (r->started) {
		while (write(r->stopfd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
		pthread_join(r->thread, NULL);
		r->started = 0;
	}
	close(r->epfd);
	close(r->stopfd);
	napi_delete_reference(r->env, r->callback);
	uv_close((uv_handle_t *)&r->async, on_reader_closed);
}

/* The environment goes away (a worker ends, the process exits): no thread may outlive its loop. */
static void reader_cleanup(void *arg)
{
	struct reader *r = arg;

	r->hooked = 0;
	stop_reader(r);
}

static void finalize_reader(napi_env env, void *data, void *hint)
{
	struct reader *r = data;

	(void)env;
	(void)hint;
	stop_reader(r);
	r->finalized = 1;
	if (r->closed)
		reader_free(r);
}

static void on_reader_ready(uv_async_t *async)
{
	struct reader *r = async->data;
	napi_handle_scope scope;
	napi_value cb, global, result;

	if (r->stopped)
		return;
	napi_open_handle_scope(r->env, &scope);
	napi_get_reference_value(r->env, r->callback, &cb);
	napi_get_global(r->env, &global);
	/* Runs on the loop thread; an exception goes to process 'uncaughtException'. */
	if (napi_make_callback(r->env, NULL, global, cb, 0, NULL, &result) == napi_pending_exception) {
		napi_value ex;

		napi_get_and_clear_last_exception(r->env, &ex);
		napi_fatal_exception(r->env, ex);
	}
	napi_close_handle_scope(r->env, scope);
}

static napi_value reader_start(napi_env env, napi_callback_info info)
{
	napi_value argv[4], v, handle;
	napi_valuetype t;
	uint32_t n, m, i, x, format;
	struct reader *r;
	struct epoll_event ev;
	uv_loop_t *loop;
	sigset_t all, old;
	int e, flags;
	const char *syscall;

	if (get_args(env, info, 4, argv))
		return NULL;
	if (napi_get_array_length(env, argv[0], &n) != napi_ok || napi_get_array_length(env, argv[1], &m) != napi_ok || n != m)
		return throw_type(env, "gpio_cdev: fds and offsets must be arrays of one length");
	if (n == 0 || n > GPIO_V2_LINES_MAX)
		return throw_type(env, "gpio_cdev: 1 to 64 fds");
	if (get_u32(env, argv[2], &format))
		return NULL;
	if (format != READER_V1 && format != READER_V2)
		return throw_type(env, "gpio_cdev: format must be 1 (uAPI v1) or 2 (uAPI v2)");
	if (napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function)
		return throw_type(env, "gpio_cdev: onReady must be a function");
	r = calloc(1, sizeof(*r));
	if (!r)
		return throw_errno(env, ENOMEM, "calloc", NULL);
	r->env = env;
	r->format = (int)format;
	r->num = n;
	for (i = 0; i < n; i++) {
		if (napi_get_element(env, argv[0], i, &v) != napi_ok || get_u32(env, v, &x)) {
			free(r);
			return NULL;
		}
		r->fds[i] = (int)x;
		if (napi_get_element(env, argv[1], i, &v) != napi_ok || get_u32(env, v, &r->offsets[i])) {
			free(r);
			return NULL;
		}
	}
	/* The thread reads until EAGAIN: never a wait on one fd while another fills. */
	for (i = 0; i < n; i++) {
		flags = fcntl(r->fds[i], F_GETFL);
		if (flags < 0 || fcntl(r->fds[i], F_SETFL, flags | O_NONBLOCK) < 0) {
			e = errno;
			free(r);
			return throw_errno(env, e, "fcntl", NULL);
		}
	}
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		e = errno;
		free(r);
		return throw_errno(env, e, "epoll_create1", NULL);
	}
	r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->stopfd < 0) {
		e = errno;
		close(r->epfd);
		free(r);
		return throw_errno(env, e, "eventfd", NULL);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = STOP_TAG;
	syscall = "epoll_ctl";
	e = epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->stopfd, &ev) < 0 ? errno : 0;
	for (i = 0; i < n && !e; i++) {
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->fds[i], &ev) < 0)
			e = errno;
	}
	if (e) {
		close(r->epfd);
		close(r->stopfd);
		free(r);
		return throw_errno(env, e, syscall, NULL);
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->room, NULL);
	if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_async_init(loop, &r->async, on_reader_ready) < 0) {
		close(r->epfd);
		close(r->stopfd);
		reader_free(r);
		return throw_errno(env, EIO, "uv_async_init", NULL);
	}
	r->async.data = r;
	napi_create_reference(env, argv[3], 1, &r->callback);
	/* Signals stay the loop thread's (SIGCHLD, SIGINT, ...): the reader blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&r->thread, NULL, reader_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		r->finalized = 1;
		stop_reader(r);
		return throw_errno(env, e, "pthread_create", NULL);
	}
	r->started = 1;
	if (napi_create_external(env, r, finalize_reader, NULL, &handle) != napi_ok) {
		r->finalized = 1;
		stop_reader(r);
		return throw_errno(env, ENOMEM, "napi_create_external", NULL);
	}
	if (napi_add_env_cleanup_hook(env, reader_cleanup, r) == napi_ok)
		r->hooked = 1;
	return handle;
}

static struct reader *reader_handle(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct reader *r;

	if (get_args(env, info, 1, argv))
		return NULL;
	if (napi_get_value_external(env, argv[0], (void **)&r) != napi_ok || !r) {
		throw_type(env, "gpio_cdev: not a reader handle");
		return NULL;
	}
	return r;
}

static napi_value reader_take(napi_env env, napi_callback_info info)
{
	struct reader *r = reader_handle(env, info);
	struct record *buf;
	size_t len, k;
	napi_value arr, obj, v, yes, no;
	const char *syscall;
	int e;

	if (!r)
		return NULL;
	pthread_mutex_lock(&r->lock);
	buf = r->buf;
	len = r->len;
	r->buf = NULL;
	r->len = r->cap = 0;
	e = r->error;
	syscall = r->syscall;
	pthread_cond_broadcast(&r->room);
	pthread_mutex_unlock(&r->lock);
	if (len == 0 && e) {
		free(buf);
		return throw_errno(env, e, syscall, NULL);
	}
	if (napi_create_array_with_length(env, len, &arr) != napi_ok) {
		free(buf);
		napi_throw_error(env, NULL, "gpio_cdev: napi_create_array_with_length");
		return NULL;
	}
	napi_get_boolean(env, true, &yes);
	napi_get_boolean(env, false, &no);
	for (k = 0; k < len; k++) {
		const struct record *rec = &buf[k];

		napi_create_object(env, &obj);
		napi_create_bigint_uint64(env, rec->timestamp_ns, &v);
		napi_set_named_property(env, obj, "timestampNs", v);
		napi_set_named_property(env, obj, "rising", rec->rising ? yes : no);
		napi_set_named_property(env, obj, "offset", u32(env, rec->offset));
		napi_set_named_property(env, obj, "seqno", u32(env, rec->seqno));
		napi_set_named_property(env, obj, "full", rec->full ? yes : no);
		napi_set_element(env, arr, (uint32_t)k, obj);
	}
	free(buf);
	return arr;
}

static napi_value reader_stop(napi_env env, napi_callback_info info)
{
	struct reader *r = reader_handle(env, info);

	if (r)
		stop_reader(r);
	return NULL;
}

static napi_value init(napi_env env, napi_value exports)
{
	napi_property_descriptor props[] = {
		{ "chipInfo", NULL, chip_info, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "lineInfo", NULL, line_info, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "request", NULL, request_lines, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "getValues", NULL, get_values, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "setValues", NULL, set_values, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "readEvents", NULL, read_events, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "watch", NULL, watch_fd, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "unwatch", NULL, unwatch_fd, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "close", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "lgRequestEdges", NULL, lg_request_edges, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "lgFds", NULL, lg_fds, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "lgReadEvents", NULL, lg_read_events, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "lgGetValue", NULL, lg_get_value, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "lgRelease", NULL, lg_release, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "readerStart", NULL, reader_start, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "readerTake", NULL, reader_take, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "readerStop", NULL, reader_stop, NULL, NULL, NULL, napi_enumerable, NULL },
	};

	if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok)
		return NULL;
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

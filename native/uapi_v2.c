/*
 * The Linux GPIO character device, uAPI v2 (Linux 5.10 and later). No
 * libgpiod: the kernel's ABI is the same on every distribution, libgpiod 1.6
 * (Bookworm) or 2.x (Trixie) alike. Each function is one or two system
 * calls; the driver in src/adapters/gpio/cdev/ decides what to ask.
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
 *   close(fd)
 */
#include "gpio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PATH_SIZE 4096

static int open_chip(const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

/* One ioctl on the chip at `path`, opened for it and closed after; 0, or the errno with *syscall the call that failed. */
static int chip_ioctl(const char *path, unsigned long request, void *arg, const char **syscall)
{
	int fd = open_chip(path), e = 0;

	if (fd < 0) {
		*syscall = "open";
		return errno;
	}
	if (ioctl(fd, request, arg) < 0)
		e = errno;
	close(fd);
	return e;
}

napi_value v2_chip_info(napi_env env, napi_callback_info info)
{
	napi_value argv[1], obj;
	char path[PATH_SIZE];
	struct gpiochip_info ci;
	const char *syscall = "ioctl GPIO_GET_CHIPINFO";
	int e;

	if (get_args(env, info, 1, argv) || get_string(env, argv[0], path, sizeof(path)))
		return NULL;
	memset(&ci, 0, sizeof(ci));
	e = chip_ioctl(path, GPIO_GET_CHIPINFO_IOCTL, &ci, &syscall);
	if (e)
		return throw_errno(env, e, syscall, path);
	NAPI_CALL(env, napi_create_object(env, &obj));
	if (set_str(env, obj, "name", ci.name, sizeof(ci.name)) || set_str(env, obj, "label", ci.label, sizeof(ci.label)) ||
	    set_u32(env, obj, "lines", ci.lines))
		return NULL;
	return obj;
}

napi_value v2_line_info(napi_env env, napi_callback_info info)
{
	napi_value argv[2], obj;
	char path[PATH_SIZE];
	struct gpio_v2_line_info li;
	uint32_t offset, debounce = 0, i;
	const char *syscall = "ioctl GPIO_V2_GET_LINEINFO";
	int e;

	if (get_args(env, info, 2, argv) || get_string(env, argv[0], path, sizeof(path)) || get_u32(env, argv[1], &offset))
		return NULL;
	memset(&li, 0, sizeof(li));
	li.offset = offset;
	e = chip_ioctl(path, GPIO_V2_GET_LINEINFO_IOCTL, &li, &syscall);
	if (e)
		return throw_errno(env, e, syscall, path);
	for (i = 0; i < li.num_attrs && i < GPIO_V2_LINE_NUM_ATTRS_MAX; i++)
		if (li.attrs[i].id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE)
			debounce = li.attrs[i].debounce_period_us;
	NAPI_CALL(env, napi_create_object(env, &obj));
	if (set_str(env, obj, "name", li.name, sizeof(li.name)) || set_str(env, obj, "consumer", li.consumer, sizeof(li.consumer)) ||
	    set_u32(env, obj, "flags", (uint32_t)li.flags) || set_u32(env, obj, "debounceUs", debounce))
		return NULL;
	return obj;
}

/* Bitmap over the request's indices from a JS array of indices. */
static int mask_of(napi_env env, napi_value indices, uint32_t num_lines, uint64_t *mask)
{
	uint32_t n, i, idx;

	*mask = 0;
	if (get_length(env, indices, &n, "indices"))
		return -1;
	for (i = 0; i < n; i++) {
		if (get_u32_at(env, indices, i, &idx))
			return -1;
		if (idx >= num_lines) {
			throw_range(env, "gpio_native: index beyond the request's lines");
			return -1;
		}
		*mask |= (uint64_t)1 << idx;
	}
	return 0;
}

/* One attribute of a request from { indices, flags | values | debounceUs }. */
static int attr_of(napi_env env, napi_value attr, uint32_t num_lines, struct gpio_v2_line_config_attribute *ca)
{
	napi_value indices, v;
	uint32_t x;
	uint64_t mask;
	int r;

	r = has(env, attr, "indices", &indices);
	if (r <= 0) {
		if (r == 0)
			throw_type(env, "gpio_native: an attribute needs indices");
		return -1;
	}
	if (mask_of(env, indices, num_lines, &mask))
		return -1;
	ca->mask = mask;
	if ((r = has(env, attr, "flags", &v)) != 0) {
		if (r < 0 || get_u32(env, v, &x))
			return -1;
		ca->attr.id = GPIO_V2_LINE_ATTR_ID_FLAGS;
		ca->attr.flags = x;
	} else if ((r = has(env, attr, "values", &v)) != 0) {
		/* values: the indices (a subset of `indices`) to start active */
		uint64_t on;

		if (r < 0 || mask_of(env, v, num_lines, &on))
			return -1;
		ca->attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
		ca->attr.values = on;
	} else if ((r = has(env, attr, "debounceUs", &v)) != 0) {
		if (r < 0 || get_u32(env, v, &x))
			return -1;
		ca->attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
		ca->attr.debounce_period_us = x;
	} else {
		throw_type(env, "gpio_native: an attribute needs flags, values or debounceUs");
		return -1;
	}
	return 0;
}

napi_value v2_request(napi_env env, napi_callback_info info)
{
	napi_value argv[6], attr;
	char path[PATH_SIZE];
	struct gpio_v2_line_request req;
	uint32_t n, i, flags, nattrs, bufsize;
	int fd;

	if (get_args(env, info, 6, argv) || get_string(env, argv[0], path, sizeof(path)))
		return NULL;
	memset(&req, 0, sizeof(req));
	if (get_length(env, argv[1], &n, "offsets"))
		return NULL;
	if (n == 0 || n > GPIO_V2_LINES_MAX)
		return throw_type(env, "gpio_native: a request holds 1 to 64 lines");
	for (i = 0; i < n; i++)
		if (get_u32_at(env, argv[1], i, &req.offsets[i]))
			return NULL;
	req.num_lines = n;
	if (get_string(env, argv[2], req.consumer, sizeof(req.consumer)) || get_u32(env, argv[3], &flags))
		return NULL;
	req.config.flags = flags;
	if (get_length(env, argv[4], &nattrs, "attrs"))
		return NULL;
	if (nattrs > GPIO_V2_LINE_NUM_ATTRS_MAX)
		return throw_type(env, "gpio_native: at most 10 attributes");
	for (i = 0; i < nattrs; i++) {
		NAPI_CALL(env, napi_get_element(env, argv[4], i, &attr));
		if (attr_of(env, attr, n, &req.config.attrs[i]))
			return NULL;
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
	return new_u32(env, (uint32_t)req.fd);
}

napi_value v2_get_values(napi_env env, napi_callback_info info)
{
	napi_value argv[2], arr, v;
	struct gpio_v2_line_values vals;
	uint32_t fd, n, i;

	if (get_args(env, info, 2, argv) || get_u32(env, argv[0], &fd) || get_u32(env, argv[1], &n))
		return NULL;
	if (n == 0 || n > GPIO_V2_LINES_MAX)
		return throw_type(env, "gpio_native: count must be 1 to 64");
	vals.bits = 0;
	vals.mask = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
	if (ioctl((int)fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &vals) < 0)
		return throw_errno(env, errno, "ioctl GPIO_V2_LINE_GET_VALUES", NULL);
	NAPI_CALL(env, napi_create_array_with_length(env, n, &arr));
	for (i = 0; i < n; i++) {
		if (!(v = new_u32(env, (uint32_t)((vals.bits >> i) & 1))))
			return NULL;
		NAPI_CALL(env, napi_set_element(env, arr, i, v));
	}
	return arr;
}

napi_value v2_set_values(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	struct gpio_v2_line_values vals;
	uint32_t fd, n, m, i, idx, x;

	if (get_args(env, info, 3, argv) || get_u32(env, argv[0], &fd))
		return NULL;
	if (get_length(env, argv[1], &n, "indices") || get_length(env, argv[2], &m, "values"))
		return NULL;
	if (n != m)
		return throw_type(env, "gpio_native: indices and values must be arrays of one length");
	vals.bits = 0;
	vals.mask = 0;
	for (i = 0; i < n; i++) {
		if (get_u32_at(env, argv[1], i, &idx) || get_u32_at(env, argv[2], i, &x))
			return NULL;
		if (idx >= GPIO_V2_LINES_MAX)
			return throw_type(env, "gpio_native: index beyond 64");
		vals.mask |= (uint64_t)1 << idx;
		if (x)
			vals.bits |= (uint64_t)1 << idx;
	}
	if (ioctl((int)fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &vals) < 0)
		return throw_errno(env, errno, "ioctl GPIO_V2_LINE_SET_VALUES", NULL);
	return NULL;
}

napi_value v2_read_events(napi_env env, napi_callback_info info)
{
	napi_value argv[1], arr, obj;
	struct gpio_v2_line_event ev[16];
	uint32_t fd, count = 0;

	if (get_args(env, info, 1, argv) || get_u32(env, argv[0], &fd))
		return NULL;
	if (set_nonblocking((int)fd) < 0)
		return throw_errno(env, errno, "fcntl", NULL);
	NAPI_CALL(env, napi_create_array(env, &arr));
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
			NAPI_CALL(env, napi_create_object(env, &obj));
			if (set_ns(env, obj, "timestampNs", ev[i].timestamp_ns) ||
			    set_bool(env, obj, "rising", ev[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE) ||
			    set_u32(env, obj, "offset", ev[i].offset) || set_u32(env, obj, "seqno", ev[i].seqno) ||
			    set_u32(env, obj, "lineSeqno", ev[i].line_seqno))
				return NULL;
			NAPI_CALL(env, napi_set_element(env, arr, count++, obj));
		}
		if ((size_t)got < sizeof(ev))
			break;
	}
	return arr;
}

napi_value fd_close(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	uint32_t fd;

	if (get_args(env, info, 1, argv) || get_u32(env, argv[0], &fd))
		return NULL;
	if (close((int)fd) < 0 && errno != EINTR)
		return throw_errno(env, errno, "close", NULL);
	return NULL;
}

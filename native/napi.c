/*
 * The N-API glue: arguments in, values and errors out. Every status is
 * checked; a failed call throws (unless it left an exception pending) and the
 * caller returns at once, so JS never sees a half-built object.
 */
#include "gpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

void napi_failed(napi_env env, const char *call)
{
	const napi_extended_error_info *info = NULL;
	const char *why = "failed";
	bool pending = false;
	char msg[256];

	/* Read before any other call: the next one resets it. */
	if (napi_get_last_error_info(env, &info) == napi_ok && info && info->error_message)
		why = info->error_message;
	snprintf(msg, sizeof(msg), "gpio_native: %s: %s", call, why);
	if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
		return;
	napi_throw_error(env, "ENAPI", msg);
}

/* libuv's name for the errno (it knows every one Node does); EUNKNOWN for one it does not. */
static const char *errno_name(int e, char *buf, size_t size)
{
	uv_err_name_r(-e, buf, size);
	return strncmp(buf, "Unknown", 7) ? buf : "EUNKNOWN";
}

/* An Error like Node's fs errors: code, errno, syscall, path; NULL (thrown) if it cannot be built. */
napi_value errno_error(napi_env env, int e, const char *syscall, const char *path)
{
	char msg[512], buf[64];
	const char *name = errno_name(e, buf, sizeof(buf));
	napi_value code, message, error, v;

	snprintf(msg, sizeof(msg), "%s: %s%s%s", name, strerror(e), path ? ", " : "", path ? path : "");
	NAPI_CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code));
	NAPI_CALL(env, napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message));
	NAPI_CALL(env, napi_create_error(env, code, message, &error));
	NAPI_CALL(env, napi_create_int32(env, -e, &v));
	NAPI_CALL(env, napi_set_named_property(env, error, "errno", v));
	NAPI_CALL(env, napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v));
	NAPI_CALL(env, napi_set_named_property(env, error, "syscall", v));
	if (path) {
		NAPI_CALL(env, napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &v));
		NAPI_CALL(env, napi_set_named_property(env, error, "path", v));
	}
	return error;
}

napi_value throw_errno(napi_env env, int e, const char *syscall, const char *path)
{
	napi_value error = errno_error(env, e, syscall, path);

	if (error)
		napi_throw(env, error);
	return NULL;
}

napi_value throw_type(napi_env env, const char *msg)
{
	napi_throw_type_error(env, NULL, msg);
	return NULL;
}

napi_value throw_range(napi_env env, const char *msg)
{
	napi_throw_range_error(env, NULL, msg);
	return NULL;
}

int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv)
{
	size_t argc = want;

	NAPI_CALL_INT(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (argc < want) {
		napi_throw_type_error(env, NULL, "gpio_native: missing arguments");
		return -1;
	}
	return 0;
}

/* A string that fits `buf` with its NUL; a longer one is an error, never cut short. */
int get_string(napi_env env, napi_value v, char *buf, size_t size)
{
	size_t len;

	if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
		napi_throw_type_error(env, NULL, "gpio_native: expected a string");
		return -1;
	}
	if (len >= size) {
		char msg[128];

		snprintf(msg, sizeof(msg), "gpio_native: a string of %zu bytes where at most %zu fit", len, size - 1);
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
		return -1;
	}
	NAPI_CALL_INT(env, napi_get_value_string_utf8(env, v, buf, size, &len));
	return 0;
}

int get_u32(napi_env env, napi_value v, uint32_t *out)
{
	if (napi_get_value_uint32(env, v, out) != napi_ok) {
		napi_throw_type_error(env, NULL, "gpio_native: expected a number");
		return -1;
	}
	return 0;
}

int get_length(napi_env env, napi_value arr, uint32_t *n, const char *what)
{
	bool is = false;

	NAPI_CALL_INT(env, napi_is_array(env, arr, &is));
	if (!is) {
		char msg[128];

		snprintf(msg, sizeof(msg), "gpio_native: %s must be an array", what);
		napi_throw_type_error(env, NULL, msg);
		return -1;
	}
	NAPI_CALL_INT(env, napi_get_array_length(env, arr, n));
	return 0;
}

int get_u32_at(napi_env env, napi_value arr, uint32_t i, uint32_t *out)
{
	napi_value v;

	NAPI_CALL_INT(env, napi_get_element(env, arr, i, &v));
	return get_u32(env, v, out);
}

/* 1 and *out set when `obj` has `key` and it is not undefined; 0 when not; -1 thrown. */
int has(napi_env env, napi_value obj, const char *key, napi_value *out)
{
	bool present = false;
	napi_valuetype t;

	NAPI_CALL_INT(env, napi_has_named_property(env, obj, key, &present));
	if (!present)
		return 0;
	NAPI_CALL_INT(env, napi_get_named_property(env, obj, key, out));
	NAPI_CALL_INT(env, napi_typeof(env, *out, &t));
	return t != napi_undefined;
}

/* A kernel string: at most `max` bytes, NUL-terminated or not. */
int set_str(napi_env env, napi_value obj, const char *key, const char *s, size_t max)
{
	napi_value v;

	NAPI_CALL_INT(env, napi_create_string_utf8(env, s, strnlen(s, max), &v));
	NAPI_CALL_INT(env, napi_set_named_property(env, obj, key, v));
	return 0;
}

int set_u32(napi_env env, napi_value obj, const char *key, uint32_t n)
{
	napi_value v;

	NAPI_CALL_INT(env, napi_create_uint32(env, n, &v));
	NAPI_CALL_INT(env, napi_set_named_property(env, obj, key, v));
	return 0;
}

int set_bool(napi_env env, napi_value obj, const char *key, int b)
{
	napi_value v;

	NAPI_CALL_INT(env, napi_get_boolean(env, b != 0, &v));
	NAPI_CALL_INT(env, napi_set_named_property(env, obj, key, v));
	return 0;
}

int set_ns(napi_env env, napi_value obj, const char *key, uint64_t ns)
{
	napi_value v;

	NAPI_CALL_INT(env, napi_create_bigint_uint64(env, ns, &v));
	NAPI_CALL_INT(env, napi_set_named_property(env, obj, key, v));
	return 0;
}

napi_value new_u32(napi_env env, uint32_t n)
{
	napi_value v;

	NAPI_CALL(env, napi_create_uint32(env, n, &v));
	return v;
}

void call_back(napi_env env, napi_value cb, size_t argc, const napi_value *argv)
{
	napi_value global, result, ex;
	napi_status s;

	if (napi_get_global(env, &global) != napi_ok)
		return;
	s = napi_make_callback(env, NULL, global, cb, argc, argv, &result);
	if (s == napi_pending_exception && napi_get_and_clear_last_exception(env, &ex) == napi_ok)
		napi_fatal_exception(env, ex);
}

/* 0, or -1 with errno set. */
int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	if (flags & O_NONBLOCK)
		return 0;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

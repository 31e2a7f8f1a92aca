/*
 * gpio_native: the project's GPIO addon for Node.js, in four parts, one job
 * each, as the kernel's tools/gpio and libgpiod's tools are laid out:
 *
 *   napi.c      the N-API glue: arguments in, values and errors out; every
 *               N-API status checked (a failure throws, never a half object)
 *   uapi_v2.c   the kernel's GPIO character device, uAPI v2 (Linux 5.10+):
 *               chip and line info, a request, its values and queued events
 *   libgpiod1.c libgpiod 1.x's edge events, dlopen()ed (never linked)
 *   reader.c    the reader thread: every event fd of a driver, read off the
 *               JS thread into a buffer that JS takes
 *   pwm.c       the software PWM thread: the PWM lines of one request,
 *               timed with absolute clock_nanosleep, one ioctl per edge
 *   addon.c     the module: which function is which export
 *
 * Failures throw an Error whose `code` is the errno name from libuv
 * (uv_err_name: EBUSY, EACCES, ...), with `errno` and `syscall`, as Node's
 * own fs errors do. The TypeScript side: src/adapters/gpio/native/.
 */
#ifndef GPIO_NATIVE_H
#define GPIO_NATIVE_H

#define NAPI_VERSION 8
#include <linux/gpio.h>
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every N-API call in a function returning napi_value: a failure throws
 * (unless an exception is already pending) and returns NULL. The only calls
 * left unchecked are the throws themselves and the clean-up in finalizers and
 * libuv callbacks (a reference deleted, a hook removed, a scope closed),
 * which have nobody to report to.
 */
#define NAPI_CALL(env, call)                          \
	do {                                          \
		if ((call) != napi_ok) {              \
			napi_failed((env), #call);    \
			return NULL;                  \
		}                                     \
	} while (0)

/* The same in a function returning 0 or -1. */
#define NAPI_CALL_INT(env, call)                      \
	do {                                          \
		if ((call) != napi_ok) {              \
			napi_failed((env), #call);    \
			return -1;                    \
		}                                     \
	} while (0)

/* napi.c: the N-API glue */
void napi_failed(napi_env env, const char *call);
napi_value errno_error(napi_env env, int e, const char *syscall, const char *path);
napi_value throw_errno(napi_env env, int e, const char *syscall, const char *path);
napi_value throw_type(napi_env env, const char *msg);
napi_value throw_range(napi_env env, const char *msg);
int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
int get_string(napi_env env, napi_value v, char *buf, size_t size);
int get_u32(napi_env env, napi_value v, uint32_t *out);
int get_length(napi_env env, napi_value arr, uint32_t *n, const char *what);
int get_u32_at(napi_env env, napi_value arr, uint32_t i, uint32_t *out);
int has(napi_env env, napi_value obj, const char *key, napi_value *out);
int set_str(napi_env env, napi_value obj, const char *key, const char *s, size_t max);
int set_u32(napi_env env, napi_value obj, const char *key, uint32_t n);
int set_bool(napi_env env, napi_value obj, const char *key, int b);
int set_ns(napi_env env, napi_value obj, const char *key, uint64_t ns);
napi_value new_u32(napi_env env, uint32_t n);
/* Calls `cb` on the loop thread (from a libuv callback); an exception goes to process 'uncaughtException'. */
void call_back(napi_env env, napi_value cb, size_t argc, const napi_value *argv);
int set_nonblocking(int fd);

/* uapi_v2.c */
napi_value v2_chip_info(napi_env env, napi_callback_info info);
napi_value v2_line_info(napi_env env, napi_callback_info info);
napi_value v2_request(napi_env env, napi_callback_info info);
napi_value v2_get_values(napi_env env, napi_callback_info info);
napi_value v2_set_values(napi_env env, napi_callback_info info);
napi_value v2_read_events(napi_env env, napi_callback_info info);
napi_value fd_close(napi_env env, napi_callback_info info);

/* libgpiod1.c */
napi_value lg_request_edges(napi_env env, napi_callback_info info);
napi_value lg_fds(napi_env env, napi_callback_info info);
napi_value lg_read_events(napi_env env, napi_callback_info info);
napi_value lg_get_value(napi_env env, napi_callback_info info);
napi_value lg_release(napi_env env, napi_callback_info info);

/* reader.c */
napi_value reader_start(napi_env env, napi_callback_info info);
napi_value reader_take(napi_env env, napi_callback_info info);
napi_value reader_stop(napi_env env, napi_callback_info info);

/* pwm.c */
napi_value pwm_open(napi_env env, napi_callback_info info);
napi_value pwm_set(napi_env env, napi_callback_info info);
napi_value pwm_stop(napi_env env, napi_callback_info info);
napi_value pwm_close_js(napi_env env, napi_callback_info info);

#endif

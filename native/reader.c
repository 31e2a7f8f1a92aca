/*
 * The reader thread, for either kind of event fd: one thread for every fd of
 * a driver (never one per line) that reads the kernel's queues as soon as
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
 *   readerTake(handle) -> [{ timestampNs, rising, offset, seqno, full, source }]
 *       every record read since the last take; `source` is the index in fds
 *       of the fd it was read from (requests of several chips in one
 *       thread: a v2 offset is a line of its own request's chip); `full` marks a v1 read that
 *       found the line's 16-event queue full (later edges may be lost). Once
 *       everything is taken, throws the error that stopped the thread.
 *   readerStop(handle)                    (idempotent; before the fds are
 *       closed; also when the handle is collected and at the environment's
 *       teardown)
 *
 * The handle is a JS object that holds onReady itself; the addon holds it
 * only weakly, so a reader that JS forgets is collected and its thread ends.
 */
#include "gpio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <uv.h>

#define READER_V1 1
#define READER_V2 2
/* uAPI v1's queue per line (the kernel's kfifo): a read() that returns this many found it full. */
#define V1_QUEUE 16
#define V2_BATCH 64
/* At this many records not yet taken the thread waits for JS, and the kernel's queues fill as they would without it. */
#ifndef READER_MAX
#define READER_MAX ((size_t)1 << 18)
#endif
#define STOP_TAG UINT32_MAX

struct record {
	uint64_t timestamp_ns;
	uint32_t offset;
	uint32_t seqno;
	uint32_t source;	/* the index of the fd it was read from */
	uint8_t rising;
	uint8_t full;
};

struct reader {
	napi_env env;
	napi_ref self;		/* the handle, weakly: it holds onReady */
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

/*
 * Waits while the buffer is full; 1 when the thread is to stop. JS is woken
 * first: the records waiting may be ones it was never told of (they were read
 * in this round), and only its take makes room.
 */
static int reader_wait_for_room(struct reader *r)
{
	int stopping;

	pthread_mutex_lock(&r->lock);
	while (r->len >= READER_MAX && !r->stopping) {
		uv_async_send(&r->async);
		pthread_cond_wait(&r->room, &r->lock);
	}
	stopping = r->stopping;
	pthread_mutex_unlock(&r->lock);
	return stopping;
}

/* The records of one read: `count` kernel records of the i-th fd. */
static void reader_decode(const struct reader *r, unsigned int i, const void *ev, size_t count, struct record *recs)
{
	const struct gpioevent_data *v1 = ev;
	const struct gpio_v2_line_event *v2 = ev;
	size_t k;

	memset(recs, 0, count * sizeof(recs[0]));
	for (k = 0; k < count; k++) {
		recs[k].source = i;
		if (r->format == READER_V1) {
			recs[k].timestamp_ns = v1[k].timestamp;
			recs[k].rising = v1[k].id == GPIOEVENT_EVENT_RISING_EDGE;
			recs[k].offset = r->offsets[i];
		} else {
			recs[k].timestamp_ns = v2[k].timestamp_ns;
			recs[k].rising = v2[k].id == GPIO_V2_LINE_EVENT_RISING_EDGE;
			recs[k].offset = v2[k].offset;
			recs[k].seqno = v2[k].seqno;
		}
	}
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
		size_t count;

		if (reader_wait_for_room(r))
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
		reader_decode(r, i, &ev, count, recs);
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
		mark.source = i;
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
	uv_close((uv_handle_t *)&r->async, on_reader_closed);
}

/* The environment goes away (a worker ends, the process exits): no thread may outlive its loop. */
static void reader_cleanup(void *arg)
{
	struct reader *r = arg;

	r->hooked = 0;
	stop_reader(r);
}

/* The handle was collected (or never handed out): the thread ends, and r goes once libuv is done. */
static void finalize_reader(napi_env env, void *data, void *hint)
{
	struct reader *r = data;

	(void)hint;
	stop_reader(r);
	if (r->self) {
		napi_delete_reference(env, r->self);
		r->self = NULL;
	}
	r->finalized = 1;
	if (r->closed)
		reader_free(r);
}

static void on_reader_ready(uv_async_t *async)
{
	struct reader *r = async->data;
	napi_handle_scope scope;
	napi_value handle = NULL, cb;

	if (r->stopped || !r->self)
		return;
	if (napi_open_handle_scope(r->env, &scope) != napi_ok)
		return;
	/* Gone: collected, and the finalizer is about to stop the thread. */
	if (napi_get_reference_value(r->env, r->self, &handle) == napi_ok && handle &&
	    napi_get_named_property(r->env, handle, "onReady", &cb) == napi_ok)
		call_back(r->env, cb, 0, NULL);
	napi_close_handle_scope(r->env, scope);
}

/* fds and offsets into r; 0, or -1 thrown. */
static int reader_args(napi_env env, napi_value *argv, struct reader *r)
{
	uint32_t n, m, i, x, format;
	napi_valuetype t;

	if (get_length(env, argv[0], &n, "fds") || get_length(env, argv[1], &m, "offsets"))
		return -1;
	if (n != m) {
		throw_type(env, "gpio_native: fds and offsets must be arrays of one length");
		return -1;
	}
	if (n == 0 || n > GPIO_V2_LINES_MAX) {
		throw_type(env, "gpio_native: 1 to 64 fds");
		return -1;
	}
	if (get_u32(env, argv[2], &format))
		return -1;
	if (format != READER_V1 && format != READER_V2) {
		throw_type(env, "gpio_native: format must be 1 (uAPI v1) or 2 (uAPI v2)");
		return -1;
	}
	NAPI_CALL_INT(env, napi_typeof(env, argv[3], &t));
	if (t != napi_function) {
		throw_type(env, "gpio_native: onReady must be a function");
		return -1;
	}
	r->format = (int)format;
	r->num = n;
	for (i = 0; i < n; i++) {
		if (get_u32_at(env, argv[0], i, &x) || get_u32_at(env, argv[1], i, &r->offsets[i]))
			return -1;
		r->fds[i] = (int)x;
	}
	return 0;
}

/* The epoll set over the stop eventfd and every fd (made O_NONBLOCK); 0, or the errno with *syscall. */
static int reader_fds(struct reader *r, const char **syscall)
{
	struct epoll_event ev;
	unsigned int i;

	r->epfd = r->stopfd = -1;
	/* The thread reads until EAGAIN: never a wait on one fd while another fills. */
	*syscall = "fcntl";
	for (i = 0; i < r->num; i++)
		if (set_nonblocking(r->fds[i]) < 0)
			return errno;
	*syscall = "epoll_create1";
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		return errno;
	*syscall = "eventfd";
	r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->stopfd < 0)
		return errno;
	*syscall = "epoll_ctl";
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = STOP_TAG;
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->stopfd, &ev) < 0)
		return errno;
	for (i = 0; i < r->num; i++) {
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->fds[i], &ev) < 0)
			return errno;
	}
	return 0;
}

/* The JS handle: an object holding onReady (not enumerable), wrapping r, held by r weakly. */
static napi_value reader_handle_new(napi_env env, napi_value on_ready, struct reader *r)
{
	napi_value handle;
	napi_property_descriptor prop = { "onReady", NULL, NULL, NULL, NULL, on_ready, napi_default, NULL };

	NAPI_CALL(env, napi_create_object(env, &handle));
	NAPI_CALL(env, napi_define_properties(env, handle, 1, &prop));
	NAPI_CALL(env, napi_wrap(env, handle, r, finalize_reader, NULL, &r->self));
	return handle;
}

napi_value reader_start(napi_env env, napi_callback_info info)
{
	napi_value argv[4], handle;
	struct reader *r;
	uv_loop_t *loop;
	sigset_t all, old;
	int e;
	const char *syscall;

	if (get_args(env, info, 4, argv))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return throw_errno(env, ENOMEM, "calloc", NULL);
	r->env = env;
	if (reader_args(env, argv, r)) {
		free(r);
		return NULL;
	}
	e = reader_fds(r, &syscall);
	if (e) {
		if (r->epfd >= 0)
			close(r->epfd);
		if (r->stopfd >= 0)
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
	/* From here r goes through stop_reader and on_reader_closed. */
	handle = reader_handle_new(env, argv[3], r);
	if (!handle) {
		r->finalized = 1;
		stop_reader(r);
		return NULL;
	}
	/* Signals stay the loop thread's (SIGCHLD, SIGINT, ...): the reader blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&r->thread, NULL, reader_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		/* The handle's finalizer frees r once libuv is done. */
		stop_reader(r);
		return throw_errno(env, e, "pthread_create", NULL);
	}
	r->started = 1;
	if (napi_add_env_cleanup_hook(env, reader_cleanup, r) != napi_ok) {
		stop_reader(r);
		napi_failed(env, "napi_add_env_cleanup_hook");
		return NULL;
	}
	r->hooked = 1;
	return handle;
}

static struct reader *reader_of(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct reader *r = NULL;

	if (get_args(env, info, 1, argv))
		return NULL;
	if (napi_unwrap(env, argv[0], (void **)&r) != napi_ok || !r) {
		throw_type(env, "gpio_native: not a reader handle");
		return NULL;
	}
	return r;
}

/* The records as JS objects; NULL (thrown) if one cannot be made. */
static napi_value records_array(napi_env env, const struct record *buf, size_t len)
{
	napi_value arr, obj;
	size_t k;

	NAPI_CALL(env, napi_create_array_with_length(env, len, &arr));
	for (k = 0; k < len; k++) {
		const struct record *rec = &buf[k];

		NAPI_CALL(env, napi_create_object(env, &obj));
		if (set_ns(env, obj, "timestampNs", rec->timestamp_ns) || set_bool(env, obj, "rising", rec->rising) ||
		    set_u32(env, obj, "offset", rec->offset) || set_u32(env, obj, "seqno", rec->seqno) ||
		    set_bool(env, obj, "full", rec->full) || set_u32(env, obj, "source", rec->source))
			return NULL;
		NAPI_CALL(env, napi_set_element(env, arr, (uint32_t)k, obj));
	}
	return arr;
}

napi_value reader_take(napi_env env, napi_callback_info info)
{
	struct reader *r = reader_of(env, info);
	struct record *buf;
	size_t len;
	napi_value arr;
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
	arr = records_array(env, buf, len);
	free(buf);
	return arr;
}

napi_value reader_stop(napi_env env, napi_callback_info info)
{
	struct reader *r = reader_of(env, info);

	if (r)
		stop_reader(r);
	return NULL;
}
